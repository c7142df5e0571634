"""Append-only audit and review-event tables, on whichever database the run uses
(the suite runs on SQLite and again on PostgreSQL): raw SQL UPDATE and DELETE are
refused by triggers, the superuser's admin cannot change or delete, nothing cascades
into them; `purge_audit` removes only rows past the retention period."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts.audit import GUARD_PURGE, guard
from portal.accounts.models import AuditEvent
from portal.reviews.models import ReviewAction, ReviewEvent, ReviewStatus
from tests.conftest import World
from tests.security.helpers import production_env, run

pytestmark = pytest.mark.django_db


def _event(days_ago: int = 0, action: str = "test.event", **kwargs) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action, target="t", at=timezone.now() - dt.timedelta(days=days_ago), **kwargs
    )


def _review_event(world: World) -> ReviewEvent:
    return ReviewEvent.objects.create(
        content_type=ContentType.objects.get_for_model(world.own),
        object_id=world.own.pk,
        organization=world.own,
        action=ReviewAction.SUBMIT,
        from_status=ReviewStatus.DRAFT,
        to_status=ReviewStatus.SUBMITTED,
        actor=world.secretary,
    )


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_audit_rows(world: World, sql: str) -> None:
    event = _event()
    old = _event(days_ago=400)
    for row in (event, old):
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(sql, [row.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
    assert AuditEvent.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE reviews_reviewevent SET comment = 'forged' WHERE id = %s",
        "DELETE FROM reviews_reviewevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_review_events(world: World, sql: str) -> None:
    event = _review_event(world)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [event.pk])
    # Not even while a purge runs: review events are never purged.
    with guard(GUARD_PURGE), pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [event.pk])
    assert ReviewEvent.objects.get(pk=event.pk).comment == ""


def test_the_orm_cannot_delete_or_update_either(world: World) -> None:
    event = _event()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target="x")


def test_nothing_cascades_into_the_logs(world: World) -> None:
    _event(actor=world.clerk, organization=world.child)
    _review_event(world)
    with pytest.raises(ProtectedError):
        world.clerk.delete()
    with pytest.raises(ProtectedError):
        world.child.delete()
    with pytest.raises(ProtectedError):
        world.secretary.delete()  # the review event's actor
    with pytest.raises(ProtectedError):
        world.own.delete()


def test_the_superusers_admin_refuses_change_and_delete(world: World) -> None:
    event = _event()
    review = _review_event(world)
    client = Client()
    client.force_login(world.admin)
    for name, pk in (("accounts_auditevent", event.pk), ("reviews_reviewevent", review.pk)):
        app, model = name.split("_", 1)
        delete = reverse(f"admin:{app}_{model}_delete", args=[pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        change = reverse(f"admin:{app}_{model}_change", args=[pk])
        assert client.post(change, {"action": "forged"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert ReviewEvent.objects.filter(pk=review.pk).exists()


# --- retention -------------------------------------------------------------------------------


def test_purge_removes_only_rows_older_than_the_retention(world: World, settings) -> None:
    settings.AUDIT_RETENTION_DAYS = 365
    young, middle, old = _event(days_ago=10), _event(days_ago=200), _event(days_ago=400)
    call_command("purge_audit")
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert {young.pk, middle.pk} <= remaining and old.pk not in remaining
    settings.AUDIT_RETENTION_DAYS = 180
    call_command("purge_audit")
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert young.pk in remaining and middle.pk not in remaining
    purge = AuditEvent.objects.filter(action="audit.purge").order_by("pk").last()
    assert purge.detail == {"deleted": 1, "retention_days": 180}


def test_the_database_keeps_young_rows_even_during_a_purge(world: World) -> None:
    """The floor is in the triggers: a purge that asked for less than 180 days (a
    changed command, a hand-written DELETE inside the guard) is refused."""
    young = _event(days_ago=179)
    with guard(GUARD_PURGE), pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM accounts_auditevent WHERE id = %s", [young.pk])
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_a_retention_below_180_days_stops_start_up() -> None:
    out = run(
        [sys.executable, "-c", "import django; django.setup()"],
        production_env(AUDIT_RETENTION_DAYS="30"),
    )
    assert out.returncode != 0
    assert "AUDIT_RETENTION_DAYS=30 is below the minimum of 180 days" in out.stderr


def test_the_triggers_exist_on_this_database() -> None:
    """A later migration that rebuilds a table on SQLite drops its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    for table in ("accounts_auditevent", "reviews_reviewevent"):
        assert any(name.startswith(table) for name in names), (table, names)


def test_the_purge_guard_closes_when_the_purge_ends(world: World) -> None:
    old = _event(days_ago=400)
    with transaction.atomic(), guard(GUARD_PURGE):
        pass
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM accounts_auditevent WHERE id = %s", [old.pk])
    assert AuditEvent.objects.filter(pk=old.pk).exists()
