"""Writes of the satisfaction evaluation (docs/product.md §6.5).

The secretary's side (RECORD at the organization): start the evaluation, change its
mode and limit, open and close it, generate batches of codes. The public side
(`ballot_cast`, no actor): one ballot, its answers, and — in codes mode — the code marked
used in the same transaction. Nothing ties the ballot to the code, to the voter's
address or to the time of day.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.permissions import Action, user_can
from portal.core.closed import is_closed
from portal.progress.rollup import mark_changed

from .models import (
    BallotCode,
    BallotCodeBatch,
    SatisfactionAnswer,
    SatisfactionBallot,
    SatisfactionChoice,
    SatisfactionQuestion,
    SatisfactionSurvey,
    SurveyMode,
)
from .models.satisfaction import MAX_BATCH_SIZE, new_ballot_code
from .seed_satisfaction import ensure_satisfaction_questions


def _check(actor: Any, organization: Any) -> None:
    if actor is not None and not user_can(actor, Action.RECORD, organization):
        raise PermissionDenied


def _author(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def survey_create(
    *, actor: Any, organization: Any, campaign: Any, mode: str, max_ballots: int = 100
) -> SatisfactionSurvey:
    """Start the organization's evaluation in the campaign (RECORD), open; the campaign's
    default questions are created when it has none. One per organization and campaign."""
    _check(actor, organization)
    if not organization.path.startswith(campaign.lead_organization.path):
        raise ValidationError(_("The organization does not take part in this campaign."))
    if SatisfactionSurvey.objects.filter(organization=organization, campaign=campaign).exists():
        raise ValidationError(_("The satisfaction evaluation has already been started."))
    survey = SatisfactionSurvey(
        organization=organization,
        campaign=campaign,
        mode=mode,
        max_ballots=max_ballots,
        created_by=_author(actor),
    )
    survey.full_clean()
    if _author(actor):
        survey._history_user = actor  # type: ignore[attr-defined]  # simple-history's author
    survey.save()
    ensure_satisfaction_questions(campaign)
    return survey


@transaction.atomic
def survey_update(
    *, actor: Any, survey: SatisfactionSurvey, mode: str, max_ballots: int, is_open: bool
) -> SatisfactionSurvey:
    """Change who may vote, the limit of ballots, open or close (RECORD)."""
    _check(actor, survey.organization)
    survey.mode = mode
    survey.max_ballots = max_ballots
    survey.is_open = is_open
    survey.full_clean(exclude=["organization", "campaign"], validate_unique=False)
    if _author(actor):
        survey._history_user = actor  # type: ignore[attr-defined]  # simple-history's author
    survey.save(update_fields=["mode", "max_ballots", "is_open"])
    return survey


@transaction.atomic
def batch_create(
    *, actor: Any, survey: SatisfactionSurvey, label: str, size: int
) -> BallotCodeBatch:
    """`size` fresh codes for one meeting (RECORD), each usable once. Queries: the batch,
    the codes in one insert (a collision with an existing code, about 1 in 10^9 per
    code, is drawn again)."""
    _check(actor, survey.organization)
    batch = BallotCodeBatch(
        survey=survey, label=(label or "").strip(), size=size, created_by=_author(actor)
    )
    batch.full_clean(exclude=["survey"])
    if size > MAX_BATCH_SIZE:  # validated above; guards the loop below
        raise ValidationError({"size": _("At most %(n)d codes at once.") % {"n": MAX_BATCH_SIZE}})
    batch.save()
    taken = set(BallotCode.objects.filter(survey=survey).values_list("code", flat=True))
    codes: set[str] = set()
    while len(codes) < size:
        code = new_ballot_code()
        if code not in taken:
            codes.add(code)
    BallotCode.objects.bulk_create(
        BallotCode(batch=batch, survey=survey, code=code) for code in sorted(codes)
    )
    return batch


class BallotRefused(ValidationError):
    """The code is unknown or used, or the evaluation is closed or full."""


@transaction.atomic
def ballot_cast(
    *,
    survey: SatisfactionSurvey,
    questions: list[SatisfactionQuestion],
    answers: Mapping[int, str],
    code: str = "",
) -> SatisfactionBallot:
    """One ballot through the public page (no actor). `answers`: {question id: choice},
    one for every question. In codes mode `code` (normalized) must be an unused code of
    this evaluation: it is marked used in the same transaction, and nothing else of it
    is kept. In device mode the view has checked the device; here the limit of ballots.
    Queries: the code update or the count, the ballot, the answers (one insert)."""
    if not survey.is_open or is_closed(survey.campaign):
        raise BallotRefused(_("The satisfaction evaluation is closed."), code="closed")
    wanted = {q.pk for q in questions}
    if not wanted or set(answers) != wanted:
        raise ValidationError(_("Answer every question."), code="incomplete")
    if any(choice not in SatisfactionChoice.values for choice in answers.values()):
        raise ValidationError(_("Answer every question."), code="incomplete")
    if survey.mode == SurveyMode.CODES:
        used = BallotCode.objects.filter(survey=survey, code=code, used=False).update(used=True)
        if not code or used != 1:
            raise BallotRefused(
                _("This code is not valid or has already been used."), code="bad_code"
            )
    else:
        if SatisfactionBallot.objects.filter(survey=survey).count() >= survey.max_ballots:
            raise BallotRefused(
                _("The satisfaction evaluation has received all its ballots."), code="full"
            )
    ballot = SatisfactionBallot(
        survey=survey,
        organization_id=survey.organization_id,
        campaign_id=survey.campaign_id,
        cast_on=timezone.localdate(),
    )
    try:
        ballot.save()
        SatisfactionAnswer.objects.bulk_create(
            SatisfactionAnswer(ballot=ballot, question_id=question_id, choice=choice)
            for question_id, choice in answers.items()
        )
    except IntegrityError:
        raise ValidationError(_("Answer every question."), code="incomplete") from None
    # The answers bypass signals (bulk_create); the ballot's save marked the row already,
    # this names the answers' model too for the requirements reading them.
    mark_changed([survey.organization_id], model=SatisfactionAnswer)
    return ballot
