"""Report pages: who may ask for which report (the permission matrix over own, child,
parent, sibling and other-county organizations), a request belongs to its requester
alone, and every page runs a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase

from portal.accounts.models import Role, RoleAssignment
from portal.accounts.services import role_revoke
from reports.models import ReportRequest, ReportStatus
from tests.conftest import World
from tests.reports.helpers import ask, fake_render_pdf
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

# DOWNLOAD_REPORTS: secretary, reviewer, office, instructor; the clerk only views (403).
OWN = {
    "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
    "instructor": 200, "secretary": 200, "clerk": 403, "member_user": 404, "admin": 200,
}  # fmt: skip
PARENT = {**OWN, "instructor": 404, "secretary": 404, "clerk": 404}
FAR = {**{p: 404 for p in OWN}, "anonymous": 302, "admin": 200}
MATRIX = {"own": OWN, "child": OWN, "park_a": PARENT, "sibling": PARENT, "far": FAR}


@pytest.fixture(autouse=True)
def _fast_pdf(monkeypatch: Any, media_root: Any) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)


@pytest.mark.parametrize("position", sorted(MATRIX))
def test_org_reports_page_matrix(world: World, position: str) -> None:
    org = getattr(world, position)
    check_matrix(world, f"/reports/org/{org.pk}/", MATRIX[position])


@pytest.mark.parametrize("position", sorted(MATRIX))
def test_request_confirmation_page_matrix(world: World, position: str) -> None:
    org = getattr(world, position)
    check_matrix(world, f"/reports/new/org-dossier/?organization={org.pk}", MATRIX[position])


@pytest.mark.parametrize("position", ["own", "park_a", "far"])
def test_asking_for_a_roll_up_follows_the_matrix(world: World, position: str) -> None:
    """POST: a granted persona is sent (302) to the new request's page; the others get
    the same 404 / 403 as on GET and nothing is recorded for them."""
    org = getattr(world, position)
    expected = {p: (302 if code == 200 else code) for p, code in MATRIX[position].items()}
    check_matrix(
        world, "/reports/new/rollup/", expected, method="post", data={"organization": org.pk}
    )
    granted = {p for p, code in MATRIX[position].items() if code == 200}
    requesters = set(ReportRequest.objects.values_list("requested_by__username", flat=True))
    assert requesters == {getattr(world, p).username for p in granted}


def test_unknown_kind_and_malformed_parameters_are_404(world: World) -> None:
    client = client_for(world, "secretary")
    assert (
        client.get(f"/reports/new/no-such-report/?organization={world.own.pk}").status_code == 404
    )
    assert client.get("/reports/new/org-dossier/?organization=abc").status_code == 404
    assert client.get("/reports/new/org-dossier/").status_code == 404
    assert client.post("/reports/new/org-dossier/", {"organization": "-3"}).status_code == 404


def _secretary_report(world: World) -> ReportRequest:
    return ask(client_for(world, "secretary"), "org-dossier", organization=world.own.pk)


REQUESTER_ONLY = {
    "anonymous": 302, "nobody": 404, "outsider": 404, "office": 404, "reviewer": 404,
    "instructor": 404, "secretary": 200, "clerk": 404, "member_user": 404, "admin": 404,
}  # fmt: skip


@pytest.mark.parametrize("suffix", ["", "status/", "download/"])
def test_a_request_is_its_requesters_alone(world: World, suffix: str) -> None:
    report = _secretary_report(world)
    assert report.status == ReportStatus.DONE
    check_matrix(world, f"/reports/{report.pk}/{suffix}", REQUESTER_ONLY)


def test_retry_is_the_requesters_alone(world: World) -> None:
    report = _secretary_report(world)
    ReportRequest.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error="x")
    expected = {**REQUESTER_ONLY, "secretary": 302}
    with TestCase.captureOnCommitCallbacks(execute=True):
        check_matrix(world, f"/reports/{report.pk}/retry/", expected, method="post")
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE


def test_list_shows_only_the_users_own_requests(world: World) -> None:
    _secretary_report(world)
    ask(client_for(world, "reviewer"), "rollup", organization=world.park_a.pk)
    page = client_for(world, "secretary").get("/reports/")
    assert page.status_code == 200
    assert "Organization dossier" in page.content.decode()
    assert "Campaign roll-up" not in page.content.decode()
    check_matrix(world, "/reports/", {"anonymous": 302, "nobody": 200, "secretary": 200})


def test_download_after_losing_the_right_is_refused(world: World) -> None:
    report = _secretary_report(world)
    client = client_for(world, "secretary")
    assert client.get(f"/reports/{report.pk}/download/").status_code == 200
    assignment = RoleAssignment.objects.get(user=world.secretary, role=Role.SECRETARY)
    role_revoke(actor=world.admin, assignment=assignment)
    assert client_for(world, "secretary").get(f"/reports/{report.pk}/download/").status_code == 404


def test_download_names_the_file_after_the_report_and_organization(world: World) -> None:
    report = _secretary_report(world)
    response = client_for(world, "secretary").get(f"/reports/{report.pk}/download/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Organization%20dossier-" in disposition
    assert "%E4%B8%AD%E5%85%B1" in disposition  # 中共, the organization's full name
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    b"".join(response.streaming_content)


def test_status_partial_polls_while_pending_and_stops_when_done(world: World) -> None:
    report = _secretary_report(world)
    client = client_for(world, "secretary")
    ReportRequest.objects.filter(pk=report.pk).update(status=ReportStatus.RENDERING)
    pending = client.get(f"/reports/{report.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in pending
    assert "<html" not in pending
    ReportRequest.objects.filter(pk=report.pk).update(status=ReportStatus.DONE)
    done = client.get(f"/reports/{report.pk}/status/").content.decode()
    assert "hx-trigger" not in done
    assert f"/reports/{report.pk}/download/" in done


def test_a_failed_request_shows_the_reason_and_a_retry_button(world: World) -> None:
    report = _secretary_report(world)
    ReportRequest.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, error="The report took too long to render."
    )
    page = client_for(world, "secretary").get(f"/reports/{report.pk}/").content.decode()
    assert "The report took too long to render." in page
    assert f'action="/reports/{report.pk}/retry/"' in page
    assert "hx-trigger" not in page


def test_organization_page_links_to_its_reports(world: World) -> None:
    page = client_for(world, "secretary").get(world.own.get_absolute_url()).content.decode()
    assert f'href="/reports/org/{world.own.pk}/"' in page
    assert f'href="/reports/org/{world.own.pk}/ledgers/"' in page
    # The clerk keeps the ledgers (Word) but does not print PDF reports (#17).
    clerk_page = client_for(world, "clerk").get(world.own.get_absolute_url()).content.decode()
    assert f'href="/reports/org/{world.own.pk}/"' not in clerk_page
    assert f'href="/reports/org/{world.own.pk}/ledgers/"' in clerk_page


def test_instructor_home_offers_the_dossier_of_their_organizations(world: World) -> None:
    client = client_for(world, "instructor")
    home = client.get("/").content.decode()
    assert 'action="/reports/new/instructor-dossier/"' in home
    report = ask(client, "instructor-dossier", instructor=world.instructor.pk)
    assert report.status == ReportStatus.DONE
    assert report.organization is None


def test_only_the_instructor_may_print_their_dossier(world: World) -> None:
    url = "/reports/new/instructor-dossier/"
    for persona in ("secretary", "reviewer", "office"):
        response = client_for(world, persona).post(url, {"instructor": world.instructor.pk})
        assert response.status_code == 404, persona
    response = client_for(world, "secretary").post(url, {"instructor": world.secretary.pk})
    assert response.status_code == 404  # holds no instructor role


# --- constant queries -----------------------------------------------------------------


def _grow(world: World, n: int = 10) -> None:
    for _ in range(n):
        _secretary_report(world)


def test_list_runs_constant_queries(world: World) -> None:
    _secretary_report(world)
    client = client_for(world, "secretary")
    # session, user, COUNT of the user's requests, the page's requests with their
    # organizations; navigation: grants, roles, unread notifications.
    assert_constant_queries(client, "/reports/", lambda: _grow(world), expected=7)


@pytest.mark.parametrize("suffix,expected", [("", 6), ("status/", 5), ("download/", 6)])
def test_request_pages_run_constant_queries(world: World, suffix: str, expected: int) -> None:
    report = _secretary_report(world)
    client = client_for(world, "secretary")
    # All: session, user, the request with its organization.
    # Page: + navigation (grants, roles, unread notifications).
    # Status partial: + grants, roles (the navigation's context processor; no page
    # frame, so no notification count).
    # Download: + the kind's check (organization, grants), the audit row of the
    # download (file.download).
    assert_constant_queries(
        client, f"/reports/{report.pk}/{suffix}", lambda: _grow(world), expected
    )


def test_org_reports_page_runs_constant_queries(world: World) -> None:
    client = client_for(world, "secretary")
    # session, user, organization, grants, the user's latest requests for it;
    # navigation: roles, unread notifications.
    assert_constant_queries(
        client, f"/reports/org/{world.own.pk}/", lambda: _grow(world), expected=7
    )
