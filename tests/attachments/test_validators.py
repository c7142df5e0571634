from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from portal.attachments.validators import DOCX, XLSX, inspect_upload
from tests.attachments.files import PDF, jpeg_bytes, office_bytes, png_bytes, upload


def inspect(name: str, data: bytes):
    return inspect_upload(upload(name, data), name)


def test_a_real_jpeg_is_accepted_as_jpeg() -> None:
    result = inspect("photo.jpg", jpeg_bytes())
    assert (result.mime_type, result.extension) == ("image/jpeg", ".jpg")
    assert len(result.sha256) == 64


def test_a_jpg_that_is_really_text_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        inspect("photo.jpg", b"just some words, not a picture\n")
    assert exc.value.code == "unsupported"


def test_a_png_named_pdf_is_stored_as_the_png_it_is() -> None:
    result = inspect("scan.pdf", png_bytes())
    assert (result.mime_type, result.extension) == ("image/png", ".png")


def test_a_pdf_docx_and_xlsx_are_recognised_by_content() -> None:
    assert inspect("a.bin", PDF).mime_type == "application/pdf"
    assert inspect("minutes", office_bytes("word/document.xml")).mime_type == DOCX
    assert inspect("roster.docx", office_bytes("xl/workbook.xml")).extension == ".xlsx"
    assert inspect("roster.xlsx", office_bytes("xl/workbook.xml")).mime_type == XLSX


def test_a_plain_zip_or_an_office_file_without_content_types_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.exe", "MZ")
    with pytest.raises(ValidationError):
        inspect("report.docx", out.getvalue())
    with pytest.raises(ValidationError):
        inspect("report.docx", office_bytes("word/document.xml", content_types=False))


def test_plain_text_in_utf8_or_gb18030_is_accepted_under_a_text_name() -> None:
    assert inspect("心得体会.txt", "学习心得：群众路线".encode()).mime_type == "text/plain"
    assert inspect("notes.txt", "学习心得".encode("gb18030")).extension == ".txt"
    assert inspect("list.csv", b"name,hours\nA,2\n").extension == ".csv"


def test_text_under_a_script_or_page_name_and_binary_junk_are_refused() -> None:
    for name, data in [
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("run.exe", b"MZ\x90\x00\x03"),
        ("notes.txt", b"abc\x00\x01\x02binary"),
    ]:
        with pytest.raises(ValidationError):
            inspect(name, data)


def test_a_file_over_the_size_limit_is_refused(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        inspect("big.txt", b"x" * 101)
    assert exc.value.code == "too_large"
    assert inspect("small.txt", b"x" * 100).size == 100


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        inspect("empty.txt", b"")
    assert exc.value.code == "empty"


def test_a_truncated_image_is_refused() -> None:
    data = jpeg_bytes((400, 300))
    with pytest.raises(ValidationError) as exc:
        inspect("cut.jpg", data[: len(data) // 2])
    assert exc.value.code == "bad_image"


def test_a_truncated_image_is_refused_after_weasyprint_was_imported() -> None:
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported (the
    # report renderer runs in the same processes as the upload checks).
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    data = jpeg_bytes((400, 300))
    with pytest.raises(ValidationError) as exc:
        inspect("cut.jpg", data[: len(data) // 2])
    assert exc.value.code == "bad_image"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it


def test_image_polyglots_are_refused() -> None:
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("payload.html", "<b>hi</b>")
    for data in [
        png_bytes() + zipped.getvalue(),  # an image that is also a zip (GIFAR-style)
        jpeg_bytes() + b"<script>alert(document.cookie)</script>",
        b"GIF89a/*\x00\x00*/=alert(1)//" + b"\x00" * 40,
    ]:
        with pytest.raises(ValidationError):
            inspect("photo.png", data)


def test_a_decompression_bomb_is_refused(monkeypatch) -> None:
    monkeypatch.setattr("portal.attachments.validators.MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValidationError) as exc:
        inspect("huge.png", png_bytes((20, 20)))
    assert exc.value.code == "image_too_large"
