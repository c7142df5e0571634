"""Writes for problem lists, their items and the closure and extension requests
(docs/product.md §6.3).

Every function checks the actor's authority (RECORD to write, SUBMIT to request and
publish; None = the system), validates with full_clean() and runs in one transaction.
Item status changes go through ProblemItem.transition(), which writes the timeline
event. Review state changes go through portal.reviews.services.review_transition; the
requests' effect on their item is their `after_review_transition` hook.

An item whose source is an opinion adopts it (activities.opinions.services.
opinion_mark_adopted: the opinion becomes "adopted" with a link to the item); a
received opinion is first sorted into the item's category. An adoption cannot be
undone, so such an item keeps its opinion and cannot be deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Campaign, Opinion, OpinionStatus
from activities.opinions.services import opinion_mark_adopted, opinion_sort
from organizations.models import Organization
from portal.accounts.permissions import Action, user_can
from portal.attachments.models import AttachmentKind
from portal.attachments.services import attachment_add
from portal.core.text import join_list
from portal.reviews.models import RecordLocked, ReviewAction, ReviewStatus, is_editable
from portal.reviews.services import review_transition

from .models import (
    ClosureRequest,
    ExtensionRequest,
    ItemAction,
    ItemEvent,
    ItemStatus,
    ProblemItem,
    ProblemList,
    SourceKind,
)
from .models.problems import NOTICE_DAYS, new_notice_token

LIST_INPUT_FIELDS = ("title", "intro")
ITEM_INPUT_FIELDS = (
    "description",
    "category",
    "source_kind",
    "source_opinion",
    "source_statement",
    "source_criticism",
    "source_note",
    "measures",
    "responsible_member",
    "responsible_name",
    "responsible_post",
    "deadline",
)


class EditConflict(ValidationError):
    """Someone else saved the record after this form was opened."""


def version_token(record: Any) -> str:
    """The value an edit form carries to detect concurrent edits."""
    return record.updated_at.isoformat() if record.updated_at else ""


def _require(actor: Any, action: Action, org: Organization) -> None:
    if actor is not None and not user_can(actor, action, org):
        raise PermissionDenied


def _fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked_list(problem_list: ProblemList) -> ProblemList:
    locked: ProblemList = (
        ProblemList.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign")
        .get(pk=problem_list.pk)
    )
    return locked


def _locked_item(item: ProblemItem) -> ProblemItem:
    locked: ProblemItem = (
        ProblemItem.objects.select_for_update(of=("self",))
        .select_related("problem_list__organization", "problem_list__campaign", "category")
        .get(pk=item.pk)
    )
    return locked


# --- the list ----------------------------------------------------------------------------


@transaction.atomic
def problem_list_create(
    *, actor: Any, organization: Organization, campaign: Campaign, **fields: Any
) -> ProblemList:
    """Write the organization's problem list for the campaign as a draft (RECORD). One
    per organization and campaign. Queries: campaign check, unique check, insert,
    history row."""
    _require(actor, Action.RECORD, organization)
    if not Campaign.objects.for_organization(organization).filter(pk=campaign.pk).exists():
        raise ValidationError(_("This organization does not take part in that campaign."))
    plist = ProblemList(
        organization=organization,
        campaign=campaign,
        created_by=_user(actor),
        **_fields(fields, LIST_INPUT_FIELDS),
    )
    plist.full_clean()
    plist._history_user = _user(actor)  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            plist.save()
    except IntegrityError:
        raise ValidationError(
            _("The organization already has a problem list for this campaign.")
        ) from None
    return plist


@transaction.atomic
def problem_list_update(
    *, actor: Any, problem_list: ProblemList, version: str, **fields: Any
) -> ProblemList:
    """Save the title and introduction of a draft or returned list (RECORD).

    Raises RecordLocked when the list is submitted or approved, EditConflict when it was
    saved by someone else since `version` was read. Queries: lock, update, history."""
    _require(actor, Action.RECORD, problem_list.organization)
    current = _locked_list(problem_list)
    if not is_editable(current):
        raise RecordLocked
    if version_token(current) != version:
        raise EditConflict(
            _(
                "Someone else changed this problem list while you were editing it. Your "
                "changes were not saved: open it again to see the current text."
            ),
            code="conflict",
        )
    for name, value in _fields(fields, LIST_INPUT_FIELDS).items():
        setattr(current, name, value)
    current.full_clean()
    current._history_user = _user(actor)  # type: ignore[attr-defined]
    current.save()
    problem_list.__dict__.update(
        {k: getattr(current, k) for k in (*LIST_INPUT_FIELDS, "updated_at")}
    )
    return current


@transaction.atomic
def problem_list_publish(
    *,
    actor: Any,
    problem_list: ProblemList,
    published_on: dt.date,
    audience: str,
    notice_ends_on: dt.date | None = None,
) -> ProblemList:
    """Publish (公示) an approved list with the notice period (published_on to
    notice_ends_on, both days included; a week when the end is not given) and the
    audience named on the notice (SUBMIT). The first publication creates the public token (the address of
    the public notice page); publishing again corrects the date and the audience and
    keeps the address. Raises ValidationError for a list that is not approved.
    Queries: lock, update, history row."""
    _require(actor, Action.SUBMIT, problem_list.organization)
    current = _locked_list(problem_list)
    if current.review_status != ReviewStatus.APPROVED:
        raise ValidationError(_("Only an approved problem list can be published."))
    audience = (audience or "").strip()
    errors = {}
    if not published_on:
        errors["published_on"] = _("Give the date of publication.")
    if not audience:
        errors["audience"] = _("Say whom the notice is for.")
    if published_on and notice_ends_on is None:
        notice_ends_on = published_on + dt.timedelta(days=NOTICE_DAYS - 1)
    if published_on and notice_ends_on and notice_ends_on < published_on:
        errors["notice_ends_on"] = _("The notice period cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    current.published_on = published_on
    current.notice_ends_on = notice_ends_on
    current.audience = audience
    if current.published_at is None:
        current.published_at = timezone.now()
        current.public_token = new_notice_token()
    current.published_by = _user(actor)
    current.full_clean()
    current._history_user = _user(actor)  # type: ignore[attr-defined]
    current.save()
    for name in (
        "published_on",
        "notice_ends_on",
        "audience",
        "published_at",
        "published_by",
        "public_token",
    ):
        setattr(problem_list, name, getattr(current, name))
    return current


# --- items ---------------------------------------------------------------------------------


def _check_opinion_adoptable(opinion: Opinion | None, *, item_pk: int | None) -> None:
    if opinion is None:
        return
    if opinion.status == OpinionStatus.ADOPTED:
        raise ValidationError(
            {
                "source_opinion": _("This opinion is already adopted as “%(item)s”.")
                % {"item": opinion.adopted_item_label}
            }
        )
    taken = ProblemItem.objects.filter(source_opinion=opinion)
    if item_pk is not None:
        taken = taken.exclude(pk=item_pk)
    if taken.exists():
        raise ValidationError(
            {"source_opinion": _("This opinion is already an item of a problem list.")}
        )


def _adopt(opinion: Opinion, *, actor: Any, item: ProblemItem) -> None:
    """The opinion becomes this item: sorted first when it was only received."""
    if opinion.status == OpinionStatus.RECEIVED:
        opinion_sort(opinion, actor=actor, category=item.category)
    opinion_mark_adopted(
        opinion, actor=actor, item_label=item.label, item_url=item.get_absolute_url()
    )


def _require_editable_list(plist: ProblemList) -> None:
    if not is_editable(plist):
        raise RecordLocked


@transaction.atomic
def item_create(*, actor: Any, problem_list: ProblemList, **fields: Any) -> ProblemItem:
    """Add an item to a draft or returned list (RECORD), numbered after the last one.

    An opinion as the source is adopted (see the module docstring). Raises RecordLocked
    for a submitted or approved list, ValidationError for invalid fields (a category or
    an origin of another campaign or organization, an opinion already adopted).
    Queries: list lock, max number, checks of the related rows, insert, event, and the
    opinion's adoption (about four)."""
    _require(actor, Action.RECORD, problem_list.organization)
    plist = _locked_list(problem_list)
    _require_editable_list(plist)
    fields = _fields(fields, ITEM_INPUT_FIELDS)
    last = plist.items.aggregate(n=Max("number"))["n"] or 0
    item = ProblemItem(problem_list=plist, number=last + 1, created_by=_user(actor), **fields)
    # The database enforces the constraints; the check below words the one a person
    # can hit (an opinion adopted twice) for the form.
    item.full_clean(validate_constraints=False)
    _check_opinion_adoptable(item.source_opinion, item_pk=None)
    item.save()
    ItemEvent.objects.create(
        item=item,
        action=ItemAction.CREATE,
        from_status="",
        to_status=item.status,
        actor=_user(actor),
    )
    if item.source_opinion is not None:
        _adopt(item.source_opinion, actor=actor, item=item)
    return item


@transaction.atomic
def item_update(*, actor: Any, item: ProblemItem, version: str, **fields: Any) -> ProblemItem:
    """Save changes to an item of a draft or returned list (RECORD), with an "edited"
    event naming the changed fields. An item that adopted an opinion keeps it (the
    adoption cannot be undone); an opinion picked now is adopted. Raises RecordLocked,
    EditConflict or ValidationError."""
    _require(actor, Action.RECORD, item.problem_list.organization)
    _locked_list(item.problem_list)
    current = _locked_item(item)
    _require_editable_list(current.problem_list)
    if version_token(current) != version:
        raise EditConflict(
            _(
                "Someone else changed this item while you were editing it. Your changes "
                "were not saved: open it again to see the current text."
            ),
            code="conflict",
        )
    fields = _fields(fields, ITEM_INPUT_FIELDS)
    before = {name: getattr(current, name) for name in ITEM_INPUT_FIELDS}
    adopted = current.source_opinion
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean(validate_constraints=False)
    if adopted is not None and (
        current.source_kind != SourceKind.OPINION or current.source_opinion_id != adopted.pk
    ):
        raise ValidationError(
            {
                "source_opinion": _(
                    "This item adopted an opinion; its source cannot be changed any more."
                )
            }
        )
    newly_adopted = current.source_opinion if adopted is None else None
    _check_opinion_adoptable(newly_adopted, item_pk=current.pk)
    changed = [
        str(getattr(ProblemItem._meta.get_field(name), "verbose_name", name))
        for name in ITEM_INPUT_FIELDS
        if getattr(current, name) != before[name]
    ]
    current.save()
    if changed:
        current.transition(
            ItemAction.EDIT,
            actor=actor,
            comment=join_list(changed),
            list_status=current.problem_list.review_status,
        )
    if newly_adopted is not None:
        _adopt(newly_adopted, actor=actor, item=current)
    item.__dict__.update({k: getattr(current, k) for k in ("updated_at", "status")})
    return current


@transaction.atomic
def item_delete(*, actor: Any, item: ProblemItem) -> None:
    """Delete an item of a draft or returned list (RECORD). An item that adopted an
    opinion cannot be deleted (the opinion points at it). Queries: lock, delete."""
    _require(actor, Action.RECORD, item.problem_list.organization)
    _locked_list(item.problem_list)
    current = _locked_item(item)
    _require_editable_list(current.problem_list)
    if current.source_opinion_id is not None:
        raise ValidationError(
            _(
                "This item adopted an opinion, which now links to it: it cannot be "
                "deleted. Change its text instead."
            )
        )
    current.delete()


@transaction.atomic
def item_start(*, actor: Any, item: ProblemItem) -> ItemEvent:
    """Open → in progress, once the list is approved (RECORD)."""
    _require(actor, Action.RECORD, item.problem_list.organization)
    current = _locked_item(item)
    event = current.transition(ItemAction.START, actor=actor)
    item.status = current.status
    return event


# --- closure requests -------------------------------------------------------------------------


def _add_evidence(actor: Any, request: ClosureRequest, uploads: Iterable[IO[bytes]]) -> list[str]:
    names = []
    for upload in uploads:
        attachment = attachment_add(
            actor=actor,
            record=request,
            organization=request.organization,
            kind=AttachmentKind.EVIDENCE,
            upload=upload,
            name=getattr(upload, "name", "") or "evidence",
        )
        names.append(attachment.original_name)
    return names


@transaction.atomic
def closure_request_submit(
    *, actor: Any, item: ProblemItem, note: str, uploads: Iterable[IO[bytes]] = ()
) -> ClosureRequest:
    """Request closure (申请销号) of an item with evidence (SUBMIT): the item's one
    closure request is created (or, when it was withdrawn or returned, updated), the
    files are attached as evidence and the request goes up for review; the item moves
    to "closure requested" (ClosureRequest.after_review_transition). Raises
    ValidationError when the list is not approved, the item is not open or in progress,
    a request already waits, or there is no evidence at all."""
    org = item.problem_list.organization
    _require(actor, Action.SUBMIT, org)
    current = _locked_item(item)
    if current.problem_list.review_status != ReviewStatus.APPROVED:
        raise ValidationError(_("The problem list is not approved yet."))
    request = ClosureRequest.objects.filter(item=current).first()
    if request is None:
        if current.status not in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS):
            raise ValidationError(
                _("Closure cannot be requested for an item that is “%(status)s”.")
                % {"status": current.get_status_display()}
            )
        request = ClosureRequest(
            item=current, organization=org, note=(note or "").strip(), created_by=_user(actor)
        )
        request.full_clean()
        request.save()
    elif not is_editable(request):
        raise ValidationError(_("The closure request of this item is already waiting or decided."))
    elif (note or "").strip():
        request.note = note.strip()
        request.full_clean()
        request.save()
    request.item = current
    _add_evidence(actor, request, uploads)
    action = (
        ReviewAction.SUBMIT
        if request.review_status == ReviewStatus.DRAFT
        else ReviewAction.RESUBMIT
    )
    review_transition(request, action=action, actor=actor)
    item.status = ItemStatus.CLOSURE_REQUESTED
    return request


@transaction.atomic
def closure_request_add_evidence(
    *,
    actor: Any,
    closure_request: ClosureRequest,
    note: str | None = None,
    uploads: Iterable[IO[bytes]] = (),
) -> ClosureRequest:
    """Add evidence files to (and optionally rewrite the note of) a draft or returned
    closure request (RECORD); the item's timeline gets an "evidence added" event naming
    the files. Submitting it again is the review panel's business. Raises RecordLocked
    while the request waits or once it is decided."""
    _require(actor, Action.RECORD, closure_request.organization)
    request = ClosureRequest.objects.select_for_update(of=("self",)).get(pk=closure_request.pk)
    if not is_editable(request):
        raise RecordLocked
    if note is not None and note.strip() != request.note:
        request.note = note.strip()
        request.full_clean()
        request.save()
    names = _add_evidence(actor, request, uploads)
    if names:
        item = _locked_item(closure_request.item)
        item.transition(
            ItemAction.ADD_EVIDENCE,
            actor=actor,
            comment=join_list(names),
            list_status=ReviewStatus.APPROVED,
        )
    closure_request.note = request.note
    return request


# --- extension requests ------------------------------------------------------------------


def _check_extension(item: ProblemItem, new_deadline: dt.date | None, exclude: int | None) -> None:
    if item.problem_list.review_status != ReviewStatus.APPROVED:
        raise ValidationError(_("The problem list is not approved yet."))
    if item.is_closed:
        raise ValidationError(_("The item is closed."))
    if new_deadline is None or new_deadline <= item.deadline:
        raise ValidationError(
            {"new_deadline": _("The new deadline must be later than the current one.")}
        )
    pending = ExtensionRequest.objects.filter(
        item=item, review_status__in=[ReviewStatus.DRAFT, ReviewStatus.SUBMITTED]
    )
    if exclude is not None:
        pending = pending.exclude(pk=exclude)
    if pending.exists():
        raise ValidationError(_("Another extension request of this item is waiting."))


@transaction.atomic
def extension_request_submit(
    *, actor: Any, item: ProblemItem, new_deadline: dt.date, reason: str
) -> ExtensionRequest:
    """Request a later deadline (申请延期) with a reason (SUBMIT) and send it up for
    review; approval moves the item's deadline (ExtensionRequest.after_review_transition).
    One request may wait per item."""
    org = item.problem_list.organization
    _require(actor, Action.SUBMIT, org)
    current = _locked_item(item)
    _check_extension(current, new_deadline, exclude=None)
    request = ExtensionRequest(
        item=current,
        organization=org,
        current_deadline=current.deadline,
        new_deadline=new_deadline,
        reason=(reason or "").strip(),
        created_by=_user(actor),
    )
    request.full_clean()
    request.save()
    review_transition(request, action=ReviewAction.SUBMIT, actor=actor)
    return request


@transaction.atomic
def extension_request_update(
    *, actor: Any, extension_request: ExtensionRequest, new_deadline: dt.date, reason: str
) -> ExtensionRequest:
    """Change a withdrawn or rejected (returned) extension request and send it up again
    (SUBMIT)."""
    _require(actor, Action.SUBMIT, extension_request.organization)
    request = ExtensionRequest.objects.select_for_update(of=("self",)).get(pk=extension_request.pk)
    if not is_editable(request):
        raise RecordLocked
    current = _locked_item(extension_request.item)
    _check_extension(current, new_deadline, exclude=request.pk)
    request.item = current
    request.current_deadline = current.deadline
    request.new_deadline = new_deadline
    request.reason = (reason or "").strip()
    request.full_clean()
    request.save()
    action = (
        ReviewAction.SUBMIT
        if request.review_status == ReviewStatus.DRAFT
        else ReviewAction.RESUBMIT
    )
    review_transition(request, action=action, actor=actor)
    extension_request.__dict__.update(
        {
            k: getattr(request, k)
            for k in ("current_deadline", "new_deadline", "reason", "review_status")
        }
    )
    return request
