"""The PDFs themselves: what their text says in Chinese and English, an embedded CJK
font, reuse of an unchanged report's file, and hostile user content that neither runs
nor fetches anything."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from activities.models import MeetingKind
from organizations.models import Organization
from portal.attachments.models import AttachmentKind
from portal.attachments.services import attachment_add
from reports import registry
from reports.models import ReportStatus
from reports.rendering import SafeFetcher, render_pdf
from reports.services import report_request
from tests.activities.factories import campaign_for, counseling, meeting, members
from tests.conftest import World
from tests.rectification.problems_factories import photo
from tests.reports.helpers import file_bytes, pdf_fonts, pdf_image_count, pdf_text

pytestmark = pytest.mark.django_db


def make(world: World, slug: str, language: str = "en", actor: Any = None, **params: Any):
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=actor or world.secretary,
            kind=registry.get(slug),
            params=params,
            language=language,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


@pytest.fixture
def campaign_world(world: World, media_root: Any) -> World:
    """`own` with members, a mobilization meeting (one absentee) with a photo, and
    counseling for all."""
    campaign = campaign_for(world)
    people = members(world.own, 4)
    m = meeting(
        world.own,
        campaign,
        topic="动员大会：学习党章",
        absent={people[0]: "出差在外"},
        actor=world.secretary,
    )
    attachment_add(
        actor=world.secretary,
        record=m,
        organization=world.own,
        kind=AttachmentKind.PHOTO,
        upload=photo("会场.png"),
        name="会场.png",
    )
    counseling(people, campaign, actor=world.secretary)
    return world


def test_dossier_reads_right_in_chinese(campaign_world: World, tmp_path: Path) -> None:
    world = campaign_world
    report = make(world, "org-dossier", "zh-hans", organization=world.own.pk)
    text = pdf_text(file_bytes(report), tmp_path)
    assert "中共甲公司委员会" in text
    assert "动员大会：学习党章" in text
    assert "出差在外" in text  # the absentee's reason
    assert "第1页共" in text.replace(" ", "")
    assert "基本情况" in text  # "Profile" in the zh-hans catalogue
    assert report.pages and report.pages >= 2
    assert report.file_name.endswith(".pdf") and "中共甲公司委员会" in report.file_name


def test_dossier_reads_right_in_english(campaign_world: World, tmp_path: Path) -> None:
    world = campaign_world
    report = make(world, "org-dossier", "en", organization=world.own.pk)
    text = pdf_text(file_bytes(report), tmp_path)
    for words in (
        "Organization dossier",
        "Profile",
        "Campaign checklist",
        "Meetings and attendance",
        "Page 1 of",
    ):
        assert words in text, words
    assert "中共甲公司委员会" in text
    assert f"Content hash {report.content_hash[:16]}" in text


def test_dossier_prints_no_id_numbers_and_masks_phones_without_the_right(
    campaign_world: World, tmp_path: Path
) -> None:
    """The instructor's dossier lists the members with their phones (to reach them) but
    no ID numbers, which its purpose does not need, whoever prints it."""
    world = campaign_world
    member = (
        world.own.members.filter(is_active=True).exclude(id_number="").exclude(phone="").first()
    )
    assert member is not None
    masked = pdf_text(
        file_bytes(make(world, "org-dossier", actor=world.instructor, organization=world.own.pk)),
        tmp_path,
    )
    assert member.id_number not in masked and member.masked_id not in masked
    assert member.phone not in masked and member.masked_phone in masked
    clear = pdf_text(
        file_bytes(make(world, "org-dossier", actor=world.secretary, organization=world.own.pk)),
        tmp_path,
    )
    assert member.id_number not in clear and member.masked_id not in clear
    assert member.phone in clear


def test_every_report_embeds_a_cjk_font(campaign_world: World, tmp_path: Path) -> None:
    world = campaign_world
    reports = [
        make(world, "org-dossier", "zh-hans", organization=world.own.pk),
        make(world, "rollup", "zh-hans", actor=world.office, organization=world.county.pk),
        make(
            world,
            "instructor-dossier",
            "zh-hans",
            actor=world.instructor,
            instructor=world.instructor.pk,
        ),
    ]
    for report in reports:
        fonts = pdf_fonts(file_bytes(report), tmp_path)
        assert fonts, report.kind
        assert all(embedded for _name, embedded in fonts), fonts
        assert any("WenQuanYi" in name or "Noto" in name for name, _e in fonts), fonts


def test_roll_up_shows_the_grid_and_totals(campaign_world: World, tmp_path: Path) -> None:
    world = campaign_world
    report = make(world, "rollup", "en", actor=world.office, organization=world.county.pk)
    text = pdf_text(file_bytes(report), tmp_path)
    assert "Campaign roll-up" in text and "Totals" in text and "Requirement grid" in text
    assert "中共甲公司委员会" in text and "中共丙公司支部委员会" in text  # two parks
    assert "中共丁公司支部委员会" not in text  # the other county
    zh = pdf_text(
        file_bytes(
            make(world, "rollup", "zh-hans", actor=world.office, organization=world.county.pk)
        ),
        tmp_path,
    )
    assert "第1页共" in zh.replace(" ", "") and "中共甲公司委员会" in zh


def test_instructor_dossier_covers_each_assigned_organization(
    campaign_world: World, tmp_path: Path
) -> None:
    world = campaign_world
    from portal.accounts.models import Role
    from portal.accounts.services import role_assign

    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.other)
    report = make(
        world, "instructor-dossier", "en", actor=world.instructor, instructor=world.instructor.pk
    )
    text = pdf_text(file_bytes(report), tmp_path)
    assert "Summary" in text
    assert "中共甲公司委员会" in text and "中共丙公司支部委员会" in text
    assert "中共乙公司支部委员会" not in text  # not assigned


def test_identical_request_reuses_the_file_until_the_data_change(campaign_world: World) -> None:
    world = campaign_world
    first = make(world, "org-dossier", organization=world.own.pk)
    second = make(world, "org-dossier", organization=world.own.pk)
    assert second.reused and second.file.name == first.file.name
    assert second.content_hash == first.content_hash
    other_language = make(world, "org-dossier", "zh-hans", organization=world.own.pk)
    assert not other_language.reused and other_language.file.name != first.file.name
    Organization.objects.filter(pk=world.own.pk).update(secretary_name="新书记")
    third = make(world, "org-dossier", organization=world.own.pk)
    assert not third.reused
    assert third.file.name != first.file.name and third.content_hash != first.content_hash


# --- hostile content -------------------------------------------------------------------


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """A tiny HTTP server on 127.0.0.1 that records every path asked of it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()


def hostile(base: str) -> str:
    return (
        f'<script>alert(1)</script><img src="file:///etc/passwd">'
        f'<img src="{base}/x.png"><link rel="stylesheet" href="{base}/s.css">'
    )


def test_hostile_user_text_is_escaped_and_fetches_nothing(
    campaign_world: World, recording_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    world = campaign_world
    base, hits = recording_server
    Organization.objects.filter(pk=world.own.pk).update(
        short_name="坏" + hostile(base)[:50], founding_document=hostile(base)[:100]
    )
    meeting(
        world.own,
        campaign_for(world),
        kind=MeetingKind.STUDY_SESSION,
        topic=hostile(base)[:200],
        day="2014-05-02",
    )
    report = make(world, "org-dossier", "en", organization=world.own.pk)
    text = pdf_text(file_bytes(report), tmp_path)
    assert "<script>alert(1)</script>" in text  # shown as text, not run or dropped
    assert '<img src="file:///etc/passwd">' in text
    assert "root:x:0:0" not in text
    assert hits == []


def test_fetcher_refuses_everything_but_static_files_and_own_attachments(
    campaign_world: World, recording_server: tuple[str, list[str]]
) -> None:
    """The second line of defence: raw HTML (as if escaping had failed) loads nothing
    from the network or the file system, and no attachment of another subtree."""
    world = campaign_world
    base, hits = recording_server
    own_photo = world.own.attachments.get()
    far_photo = attachment_add(
        actor=world.admin,
        record=world.far,
        organization=world.far,
        kind=AttachmentKind.PHOTO,
        upload=photo("外县.png"),
        name="外县.png",
    )
    html = (
        f'<html><body>{hostile(base)}<img src="{base.replace("http", "https")}/y.png">'
        '<img src="ftp://127.0.0.1/z.png"><img src="http://report.invalid/static/../../etc/passwd">'
        f'<img src="attachment:{own_photo.pk}"><img src="attachment:{far_photo.pk}">'
        '<img src="http://report.invalid/static/vendor/htmx/htmx.min.js">'
        "</body></html>"
    )
    result = render_pdf(html, [world.own.path])
    assert hits == []
    refused = set(result.refused)
    assert "file:///etc/passwd" in refused
    assert f"{base}/x.png" in refused and f"{base}/s.css" in refused
    assert "ftp://127.0.0.1/z.png" in refused
    assert f"attachment:{far_photo.pk}" in refused
    assert f"attachment:{own_photo.pk}" not in refused
    assert not any("htmx" in url for url in refused)  # our own static file loads


def test_fetcher_serves_a_static_file_and_refuses_traversal() -> None:
    fetcher = SafeFetcher([])
    response = fetcher.fetch("http://report.invalid/static/portal/css/portal.css")
    assert response.read()[:200]
    with pytest.raises(ValueError):
        fetcher.fetch("http://report.invalid/static/portal/../../../etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("http://report.invalid/admin/")
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"


def test_dossier_shows_the_meeting_photo(campaign_world: World, tmp_path: Path) -> None:
    world = campaign_world
    report = make(world, "org-dossier", organization=world.own.pk)
    assert pdf_image_count(file_bytes(report), tmp_path) == 1
