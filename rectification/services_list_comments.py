"""Writes for the problem list open to comment and for its revisions (docs/product.md
§6.3.1).

* Opening the list to comment and changing or ending the period: SUBMIT (the
  secretary), while the list is a draft, returned or approved.
* A comment is written by the public page (no actor) while the period runs; the
  organization's secretaries and clerks are notified, as for an online opinion.
* Adopting or answering a comment: RECORD. Adopting may create an item of the list
  (draft or returned: `services_problems.item_create`) or a new problem of the list's
  revision (approved: the draft revision is started when there is none).
* Revisions: RECORD writes them while they are editable (draft or returned); the
  review panel submits them (SUBMIT) and the reviewer approves them through
  portal.reviews, whose hook adds the items to the list (ProblemListRevision.
  after_review_transition).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from portal.accounts.models import Role
from portal.accounts.permissions import Action, user_can
from portal.notifications.services import notify
from portal.reviews.models import RecordLocked, ReviewStatus, is_editable

from . import services_problems
from .models import (
    CommenterRole,
    CommentPeriod,
    CommentStatus,
    ListComment,
    ProblemItem,
    ProblemList,
    ProblemListRevision,
    RevisionItem,
    SourceKind,
)
from .models.list_comments import COMMENT_DAYS, new_comment_token

REVISION_ITEM_FIELDS = (
    "description",
    "category",
    "source_kind",
    "source_note",
    "measures",
    "responsible_name",
    "responsible_post",
    "deadline",
)
COMMENTABLE = (ReviewStatus.DRAFT, ReviewStatus.RETURNED, ReviewStatus.APPROVED)


def _require(actor: Any, action: Action, org: Organization) -> None:
    if actor is not None and not user_can(actor, action, org):
        raise PermissionDenied


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the comment period ------------------------------------------------------------------


@transaction.atomic
def comment_period_set(
    *,
    actor: Any,
    problem_list: ProblemList,
    opens_on: dt.date | None,
    closes_on: dt.date | None = None,
) -> CommentPeriod:
    """Open the list to comment from `opens_on` to `closes_on` (both days in; two weeks
    when the end is not given), or change the period (SUBMIT). The first call creates
    the unguessable address; later calls keep it. Not while the list is submitted.
    Queries: lock, the period, insert or update, history row."""
    _require(actor, Action.SUBMIT, problem_list.organization)
    plist = ProblemList.objects.select_for_update(of=("self",)).get(pk=problem_list.pk)
    if plist.review_status not in COMMENTABLE:
        raise ValidationError(_("A problem list waiting for review cannot be opened to comment."))
    errors = {}
    if opens_on is None:
        errors["opens_on"] = _("Give the first day of the period.")
    elif closes_on is None:
        closes_on = opens_on + dt.timedelta(days=COMMENT_DAYS - 1)
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = _("The period cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    assert opens_on is not None and closes_on is not None
    period = CommentPeriod.objects.filter(problem_list=plist).first()
    if period is None:
        period = CommentPeriod(problem_list=plist, token=new_comment_token())
    period.opens_on = opens_on
    period.closes_on = closes_on
    period.opened_by = _user(actor)
    period.full_clean(exclude=["problem_list"])
    period._history_user = _user(actor)  # type: ignore[attr-defined]
    period.save()
    return period


@transaction.atomic
def comment_period_close(*, actor: Any, period: CommentPeriod) -> CommentPeriod:
    """End the period now: yesterday becomes its last day (SUBMIT)."""
    _require(actor, Action.SUBMIT, period.problem_list.organization)
    current = CommentPeriod.objects.select_for_update().get(pk=period.pk)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    current.closes_on = yesterday
    # A period not started before today ends as a single past day.
    current.opens_on = min(current.opens_on, yesterday)
    current._history_user = _user(actor)  # type: ignore[attr-defined]
    current.save()
    period.opens_on, period.closes_on = current.opens_on, current.closes_on
    return current


# --- comments ------------------------------------------------------------------------------


@transaction.atomic
def comment_submit(
    *,
    period: CommentPeriod,
    content: str,
    role: str = "",
    commenter_name: str = "",
    today: dt.date | None = None,
) -> ListComment:
    """A comment from the public page (no actor: the page checks its protections).
    Refused when the period is not running on `today` (the real today unless a demo
    builder dates it). Queries: insert, history row."""
    if not period.is_open(today):
        raise ValidationError(_("The list is not open to comment."))
    plist = period.problem_list
    comment = ListComment(
        problem_list=plist,
        organization_id=plist.organization_id,
        content=(content or "").strip(),
        role=role if role in CommenterRole.values else "",
        commenter_name=(commenter_name or "").strip(),
    )
    comment.full_clean(exclude=["problem_list", "organization"])
    comment.save()
    transaction.on_commit(lambda: notify_new_comment(comment, plist))
    return comment


def notify_new_comment(comment: ListComment, plist: ProblemList) -> None:
    """Tell the organization's own secretaries and clerks that a comment on its list
    arrived, as an online opinion does (after commit; two queries)."""
    organization = plist.organization
    recipients = (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__organization=organization,
            role_assignments__role__in=[Role.SECRETARY, Role.CLERK],
        )
        .distinct()
        .order_by("pk")
    )
    notify(
        recipients,
        verb="problem_list.comment",
        title=format_lazy(
            gettext_lazy("New comment on the problem list of {org}"),
            org=organization.short_name,
        ),
        body=Truncator(comment.content).chars(200),
        url=f"{plist.get_absolute_url()}#comment-{comment.pk}",
    )


def _locked_comment(comment: ListComment) -> ListComment:
    locked: ListComment = (
        ListComment.objects.select_for_update(of=("self",))
        .select_related("problem_list__organization", "problem_list__campaign")
        .get(pk=comment.pk)
    )
    if locked.status != CommentStatus.NEW:
        raise ValidationError(
            _("This comment is already “%(status)s”.") % {"status": locked.get_status_display()},
            code="handled",
        )
    return locked


def _handled(comment: ListComment, current: ListComment, actor: Any) -> ListComment:
    current.handled_at = timezone.now()
    current.handled_by = _user(actor)
    current.full_clean(exclude=["problem_list", "organization", "adopted_revision_item"])
    current._history_user = _user(actor)  # type: ignore[attr-defined]
    current.save()
    comment.__dict__.update(
        {
            k: getattr(current, k)
            for k in (
                "status",
                "answer_text",
                "adopted_note",
                "adopted_item_id",
                "adopted_revision_item_id",
                "handled_at",
                "handled_by_id",
            )
        }
    )
    return current


@transaction.atomic
def comment_answer(*, actor: Any, comment: ListComment, answer_text: str) -> ListComment:
    """Mark the comment answered with the answer (RECORD)."""
    _require(actor, Action.RECORD, comment.organization)
    current = _locked_comment(comment)
    text = (answer_text or "").strip()
    if not text:
        raise ValidationError({"answer_text": _("Write the answer.")})
    current.status = CommentStatus.ANSWERED
    current.answer_text = text
    return _handled(comment, current, actor)


@transaction.atomic
def comment_adopt(
    *, actor: Any, comment: ListComment, note: str = "", item: ProblemItem | None = None
) -> ListComment:
    """Mark the comment adopted (RECORD), with how (a note) and, optionally, an item of
    the same list it became."""
    _require(actor, Action.RECORD, comment.organization)
    current = _locked_comment(comment)
    if item is not None and item.problem_list_id != current.problem_list_id:
        raise ValidationError({"item": _("Pick an item of this list.")})
    current.status = CommentStatus.ADOPTED
    current.adopted_note = (note or "").strip()
    current.adopted_item = item
    return _handled(comment, current, actor)


@transaction.atomic
def comment_adopt_as_item(*, actor: Any, comment: ListComment, **fields: Any) -> ProblemItem:
    """Adopt the comment as a new item of its draft or returned list (RECORD): the
    item is written by services_problems.item_create (source: a comment on the draft
    list) and the comment links to it. Raises RecordLocked once the list is submitted
    or approved (an approved list takes new problems through a revision)."""
    _require(actor, Action.RECORD, comment.organization)
    current = _locked_comment(comment)
    fields["source_kind"] = SourceKind.COMMENT
    fields.setdefault(
        "source_note",
        _("Comment received on %(date)s")
        % {"date": f"{timezone.localtime(current.received_at):%Y-%m-%d}"},
    )
    item = services_problems.item_create(actor=actor, problem_list=current.problem_list, **fields)
    current.status = CommentStatus.ADOPTED
    current.adopted_item = item
    _handled(comment, current, actor)
    return item


@transaction.atomic
def comment_adopt_into_revision(*, actor: Any, comment: ListComment, **fields: Any) -> RevisionItem:
    """Adopt the comment as a new problem of the approved list's revision (RECORD); the
    draft revision is started when there is none. The comment links to the new problem,
    and to the item it becomes once the revision is approved."""
    _require(actor, Action.RECORD, comment.organization)
    current = _locked_comment(comment)
    plist = current.problem_list
    revision = ProblemListRevision.objects.filter(problem_list=plist).exclude(
        review_status=ReviewStatus.APPROVED
    ).first() or revision_create(
        actor=actor,
        problem_list=plist,
        reason=_("Problems raised in the comments on the list."),
    )
    fields["source_kind"] = SourceKind.COMMENT
    fields.setdefault(
        "source_note",
        _("Comment received on %(date)s")
        % {"date": f"{timezone.localtime(current.received_at):%Y-%m-%d}"},
    )
    row = revision_item_add(actor=actor, revision=revision, **fields)
    current.status = CommentStatus.ADOPTED
    current.adopted_revision_item = row
    current.adopted_note = str(revision)
    _handled(comment, current, actor)
    return row


# --- revisions -----------------------------------------------------------------------------


@transaction.atomic
def revision_create(*, actor: Any, problem_list: ProblemList, reason: str) -> ProblemListRevision:
    """Start the next version of an approved list (RECORD). One revision in the making
    per list. Queries: lock, open check, max version, insert, history row."""
    _require(actor, Action.RECORD, problem_list.organization)
    plist = ProblemList.objects.select_for_update(of=("self",)).get(pk=problem_list.pk)
    if plist.review_status != ReviewStatus.APPROVED:
        raise ValidationError(_("Only an approved problem list can be revised."))
    if plist.revisions.exclude(review_status=ReviewStatus.APPROVED).exists():
        raise ValidationError(_("This list already has a revision in the making."))
    last = plist.revisions.aggregate(n=Max("version"))["n"] or plist.version
    revision = ProblemListRevision(
        problem_list=plist,
        organization_id=plist.organization_id,
        version=max(last, plist.version) + 1,
        reason=(reason or "").strip(),
        created_by=_user(actor),
    )
    revision.full_clean(exclude=["problem_list", "organization"])
    revision._history_user = _user(actor)  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            revision.save()
    except IntegrityError:
        raise ValidationError(_("This list already has a revision in the making.")) from None
    return revision


@transaction.atomic
def revision_update(
    *, actor: Any, revision: ProblemListRevision, reason: str
) -> ProblemListRevision:
    """Rewrite the reason of a draft or returned revision (RECORD)."""
    _require(actor, Action.RECORD, revision.organization)
    current = ProblemListRevision.objects.select_for_update(of=("self",)).get(pk=revision.pk)
    if not is_editable(current):
        raise RecordLocked
    current.reason = (reason or "").strip()
    current.full_clean(exclude=["problem_list", "organization"])
    current._history_user = _user(actor)  # type: ignore[attr-defined]
    current.save()
    revision.reason = current.reason
    return current


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(REVISION_ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


@transaction.atomic
def revision_item_add(*, actor: Any, revision: ProblemListRevision, **fields: Any) -> RevisionItem:
    """Add a new problem to a draft or returned revision (RECORD)."""
    _require(actor, Action.RECORD, revision.organization)
    current = (
        ProblemListRevision.objects.select_for_update(of=("self",))
        .select_related("problem_list")
        .get(pk=revision.pk)
    )
    if not is_editable(current):
        raise RecordLocked
    row = RevisionItem(revision=current, **_fields(fields))
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def revision_item_delete(*, actor: Any, row: RevisionItem) -> None:
    """Remove a new problem from a draft or returned revision (RECORD); a comment
    adopted into it becomes unhandled again."""
    revision = row.revision
    _require(actor, Action.RECORD, revision.organization)
    current = ProblemListRevision.objects.select_for_update(of=("self",)).get(pk=revision.pk)
    if not is_editable(current):
        raise RecordLocked
    ListComment.objects.filter(adopted_revision_item=row).update(
        status=CommentStatus.NEW, adopted_note="", handled_at=None, handled_by=None
    )
    row.delete()
