"""Every reference to the product guide resolves, and nothing points outside the
repository.

The code's comments cite the guide's sections as "docs/product.md §N" (or a list such as
"docs/product.md §6.1, §7"). Each "§N" written anywhere in the repository's own text
files must be a numbered heading of docs/product.md ("## 8. Requirements and progress",
"### 6.1 Phase 1 — study and opinions"), so renumbering the guide or citing a section
that does not exist fails here. The documents a clone does not have (an outside
specification or style guide, a helpers' brief) must not be cited at all.

Pure file reading, no database: it walks the tree once (well under a second).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "product.md"
THIS = Path(__file__).resolve()

# Folders that are not the project's own text: environments, generated output,
# vendored assets, version control.
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "var",
    "test-artifacts",
    "out",
    "vendor",
    "build",
    "dist",
}
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".html",
    ".txt",
    ".toml",
    ".yml",
    ".yaml",
    ".sh",
    ".js",
    ".css",
    ".cfg",
    ".ini",
    ".po",
    ".example",
}
TEXT_NAMES = {"Makefile", "Dockerfile", "run"}

HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.MULTILINE)
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)?)")
# Written in two parts so that this file does not match itself. Plain substrings (a
# regular expression over every file is several times slower), and the one pattern
# that needs a regular expression, a section citation of the old outside specification,
# possibly across a line break.
FORBIDDEN = (
    "SPEC" + ".md",
    "STYLE" + ".md",
    "CONTRIBUTING" + "-helpers",
    "campaign-plan" + ".txt",
    "../shared" + "/",
)
OLD_CITATION = re.compile(r"\bSPEC\s*" + "§")


def outside_reference(text: str) -> bool:
    return any(word in text for word in FORBIDDEN) or (
        "§" in text and OLD_CITATION.search(text) is not None
    )


def guide_sections() -> set[str]:
    return set(HEADING.findall(GUIDE.read_text(encoding="utf-8")))


def project_text_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder) / name
            if path == THIS:
                continue
            if path.suffix in TEXT_SUFFIXES or name in TEXT_NAMES:
                found.append(path)
    return found


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def test_guide_has_the_twelve_numbered_sections_and_the_three_phases():
    sections = guide_sections()
    assert {str(n) for n in range(1, 13)} <= sections
    assert {"6.1", "6.2", "6.3"} <= sections


def test_every_section_reference_is_a_heading_of_the_guide():
    sections = guide_sections()
    dangling = []
    for path in project_text_files():
        text = read(path)
        if "§" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for section in SECTION.findall(line):
                if section not in sections:
                    dangling.append(f"{path.relative_to(ROOT)}:{number}: §{section}")
    assert not dangling, "sections not in docs/product.md:\n" + "\n".join(dangling)


def test_no_reference_to_documents_outside_the_repository():
    found = []
    for path in project_text_files():
        text = read(path)
        if not outside_reference(text):
            continue
        lines = text.splitlines()
        for number, line in enumerate(lines, start=1):
            following = lines[number] if number < len(lines) else ""
            if outside_reference(line) or outside_reference(line + " " + following[:8]):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "references outside the repository:\n" + "\n".join(found)


def test_the_check_sees_a_dangling_reference():
    """The patterns themselves: a made-up section and an outside document are caught."""
    sections = guide_sections()
    assert [s for s in SECTION.findall("see docs/product.md §6.4 and §99") if s not in sections]
    assert outside_reference("as SPEC" + " §8 says")
    assert outside_reference("as the SPEC" + "\n    §8 says")
    assert outside_reference("read STYLE" + ".md first")
    assert not outside_reference("MeetingKind.SPECIAL, docs/product.md §6.2")
    assert not [s for s in SECTION.findall("docs/product.md §6.2, §7") if s not in sections]
