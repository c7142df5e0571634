"""A foreign key whose object is loaded is not looked up again by full_clean()
(portal/core/related.py, issue #20); any other value is checked as Django does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext

from activities.models import Meeting
from activities.seed import ensure_campaign_2014
from organizations.models import Organization
from portal.core import related

pytestmark = pytest.mark.django_db


def _meeting(world: Any, **values: Any) -> Meeting:
    start = dt.datetime(2014, 6, 1, 9, tzinfo=dt.UTC)
    return Meeting(
        kind="branch_committee",
        topic="学习",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        **values,
    )


def _lookups(queries: list[dict[str, Any]]) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT 1 AS "a"')]


def test_loaded_objects_are_not_looked_up_again(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    meeting = _meeting(world, organization=world.own, campaign=campaign, created_by=world.secretary)
    with CaptureQueriesContext(connection) as ctx:
        meeting.full_clean(exclude=["phase"])
    assert _lookups(ctx.captured_queries) == []


def test_a_key_given_by_value_is_looked_up_as_django_does(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    meeting = _meeting(world, organization_id=world.own.pk, campaign=campaign)
    with CaptureQueriesContext(connection) as ctx:
        meeting.full_clean(exclude=["phase"])
    assert len(_lookups(ctx.captured_queries)) == 1  # the organization, given by its id
    missing = Organization.objects.order_by("-pk").first().pk + 100
    meeting = _meeting(world, organization_id=missing, campaign=campaign)
    with pytest.raises(ValidationError) as raised:
        meeting.full_clean(exclude=["phase"])
    assert "organization" in raised.value.error_dict


def test_a_key_changed_after_loading_or_a_new_object_is_looked_up(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    meeting = _meeting(world, organization=world.own, campaign=campaign)
    meeting.organization_id = world.other.pk  # no longer the object it carries
    field = Meeting._meta.get_field("organization")
    assert not related._holds(field, meeting.organization_id, meeting)
    unsaved = Organization(short_name="新")
    assert not related._holds(field, 123, _meeting(world, organization=unsaved))


def test_a_field_that_limits_its_choices_is_always_looked_up(world: Any, monkeypatch: Any) -> None:
    meeting = _meeting(world, organization=world.own)
    field = Meeting._meta.get_field("organization")
    assert related._holds(field, world.own.pk, meeting)
    monkeypatch.setattr(field, "get_limit_choices_to", lambda: {"is_active": True})
    assert not related._holds(field, world.own.pk, meeting)


def test_it_is_installed() -> None:
    assert ForeignKey.validate is related._validate
