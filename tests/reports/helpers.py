"""Helpers of the report tests: PDF text and fonts through poppler-utils, a stand-in
for WeasyPrint where a test is about the pipeline and not the PDF, and asking for a
report the way the pages do."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.test import Client, TestCase

from reports.models import ReportRequest
from reports.rendering import RenderedPDF


def poppler(tool: str, *args: str) -> str:
    """The output of a poppler-utils tool (pdftotext, pdffonts, pdfimages)."""
    executable = shutil.which(tool)
    assert executable, f"{tool} is not installed (Debian package poppler-utils)"
    return subprocess.run(  # noqa: S603 (our own arguments)
        [executable, *args], capture_output=True, check=True, text=True
    ).stdout


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return poppler("pdftotext", "-layout", str(path), "-")


def pdf_image_count(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    return len(poppler("pdfimages", "-list", str(path)).splitlines()[2:])


def pdf_fonts(data: bytes, tmp_path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of the PDF."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = poppler("pdffonts", str(path)).splitlines()[2:]
    fonts = []
    for line in out:
        parts = line.split()
        # name type... encoding emb sub uni object ID: "emb" is the 5th field from the end
        fonts.append((parts[0], parts[-5] == "yes"))
    return fonts


def fake_render_pdf(html: str, attachment_roots: list[str]) -> RenderedPDF:
    """WeasyPrint replaced by a tiny fixed PDF (view and pipeline tests)."""
    return RenderedPDF(data=b"%PDF-1.7 fake\n" + str(len(html)).encode(), pages=1, refused=[])


def ask(client: Client, slug: str, **params: Any) -> ReportRequest:
    """POST the request as its page does, running the on-commit send (the test's
    transaction never commits); in the embedded default that renders it too."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/reports/new/{slug}/", params)
    assert response.status_code == 302, response.status_code
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    return ReportRequest.objects.get(pk=pk)


def file_bytes(report: ReportRequest) -> bytes:
    with report.file.open("rb") as handle:
        return handle.read()
