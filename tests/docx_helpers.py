"""Word documents in tests: read one with python-docx, or convert it with LibreOffice
headless the way a user's office suite would open it (issue #17).

`docx_text(data)` is quick (python-docx, every paragraph and table cell);
`libreoffice_text(data)` runs `soffice --headless --convert-to txt:Text` with a user
profile of its own (-env:UserInstallation), so parallel tests do not share one, and
returns what LibreOffice read; `libreoffice_pdf(data)` converts to PDF instead (for
pdftotext / pdftoppm). Both skip the test when LibreOffice is not installed locally
(scripts/install-system-deps.sh installs it for `make test`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import docx
import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def docx_text(data: bytes) -> str:
    """Every paragraph, then every table's cells row by row (tab-separated), of the
    body, in document order as python-docx reads them."""
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_text(child))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [_text(cell) for cell in row if cell.tag.endswith("}tc")]
                    lines.append("\t".join(cells))
    return "\n".join(lines)


def _text(element: object) -> str:
    """The text of a paragraph or cell, a line break as "\n" and paragraphs of a cell
    joined by "\n"."""
    parts: list[str] = []
    for node in element.iter():  # type: ignore[attr-defined]
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(node.text or "")
        elif tag == "br" or (tag == "p" and node is not element and parts):
            parts.append("\n")
    return "".join(parts)


def _convert(data: bytes, target: str, suffix: str) -> bytes:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="docx-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(data)
        profile = f"file:///tmp/lo-{uuid.uuid4().hex}"
        try:
            subprocess.run(  # noqa: S603 - our own arguments, no shell
                [
                    SOFFICE,
                    f"-env:UserInstallation={profile}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(folder),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        finally:
            shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
        result = folder / f"document.{suffix}"
        assert result.exists(), "LibreOffice could not open the document"
        return result.read_bytes()


def libreoffice_text(data: bytes) -> str:
    """The document's text as LibreOffice Writer reads it (txt:Text, UTF-8)."""
    return _convert(data, "txt:Text (encoded):UTF8", "txt").decode("utf-8-sig")


def libreoffice_pdf(data: bytes) -> bytes:
    """The document converted to PDF by LibreOffice Writer."""
    return _convert(data, "pdf", "pdf")
