"""Every template obeys the CSP (no inline scripts, styles or event handlers) and the
no-CDN rule (every asset from our own static files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style[\s>]", re.I)
EVENT_ATTR = re.compile(r"\son[a-z]+\s*=", re.I)
REMOTE_ASSET = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def test_there_are_templates() -> None:
    assert len(TEMPLATES) > 5


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_inline_code_or_remote_assets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("style= attribute", STYLE_ATTR),
        ("<style> element", STYLE_TAG),
        ("on*= event handler", EVENT_ATTR),
        ("remote asset", REMOTE_ASSET),
    ]:
        if name == "<style> element" and path.parts[-2] in {"reports", "pdf"}:
            continue  # PDF templates are rendered by WeasyPrint, not served to browsers
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{name} at line {line}")
    assert not problems, problems


def test_responses_carry_a_strict_csp(client) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_comments_are_closed_on_their_line(path: Path) -> None:
    """`{# … #}` is a one-line comment in Django: opened on one line and closed on a
    later one, it is printed on the page as text (use {% comment %} instead)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    unclosed = [
        number for number, line in enumerate(lines, start=1) if line.count("{#") > line.count("#}")
    ]
    assert unclosed == [], f"{{# without #}} on lines {unclosed}"
