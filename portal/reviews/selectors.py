"""Reads of the review workflow: the inbox, "returned to me", a record's timeline and
the review panel every reviewable record's page includes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from portal.accounts.permissions import Action, filter_by_review_scope, filter_by_scope
from portal.core.closed import is_closed

from .diff import FieldChange, ItemsChange, compare
from .models import (
    REVIEWER_ACTIONS,
    Reviewable,
    ReviewAction,
    ReviewEvent,
    ReviewStatus,
    ReviewTask,
    is_editable,
    site_language_snapshot,
)
from .models import (
    days_waiting as wait_days,
)
from .services import available_actions


def reviewable_models() -> list[type[Reviewable]]:
    """Every concrete model that inherits Reviewable (the registry: no import of the
    domain apps, no query)."""
    return [m for m in apps.get_models() if issubclass(m, Reviewable)]


def model_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def get_reviewable_model(label: str) -> type[Reviewable] | None:
    for model in reviewable_models():
        if model_label(model) == label:
            return model
    return None


def inbox(user: Any) -> models.QuerySet[ReviewTask]:
    """What waits for `user`'s decision: submitted records in organizations they may
    review (portal.accounts.permissions.can_review), minus their own submissions,
    oldest first. One query (plus the user's cached roles)."""
    qs = ReviewTask.objects.waiting().exclude(submitted_by=user)
    return (
        filter_by_review_scope(qs, user)
        .select_related("organization", "content_type", "submitted_by")
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One line of the inbox, worked out once in Python: the template prints it as it
    is (per-row properties, date filters and plural lookups cost ~0.1 ms a row)."""

    pk: int  # the ReviewTask's, chosen for bulk decisions
    url: str
    title: str
    record_type: str
    organization: str
    # The submission time in the current time zone, as ISO 8601 and as a day.
    submitted_iso: str
    submitted_on: str
    submitted_by: str  # the submitter's display name, "" when unknown
    days_waiting: int
    days_label: str  # "4 days", translated
    # "" under 3 days, then "badge-warn", from 7 days "badge-red".
    urgency: str


def inbox_rows(tasks: Iterable[ReviewTask]) -> list[InboxRow]:
    """The inbox rows of `tasks` (loaded with organization, content type and submitter,
    as inbox() does). No query; today, each record type and each number of days'
    label are looked up once. Days waiting stop at the end of the record's campaign
    (models.days_waiting)."""
    today = timezone.localdate()
    record_types: dict[int, str] = {}
    day_labels: dict[int, str] = {}
    rows = []
    for task in tasks:
        record_type = record_types.get(task.content_type_id)
        if record_type is None:
            record_type = record_types[task.content_type_id] = task.record_type
        if task.submitted_at is None:
            iso = day = ""
            days = 0
        else:
            local = timezone.localtime(task.submitted_at)
            iso, day = local.isoformat(), local.date().isoformat()
            days = wait_days(task.submitted_at, task.wait_ends_on, today)
        days_label = day_labels.get(days)
        if days_label is None:
            days_label = day_labels[days] = ngettext("%(days)s day", "%(days)s days", days) % {
                "days": days
            }
        rows.append(
            InboxRow(
                pk=task.pk,
                url=task.url,
                title=task.title,
                record_type=record_type,
                organization=str(task.organization),
                submitted_iso=iso,
                submitted_on=day,
                submitted_by=task.submitted_by.display_name if task.submitted_by else "",
                days_waiting=days,
                days_label=days_label,
                urgency="badge-red" if days >= 7 else "badge-warn" if days >= 3 else "",
            )
        )
    return rows


def returned_to(user: Any) -> models.QuerySet[ReviewTask]:
    """Records returned for revision in organizations where `user` may submit, the
    longest-waiting first. One query (plus the user's cached grants)."""
    qs = ReviewTask.objects.returned()
    return (
        filter_by_scope(qs, user, path_field="organization__path", action=Action.SUBMIT)
        .select_related("organization", "content_type", "decided_by")
        .order_by("decided_at", "pk")
    )


def timeline(record: Reviewable) -> list[ReviewEvent]:
    """Every transition of the record, oldest first, with the actors. One query."""
    return list(ReviewEvent.objects.for_record(record).select_related("actor").order_by("at", "pk"))


def last_return(events: list[ReviewEvent]) -> ReviewEvent | None:
    for event in reversed(events):
        if event.action == ReviewAction.RETURN:
            return event
    return None


def changes_since_last_return(
    record: Reviewable, events: list[ReviewEvent]
) -> list[FieldChange | ItemsChange] | None:
    """Per labelled field, and item by item for lists of items: the content when the
    reviewer last returned the record against the content now. None when it was never
    returned. Old snapshots are read through the record's review_upgrade_snapshot()."""
    returned = last_return(events)
    if returned is None:
        return None
    model = type(record)
    return compare(
        model.review_upgrade_snapshot(dict(returned.snapshot or {})),
        site_language_snapshot(record),
        model.review_label,
        model.review_items_text,
    )


@dataclass
class ReviewPanel:
    record: Reviewable
    status: str
    status_label: str
    actions: list[tuple[str, str]]
    events: list[ReviewEvent]
    changes: list[FieldChange | ItemsChange] | None
    transition_url: str
    editable: bool
    needs_comment: bool = field(default=False)
    # The reviewers' last return (its comment is shown above the comparison).
    returned: ReviewEvent | None = None
    # The user may decide it: offer "approve / return and open the next".
    can_decide: bool = False

    @property
    def changed(self) -> list[FieldChange | ItemsChange]:
        return [c for c in self.changes or [] if c.changed]

    @property
    def unchanged(self) -> list[FieldChange | ItemsChange]:
        return [c for c in self.changes or [] if not c.changed]

    @property
    def badge(self) -> str:
        badges: dict[str, str] = {
            ReviewStatus.APPROVED: "badge-green",
            ReviewStatus.RETURNED: "badge-red",
            ReviewStatus.SUBMITTED: "badge-warn",
        }
        return badges.get(self.status, "")


def review_panel(user: Any, record: Reviewable) -> ReviewPanel:
    """Everything templates/reviews/_panel.html shows: status, the buttons `user` may
    press, the timeline and, while a resubmitted record waits, what changed since the
    last return. One query (the timeline) plus the user's cached grants and roles."""
    events = timeline(record)
    # A closed campaign's records wait for nothing (docs/product.md §5.2): no buttons
    # when the page loaded the campaign (review_transition refuses them anyway).
    closed = is_closed(record.review_campaign(loaded_only=True))
    actions = [] if closed else available_actions(user, record)
    changes = None
    returned = None
    if record.review_status == ReviewStatus.SUBMITTED:
        changes = changes_since_last_return(record, events)
        returned = last_return(events)
    return ReviewPanel(
        record=record,
        status=record.review_status,
        status_label=str(ReviewStatus(record.review_status).label),
        actions=[(a, str(ReviewAction(a).label)) for a in actions],
        events=events,
        changes=changes,
        transition_url=reverse("reviews:transition", args=[model_label(record), record.pk]),
        editable=is_editable(record),
        needs_comment=any(a in REVIEWER_ACTIONS for a in actions),
        returned=returned,
        can_decide=ReviewAction.APPROVE in actions,
    )
