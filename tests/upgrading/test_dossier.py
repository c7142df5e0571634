"""The organization dossier prints its class, upgrade plan and term (§6.4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import World
from tests.reports.helpers import file_bytes, pdf_text
from tests.reports.test_rendering import make
from upgrading.models import LeadershipTerm
from upgrading.selectors import dossier_facts

from .helpers import lagging_plan

pytestmark = pytest.mark.django_db


def test_dossier_facts_read_the_latest_class_plan_and_term(world: World) -> None:
    assert dossier_facts(world.own, timezone.localdate())["term_state"] == "none"
    plan = lagging_plan(world)
    LeadershipTerm.objects.create(
        organization=world.own, elected_on=dt.date(2018, 1, 1), term_years=5
    )
    facts = dossier_facts(world.own, timezone.localdate())
    assert facts["plan"] == plan and facts["grading"].score == 40
    assert facts["term_state"] == "overdue"


def test_the_dossier_pdf_prints_them_in_chinese(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    lagging_plan(world, approve=True)
    LeadershipTerm.objects.create(
        organization=world.own, elected_on=dt.date(2018, 1, 1), term_years=5
    )
    text = pdf_text(
        file_bytes(make(world, "org-dossier", "zh-hans", organization=world.own.pk)), tmp_path
    )
    flat = text.replace(" ", "").replace("\n", "")
    assert "后进" in flat
    assert "王县长" in flat
    assert "自2023-01-01起逾期未换届" in flat
