"""The satisfaction evaluation in the reports (docs/product.md §6.5): the dossier's section
(tallies per question, the rate, the threshold) and the county roll-up's table per
level (subtree totals) with the organizations under the threshold, in the PDF text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from reports import registry
from reports.kinds.dossier import organization_dossier
from reports.kinds.rollup import rollup_context
from reports.models import ReportStatus
from reports.services import report_request
from tests.conftest import World
from tests.rectification.records_factories import campaign_for
from tests.rectification.satisfaction_factories import cast_many
from tests.reports.helpers import file_bytes, pdf_text

pytestmark = pytest.mark.django_db


def _pdf(world: World, slug: str, actor: Any, tmp_path: Path, language: str = "en", **params):
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=actor, kind=registry.get(slug), params=params, language=language
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return pdf_text(file_bytes(report), tmp_path)


def test_roll_up_sums_each_level_and_lists_those_under_the_threshold(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    cast_many(world, world.own, satisfied=8, basic=1, unsatisfied=1)  # 90 %
    cast_many(world, world.child, satisfied=1, unsatisfied=2)  # 33.3 %
    cast_many(world, world.other, basic=4)  # 100 %
    context = rollup_context({"organization": world.county.pk}, "en")
    levels = {r.organization.pk: r.subtree for r in context["satisfaction_levels"]}
    assert (levels[world.county.pk].good, levels[world.county.pk].total) == (14, 17)
    assert (levels[world.park_a.pk].good, levels[world.park_a.pk].total) == (10, 13)
    assert (levels[world.own.pk].good, levels[world.own.pk].total) == (10, 13)
    assert (levels[world.working.pk].good, levels[world.working.pk].total) == (14, 17)
    assert world.child.pk not in levels and world.sibling.pk not in levels  # no level below
    assert [r.organization.pk for r in context["satisfaction_below"]] == [world.child.pk]
    text = _pdf(world, "rollup", world.office, tmp_path, organization=world.county.pk)
    assert "Satisfaction of the masses by level" in text
    assert "82.4%" in text and "76.9%" in text and "33.3%" in text
    zh = _pdf(world, "rollup", world.office, tmp_path, "zh-hans", organization=world.county.pk)
    assert "满意度" in zh


def test_dossier_has_the_tallies_per_question_and_the_rate(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    campaign_for(world)
    assert organization_dossier(world.own, unmasked=False)["satisfaction"]["overall"].total == 0
    cast_many(world, world.own, satisfied=3, unsatisfied=1)
    data = organization_dossier(world.own, unmasked=False)
    assert data["satisfaction"]["overall"].rate == 75
    text = _pdf(world, "org-dossier", world.secretary, tmp_path, organization=world.own.pk)
    assert "Satisfaction of the masses" in text
    assert "Satisfaction rate 75.0%" in text and "below the threshold" in text
