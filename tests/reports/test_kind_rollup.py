"""The roll-up's grid (reports/kinds/rollup.py): grouped by parent organization with the
parent's name as a heading row, one monospaced cell per organization holding a symbol
per requirement under the requirement's number, and a PDF whose text carries the
organizations, the headings and the symbols in both languages. (The embedded CJK font
and the totals are proved in test_rendering.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from reports import registry
from reports.kinds.rollup import rollup_context
from reports.rendering import render_html, render_pdf
from tests.activities.factories import campaign_for
from tests.conftest import World
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'<tr><td>([^<]+) \(\d+\)(?: <span[^>]*>[^<]*</span>)?</td><td class="cells">(.*?)</td>'
)


def grid_html(world: World, language: str = "en") -> str:
    campaign_for(world)
    rendered = render_html(
        registry.get("rollup"), {"organization": world.county.pk}, language, world.county
    )
    return rendered.html[rendered.html.index('<table class="grid">') :]


def test_grid_groups_the_organizations_under_their_parents_name(world: World) -> None:
    campaign_for(world)
    context = rollup_context({"organization": world.county.pk}, "en")
    groups = {g["name"]: [r.organization.full_name for r in g["rows"]] for g in context["groups"]}
    assert groups[world.park_a.full_name] == [world.own.full_name, world.sibling.full_name]
    assert groups[world.own.full_name] == [world.child.full_name]
    assert groups[world.park_b.full_name] == [world.other.full_name]
    assert world.far.full_name not in str(groups)  # the other county
    html = grid_html(world)
    park_a = html.index(f'<tr class="group"><td colspan="2">{world.park_a.full_name}</td></tr>')
    assert park_a < html.index(world.own.full_name) < html.index(world.sibling.full_name)


def test_each_requirement_is_one_symbol_under_its_number(world: World) -> None:
    html = grid_html(world)
    header = re.search(r'<th class="cells">([^<]*)</th>', html)
    assert header is not None
    numbers = header[1]
    assert numbers.endswith("   ●   ○ ")  # then how many met and not met
    numbers = numbers[: -len("   ●   ○ ")]
    requirements = len(numbers) // 3
    assert numbers == "".join(f"{n:>2} " for n in range(1, requirements + 1))
    rows = ROW.findall(html)
    assert len(rows) == html.count("<tr><td>")
    for _name, cells in rows:
        text = re.sub(r"<[^>]+>", "", cells)
        symbols, counts = text[: len(numbers)], text[len(numbers) :]
        # the symbol sits under the number's last digit, one per requirement
        assert [symbols[i] for i in range(1, len(symbols), 3)] == [
            s for s in symbols if s in "●◐○—"
        ]
        assert len([s for s in symbols if s in "●◐○—"]) == requirements
        met, not_met = (int(n) for n in counts.split())
        assert met == symbols.count("●") and not_met == symbols.count("○")
        assert "<td" not in cells


def test_roll_up_pdf_text_in_both_languages(world: World, tmp_path: Path) -> None:
    campaign_for(world)
    for language, words in [
        ("en", ["Requirement grid", "Organization (Members)", "Not met"]),
        ("zh-hans", []),
    ]:
        rendered = render_html(
            registry.get("rollup"), {"organization": world.county.pk}, language, world.county
        )
        pdf = render_pdf(rendered.final(timezone.now()), rendered.attachment_roots)
        text = pdf_text(pdf.data, tmp_path)
        for word in [*words, world.park_a.full_name, world.own.full_name]:
            assert word in text, (language, word)
        assert "●" in text or "○" in text
        if language == "zh-hans":
            assert "第1页共" in text.replace(" ", "")
