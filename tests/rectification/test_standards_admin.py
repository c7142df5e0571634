"""The site administrator manages the checklist templates in the admin (docs/product.md §1):
items inline, the campaigns that use a template, the pass rule checked on save."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from rectification.models import Pledge, PledgeBoard, StandardAssessment, StandardTemplate
from rectification.seed import ensure_standard_templates
from tests.rectification.standards_factories import member_of, pledge_of, start
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_admin_pages_of_templates_assessments_and_pledges_open(world: Any) -> None:
    assessment = start(world)
    pledge = pledge_of(world, member_of(world.own))
    board = PledgeBoard.objects.create(organization=world.own)
    client = client_for(world, "admin")
    template = assessment.template
    for model, obj in (
        (StandardTemplate, template),
        (StandardAssessment, assessment),
        (Pledge, pledge),
        (PledgeBoard, board),
    ):
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200


def test_admin_refuses_star_thresholds_that_do_not_rise(world: Any) -> None:
    ensure_standard_templates()
    client = client_for(world, "admin")
    url = reverse("admin:rectification_standardtemplate_add")
    response = client.post(
        url,
        {
            "code": "custom",
            "version": "1",
            "name_zh": "自定标准",
            "name_en": "custom",
            "pass_rule": "stars",
            "star_thresholds": '{"1": 90, "2": 60}',
            "is_active": "on",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "star_thresholds" in response.context["adminform"].form.errors
    assert not StandardTemplate.objects.filter(code="custom").exists()
