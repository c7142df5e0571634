"""The review workflow shared by every reviewable record (docs/product.md §7).

A domain record becomes reviewable by inheriting the abstract `Reviewable` and
implementing its small interface (see the class docstring). This app never imports the
domain apps: it sees records through that interface and through content types.

`ReviewEvent` is the audit trail (one row per transition, with a snapshot of the
content); `ReviewTask` is one row per record kept in step with the record's status in
the same transaction, so the reviewer's inbox is one indexed query over every record
type. Only portal.reviews.services.review_transition changes any of them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.constraints import CheckConstraint


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned for revision")


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("submit")
    WITHDRAW = "withdraw", _("withdraw")
    APPROVE = "approve", _("approve")
    RETURN = "return", _("return for revision")
    RESUBMIT = "resubmit", _("resubmit")


# The whole workflow: (from status, action) -> to status. Anything else is illegal.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ReviewStatus.DRAFT, ReviewAction.SUBMIT): ReviewStatus.SUBMITTED,
    (ReviewStatus.SUBMITTED, ReviewAction.WITHDRAW): ReviewStatus.DRAFT,
    (ReviewStatus.SUBMITTED, ReviewAction.APPROVE): ReviewStatus.APPROVED,
    (ReviewStatus.SUBMITTED, ReviewAction.RETURN): ReviewStatus.RETURNED,
    (ReviewStatus.RETURNED, ReviewAction.RESUBMIT): ReviewStatus.SUBMITTED,
}

# Who may take each action: the organization's submitters, or its reviewers.
SUBMITTER_ACTIONS = frozenset({ReviewAction.SUBMIT, ReviewAction.WITHDRAW, ReviewAction.RESUBMIT})
REVIEWER_ACTIONS = frozenset({ReviewAction.APPROVE, ReviewAction.RETURN})
# Authors may edit the record only in these states (the lock of docs/product.md §7).
EDITABLE_STATUSES = frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED})


class IllegalTransition(Exception):
    """The action is not allowed from the record's current status."""

    def __init__(self, from_status: str, action: str) -> None:
        self.from_status = from_status
        self.action = action
        super().__init__(f"{action!r} is not allowed from {from_status!r}")


class RecordLocked(PermissionDenied):
    """The record is submitted or approved: its authors may not change it now."""


def is_editable(record: Reviewable) -> bool:
    """May the record's authors change it? Only while it is a draft or returned."""
    return record.review_status in EDITABLE_STATUSES


def site_language_snapshot(record: Reviewable) -> dict[str, Any]:
    """record.review_snapshot() written in the site's language (settings.LANGUAGE_CODE)
    whoever takes it: a snapshot stored by a user reading English and one taken by a
    reviewer reading Chinese then compare equal when the content did not change (choice
    labels and other translated text). services.review_transition stores these and
    selectors.changes_since_last_return compares against one."""
    with translation.override(settings.LANGUAGE_CODE):
        return record.review_snapshot()


def days_waiting(
    submitted_at: dt.datetime | None, wait_ends_on: dt.date | None, today: dt.date
) -> int:
    """Whole days a record submitted at `submitted_at` has waited by `today`. The wait
    stops counting on `wait_ends_on` (the end of the record's campaign: a finished
    campaign is frozen), unless the record was submitted after that day."""
    if submitted_at is None:
        return 0
    day = timezone.localtime(submitted_at).date()
    until = today
    if wait_ends_on is not None and day <= wait_ends_on:
        until = min(today, wait_ends_on)
    return max((until - day).days, 0)


class Reviewable(models.Model):
    """Abstract base of every record reviewed upward.

    A subclass must have:
      * `organization`: a ForeignKey to organizations.Organization (the scope);
      * `get_absolute_url()`: the record's page, which shows the review panel;
      * `review_fields`: the names of the fields the reviewer judges (for the default
        `review_snapshot`), or an override of `review_snapshot()`;
    and may override `review_title()` (default: str(self)), `review_labels` (labels
    for snapshot keys that are not model fields, and for the fields of its items) and
    `review_validate_submission()`, and define `after_review_transition(event)` for side
    effects of a transition (see services.review_transition).

    A record with rows of its own (items, entries, attendees) lists them in its
    snapshot as items, so the reviewer sees which were added, removed or changed
    (diff.compare_items): {"key": stable identity, "n": number shown, "fields": {...}}.
    Snapshots stored before it did so are read through `review_upgrade_snapshot()` and
    `review_items_text()` (see their docstrings).

    Never assign the review_* fields directly: review_transition() does, with an event.
    """

    review_status = models.CharField(
        _("review status"),
        max_length=20,
        choices=ReviewStatus.choices,
        default=ReviewStatus.DRAFT,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Deleting a record deletes its inbox row; its review events stay (append-only:
    # the history of a record outlives it, and the database refuses their deletion).
    review_tasks = GenericRelation("reviews.ReviewTask")

    review_fields: ClassVar[tuple[str, ...]] = ()
    review_labels: ClassVar[dict[str, Any]] = {}
    # Attribute path ("a__b") from the record to the campaign it belongs to: a wait
    # for its review stops counting at the campaign's end (review_wait_ends_on).
    review_campaign_path: ClassVar[str] = "campaign"

    if TYPE_CHECKING:
        # What every subclass must define (see above), declared for the type checker.
        from organizations.models import Organization

        organization: Organization

        def get_absolute_url(self) -> str: ...

    class Meta:
        abstract = True

    @property
    def review_events(self) -> models.QuerySet[ReviewEvent]:
        """The record's review events (a query, not a relation: nothing cascades)."""
        return ReviewEvent.objects.for_record(self)

    def review_title(self) -> str:
        """One line naming the record in the inbox and in notifications."""
        return str(self)

    def review_snapshot(self) -> dict[str, Any]:
        """The content as the reviewer judges it: stable key -> text (or a list of
        items, see the class docstring). Stored with every event and compared on
        resubmission, so keys must not change between versions. Keys are field names
        (labelled by their verbose_name) or keys of review_labels."""
        snapshot: dict[str, Any] = {}
        for name in self.review_fields:
            field = self._meta.get_field(name)
            value = getattr(self, name)
            if getattr(field, "choices", None):
                text = str(getattr(self, f"get_{name}_display")())
            elif value is None:
                text = ""
            elif hasattr(value, "isoformat"):
                text = value.isoformat()
            else:
                text = str(value)
            snapshot[name] = text
        return snapshot

    def review_campaign(self, *, loaded_only: bool = False) -> Any:
        """The campaign the record belongs to (`review_campaign_path`), or None; with
        `loaded_only`, only when it is loaded with the record already (no query)."""
        value: Any = self
        for part in self.review_campaign_path.split("__"):
            if loaded_only and part not in value._state.fields_cache:
                return None
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def review_wait_ends_on(self) -> dt.date | None:
        """The day a wait for this record's review stops counting: the end of its
        campaign (`review_campaign_path`); None when it has none."""
        return getattr(self.review_campaign(), "ends_on", None)

    def review_validate_submission(self) -> None:
        """Raise ValidationError when the record is not complete enough to go up for
        review (called on submit and resubmit). Default: anything goes."""

    @classmethod
    def review_upgrade_snapshot(cls, snapshot: dict[str, Any]) -> dict[str, Any]:
        """A stored snapshot in the current format (called on old events before they
        are compared with the content now). Default: as stored."""
        return snapshot

    @classmethod
    def review_items_text(cls, key: str, items: list[dict[str, Any]]) -> str:
        """The items of snapshot key `key` as one text, the way snapshots stored them
        before they listed items one by one: compared with such an old snapshot.
        Default: "N. field | field | …", one line per item."""
        from .diff import default_items_text

        return default_items_text(items)

    @classmethod
    def review_label(cls, key: str) -> str:
        if key in cls.review_labels:
            return str(cls.review_labels[key])
        try:
            return str(getattr(cls._meta.get_field(key), "verbose_name", key))
        except Exception:
            return key

    @property
    def is_review_locked(self) -> bool:
        return self.review_status not in EDITABLE_STATUSES


class ReviewEventQuerySet(models.QuerySet["ReviewEvent"]):
    def for_record(self, record: models.Model) -> ReviewEventQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class ReviewEvent(models.Model):
    """One transition of one record: who, when, from which state to which, the comment,
    and what the record said at that moment. Append-only (database triggers, accounts
    migration 0006): nothing updates or deletes it, so neither its organization nor its
    actor may be deleted while it exists."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="review_events",
    )
    action = models.CharField(_("action"), max_length=20, choices=ReviewAction.choices)
    from_status = models.CharField(
        pgettext_lazy("status change", "from"), max_length=20, choices=ReviewStatus.choices
    )
    to_status = models.CharField(
        pgettext_lazy("status change", "to"), max_length=20, choices=ReviewStatus.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("event actor", "by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    snapshot = models.JSONField(_("content at the time"), default=dict, blank=True)

    objects = ReviewEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["at", "pk"]
        indexes = [
            # The timeline of one record, and "the last return" for the diff.
            models.Index(
                fields=["content_type", "object_id", "at"], name="review_event_record_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.from_status}→{self.to_status}"


class ReviewTaskQuerySet(models.QuerySet["ReviewTask"]):
    def waiting(self) -> ReviewTaskQuerySet:
        return self.filter(status=ReviewStatus.SUBMITTED)

    def returned(self) -> ReviewTaskQuerySet:
        return self.filter(status=ReviewStatus.RETURNED)

    def of_type(self, label: str) -> ReviewTaskQuerySet:
        """`label` is a model's "app_label.model_name" (lower case)."""
        app_label, _dot, model = label.partition(".")
        return self.filter(content_type__app_label=app_label, content_type__model=model)


class ReviewTask(models.Model):
    """The inbox row of one reviewable record: its status, where it is and what it is
    called, copied at each transition so the inbox never loads the records themselves."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="review_tasks",
    )
    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500)
    submitted_at = models.DateTimeField(_("submitted at"), null=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The end of the record's campaign (Reviewable.review_wait_ends_on), copied at each
    # transition: the days waiting stop counting there (days_waiting).
    wait_ends_on = models.DateField(_("wait counted until"), null=True, blank=True)
    # The reviewer's comment of the last decision (shown in "returned to me").
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ReviewTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="review_task_one_per_record"
            )
        ]
        indexes = [
            # The inbox: submitted rows, oldest first (joined with the organization's
            # path for the reviewer's scope).
            models.Index(
                fields=["submitted_at"],
                condition=Q(status="submitted"),
                name="review_task_waiting_idx",
            ),
            # "Returned to me": returned rows of the submitter's organizations.
            models.Index(fields=["organization", "status"], name="review_task_org_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def record_type(self) -> str:
        """The record's kind, e.g. "activity plan" (content types are cached: no query
        once select_related("content_type") loaded them)."""
        model = self.content_type.model_class()
        return str(model._meta.verbose_name) if model else self.content_type.model

    @property
    def days_waiting(self) -> int:
        return days_waiting(self.submitted_at, self.wait_ends_on, timezone.localdate())


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", pgettext_lazy("batch", "done")


class ReviewBatch(models.Model):
    """A bulk decision: one reviewer approves, or returns with one comment, several
    waiting records of one kind. Each record is decided by
    services.review_transition exactly as a single decision (its own event,
    notification and roll-up mark, authority checked per record); what could not be
    decided is listed in `skipped` with the reason. Written by services.review_batch_*
    only; `decided` and `skipped` grow as the batch runs (the progress page reads them)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("event actor", "by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=ReviewAction.choices)
    comment = models.TextField(_("comment"), blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    # The inbox rows (ReviewTask ids) chosen, in inbox order.
    task_ids = models.JSONField(_("records"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    # Inbox rows decided, and [{"task": id, "title": ..., "reason": ...}] skipped.
    decided = models.JSONField(_("decided"), default=list, blank=True)
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    # False when the worker could not be reached (the batch then ran in the request).
    sent_to_worker = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk decision")
        verbose_name_plural = _("bulk decisions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            CheckConstraint(
                condition=Q(action__in=["approve", "return"]),
                name="review_batch_decisions_only",
            ),
            CheckConstraint(
                condition=~Q(action="return") | ~Q(comment=""),
                name="review_batch_return_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} × {len(self.task_ids)}"

    @property
    def total(self) -> int:
        return len(self.task_ids)

    @property
    def handled(self) -> int:
        return len(self.decided) + len(self.skipped)

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.handled / self.total)

    @property
    def is_pending(self) -> bool:
        return self.status != BatchStatus.DONE
