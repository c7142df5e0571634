"""Reads of the review workflow: the inbox, "returned to me", a record's timeline and
the review panel every reviewable record's page includes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse

from portal.accounts.permissions import Action, filter_by_review_scope, filter_by_scope

from .diff import FieldChange, compare
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
) -> list[FieldChange] | None:
    """Per labelled field: the content when the reviewer last returned the record
    against the content now. None when it was never returned."""
    returned = last_return(events)
    if returned is None:
        return None
    return compare(returned.snapshot, site_language_snapshot(record), type(record).review_label)


@dataclass
class ReviewPanel:
    record: Reviewable
    status: str
    status_label: str
    actions: list[tuple[str, str]]
    events: list[ReviewEvent]
    changes: list[FieldChange] | None
    transition_url: str
    editable: bool
    needs_comment: bool = field(default=False)

    @property
    def changed(self) -> list[FieldChange]:
        return [c for c in self.changes or [] if c.changed]

    @property
    def badge(self) -> str:
        return {
            ReviewStatus.APPROVED: "badge-green",
            ReviewStatus.RETURNED: "badge-red",
            ReviewStatus.SUBMITTED: "badge-warn",
        }.get(self.status, "")


def review_panel(user: Any, record: Reviewable) -> ReviewPanel:
    """Everything templates/reviews/_panel.html shows: status, the buttons `user` may
    press, the timeline and, while a resubmitted record waits, what changed since the
    last return. One query (the timeline) plus the user's cached grants and roles."""
    events = timeline(record)
    actions = available_actions(user, record)
    changes = None
    if record.review_status == ReviewStatus.SUBMITTED:
        changes = changes_since_last_return(record, events)
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
    )
