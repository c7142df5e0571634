"""The audit log: what is recorded (writes, downloads, accounts, roles) with who, when
and from where; the security auditor's page (filters, pagination, export) and its
separation from the site administrator; the auditor changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portal.accounts.models import AuditEvent, Role
from portal.accounts.services import role_assign
from tests.conftest import World
from tests.factories import UserFactory
from tests.utils import assert_constant_queries, check_matrix

pytestmark = pytest.mark.django_db

AUDIT = reverse("accounts:audit_log")


@pytest.fixture
def auditor(world: World):
    """The security auditor at the county (a root: also sees events of no organization)."""
    user = UserFactory(username="auditor")
    role_assign(actor=None, user=user, role=Role.AUDITOR, organization=world.county)
    world.auditor = user
    return user


@pytest.fixture
def park_auditor(world: World):
    user = UserFactory(username="park_auditor")
    role_assign(actor=None, user=user, role=Role.AUDITOR, organization=world.park_a)
    world.park_auditor = user
    return user


def _client(user) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(user)
    return client


# --- what is recorded ------------------------------------------------------------------------


def test_a_record_written_through_a_page_is_audited_with_who_where_and_which(
    world: World,
) -> None:
    client = _client(world.admin)
    url = reverse("organizations:edit", args=[world.own.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not hasattr(v, "pk")}
    for name in form.fields:
        value = form.initial.get(name)
        if hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, bool) and not value:
            data.pop(name, None)
    data["short_name"] = "甲公司党委（改）"
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="record.write")
    assert event.actor == world.admin
    assert event.ip == "203.0.113.9"
    assert event.object_type == "organizations.organization"
    assert event.organization_id == world.own.pk
    assert event.detail["method"] == "POST"
    assert {"model": "organizations.organization", "pk": world.own.pk, "change": "update"} in (
        event.detail["records"]
    )


def test_a_failed_form_and_an_anonymous_public_write_are_not_recorded_as_writes(
    world: World,
) -> None:
    client = _client(world.admin)
    client.post(reverse("organizations:edit", args=[world.own.pk]), {"short_name": ""})
    assert not AuditEvent.objects.filter(action="record.write").exists()


def test_role_grants_carry_the_organization_and_the_address(world: World) -> None:
    client = _client(world.accounts)
    response = client.post(
        reverse("accounts:role_add", args=[world.clerk.pk]),
        {"role": Role.INSTRUCTOR, "organization": world.child.pk},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="role.assign", actor=world.accounts)
    assert event.organization == world.child and event.ip == "203.0.113.9"
    # The service wrote its own row: no second, generic one for the same request.
    assert not AuditEvent.objects.filter(action="record.write").exists()


def test_an_export_of_personal_data_is_audited_as_a_download(world: World) -> None:
    client = _client(world.secretary)
    response = client.get(reverse("io:export", args=["members", "csv"]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="file.download")
    assert event.actor == world.secretary and event.ip == "203.0.113.9"
    assert event.object_type == "io:export"
    assert "members" in event.target


# --- the auditor's page ----------------------------------------------------------------------


def test_audit_page_permission_matrix(world: World, auditor, park_auditor) -> None:
    check_matrix(
        world,
        AUDIT,
        {
            "anonymous": 302,
            "nobody": 403,
            "outsider": 403,
            "secretary": 403,
            "clerk": 403,
            "instructor": 403,
            "reviewer": 403,
            "office": 403,
            "member_user": 403,
            # Separation of duties: the site administrator does not read the audit log.
            "admin": 403,
            "auditor": 200,
            "park_auditor": 200,
        },
    )
    check_matrix(
        world,
        reverse("accounts:audit_export", args=["csv"]),
        {"anonymous": 302, "admin": 403, "reviewer": 403, "auditor": 200},
    )
    assert _client(auditor).get(reverse("accounts:audit_export", args=["pdf"])).status_code == 404


def test_an_auditor_sees_the_events_of_their_subtree_only(
    world: World, auditor, park_auditor
) -> None:
    AuditEvent.objects.create(action="t.own", target="own-event", organization=world.own)
    AuditEvent.objects.create(action="t.other", target="other-event", organization=world.other)
    AuditEvent.objects.create(action="t.none", target="no-organization-event")
    county = _client(auditor).get(AUDIT).content
    park = _client(park_auditor).get(AUDIT).content
    assert b"own-event" in county and b"other-event" in county
    assert b"no-organization-event" in county
    assert b"own-event" in park
    assert b"other-event" not in park and b"no-organization-event" not in park


def test_audit_page_filters(world: World, auditor) -> None:
    old = timezone.now() - dt.timedelta(days=30)
    AuditEvent.objects.create(
        actor=world.secretary,
        action="record.write",
        target="meeting-1",
        object_type="activities.meeting",
        organization=world.child,
    )
    AuditEvent.objects.create(
        actor=world.reviewer, action="role.assign", target="role-1", organization=world.own
    )
    AuditEvent.objects.create(
        actor=world.clerk, action="file.download", target="old-download", at=old
    )
    client = _client(auditor)

    markers = {"meeting-1", "role-1", "old-download"}

    def shown(**params) -> set[str]:
        response = client.get(AUDIT, params)
        assert response.status_code == 200, response.content[:500]
        return {e.target for e in response.context["page"].object_list} & markers

    assert shown(who="secret") == {"meeting-1"}
    assert shown(action="role.") == {"role-1"}
    assert shown(object_type="activities.") == {"meeting-1"}
    assert shown(organization=world.own.code) == {"meeting-1", "role-1"}
    assert shown(organization=world.sibling.code) == set()
    today = timezone.localdate().isoformat()
    assert shown(date_from=today) == {"meeting-1", "role-1"}
    assert shown(date_to=(timezone.localdate() - dt.timedelta(days=10)).isoformat()) == {
        "old-download"
    }


@pytest.mark.parametrize(
    "params",
    [
        {"organization": "NO-SUCH-CODE"},
        {"date_from": "not-a-date"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"who": "x" * 500},
    ],
)
def test_bad_filters_are_field_errors(world: World, auditor, park_auditor, params) -> None:
    response = _client(auditor).get(AUDIT, params)
    assert response.status_code == 400
    assert b"errorlist" in response.content


def test_an_organization_outside_the_auditors_scope_is_a_field_error(
    world: World, park_auditor
) -> None:
    response = _client(park_auditor).get(AUDIT, {"organization": world.other.code})
    assert response.status_code == 400
    assert b"No organization with this code in your scope" in response.content


def test_audit_page_pagination_and_query_count(world: World, auditor) -> None:
    for i in range(3):
        AuditEvent.objects.create(
            actor=world.clerk, action="t", target=f"e{i}", organization=world.own
        )
    client = _client(auditor)

    def grow() -> None:
        AuditEvent.objects.bulk_create(
            AuditEvent(actor=u, action="t", target=f"g{i}", organization=o)
            for i in range(120)
            for u, o in [(world.secretary, world.child), (world.reviewer, world.park_a)][
                i % 2 : i % 2 + 1
            ]
        )

    # session, user, the auditor's roles, the menu's grants, the unread notifications,
    # the count, one page of events with actors and organizations.
    assert_constant_queries(client, AUDIT, grow, expected=7)
    page = client.get(AUDIT, {"page": 2})
    assert page.context["page"].number == 2
    assert len(page.context["page"].object_list) == 50


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_auditor_exports_the_filtered_log(world: World, auditor, fmt: str) -> None:
    AuditEvent.objects.create(
        actor=world.secretary, action="record.write", target="=HYPERLINK(1)", organization=world.own
    )
    AuditEvent.objects.create(actor=world.clerk, action="auth.login", target="clerk")
    client = _client(auditor)
    response = client.get(reverse("accounts:audit_export", args=[fmt]), {"action": "record."})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0][:3] == ["When", "Who", "Action"]
        assert [r[2] for r in rows[1:]] == ["record.write"]
        assert rows[1][4] == "'=HYPERLINK(1)"  # neutralized
    else:
        assert body[:2] == b"PK"
    # The export is itself in the log.
    event = AuditEvent.objects.get(action="file.download", actor=auditor)
    assert event.object_type == "accounts:audit_export"


def test_an_auditors_home_links_the_audit_log(world: World, auditor) -> None:
    response = _client(auditor).get(reverse("core:home"))
    assert response.status_code == 200
    assert AUDIT.encode() in response.content


# --- separation of duties --------------------------------------------------------------------


def test_the_auditor_role_is_held_alone(world: World, auditor) -> None:
    with pytest.raises(ValidationError):
        role_assign(actor=None, user=world.admin, role=Role.AUDITOR, organization=world.county)
    with pytest.raises(ValidationError):
        role_assign(actor=None, user=world.reviewer, role=Role.AUDITOR, organization=world.county)
    with pytest.raises(ValidationError):
        role_assign(actor=None, user=auditor, role=Role.REVIEWER, organization=world.park_a)


def _write_urls(world: World) -> list[str]:
    """Every URL of the portal, its arguments filled with existing objects' ids."""
    values = {"int": str(world.own.pk), "str": "members", "slug": "x", "uuid": str(uuid.uuid4())}
    urls: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith(("^", "admin")) or "(?P" in route:
                    continue
                for name, conv in p.pattern.converters.items():
                    kind = type(conv).__name__.replace("Converter", "").lower()
                    route = route.replace(f"<{kind}:{name}>", values.get(kind, "1"))
                    route = route.replace(f"<{name}>", "1")
                urls.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return urls


# The auditor's own account: log-out, language, own password and two factors, own
# notices; the public suggestion box (anonymous by design).
OWN_OR_PUBLIC = (
    "/accounts/logout/",
    "/accounts/password/",
    "/accounts/two-factor/",
    "/accounts/login/",
    "/i18n/",
    "/notifications/",
    "/box/",
    "/s/",
    "/pledges/",
    "/notice/",
)


def test_the_auditor_changes_nothing(world: World, auditor) -> None:
    """Every URL of the portal posted to as the auditor: refused (403, 404, 405), or a
    page that only shows (200, e.g. a list that ignores the method) and wrote nothing:
    the audit middleware records any write, and there is none."""
    client = _client(auditor)
    refused = 0
    answered: list[tuple[str, int]] = []
    for url in _write_urls(world):
        if url.startswith(OWN_OR_PUBLIC):
            continue
        status = client.post(url, {"name": "x", "short_name": "x", "code": "x"}).status_code
        if status in (403, 404, 405):
            refused += 1
        else:
            answered.append((url, status))
    assert all(status == 200 for _url, status in answered), answered
    assert refused > 50
    assert not AuditEvent.objects.filter(action="record.write").exists()


def test_the_admin_cannot_make_an_auditor_a_superuser(world: World, auditor) -> None:
    client = Client()
    client.force_login(world.admin)
    url = reverse("admin:accounts_user_change", args=[auditor.pk])
    response = client.post(
        url,
        {
            "username": "auditor",
            "full_name": "",
            "phone": "",
            "email": "",
            "preferred_language": "",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-id": str(auditor.role_assignments.get().pk),
            "role_assignments-0-user": str(auditor.pk),
        },
    )
    assert response.status_code == 200
    assert b"A security auditor cannot be a site administrator" in response.content
    auditor.refresh_from_db()
    assert not auditor.is_superuser and not auditor.is_staff
