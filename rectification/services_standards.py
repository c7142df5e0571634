"""Writes for standards checklists (docs/product.md §6.3). Review state changes are not here: the
assessment page's buttons post to reviews:transition (portal.reviews), which calls
StandardAssessment.review_validate_submission() on submit.

Every write that changes an entry recomputes the assessment's stored result in the same
transaction (assessment_recompute), so the result always matches the entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from activities.models import Campaign
from organizations.models import Organization
from portal.accounts.permissions import Action, user_can
from portal.attachments.models import AttachmentKind
from portal.attachments.services import attachment_add
from portal.core.closed import refuse_record_if_closed
from portal.progress.rollup import mark_changed
from portal.reviews.models import RecordLocked, ReviewAction, ReviewStatus, is_editable
from portal.reviews.services import may_act

from .models import AssessmentEntry, StandardAssessment, StandardItem, StandardTemplate


class EditConflict(ValidationError):
    """Someone else saved the entry after this form was opened."""


class NotWaitingForReview(ValidationError):
    """Scores are given only while the assessment waits for review."""


@dataclass(frozen=True)
class ItemValues:
    """What a person says about one item: met or not, a score (scored templates), a
    note. `score` is ignored for templates whose items are only met or not met."""

    met: bool
    score: int | None = None
    note: str = ""


def version_token(entry: AssessmentEntry) -> str:
    return entry.updated_at.isoformat() if entry.updated_at else ""


def _normalize(
    template: StandardTemplate, item: StandardItem, values: ItemValues
) -> tuple[bool, int]:
    """(met, score) as stored. Items of met / not-met templates score their points when
    met; items of scored templates are met when they score full points."""
    if not template.is_scored:
        return values.met, item.points if values.met else 0
    if values.score is None:
        raise ValidationError({"score": _("Give a score.")})
    if not 0 <= values.score <= item.points:
        raise ValidationError({"score": _("Give a score from 0 to %(n)d.") % {"n": item.points}})
    return values.score >= item.points, values.score


def assessment_recompute(
    assessment: StandardAssessment, entries: Iterable[AssessmentEntry] | None = None
) -> StandardAssessment:
    """Apply the template's pass rule to the entries' final values (the reviewer's where
    scored, else the self-assessment) and store the result. Queries: the entries with
    their items (unless given), one UPDATE."""
    refuse_record_if_closed(assessment)  # an update(): no model guard (activities/closing.py)
    template = assessment.template
    if entries is None:
        entries = assessment.entries.select_related("item")
    result = template.evaluate([(e.item.points, e.final_met, e.final_score) for e in entries])
    changes = {
        "result_met": result.met,
        "result_score": result.score,
        "result_max_score": result.max_score,
        "result_stars": result.stars,
    }
    StandardAssessment.objects.filter(pk=assessment.pk).update(**changes)
    mark_changed([assessment.organization_id], model=StandardAssessment)  # no signal
    for name, value in changes.items():
        setattr(assessment, name, value)
    return assessment


@transaction.atomic
def standard_assessment_start(
    *,
    actor: Any,
    organization: Organization,
    campaign: Campaign,
    template: StandardTemplate,
) -> StandardAssessment:
    """Open the organization's checklist for `template` in `campaign` as a draft, with
    one empty entry per item. Needs RECORD, a campaign the organization takes part in
    and an active template the campaign lists. Raises ValidationError when it exists.
    Queries: 2 checks, insert, items, bulk insert of entries, result update."""
    if actor is not None and not user_can(actor, Action.RECORD, organization):
        raise PermissionDenied
    if not Campaign.objects.for_organization(organization).filter(pk=campaign.pk).exists():
        raise ValidationError(_("This organization does not take part in that campaign."))
    if not (
        template.is_active
        and StandardTemplate.objects.for_campaign(campaign).filter(pk=template.pk).exists()
    ):
        raise ValidationError(_("This campaign does not use that standard."))
    assessment = StandardAssessment(
        organization=organization, campaign=campaign, template=template, created_by=actor
    )
    assessment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        raise ValidationError(
            _("The organization already assesses itself against this standard in this campaign.")
        ) from None
    items = list(template.items.order_by("order"))
    entries = AssessmentEntry.objects.bulk_create(
        AssessmentEntry(assessment=assessment, item=item) for item in items
    )
    for entry, item in zip(entries, items, strict=True):
        entry.item = item
    assessment_recompute(assessment, entries)
    return assessment


@transaction.atomic
def assessment_entry_save(
    *,
    actor: Any,
    entry: AssessmentEntry,
    values: ItemValues,
    uploads: Iterable[IO[bytes]] = (),
    version: str | None = None,
) -> AssessmentEntry:
    """The organization's self-assessment of one item, with new evidence files.

    Needs RECORD; raises RecordLocked unless the assessment is a draft or returned
    (the assessment row is locked while checking, so a submit cannot slip in between),
    EditConflict when the entry changed since `version` was read, ValidationError for a
    score out of range. Files are stored as "evidence" attachments of the entry.
    Queries: lock, entry lock, update, one insert per file, result recompute (2)."""
    assessment = entry.assessment
    if actor is not None and not user_can(actor, Action.RECORD, assessment.organization):
        raise PermissionDenied
    current_assessment = (
        StandardAssessment.objects.select_for_update(of=("self",))
        .select_related("template")
        .get(pk=assessment.pk)
    )
    if not is_editable(current_assessment):
        raise RecordLocked
    current: AssessmentEntry = (
        AssessmentEntry.objects.select_for_update(of=("self",))
        .select_related("item")
        .get(pk=entry.pk)
    )
    if version is not None and version_token(current) != version:
        raise EditConflict(
            _(
                "Someone else changed this item while you were editing it. Your changes "
                "were not saved: open the item again to see the current values."
            ),
            code="conflict",
        )
    met, score = _normalize(current_assessment.template, current.item, values)
    current.self_met, current.self_score, current.self_note = met, score, values.note.strip()
    current.full_clean()
    current.save()
    current.assessment = current_assessment
    for upload in uploads:
        attachment_add(
            actor=actor,
            record=current,
            organization=assessment.organization,
            kind=AttachmentKind.EVIDENCE,
            upload=upload,
            name=getattr(upload, "name", "") or "evidence",
        )
    assessment_recompute(current_assessment)
    entry.__dict__.update(
        {k: getattr(current, k) for k in ("self_met", "self_score", "self_note", "updated_at")}
    )
    return current


@transaction.atomic
def assessment_score(
    *,
    actor: Any,
    assessment: StandardAssessment,
    values: Mapping[int, ItemValues],
) -> StandardAssessment:
    """The reviewer's scores, by entry id, for an assessment that waits for review.

    Needs the review authority on the organization (portal.reviews.services.may_act:
    a reviewer above it or its instructor, never on one's own submission); raises
    NotWaitingForReview unless it is submitted. Entries not in `values` keep what they
    had. Queries: lock, entries, one bulk UPDATE, result update."""
    if not may_act(actor, assessment, ReviewAction.APPROVE):
        raise PermissionDenied
    current: StandardAssessment = (
        StandardAssessment.objects.select_for_update(of=("self",))
        .select_related("template", "organization")
        .get(pk=assessment.pk)
    )
    if current.review_status != ReviewStatus.SUBMITTED:
        raise NotWaitingForReview(
            _("Scores are given while the checklist waits for review."), code="not_submitted"
        )
    entries = list(current.entries.select_related("item").order_by("item__order"))
    errors: dict[str, list[str]] = {}
    changed = []
    for entry in entries:
        given = values.get(entry.pk)
        if given is None:
            continue
        try:
            met, score = _normalize(current.template, entry.item, given)
        except ValidationError as exc:
            errors[f"item-{entry.item.order}"] = exc.messages
            continue
        entry.reviewer_met, entry.reviewer_score = met, score
        entry.reviewer_note = given.note.strip()[:2000]
        entry.reviewed_by = actor
        changed.append(entry)
    if errors:
        raise ValidationError(errors)
    AssessmentEntry.objects.bulk_update(
        changed, ["reviewer_met", "reviewer_score", "reviewer_note", "reviewed_by"]
    )
    assessment_recompute(current, entries)
    assessment.__dict__.update(
        {
            k: getattr(current, k)
            for k in ("result_met", "result_score", "result_max_score", "result_stars")
        }
    )
    return current
