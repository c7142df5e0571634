"""The problem list (问题清单, also the rectification plan) and its items (docs/product.md §6.3).

* `ProblemList`: one per organization and campaign, reviewed upward through the shared
  workflow (portal.reviews); once approved it may be published (公示) with a date and an
  audience, which gives it an unguessable public token (the notice at /notice/<token>/).
* `ProblemItem`: number, description, category (the campaign's ProblemCategory rows),
  source linked to its origin (an opinion, a self-examination statement, a criticism at
  the special meeting; or the higher level / other), measures, responsible person,
  deadline and status. The status moves only through `ProblemItem.transition()`, which
  checks ITEM_TRANSITIONS and writes one `ItemEvent` (the item's timeline) in the same
  transaction. Content edits are allowed only while the list is editable; lifecycle
  actions only once the list is approved.
* `ClosureRequest` (申请销号, with evidence files) and `ExtensionRequest` (申请延期, a
  new deadline and a reason) are reviewable records of their own. Their effect on the
  item is applied by `after_review_transition()`, which portal.reviews calls inside the
  transaction of every review transition: approve closes the item (销号) / moves its
  deadline; return is "closure rejected" (back to in progress) / "extension rejected".

Overdue = an item of an approved list, not closed, whose deadline is before its
campaign's "as of" day (`Campaign.as_of`: today while the campaign runs, its last day
once it has ended). Items of a list not yet approved are commitments in the making and
never overdue (`ProblemItemQuerySet.overdue`, `ProblemItem.days_overdue`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint
from portal.progress.rollup import mark_changed
from portal.reviews.models import Reviewable, ReviewAction, ReviewStatus
from portal.reviews.models import is_editable as review_is_editable

REVIEW_FIELDS_EXCLUDED = [
    "review_status",
    "submitted_at",
    "submitted_by",
    "decided_at",
    "decided_by",
    "created_by",
    "created_at",
    "updated_at",
]


# The notice period (公示期) when none is given: a week, the publication day included.
NOTICE_DAYS = 7


def new_notice_token() -> str:
    """22 URL-safe characters, 128 bits: the public notice's address cannot be guessed."""
    return secrets.token_urlsafe(16)


# --- the list --------------------------------------------------------------------------


class ProblemListQuerySet(models.QuerySet["ProblemList"]):
    def approved(self) -> ProblemListQuerySet:
        return self.filter(review_status=ReviewStatus.APPROVED)

    def published(self) -> ProblemListQuerySet:
        return self.approved().filter(published_at__isnull=False)


class ProblemList(Reviewable):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="problem_lists",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="problem_lists",
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("How the problems were found and how the rectification is organized."),
    )
    # Publishing (公示): set by services_problems.problem_list_publish, approved lists only.
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # The notice period (公示期) runs from published_on to notice_ends_on, both days in.
    notice_ends_on = models.DateField(_("notice period ends on"), null=True, blank=True)
    audience = models.CharField(
        _("audience"),
        max_length=200,
        blank=True,
        help_text=_("Whom the notice is for, e.g. 全体党员和职工 (all members and employees)."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    public_token = models.CharField(
        _("public address token"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    # Raised by each approved revision (models/list_comments.py, docs/product.md §6.3.1).
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    revised_on = models.DateField(_("revised on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Also the version token of the edit form: a save based on an older value is refused.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=[*REVIEW_FIELDS_EXCLUDED, "public_token"])
    objects = ProblemListQuerySet.as_manager()

    review_labels = {
        "items": _("items"),
        # The fields of each item in the snapshot (ProblemItem.snapshot_fields).
        "description": _("problem"),
        "category": _("category"),
        "measures": _("measures"),
        "responsible": _("responsible person"),
        "deadline": _("deadline"),
    }

    class Meta:
        verbose_name = _("problem list")
        verbose_name_plural = _("problem lists")
        ordering = ["organization__path", "-campaign__starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign"],
                name="problem_list_one_per_campaign",
                violation_error_message=_(
                    "The organization already has a problem list for this campaign."
                ),
            ),
            CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(review_status=ReviewStatus.APPROVED),
                name="problem_list_published_only_when_approved",
            ),
        ]
        indexes = [
            # The live checklist: lists of one campaign by status (then by organization).
            models.Index(fields=["campaign", "review_status"], name="problem_list_campaign_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("rectification:problem_list_detail", args=[self.pk])

    def get_public_path(self) -> str:
        return reverse("notice:problem_list", args=[self.public_token]) if self.public_token else ""

    def get_public_url(self) -> str:
        path = self.get_public_path()
        return settings.SITE_URL + path if path else ""

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def review_title(self) -> str:
        return self.title

    def review_snapshot(self) -> dict[str, Any]:
        """Title, introduction and the items one by one, keyed by their primary key (one
        query for the items), so the reviewer sees which items were added, removed or
        changed, and how, on resubmission."""
        items = self.items.select_related("category", "responsible_member").order_by("number")
        return {
            "title": self.title,
            "intro": self.intro,
            "items": [
                {"key": item.pk, "n": item.number, "fields": item.snapshot_fields()}
                for item in items
            ],
        }

    @classmethod
    def review_items_text(cls, key: str, items: list[dict[str, Any]]) -> str:
        """The items as snapshots stored them before they were listed one by one: a
        line each, as ProblemItem.snapshot_line writes it."""
        return "\n".join(
            (
                f"{item.get('n', '')}. "
                + " | ".join(str(v) for v in (item.get("fields") or {}).values())
            )
            .replace("\r", " ")
            .replace("\n", " ")
            for item in items
        )

    def review_validate_submission(self) -> None:
        """A list goes up for review only with at least one item."""
        if not self.items.exists():
            raise ValidationError(_("Add at least one item before submitting the problem list."))


# --- items -------------------------------------------------------------------------------


class ItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem item", "open")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSURE_REQUESTED = "closure_requested", _("closure requested")
    CLOSED = "closed", pgettext_lazy("problem item", "closed")


class SourceKind(models.TextChoices):
    OPINION = "opinion", _("an opinion received")
    SELF_EXAMINATION = "self_examination", _("the self-examination statement")
    SPECIAL_MEETING = "special_meeting", _("criticism at the special meeting")
    HIGHER_LEVEL = "higher_level", _("pointed out by the higher level")
    COMMENT = "comment", _("a comment on the draft list")
    OTHER = "other", _("other")


class ItemAction(models.TextChoices):
    CREATE = "create", _("added to the list")
    EDIT = "edit", _("edited")
    START = "start", _("work started")
    ADD_EVIDENCE = "add_evidence", _("evidence added")
    REQUEST_CLOSURE = "request_closure", _("closure requested")
    WITHDRAW_CLOSURE = "withdraw_closure", _("closure request withdrawn")
    REJECT_CLOSURE = "reject_closure", _("closure rejected")
    CLOSE = "close", pgettext_lazy("problem item", "closed")
    REQUEST_EXTENSION = "request_extension", _("extension requested")
    WITHDRAW_EXTENSION = "withdraw_extension", _("extension request withdrawn")
    APPROVE_EXTENSION = "approve_extension", _("extension approved")
    REJECT_EXTENSION = "reject_extension", _("extension rejected")


_O, _P, _R, _C = (
    ItemStatus.OPEN,
    ItemStatus.IN_PROGRESS,
    ItemStatus.CLOSURE_REQUESTED,
    ItemStatus.CLOSED,
)
_NOT_CLOSED = (_O, _P, _R)

# The whole life of an item: (from status, action) -> to status. Anything else raises.
# Actions that keep the status (edits, evidence, extensions) are here too, so that every
# change of an item is one legal move with one event. A pending extension request may
# still be withdrawn or rejected after the item was closed (never approved).
ITEM_TRANSITIONS: dict[tuple[str, str], str] = {
    (_O, ItemAction.EDIT): _O,
    (_O, ItemAction.START): _P,
    (_O, ItemAction.ADD_EVIDENCE): _O,
    (_P, ItemAction.ADD_EVIDENCE): _P,
    (_O, ItemAction.REQUEST_CLOSURE): _R,
    (_P, ItemAction.REQUEST_CLOSURE): _R,
    (_R, ItemAction.WITHDRAW_CLOSURE): _P,
    (_R, ItemAction.REJECT_CLOSURE): _P,
    (_R, ItemAction.CLOSE): _C,
    **{(s, ItemAction.REQUEST_EXTENSION): s for s in _NOT_CLOSED},
    **{(s, ItemAction.APPROVE_EXTENSION): s for s in _NOT_CLOSED},
    **{(s, ItemAction.WITHDRAW_EXTENSION): s for s in (*_NOT_CLOSED, _C)},
    **{(s, ItemAction.REJECT_EXTENSION): s for s in (*_NOT_CLOSED, _C)},
}
# Moves made while the list is being written (draft or returned); all others need the
# list approved.
EDITING_ACTIONS = frozenset({ItemAction.EDIT})
# Moves that need a reason.
REASON_REQUIRED = frozenset(
    {ItemAction.REJECT_CLOSURE, ItemAction.REJECT_EXTENSION, ItemAction.REQUEST_EXTENSION}
)


class IllegalItemTransition(ValidationError):
    """The move is not in ITEM_TRANSITIONS, the list is in the wrong state for it, or
    someone else moved the item first. A ValidationError, so that pages (and the review
    engine's transition view) show its message instead of failing."""


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class ProblemItemQuerySet(models.QuerySet["ProblemItem"]):
    def not_closed(self) -> ProblemItemQuerySet:
        return self.exclude(status=ItemStatus.CLOSED)

    def overdue(self, as_of: dt.date | None = None) -> ProblemItemQuerySet:
        """Past the deadline on `as_of` and not closed (index
        problem_item_open_deadline_idx); `as_of` is the campaign's Campaign.as_of():
        for items of several campaigns use overdue_in_their_campaigns(). Callers also
        keep to approved lists (committed())."""
        as_of = as_of or timezone.localdate()
        return self.filter(deadline__lt=as_of).not_closed()

    def committed(self) -> ProblemItemQuerySet:
        """Items of approved lists: the only ones that can be overdue."""
        return self.filter(problem_list__review_status=ReviewStatus.APPROVED)

    def overdue_in_their_campaigns(self, today: dt.date | None = None) -> ProblemItemQuerySet:
        """Items of approved lists, not closed, past their deadline as of their own
        campaign's as-of day (today, or the campaign's end once it has ended)."""
        today = today or timezone.localdate()
        return (
            self.committed()
            .overdue(today)
            .filter(deadline__lt=models.F("problem_list__campaign__ends_on"))
        )

    def for_table(self) -> ProblemItemQuerySet:
        return self.select_related("category").order_by("number")


class ProblemItem(models.Model):
    problem_list = models.ForeignKey(
        ProblemList, verbose_name=_("problem list"), on_delete=models.CASCADE, related_name="items"
    )
    number = models.PositiveSmallIntegerField(_("number"), editable=False)
    description = models.TextField(_("problem"), max_length=2000)
    category = models.ForeignKey(
        "activities.ProblemCategory",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="problem_items",
    )
    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    # The origin, by kind; SET_NULL so that deleting a meeting entry never fails here.
    source_opinion = models.ForeignKey(
        "activities.Opinion",
        verbose_name=_("opinion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_items",
    )
    source_statement = models.ForeignKey(
        "activities.SelfExamination",
        verbose_name=_("self-examination statement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_items",
    )
    source_criticism = models.ForeignKey(
        "activities.CriticismEntry",
        verbose_name=_("criticism at the special meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_items",
    )
    source_note = models.CharField(
        _("source details"),
        max_length=300,
        blank=True,
        help_text=_("For example: pointed out by the county inspection team on 2014-07-01."),
    )
    measures = models.TextField(_("measures"), max_length=4000)
    responsible_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("responsible member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_items",
    )
    responsible_name = models.CharField(
        _("responsible person"),
        max_length=50,
        blank=True,
        help_text=_("Filled in from the member picked, or typed for someone off the roster."),
    )
    responsible_post = models.CharField(
        _("responsible person's post"),
        max_length=60,
        blank=True,
        help_text=_("Shown on the public notice with the name, e.g. 党支部书记."),
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ItemStatus.choices,
        default=ItemStatus.OPEN,
        editable=False,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # The list's version that added the item (1: the list as first approved).
    added_in_version = models.PositiveSmallIntegerField(
        _("added in version"), default=1, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Also the version token of the edit form.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProblemItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem-list item")
        verbose_name_plural = _("problem-list items")
        ordering = ["problem_list", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem_list", "number"], name="problem_item_number_unique"
            ),
            # An opinion becomes at most one item (it is adopted once).
            models.UniqueConstraint(
                fields=["source_opinion"],
                condition=Q(source_opinion__isnull=False),
                name="problem_item_opinion_once",
                violation_error_message=_("This opinion is already an item of a problem list."),
            ),
            CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="problem_item_closed_has_date",
            ),
        ]
        indexes = [
            # Overdue and open items (the checklist, the reviewer's overdue list): items
            # not closed, by deadline.
            models.Index(
                fields=["deadline"],
                condition=~Q(status="closed"),
                name="problem_item_open_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        text = self.description.strip().replace("\n", " ")
        return f"{self.number}. " + text[:40] + ("…" if len(text) > 40 else "")

    def get_absolute_url(self) -> str:
        return reverse("rectification:item_detail", args=[self.pk])

    @property
    def label(self) -> str:
        """How the item is named elsewhere (the adopted opinion keeps this text)."""
        return str(_("Problem list item %(number)d") % {"number": self.number})

    @property
    def responsible_display(self) -> str:
        name = self.responsible_name or (
            self.responsible_member.name if self.responsible_member is not None else ""
        )
        return f"{name} ({self.responsible_post})" if self.responsible_post else name

    @property
    def is_closed(self) -> bool:
        return self.status == ItemStatus.CLOSED

    def days_overdue(self, today: dt.date | None = None) -> int:
        """Days past the deadline on the campaign's as-of day (Campaign.as_of) while
        not closed; 0 when not overdue, and always 0 while the list is not approved.
        Needs problem_list and its campaign loaded."""
        plist = self.problem_list
        if self.is_closed or plist.review_status != ReviewStatus.APPROVED:
            return 0
        as_of = plist.campaign.as_of(today)
        return max((as_of - self.deadline).days, 0)

    @property
    def overdue_days(self) -> int:
        return self.days_overdue()

    def snapshot_fields(self) -> dict[str, str]:
        """The item in the list's review snapshot, field by field (stable keys, labelled
        by ProblemList.review_labels; in this order they make the line of snapshot_line,
        see ProblemList.review_items_text). Needs `category` loaded."""
        return {
            "description": self.description.strip(),
            "category": str(self.category),
            "measures": self.measures.strip(),
            "responsible": self.responsible_display,
            "deadline": self.deadline.isoformat(),
        }

    def snapshot_line(self) -> str:
        """One line of the list's review snapshot as stored before items were listed
        one by one (the old events compare against it). Needs `category` loaded."""
        who = self.responsible_display
        return (
            (
                f"{self.number}. {self.description.strip()} | {self.category} | "
                f"{self.measures.strip()} | {who} | {self.deadline.isoformat()}"
            )
            .replace("\r", " ")
            .replace("\n", " ")
        )

    def allowed_actions(self) -> list[str]:
        return [a for (s, a) in ITEM_TRANSITIONS if s == self.status]

    def clean(self) -> None:
        """The category, the origin and the responsible member belong to the list's
        campaign and organization. Needs problem_list (with organization and campaign)."""
        errors: dict[str, Any] = {}
        plist = self.problem_list
        if self.category_id and self.category.campaign_id != plist.campaign_id:
            errors["category"] = _("Pick a category of this campaign.")
        kind = self.source_kind
        links = {
            SourceKind.OPINION: "source_opinion",
            SourceKind.SELF_EXAMINATION: "source_statement",
            SourceKind.SPECIAL_MEETING: "source_criticism",
        }
        for link_kind, field in links.items():
            if kind != link_kind:
                setattr(self, field, None)
        if kind == SourceKind.OPINION:
            opinion = self.source_opinion
            if opinion is None:
                errors["source_opinion"] = _("Pick the opinion this item comes from.")
            elif (opinion.organization_id, opinion.campaign_id) != (
                plist.organization_id,
                plist.campaign_id,
            ):
                errors["source_opinion"] = _(
                    "Pick an opinion received by this organization in this campaign."
                )
        elif kind == SourceKind.SELF_EXAMINATION:
            statement = self.source_statement
            if statement is None:
                errors["source_statement"] = _("Pick the self-examination statement.")
            elif (statement.organization_id, statement.campaign_id) != (
                plist.organization_id,
                plist.campaign_id,
            ):
                errors["source_statement"] = _(
                    "Pick a statement of this organization in this campaign."
                )
        elif kind == SourceKind.SPECIAL_MEETING:
            entry = self.source_criticism
            if entry is None:
                errors["source_criticism"] = _("Pick the criticism at the special meeting.")
            elif (entry.meeting.organization_id, entry.meeting.campaign_id) != (
                plist.organization_id,
                plist.campaign_id,
            ):
                errors["source_criticism"] = _(
                    "Pick a criticism made at a meeting of this organization in this campaign."
                )
        member = self.responsible_member
        if member is not None:
            if member.organization_id != plist.organization_id:
                errors["responsible_member"] = _("Pick a member of this organization.")
            else:
                self.responsible_name = member.name
                if not self.responsible_post.strip():
                    self.responsible_post = member.post or member.get_party_post_display() or ""
        self.responsible_name = self.responsible_name.strip()
        self.responsible_post = self.responsible_post.strip()
        if not self.responsible_name and "responsible_member" not in errors:
            errors["responsible_name"] = _("Name the responsible person or pick a member.")
        if errors:
            raise ValidationError(errors)

    def transition(
        self,
        action: str,
        *,
        actor: Any,
        comment: str = "",
        new_deadline: dt.date | None = None,
        list_status: str | None = None,
    ) -> ItemEvent:
        """Apply `action` and write one ItemEvent, atomically.

        Raises IllegalItemTransition (writing nothing) when the move is not in
        ITEM_TRANSITIONS, when the list is in the wrong state for it (EDIT while the list
        is editable, everything else once it is approved) or when the stored status no
        longer matches this instance (a concurrent change); ValidationError when a
        reason is missing. APPROVE_EXTENSION moves the deadline to `new_deadline`;
        CLOSE stamps closed_at. Permissions are the callers' business.
        `list_status` saves a query when the caller knows the list's review status.
        Queries: list status (unless given), a locking read, the update, the event.
        """
        from_status = self.status
        to_status = ITEM_TRANSITIONS.get((from_status, action))
        if to_status is None:
            raise IllegalItemTransition(
                _("An item that is “%(status)s” cannot be “%(action)s”.")
                % {
                    "status": _label(ItemStatus, from_status),
                    "action": _label(ItemAction, action),
                },
                code="illegal_transition",
            )
        comment = (comment or "").strip()
        if action in REASON_REQUIRED and not comment:
            raise ValidationError({"comment": _("Give the reason.")}, code="reason_required")
        if action == ItemAction.APPROVE_EXTENSION and (
            new_deadline is None or new_deadline <= self.deadline
        ):
            raise ValidationError(
                {"new_deadline": _("The new deadline must be later than the current one.")}
            )
        with transaction.atomic():
            if list_status is None:
                list_status = (
                    ProblemList.objects.filter(pk=self.problem_list_id)
                    .values_list("review_status", flat=True)
                    .first()
                )
            if action in EDITING_ACTIONS:
                if list_status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
                    raise IllegalItemTransition(
                        _(
                            "Items can be changed only while the problem list is a draft or returned."
                        ),
                        code="list_locked",
                    )
            elif list_status != ReviewStatus.APPROVED:
                raise IllegalItemTransition(
                    _("The rectification of an item starts once the problem list is approved."),
                    code="list_not_approved",
                )
            stored = (
                ProblemItem.objects.select_for_update()
                .filter(pk=self.pk)
                .values_list("status", flat=True)
                .first()
            )
            if stored != from_status:
                raise IllegalItemTransition(
                    _("Someone else changed this item meanwhile. Reload the page."), code="stale"
                )
            changes: dict[str, Any] = {"status": to_status, "updated_at": timezone.now()}
            if action == ItemAction.APPROVE_EXTENSION:
                changes["deadline"] = new_deadline
            if to_status == ItemStatus.CLOSED:
                changes["closed_at"] = timezone.now()
            ProblemItem.objects.filter(pk=self.pk).update(**changes)
            mark_changed([self.problem_list.organization_id], model=ProblemItem)  # no signal
            for name, value in changes.items():
                setattr(self, name, value)
            return ItemEvent.objects.create(
                item=self,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                comment=comment,
                new_deadline=new_deadline,
            )


class ItemEvent(models.Model):
    """One change of one item: the item's timeline (who, when, what, why)."""

    item = models.ForeignKey(ProblemItem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=ItemAction.choices)
    from_status = models.CharField(
        pgettext_lazy("status change", "from"),
        max_length=20,
        choices=ItemStatus.choices,
        blank=True,
    )
    to_status = models.CharField(
        pgettext_lazy("status change", "to"), max_length=20, choices=ItemStatus.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("event actor", "by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment or reason"), blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("item event")
        verbose_name_plural = _("item events")
        ordering = ["at", "pk"]
        indexes = [
            # The timeline of one item (item page).
            models.Index(fields=["item", "at"], name="item_event_item_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.action} {self.from_status or '-'} → {self.to_status}"

    @property
    def status_changed(self) -> bool:
        return self.from_status != self.to_status


# --- requests reviewed upward --------------------------------------------------------------


def _item_label(item: ProblemItem) -> str:
    text = item.description.strip().replace("\n", " ")
    return f"{item.number}. {text[:60]}{'…' if len(text) > 60 else ''}"


class ClosureRequest(Reviewable):
    """A request to close (销号) an item, with evidence files (portal.attachments, kind
    "evidence"). One per item: a returned request ("closure rejected") gets more evidence
    and is resubmitted."""

    item = models.ForeignKey(
        ProblemItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="closure_requests",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="closure_requests",
    )
    note = models.TextField(
        _("what was done"),
        max_length=4000,
        blank=True,
        help_text=_("How the problem was rectified; the evidence files show it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    attachments = GenericRelation("attachments.Attachment")

    review_labels = {"item": _("item"), "evidence": _("evidence")}

    review_campaign_path = "item__problem_list__campaign"

    class Meta:
        verbose_name = _("closure request")
        verbose_name_plural = _("closure requests")
        ordering = ["item", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item"], name="closure_request_one_per_item"),
        ]

    def __str__(self) -> str:
        return str(_("Closure request for item %(number)d") % {"number": self.item.number})

    def get_absolute_url(self) -> str:
        return reverse("rectification:closure_request_detail", args=[self.pk])

    def review_title(self) -> str:
        return str(_("Closure of item %(item)s") % {"item": _item_label(self.item)})

    def review_snapshot(self) -> dict[str, str]:
        from portal.attachments.models import Attachment

        names = Attachment.objects.for_record(self).values_list("original_name", flat=True)
        return {
            "item": _item_label(self.item),
            "note": self.note,
            "evidence": "\n".join(names),
        }

    def review_validate_submission(self) -> None:
        """Only for an item of an approved list that is not closed or waiting, with at
        least one evidence file."""
        from portal.attachments.models import Attachment

        item = self.item
        if item.problem_list.review_status != ReviewStatus.APPROVED:
            raise ValidationError(_("The problem list is not approved yet."))
        if item.status not in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS):
            raise ValidationError(
                _("Closure cannot be requested for an item that is “%(status)s”.")
                % {"status": item.get_status_display()}
            )
        if not Attachment.objects.for_record(self).exists():
            raise ValidationError(_("Attach at least one evidence file (a photo, a document)."))

    def is_editable(self) -> bool:
        """Evidence may be added or removed only while the request is a draft or returned
        (portal.attachments asks)."""
        return review_is_editable(self)

    def after_review_transition(self, event: Any) -> None:
        """The item's side of the review (called by portal.reviews in the transaction):
        submit / resubmit → closure requested; withdraw → back in progress; approve →
        closed (销号); return → closure rejected with the reviewer's reason."""
        action = {
            ReviewAction.SUBMIT: ItemAction.REQUEST_CLOSURE,
            ReviewAction.RESUBMIT: ItemAction.REQUEST_CLOSURE,
            ReviewAction.WITHDRAW: ItemAction.WITHDRAW_CLOSURE,
            ReviewAction.APPROVE: ItemAction.CLOSE,
            ReviewAction.RETURN: ItemAction.REJECT_CLOSURE,
        }[ReviewAction(event.action)]
        comment = event.comment if action != ItemAction.REQUEST_CLOSURE else self.note
        self.item.transition(
            action, actor=event.actor, comment=comment, list_status=ReviewStatus.APPROVED
        )


class ExtensionRequest(Reviewable):
    """A request to move an item's deadline (申请延期), approved or rejected upward."""

    item = models.ForeignKey(
        ProblemItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="extension_requests",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="extension_requests",
    )
    current_deadline = models.DateField(_("current deadline"), editable=False)
    new_deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    review_fields = ("current_deadline", "new_deadline", "reason")
    review_labels = {"item": _("item")}

    review_campaign_path = "item__problem_list__campaign"

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["item", "pk"]
        constraints = [
            # One pending request per item (returned ones are rejected ones).
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(review_status__in=["draft", "submitted"]),
                name="extension_request_one_pending",
            ),
            CheckConstraint(
                condition=Q(new_deadline__gt=models.F("current_deadline")),
                name="extension_request_later_deadline",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Extension request for item %(number)d to %(date)s")
            % {"number": self.item.number, "date": self.new_deadline}
        )

    def get_absolute_url(self) -> str:
        return reverse("rectification:extension_request_detail", args=[self.pk])

    def review_title(self) -> str:
        return str(
            _("Extension of item %(item)s to %(date)s")
            % {"item": _item_label(self.item), "date": self.new_deadline.isoformat()}
        )

    def review_snapshot(self) -> dict[str, str]:
        return {"item": _item_label(self.item), **super().review_snapshot()}

    def clean(self) -> None:
        if (
            self.new_deadline
            and self.current_deadline
            and self.new_deadline <= self.current_deadline
        ):
            raise ValidationError(
                {"new_deadline": _("The new deadline must be later than the current one.")}
            )

    def review_validate_submission(self) -> None:
        """Only for an item of an approved list that is not closed, with a deadline later
        than the item's current one and no other request waiting."""
        item = self.item
        if item.problem_list.review_status != ReviewStatus.APPROVED:
            raise ValidationError(_("The problem list is not approved yet."))
        if item.is_closed:
            raise ValidationError(_("The item is closed."))
        if self.new_deadline <= item.deadline:
            raise ValidationError(
                {"new_deadline": _("The new deadline must be later than the current one.")}
            )
        others = ExtensionRequest.objects.filter(
            item_id=item.pk, review_status__in=[ReviewStatus.DRAFT, ReviewStatus.SUBMITTED]
        ).exclude(pk=self.pk)
        if others.exists():
            raise ValidationError(_("Another extension request of this item is waiting."))

    def is_editable(self) -> bool:
        return review_is_editable(self)

    def after_review_transition(self, event: Any) -> None:
        """submit / resubmit → extension requested; withdraw → withdrawn; approve → the
        item's deadline moves to new_deadline; return → extension rejected (reason)."""
        action = {
            ReviewAction.SUBMIT: ItemAction.REQUEST_EXTENSION,
            ReviewAction.RESUBMIT: ItemAction.REQUEST_EXTENSION,
            ReviewAction.WITHDRAW: ItemAction.WITHDRAW_EXTENSION,
            ReviewAction.APPROVE: ItemAction.APPROVE_EXTENSION,
            ReviewAction.RETURN: ItemAction.REJECT_EXTENSION,
        }[ReviewAction(event.action)]
        comment = self.reason if action == ItemAction.REQUEST_EXTENSION else event.comment
        if action == ItemAction.APPROVE_EXTENSION and self.item.is_closed:
            raise IllegalItemTransition(
                _("The item is closed: return the extension request instead."),
                code="item_closed",
            )
        self.item.transition(
            action,
            actor=event.actor,
            comment=comment,
            new_deadline=self.new_deadline
            if action in (ItemAction.REQUEST_EXTENSION, ItemAction.APPROVE_EXTENSION)
            else None,
            list_status=ReviewStatus.APPROVED,
        )
