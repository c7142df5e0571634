"""Writes for campaigns: the campaign with its phases, appraisal grades, problem
categories and the organizations it leaves out saved together; composing one from the
2014 template or by copying an earlier one, its requirements, the check and the opening
(docs/product.md §5.1, §5.3).

Who: site administrators, and the campaign office for the campaigns led at its node or
below it (portal.accounts.permissions.composes_campaign_led_at); anyone else gets
PermissionDenied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from organizations.models import Organization
from portal.accounts.models import AuditEvent
from portal.accounts.permissions import composes_campaign_led_at
from portal.reviews.models import ReviewTask

from ..models import AppraisalGrade, Campaign, CampaignStatus, GradeScale, Phase, ProblemCategory
from ..seed import (
    CAMPAIGN_2014,
    GRADE_PRESETS,
    PHASES_2014,
    add_grades_and_categories,
    preset_grades,
)


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
    write an AuditEvent. Only those who compose at its lead organization may (a blank
    campaign: site administrators only). Rows still used by other records
    (a phase with meetings, a grade with determinations) cannot be deleted, and rows
    that collide on a unique key cannot be saved: then nothing is saved and a
    ValidationError says why. A preset grade scale (GradeScale) replaces the grades
    with its own; the caller leaves the grade rows out of `formsets` then."""
    created = form.instance.pk is None
    if actor is None or (created and not actor.is_superuser):
        raise PermissionDenied  # a blank campaign opens at once: administrators only
    stored = None if created else _stored(form.instance.pk)
    if stored is not None:
        refuse_if_closed_for_office(stored)
    try:
        with transaction.atomic():
            old_end, old_lead = (
                (None, None)
                if created
                else Campaign.all_objects.filter(pk=form.instance.pk)
                .values_list("ends_on", "lead_organization__path")
                .first()
                or (None, None)
            )
            campaign: Campaign = form.save(commit=False)
            _require_composer(actor, campaign.lead_organization, *filter(None, [old_lead]))
            campaign.full_clean()
            campaign.save()
            form.save_m2m()  # the organizations left out
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
            if not created:
                campaign_changed_by_office(campaign)
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


# --- composing a campaign (docs/product.md §5.3) ----------------------------------------


def _require_composer(actor: Any, *leads: Organization | str) -> None:
    """The actor composes campaigns led at each of these organizations (or paths)."""
    if actor is None or not all(composes_campaign_led_at(actor, lead) for lead in leads):
        raise PermissionDenied


def _stored(pk: Any) -> Campaign | None:
    """The campaign as stored now (its status: a form may hold an older copy)."""
    return Campaign.all_objects.filter(pk=pk).first()


def refuse_if_closed_for_office(campaign: Campaign) -> None:
    """A closed campaign's settings, phases and requirements are not changed either
    (docs/product.md §5.2): reopen it first."""
    if campaign.is_closed:
        raise ValidationError(
            _(
                "The campaign is closed: reopen it before changing its settings, phases or requirements."
            ),
            code="campaign_closed",
        )


def schedule_rebuild(campaign: Campaign) -> None:
    """After a change to an open campaign: the worker rebuilds its roll-up
    (portal.progress.tasks.rebuild_standings) and the campaign page shows how far it
    got (rebuild_done of rebuild_total). Two queries and the task, sent on commit."""
    from portal.core.queue import enqueue
    from portal.progress.rollup import taking_part
    from portal.progress.tasks import rebuild_standings

    total = taking_part(campaign).count()
    Campaign.all_objects.filter(pk=campaign.pk).update(rebuild_done=0, rebuild_total=max(total, 1))
    campaign.rebuild_done, campaign.rebuild_total = 0, max(total, 1)
    enqueue(rebuild_standings, kwargs={"campaign_id": campaign.pk})


def campaign_changed_by_office(campaign: Campaign) -> None:
    """What follows any change to a campaign's settings, phases or requirements: an open
    one's roll-up is rebuilt on the worker; a checked one must be checked again."""
    if campaign.status == CampaignStatus.OPEN:
        schedule_rebuild(campaign)
    elif campaign.status == CampaignStatus.CHECKED:
        Campaign.all_objects.filter(pk=campaign.pk).update(status=CampaignStatus.DRAFT)
        campaign.status = CampaignStatus.DRAFT


def _shifted(day: dt.date, shift: dt.timedelta) -> dt.date:
    return day + shift


def _new_draft(
    *,
    actor: Any,
    lead_organization: Organization,
    name_zh: str,
    name_en: str,
    starts_on: dt.date,
    ends_on: dt.date,
    settings_from: Campaign | None,
) -> Campaign:
    campaign = Campaign(
        lead_organization=lead_organization,
        name_zh=name_zh,
        name_en=name_en,
        starts_on=starts_on,
        ends_on=ends_on,
        status=CampaignStatus.DRAFT,
        copied_from=settings_from,
    )
    if settings_from is not None:
        for name in COPIED_SETTINGS:
            setattr(campaign, name, getattr(settings_from, name))
    else:
        campaign.grade_scale = GradeScale.BALLOT_2014
    campaign.full_clean()
    campaign.save()  # the 2014 template's requirements come with it (portal.progress.instances)
    return campaign


# The settings a copy takes over from its source, besides what is shifted or renamed.
COPIED_SETTINGS = (
    "min_counseling_per_member",
    "min_study_exchanges",
    "funding_standard",
    "grade_scale",
    "satisfaction_threshold",
    "is_active",
)


@transaction.atomic
def campaign_from_template(
    *,
    actor: Any,
    lead_organization: Organization,
    name_zh: str,
    name_en: str,
    starts_on: dt.date,
) -> Campaign:
    """A draft campaign from the shipped 2014 template: its three phases moved to the
    new start (same lengths), its grade scale, problem categories and settings, and the
    requirements of the 2014 checklist (portal/progress/presets.py); the standards
    templates its requirements name are the ones it uses."""
    from portal.progress.models import RequirementInstance

    _require_composer(actor, lead_organization)
    shift = starts_on - CAMPAIGN_2014["starts_on"]
    campaign = _new_draft(
        actor=actor,
        lead_organization=lead_organization,
        name_zh=name_zh,
        name_en=name_en,
        starts_on=starts_on,
        ends_on=_shifted(CAMPAIGN_2014["ends_on"], shift),
        settings_from=None,
    )
    bulk_create_with_history(
        [
            Phase(
                campaign=campaign,
                number=n,
                name_zh=zh,
                name_en=en,
                starts_on=_shifted(s, shift),
                ends_on=_shifted(e, shift),
            )
            for n, zh, en, s, e in PHASES_2014
        ],
        Phase,
        default_user=actor,
    )
    add_grades_and_categories(campaign)
    codes = {
        row.params.get("template")
        for row in RequirementInstance.objects.filter(campaign=campaign, kind="standards_accepted")
    }
    _use_standards_templates(campaign, codes)
    AuditEvent.objects.create(
        actor=actor,
        action="campaign.create",
        target=campaign.name_zh,
        detail={"campaign": campaign.pk, "template": "2014"},
    )
    return campaign


def _use_standards_templates(campaign: Campaign, codes: set[Any]) -> None:
    """Link the newest active version of each standards template named."""
    StandardTemplate = apps.get_model("rectification", "StandardTemplate")

    newest: dict[str, Any] = {}
    for template in StandardTemplate.objects.filter(code__in=codes, is_active=True).order_by(
        "code", "version"
    ):
        newest[template.code] = template
    campaign.standard_templates.add(*newest.values())


@transaction.atomic
def campaign_copy(
    *,
    actor: Any,
    source: Campaign,
    name_zh: str,
    name_en: str,
    starts_on: dt.date,
    lead_organization: Organization | None = None,
) -> Campaign:
    """A draft copy of an earlier campaign: its settings, lead organization (unless
    another is given), phases (names, and dates moved to the new start), requirements
    with their parameters, grades, problem categories, standards templates and the
    organizations it leaves out (those under the copy's lead organization)."""
    from portal.progress.instances import requirements_changed
    from portal.progress.models import RequirementInstance

    _require_composer(
        actor, source.lead_organization, lead_organization or source.lead_organization
    )
    shift = starts_on - source.starts_on
    campaign = _new_draft(
        actor=actor,
        lead_organization=lead_organization or source.lead_organization,
        name_zh=name_zh,
        name_en=name_en,
        starts_on=starts_on,
        ends_on=_shifted(source.ends_on, shift),
        settings_from=source,
    )
    # The template's requirements the new campaign came with give way to the source's.
    RequirementInstance.objects.filter(campaign=campaign).delete()
    bulk_create_with_history(
        [
            RequirementInstance(
                campaign=campaign,
                code=row.code,
                kind=row.kind,
                params=row.params,
                phase=row.phase,
                label_zh=row.label_zh,
                label_en=row.label_en,
                org_kinds=row.org_kinds,
                org_kinds_with_members=row.org_kinds_with_members,
                order=row.order,
            )
            for row in RequirementInstance.objects.filter(campaign=source)
        ],
        RequirementInstance,
        default_user=actor,
    )
    bulk_create_with_history(
        [
            Phase(
                campaign=campaign,
                number=p.number,
                name_zh=p.name_zh,
                name_en=p.name_en,
                starts_on=_shifted(p.starts_on, shift),
                ends_on=_shifted(p.ends_on, shift),
            )
            for p in source.phases.all()
        ],
        Phase,
        default_user=actor,
    )
    AppraisalGrade.objects.bulk_create(
        AppraisalGrade(
            campaign=campaign,
            code=g.code,
            name_zh=g.name_zh,
            name_en=g.name_en,
            order=g.order,
            max_share=g.max_share,
            needs_approval=g.needs_approval,
        )
        for g in source.grades.all()
    )
    ProblemCategory.objects.bulk_create(
        ProblemCategory(
            campaign=campaign, code=c.code, name_zh=c.name_zh, name_en=c.name_en, order=c.order
        )
        for c in source.problem_categories.all()
    )
    campaign.standard_templates.add(*source.standard_templates.all())
    # The organizations it leaves out, those still under the copy's lead organization.
    lead = campaign.lead_organization
    campaign.excluded_organizations.add(
        *source.excluded_organizations.filter(path__startswith=lead.path).exclude(pk=lead.pk)
    )
    requirements_changed(campaign)
    AuditEvent.objects.create(
        actor=actor,
        action="campaign.copy",
        target=campaign.name_zh,
        detail={"campaign": campaign.pk, "source": source.pk},
    )
    return campaign


def _next_code(campaign: Campaign, kind_code: str) -> str:
    from portal.progress.models import RequirementInstance

    taken = set(
        RequirementInstance.objects.filter(campaign=campaign).values_list("code", flat=True)
    )
    base = kind_code[:34]
    n = 1
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


@transaction.atomic
def requirement_save(
    *, actor: Any, campaign: Campaign, instance: Any, params: dict[str, Any]
) -> Any:
    """Add or change one of the campaign's requirements (`instance`: a
    RequirementInstance with the form's fields set; `params`: the kind's form's
    cleaned data). A new one gets a code of its own. The campaign's requirements are
    reloaded everywhere (its requirements_token changes with the save), an open
    campaign's roll-up is rebuilt, a checked one goes back to draft."""
    _require_composer(actor, campaign.lead_organization)
    refuse_if_closed_for_office(campaign)
    instance.campaign = campaign
    if not instance.code:
        instance.code = _next_code(campaign, instance.kind)
    instance.params = {k: v for k, v in params.items() if v not in (None, "", [])}
    instance.full_clean()
    instance._history_user = actor  # the campaign's history names who (simple-history)
    instance.save()
    campaign_changed_by_office(campaign)
    return instance


@transaction.atomic
def requirement_delete(*, actor: Any, campaign: Campaign, instance: Any) -> None:
    _require_composer(actor, campaign.lead_organization)
    refuse_if_closed_for_office(campaign)
    instance._history_user = actor
    instance.delete()
    campaign_changed_by_office(campaign)


@transaction.atomic
def requirement_move(*, actor: Any, campaign: Campaign, instance: Any, up: bool) -> None:
    """Move a requirement one place up or down within its phase: the phase's
    requirements are numbered 10, 20, 30 … in the new order (only those whose number
    changes are saved)."""
    from portal.progress.models import RequirementInstance

    _require_composer(actor, campaign.lead_organization)
    refuse_if_closed_for_office(campaign)
    rows = list(
        RequirementInstance.objects.filter(campaign=campaign, phase=instance.phase).order_by(
            "order", "code"
        )
    )
    i = next(i for i, row in enumerate(rows) if row.pk == instance.pk)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(rows):
        return
    rows[i], rows[j] = rows[j], rows[i]
    for n, row in enumerate(rows, start=1):
        if row.order != n * 10:
            row.order = n * 10
            row._history_user = actor  # type: ignore[attr-defined]  # simple-history's hook
            row.save(update_fields=["order"])
    campaign_changed_by_office(campaign)


@transaction.atomic
def campaign_mark_checked(*, actor: Any, campaign: Campaign) -> None:
    """Draft → checked, when the check finds nothing (else ValidationError listing
    what it found)."""
    from .selectors import campaign_problems

    _require_composer(actor, campaign.lead_organization)
    refuse_if_closed_for_office(campaign)
    if campaign.status == CampaignStatus.OPEN:
        return
    problems = campaign_problems(campaign)
    if problems:
        raise ValidationError([p.message for p in problems])
    campaign.status = CampaignStatus.CHECKED
    campaign._history_user = actor  # type: ignore[attr-defined]  # simple-history's hook
    campaign.save(update_fields=["status"])


@transaction.atomic
def campaign_open(*, actor: Any, campaign: Campaign) -> None:
    """Checked → open: the campaign reaches its organizations' pages and its roll-up is
    built on the worker. Refused while the check finds anything. Its phases and
    requirements as they stand are the first entries of its history."""
    from portal.progress.models import RequirementInstance

    from .selectors import campaign_problems

    _require_composer(actor, campaign.lead_organization)
    refuse_if_closed_for_office(campaign)
    if campaign.status == CampaignStatus.OPEN:
        raise ValidationError(_("The campaign is open already."))
    if campaign.status != CampaignStatus.CHECKED:
        raise ValidationError(_("Check the campaign before opening it."))
    problems = campaign_problems(campaign)
    if problems:
        raise ValidationError([p.message for p in problems])
    campaign.status = CampaignStatus.OPEN
    campaign.opened_at = timezone.now()
    campaign._history_user = actor  # type: ignore[attr-defined]  # simple-history's hook
    campaign.save(update_fields=["status", "opened_at"])
    # Dated just before the opening: the history shows what changed after it.
    baseline = campaign.opened_at - dt.timedelta(microseconds=1)
    Phase.history.bulk_history_create(
        list(campaign.phases.all()), default_user=actor, default_date=baseline
    )
    RequirementInstance.history.bulk_history_create(
        list(RequirementInstance.objects.filter(campaign=campaign)),
        default_user=actor,
        default_date=baseline,
    )
    AuditEvent.objects.create(
        actor=actor,
        action="campaign.open",
        target=campaign.name_zh,
        detail={"campaign": campaign.pk},
    )
    schedule_rebuild(campaign)


# --- closing and reopening (docs/product.md §5.2) -----------------------------------------


@transaction.atomic
def campaign_close(*, actor: Any, campaign: Campaign, today: dt.date | None = None) -> None:
    """Open → closed, once the campaign's last day has passed: it stays readable
    everywhere, its figures as of its end, and every write into it is refused
    (activities/closing.py); its roll-up is no longer recomputed, its reminders and
    urging stop. Kept in the campaign's history and the audit log. Raises
    ValidationError when it is not open or has not ended."""
    _require_composer(actor, campaign.lead_organization)
    current = Campaign.all_objects.select_for_update().get(pk=campaign.pk)
    if current.status == CampaignStatus.CLOSED:
        raise ValidationError(_("The campaign is closed already."))
    if current.status != CampaignStatus.OPEN:
        raise ValidationError(_("Only an open campaign can be closed."))
    if not current.has_ended(today):
        raise ValidationError(
            _("The campaign can be closed once its last day, %(end)s, has passed.")
            % {"end": current.ends_on.isoformat()}
        )
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = timezone.now()
    campaign._history_user = actor  # type: ignore[attr-defined]  # simple-history's hook
    campaign.save(update_fields=["status", "closed_at"])
    AuditEvent.objects.create(
        actor=actor,
        action="campaign.close",
        target=campaign.name_zh,
        detail={"campaign": campaign.pk},
    )


@transaction.atomic
def campaign_reopen(*, actor: Any, campaign: Campaign) -> None:
    """Closed → open, to undo a closing made by mistake: its records accept changes
    again, and its roll-up is rebuilt on the worker (rosters may have changed while it
    was closed). Kept in the history and the audit log."""
    _require_composer(actor, campaign.lead_organization)
    current = Campaign.all_objects.select_for_update().get(pk=campaign.pk)
    if current.status != CampaignStatus.CLOSED:
        raise ValidationError(_("Only a closed campaign can be reopened."))
    campaign.status = CampaignStatus.OPEN
    campaign.closed_at = None
    campaign._history_user = actor  # type: ignore[attr-defined]  # simple-history's hook
    campaign.save(update_fields=["status", "closed_at"])
    AuditEvent.objects.create(
        actor=actor,
        action="campaign.reopen",
        target=campaign.name_zh,
        detail={"campaign": campaign.pk},
    )
    schedule_rebuild(campaign)
