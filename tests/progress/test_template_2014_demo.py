"""The 2014 template reproduces the demo county's checklists exactly (see
test_template_2014.py): every organization, every campaign, both languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from activities.models import Campaign
from tests.progress.test_template_2014 import compare
from tests.seeding import seed_demo_as_tests_run

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo county for every test of the module; rolled back after the last one."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_as_tests_run()
        yield
        transaction.set_rollback(True)


def test_the_2014_template_reproduces_the_demo_countys_checklists(demo: None) -> None:
    campaigns = list(Campaign.objects.select_related("lead_organization"))
    assert campaigns
    for campaign in campaigns:
        assert compare(campaign) > 1000
