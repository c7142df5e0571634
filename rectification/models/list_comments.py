"""The draft problem list open to comment, and the revisions of an approved list
(docs/product.md §6.3.1).

The plan asks to list the problems one by one "and pay attention to soliciting the
opinions of party member employees". So:

* `CommentPeriod`: one per problem list. The secretary opens the list to comment for a
  set period (opens_on to closes_on, both days in); while it runs, anyone with the
  unguessable link (or its QR code) reads the list's items and sends a comment, with
  no login, behind the suggestion box's protections (activities/public/views.py).
* `ListComment`: one comment on one list. The public never reads comments (not even
  their own); the secretary marks each as adopted (optionally as a new item of the
  list, or of its revision once approved) or answered with an answer text; the
  reviewer reads them beside the list.
* `ProblemListRevision` with its `RevisionItem` rows: once a list is approved, problems
  found later are added by a revision (version 2, 3, …), reviewed upward through the
  one review engine. Approval adds the revision's items to the list, numbered after
  the last, and raises the list's version; the public notice shows the version and
  the day of the revision.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint
from portal.reviews.models import Reviewable, ReviewAction, ReviewStatus

from .problems import ItemAction, ItemEvent, ProblemItem, ProblemList, SourceKind

# The comment period when none is given: two weeks, the first day included.
COMMENT_DAYS = 14
COMMENT_MAX = 2000


def new_comment_token() -> str:
    """22 URL-safe characters, 128 bits: the comment page's address cannot be guessed."""
    return secrets.token_urlsafe(16)


class CommentPeriod(models.Model):
    problem_list = models.OneToOneField(
        ProblemList,
        verbose_name=_("problem list"),
        on_delete=models.CASCADE,
        related_name="comment_period",
    )
    token = models.CharField(_("public address token"), max_length=40, unique=True)
    opens_on = models.DateField(_("open for comment from"))
    closes_on = models.DateField(_("open for comment until"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["token"])

    class Meta:
        verbose_name = _("comment period")
        verbose_name_plural = _("comment periods")
        constraints = [
            CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="comment_period_ends_after_start",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem_list} ({self.opens_on} – {self.closes_on})"

    def is_open(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on

    def get_public_path(self) -> str:
        return reverse("comment:list", args=[self.token])

    def get_public_url(self) -> str:
        return settings.SITE_URL + self.get_public_path()


class CommentStatus(models.TextChoices):
    NEW = "new", _("not handled yet")
    ADOPTED = "adopted", _("adopted")
    ANSWERED = "answered", _("answered")


class CommenterRole(models.TextChoices):
    MEMBER = "member", _("a Party member")
    EMPLOYEE = "employee", _("an employee")


class ListCommentQuerySet(models.QuerySet["ListComment"]):
    def for_page(self) -> ListCommentQuerySet:
        return self.select_related("adopted_item", "handled_by").order_by("received_at", "pk")

    def unhandled(self) -> ListCommentQuerySet:
        return self.filter(status=CommentStatus.NEW)


class ListComment(models.Model):
    problem_list = models.ForeignKey(
        ProblemList,
        verbose_name=_("problem list"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    # The permission scope (the list's organization), kept here for the roll-up.
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="list_comments",
    )
    content = models.TextField(_("comment"), max_length=COMMENT_MAX)
    role = models.CharField(
        _("commenter is"), max_length=10, choices=CommenterRole.choices, blank=True
    )
    commenter_name = models.CharField(_("commenter's name"), max_length=50, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CommentStatus.choices,
        default=CommentStatus.NEW,
    )
    answer_text = models.TextField(_("answer"), max_length=4000, blank=True)
    adopted_note = models.CharField(
        _("how it was adopted"),
        max_length=300,
        blank=True,
        help_text=_("For example: taken into item 3."),
    )
    adopted_item = models.ForeignKey(
        ProblemItem,
        verbose_name=_("adopted as item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    adopted_revision_item = models.ForeignKey(
        "RevisionItem",
        verbose_name=_("adopted into the revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = ListCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment on a problem list")
        verbose_name_plural = _("comments on problem lists")
        ordering = ["problem_list", "received_at", "pk"]
        constraints = [
            CheckConstraint(
                condition=~Q(status="answered") | ~Q(answer_text=""),
                name="list_comment_answered_has_text",
            ),
        ]
        indexes = [
            models.Index(fields=["problem_list", "status"], name="list_comment_list_idx"),
        ]

    def __str__(self) -> str:
        text = self.content.strip().replace("\n", " ")
        return text[:40] + ("…" if len(text) > 40 else "")


# --- revisions ------------------------------------------------------------------------------


class ProblemListRevision(Reviewable):
    problem_list = models.ForeignKey(
        ProblemList,
        verbose_name=_("problem list"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="problem_list_revisions",
    )
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    reason = models.TextField(
        _("reason for the revision"),
        max_length=2000,
        help_text=_("How the problems below were found after the list was approved."),
    )
    applied_at = models.DateTimeField(_("added to the list at"), null=True, blank=True)
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "review_status",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
        ]
    )

    review_campaign_path = "problem_list__campaign"
    review_labels = {
        "reason": _("reason for the revision"),
        "items": _("items"),
        "description": _("problem"),
        "category": _("category"),
        "measures": _("measures"),
        "responsible": _("responsible person"),
        "deadline": _("deadline"),
    }

    class Meta:
        verbose_name = _("revision of a problem list")
        verbose_name_plural = _("revisions of problem lists")
        ordering = ["problem_list", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem_list", "version"], name="problem_list_revision_version"
            ),
            # One revision in the making per list (draft, submitted or returned).
            models.UniqueConstraint(
                fields=["problem_list"],
                condition=~Q(review_status="approved"),
                name="problem_list_revision_one_open",
                violation_error_message=_("This list already has a revision in the making."),
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(list)s, version %(version)d")
            % {"list": self.problem_list, "version": self.version}
        )

    def get_absolute_url(self) -> str:
        return reverse("rectification:revision_detail", args=[self.pk])

    def review_title(self) -> str:
        return str(self)

    def review_snapshot(self) -> dict[str, Any]:
        items = self.items.select_related("category").order_by("pk")
        return {
            "reason": self.reason,
            "items": [
                {"key": item.pk, "n": i, "fields": item.snapshot_fields()}
                for i, item in enumerate(items, start=1)
            ],
        }

    def review_validate_submission(self) -> None:
        if self.problem_list.review_status != ReviewStatus.APPROVED:
            raise ValidationError(_("Only an approved problem list can be revised."))
        if not self.items.exists():
            raise ValidationError(_("Add at least one new problem before submitting."))

    def after_review_transition(self, event: Any) -> None:
        """Approval adds the items to the list (numbered after its last item, each
        with its "added to the list" event naming the version), moves the adopted
        comments to their new items and raises the list's version."""
        if event.action != ReviewAction.APPROVE:
            return
        plist = ProblemList.objects.select_for_update(of=("self",)).get(pk=self.problem_list_id)
        last = plist.items.aggregate(n=Max("number"))["n"] or 0
        note = str(_("added by version %(version)d") % {"version": self.version})
        for offset, row in enumerate(self.items.order_by("pk"), start=1):
            item = ProblemItem.objects.create(
                problem_list=plist,
                number=last + offset,
                description=row.description,
                category_id=row.category_id,
                source_kind=row.source_kind,
                source_note=row.source_note,
                measures=row.measures,
                responsible_name=row.responsible_name,
                responsible_post=row.responsible_post,
                deadline=row.deadline,
                added_in_version=self.version,
                created_by=self.created_by,
            )
            ItemEvent.objects.create(
                item=item,
                action=ItemAction.CREATE,
                from_status="",
                to_status=item.status,
                actor=event.actor,
                comment=note,
            )
            ListComment.objects.filter(adopted_revision_item=row).update(adopted_item=item)
        # Saved (not updated) so that the list's history keeps each version.
        plist.version = self.version
        plist.revised_on = timezone.localdate()
        plist._history_user = event.actor  # type: ignore[attr-defined]
        plist.save(update_fields=["version", "revised_on", "updated_at"])
        ProblemListRevision.objects.filter(pk=self.pk).update(applied_at=timezone.now())


class RevisionItem(models.Model):
    """A problem added by a revision; it becomes a ProblemItem when the revision is
    approved."""

    revision = models.ForeignKey(
        ProblemListRevision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    description = models.TextField(_("problem"), max_length=2000)
    category = models.ForeignKey(
        "activities.ProblemCategory",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_kind = models.CharField(
        _("source"), max_length=20, choices=SourceKind.choices, default=SourceKind.OTHER
    )
    source_note = models.CharField(_("source details"), max_length=300, blank=True)
    measures = models.TextField(_("measures"), max_length=4000)
    responsible_name = models.CharField(_("responsible person"), max_length=50)
    responsible_post = models.CharField(_("responsible person's post"), max_length=60, blank=True)
    deadline = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("new problem of a revision")
        verbose_name_plural = _("new problems of a revision")
        ordering = ["revision", "pk"]

    def __str__(self) -> str:
        text = self.description.strip().replace("\n", " ")
        return text[:40] + ("…" if len(text) > 40 else "")

    def clean(self) -> None:
        if self.category_id and self.revision_id:
            campaign_id = self.revision.problem_list.campaign_id
            if self.category.campaign_id != campaign_id:
                raise ValidationError({"category": _("Pick a category of this campaign.")})

    def snapshot_fields(self) -> dict[str, str]:
        who = (
            f"{self.responsible_name} ({self.responsible_post})"
            if self.responsible_post
            else self.responsible_name
        )
        return {
            "description": self.description.strip(),
            "category": str(self.category),
            "measures": self.measures.strip(),
            "responsible": who,
            "deadline": self.deadline.isoformat(),
        }
