"""The printable meeting record with its sign-in sheet (reports/kinds/meeting_record.py):
who may print it (404 / 403 over own, child, parent, sibling and other-county
meetings), what its PDF says in Chinese and English with an embedded CJK font, hostile
text printed as text, shared attendance on the sign-in sheet, the QR code that opens
the meeting, and the link from the meeting's page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase
from PIL import Image, ImageChops

from activities.meetings.services import Mark, participation_create
from activities.models import Meeting, MeetingKind
from portal.attachments.models import AttachmentKind
from portal.attachments.services import attachment_add
from reports import registry
from reports.kinds.meeting_record import qr_png
from reports.models import ReportRequest, ReportStatus
from reports.rendering import render_html
from reports.services import report_request
from tests.activities.factories import campaign_for, meeting, members
from tests.conftest import World
from tests.rectification.problems_factories import campaign_for as campaign_in_county
from tests.rectification.problems_factories import photo
from tests.reports.helpers import file_bytes, pdf_fonts, pdf_text, poppler
from tests.utils import check_matrix, client_for

pytestmark = pytest.mark.django_db

# DOWNLOAD_REPORTS on the holder: secretary, reviewer, office, instructor; the clerk
# sees the meeting but may not print it (403); the other county's meetings are 404.
OWN = {
    "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
    "instructor": 200, "secretary": 200, "clerk": 403, "member_user": 404, "admin": 200,
}  # fmt: skip
PARENT = {**OWN, "instructor": 404, "secretary": 404, "clerk": 404}
FAR = {**{p: 404 for p in OWN}, "anonymous": 302, "admin": 200}
MATRIX = {"own": OWN, "child": OWN, "park_a": PARENT, "sibling": PARENT, "far": FAR}

HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_SCRIPT = "<script>alert('x')</script>"


def make(world: World, meeting_pk: int, language: str, actor: Any = None) -> ReportRequest:
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=actor or world.secretary,
            kind=registry.get("meeting-record"),
            params={"meeting": meeting_pk},
            language=language,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


def own_meeting(world: World, **values: Any) -> Meeting:
    people = members(world.own, 3)
    values.setdefault("topic", "动员大会：学习党章")
    return meeting(
        world.own,
        campaign_for(world),
        absent={people[0]: "出差在外"},
        place="公司三楼会议室",
        content="书记作动员讲话。\n全体党员表态发言。",
        chair=people[1],
        minute_taker=people[2],
        actor=world.secretary,
        **values,
    )


@pytest.mark.parametrize("position", sorted(MATRIX))
def test_who_may_print_a_meeting_record_follows_the_matrix(world: World, position: str) -> None:
    org = getattr(world, position)
    m = meeting(org, campaign_in_county(world, org), topic="支部大会")
    check_matrix(world, f"/reports/new/meeting-record/?meeting={m.pk}", MATRIX[position])


def test_asking_for_another_countys_meeting_record_records_nothing(world: World) -> None:
    m = meeting(world.far, campaign_in_county(world, world.far), topic="支部大会")
    for persona in ("secretary", "reviewer", "office", "outsider"):
        response = client_for(world, persona).post(
            "/reports/new/meeting-record/", {"meeting": m.pk}
        )
        assert response.status_code == 404, persona
    assert not ReportRequest.objects.exists()


def test_a_meeting_that_does_not_exist_is_404(world: World) -> None:
    client = client_for(world, "secretary")
    assert client.get("/reports/new/meeting-record/?meeting=999999").status_code == 404


def test_meeting_record_reads_right_in_chinese_with_an_embedded_cjk_font(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    m = own_meeting(world)
    report = make(world, m.pk, "zh-hans")
    data = file_bytes(report)
    text = pdf_text(data, tmp_path)
    flat = text.replace(" ", "")
    assert "中共甲公司委员会" in text  # the holder, as issuer
    assert "动员大会：学习党章" in text
    assert "公司三楼会议室" in text
    assert "书记作动员讲话。" in text and "全体党员表态发言。" in text
    assert "出差在外" in text  # the absentee's reason
    assert "签到表" in text  # the sign-in sheet ("sign-in sheet" in the catalogue)
    assert "记录人" in text and "主持人" in text
    assert "第1页共" in flat
    fonts = pdf_fonts(data, tmp_path)
    cjk = [name for name, embedded in fonts if "WenQuanYi" in name or "CJK" in name]
    assert cjk, fonts
    assert all(embedded for _name, embedded in fonts), fonts
    assert report.pages and report.pages >= 2  # the record, then the sign-in sheet


def test_meeting_record_reads_right_in_english(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    m = own_meeting(world)
    text = pdf_text(file_bytes(make(world, m.pk, "en")), tmp_path)
    assert "Meeting record" in text
    assert "Sign-in sheet" in text
    assert "Minute-taker" in text
    assert "mobilization meeting" in text
    assert "Scan to open" in text  # the QR code's caption
    assert "Page 1 of" in text


def test_hostile_meeting_text_is_printed_as_text_and_fetches_nothing(
    world: World, media_root: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    m = own_meeting(world, topic=HOSTILE_IMG, agenda=HOSTILE_SCRIPT)
    kind = registry.get("meeting-record")
    html = render_html(kind, {"meeting": m.pk}, "en", world.own).html
    assert HOSTILE_IMG not in html and "<script" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    refused: list[str] = []
    from reports import rendering

    original = rendering.SafeFetcher._refuse

    def spy(self: Any, url: str) -> Any:
        refused.append(url)
        return original(self, url)

    monkeypatch.setattr(rendering.SafeFetcher, "_refuse", spy)
    text = pdf_text(file_bytes(make(world, m.pk, "en")), tmp_path)
    assert HOSTILE_IMG in text.replace("\n", "")
    assert HOSTILE_SCRIPT in text
    assert refused == []  # nothing was even asked for


def test_sign_in_sheet_lists_the_attending_organizations_members(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    """A park meeting attended by own's members (shared attendance): their names and
    organization are on the sign-in sheet, with the blank lines for guests after them."""
    campaign = campaign_for(world)
    guests = members(world.own, 2)
    held = meeting(world.park_a, campaign, topic="园区动员大会")
    participation_create(
        actor=world.secretary,
        organization=world.own,
        meeting=held,
        attendance={guests[1].pk: Mark(False, "病假")},
    )
    report = make(world, held.pk, "zh-hans", actor=world.reviewer)
    text = pdf_text(file_bytes(report), tmp_path)
    assert guests[0].name in text and guests[1].name in text
    assert "甲公司党委" in text  # their organization's short name
    assert "病假" in text  # the absentee's reason, under the attending organizations
    header = text[text.index("签到表") :]
    assert "签字" in header and "签到时间" in header  # a column to write the time in


def _embedded_images(data: bytes, tmp_path: Path) -> list[Image.Image]:
    path = tmp_path / "qr.pdf"
    path.write_bytes(data)
    poppler("pdfimages", "-png", str(path), str(tmp_path / "img"))
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("img-*.png"))]


def test_the_qr_code_encodes_the_meetings_address_in_the_portal(
    world: World, media_root: Any, tmp_path: Path, settings: Any
) -> None:
    """The image in the PDF is, pixel for pixel, the QR code of SITE_URL + the meeting's
    path (the encoder is deterministic), and not that of another meeting."""
    settings.SITE_URL = "https://dangjian.example.gov.cn"
    m = own_meeting(world)
    url = f"https://dangjian.example.gov.cn/campaign/meetings/{m.pk}/"
    assert m.get_absolute_url() == f"/campaign/meetings/{m.pk}/"
    context = registry.get("meeting-record").build_context({"meeting": m.pk}, "en")
    assert context["meeting_url"] == url
    images = _embedded_images(file_bytes(make(world, m.pk, "en")), tmp_path)
    assert len(images) == 1

    def same(image: Image.Image, data: str) -> bool:
        expected = Image.open(io.BytesIO(qr_png(data))).convert("L")
        return image.size == expected.size and not ImageChops.difference(image, expected).getbbox()

    assert same(images[0], url)
    assert not same(images[0], url.replace(f"/{m.pk}/", f"/{m.pk + 1}/"))


def test_meeting_photos_are_printed(world: World, media_root: Any, tmp_path: Path) -> None:
    """The meeting's photo is loaded through attachment:<pk> (scaled by the template)
    and printed with its file name."""
    m = own_meeting(world)
    attachment_add(
        actor=world.secretary,
        record=m,
        organization=world.own,
        kind=AttachmentKind.PHOTO,
        upload=photo("会场.png"),
        name="会场.png",
    )
    data = file_bytes(make(world, m.pk, "zh-hans"))
    assert len(_embedded_images(data, tmp_path)) == 2  # the photo and the QR code
    assert "会场.png" in pdf_text(data, tmp_path)


def test_meeting_page_links_to_the_record_only_for_who_may_print(world: World) -> None:
    m = meeting(world.own, campaign_for(world), kind=MeetingKind.BRANCH_GENERAL)
    # The button asks for the PDF at once: a POST with the parameter, to the request view.
    link = '<form method="post" action="/reports/new/meeting-record/" class="inline print-form">'
    param = f'<input type="hidden" name="meeting" value="{m.pk}"><button type="submit"'
    for persona, shown in (("secretary", True), ("office", True), ("clerk", False)):
        page = client_for(world, persona).get(m.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert (link in html and param in html) is shown, persona
