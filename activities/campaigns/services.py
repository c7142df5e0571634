"""Writes for campaigns (site administrators only): the campaign with its phases,
appraisal grades and problem categories saved together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from portal.accounts.models import AuditEvent
from portal.reviews.models import ReviewTask

from ..models import AppraisalGrade, Campaign, GradeScale
from ..seed import GRADE_PRESETS, preset_grades


def _grade_rows(grades: Sequence[AppraisalGrade]) -> list[tuple[Any, ...]]:
    return [(g.code, g.name_zh, g.name_en, g.order, g.max_share, g.needs_approval) for g in grades]


def _apply_grade_preset(campaign: Campaign) -> None:
    """Make the campaign's grades those of its preset scale (nothing to do for a custom
    scale, or when they already are). Raises ProtectedError when a grade to replace is
    used by a determination."""
    if campaign.grade_scale == GradeScale.CUSTOM:
        return
    wanted = preset_grades(campaign, campaign.grade_scale)
    current = list(AppraisalGrade.objects.filter(campaign=campaign).order_by("order"))
    if [tuple(r) for r in _grade_rows(current)] == [
        (code, zh, en, order, cap, approval)
        for code, zh, en, order, cap, approval in GRADE_PRESETS[campaign.grade_scale]
    ]:
        return
    AppraisalGrade.objects.filter(campaign=campaign).delete()
    AppraisalGrade.objects.bulk_create(wanted)


def campaign_save(*, actor: Any, form: Any, formsets: Sequence[Any]) -> Campaign:
    """Save a validated CampaignForm and its inline formsets in one transaction, and
    write an AuditEvent. Only a site administrator may. Rows still used by other records
    (a phase with meetings, a grade with determinations) cannot be deleted, and rows
    that collide on a unique key cannot be saved: then nothing is saved and a
    ValidationError says why. A preset grade scale (GradeScale) replaces the grades
    with its own; the caller leaves the grade rows out of `formsets` then."""
    if actor is None or not actor.is_superuser:
        raise PermissionDenied
    created = form.instance.pk is None
    try:
        with transaction.atomic():
            old_end = (
                None
                if created
                else Campaign.objects.filter(pk=form.instance.pk)
                .values_list("ends_on", flat=True)
                .first()
            )
            campaign: Campaign = form.save(commit=False)
            campaign.full_clean()
            campaign.save()
            if old_end is not None and old_end != campaign.ends_on:
                # The waits of its records' reviews stop counting at the new end.
                ReviewTask.objects.filter(
                    wait_ends_on=old_end,
                    organization__path__startswith=campaign.lead_organization.path,
                ).update(wait_ends_on=campaign.ends_on)
            for formset in formsets:
                formset.instance = campaign
                formset.save()
            _apply_grade_preset(campaign)
            AuditEvent.objects.create(
                actor=actor,
                action="campaign.create" if created else "campaign.update",
                target=campaign.name_zh,
                detail={"campaign": campaign.pk},
            )
    except (ProtectedError, IntegrityError) as exc:
        if created:
            form.instance.pk = None
        if isinstance(exc, ProtectedError):
            message = _(
                "A phase, grade or category you removed or replaced is still used by "
                "records; keep it."
            )
        else:
            message = _("Two rows have the same number, order or code; make them different.")
        raise ValidationError(message) from None
    return campaign
