"""Standards checklist pages (docs/product.md §6.3): an organization's checklists, one checklist
with its items, evidence, result and review panel, the self-assessment of one item, the
reviewer's scores, and the accepted results for the organization's page.

VIEW reads; RECORD starts a checklist and assesses items while it is a draft or
returned (submitted and accepted checklists are locked: portal.reviews.views.
locked_response); submitting, approving and returning go through reviews:transition;
the reviewer's scores need the review authority (portal.reviews.services.may_act) and a
checklist that waits for review. Every page runs a fixed number of queries (see
tests/rectification/test_standards_views.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Campaign
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.attachments.models import Attachment
from portal.attachments.pending import PendingFiles
from portal.core.record_pages import handle_record_form
from portal.reviews.models import ReviewAction, ReviewStatus, is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.services import may_act
from portal.reviews.views import locked_response

from .forms_standards import ReviewerItemForm, SelfAssessmentForm
from .models import AssessmentEntry, StandardAssessment, StandardTemplate
from .selectors_standards import overview_rows, standard_results_for
from .services_standards import (
    EditConflict,
    NotWaitingForReview,
    assessment_entry_save,
    assessment_score,
    standard_assessment_start,
)


def _entries_prefetch() -> Prefetch:
    return Prefetch(
        "entries",
        queryset=AssessmentEntry.objects.select_related("item")
        .annotate(evidence_count=Count("attachments"))
        .order_by("item__order", "pk"),
    )


def _get_assessment_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW, *, with_entries: bool = False
) -> StandardAssessment:
    """The checklist with its organization, campaign and template (and, with
    `with_entries`, its entries, items and evidence counts); 404 when the user cannot
    see the organization, 403 when they may not do `action`. One query (two)."""
    qs = StandardAssessment.objects.select_related("organization", "campaign", "template")
    if with_entries:
        qs = qs.prefetch_related(_entries_prefetch())
    try:
        assessment = qs.get(pk=int(pk))
    except (StandardAssessment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, assessment.organization)
    return assessment


def _get_entry_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> AssessmentEntry:
    """An entry with its item and its checklist (organization, campaign, template);
    404 / 403 as `require` decides for the checklist's organization. One query."""
    try:
        entry = AssessmentEntry.objects.select_related(
            "item",
            "assessment__organization",
            "assessment__campaign",
            "assessment__template",
        ).get(pk=int(pk))
    except (AssessmentEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, entry.assessment.organization)
    return entry


def _evidence_by_entry(entries: list[AssessmentEntry]) -> dict[int, list[Attachment]]:
    """Evidence files of the entries, by entry id. One query."""
    found: dict[int, list[Attachment]] = {e.pk: [] for e in entries}
    if not entries:
        return found
    content_type = ContentType.objects.get_for_model(AssessmentEntry)
    rows = Attachment.objects.filter(content_type=content_type, object_id__in=list(found)).order_by(
        "uploaded_at", "pk"
    )
    for attachment in rows:
        found[attachment.object_id].append(attachment)
    return found


# --- the organization's checklists ------------------------------------------------------


@login_required
@require_GET
def standard_overview(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Per campaign and per standard the campaign uses: the organization's checklist
    with its status and result, or a button to start it. Queries: organization, grants,
    campaigns, their templates, the organization's checklists."""
    org = get_organization_for_user(request.user, org_pk)
    return render(
        request,
        "rectification/standards/overview.html",
        {
            "org": org,
            "rows": overview_rows(org),
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_POST
def standard_start(
    request: HttpRequest, org_pk: int, campaign_pk: int, template_pk: int
) -> HttpResponse:
    """Start the organization's checklist for a standard in a campaign (RECORD); an
    existing one opens instead. A campaign the organization is not in, or a standard
    the campaign does not use, is a 404."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = Campaign.objects.for_organization(org).filter(pk=campaign_pk).first()
    if campaign is None:
        raise Http404
    template = (
        StandardTemplate.objects.for_campaign(campaign)
        .filter(pk=template_pk, is_active=True)
        .first()
    )
    if template is None:
        raise Http404
    existing = StandardAssessment.objects.filter(
        organization=org, campaign=campaign, template=template
    ).first()
    if existing is not None:
        return redirect(existing)
    try:
        assessment = standard_assessment_start(
            actor=request.user, organization=org, campaign=campaign, template=template
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rectification:standard_overview", org_pk=org.pk)
    messages.success(
        request,
        _("The checklist is open. Assess each item with evidence, then submit it for review."),
    )
    return redirect(assessment)


# --- one checklist ----------------------------------------------------------------------


def _detail_context(
    request: HttpRequest,
    assessment: StandardAssessment,
    review_forms: dict[int, ReviewerItemForm] | None = None,
) -> dict[str, Any]:
    entries = list(assessment.entries.all())
    evidence = _evidence_by_entry(entries)
    org = assessment.organization
    can_score = assessment.review_status == ReviewStatus.SUBMITTED and may_act(
        request.user, assessment, ReviewAction.APPROVE
    )
    if can_score and review_forms is None:
        review_forms = {
            e.pk: ReviewerItemForm(entry=e, template=assessment.template) for e in entries
        }
    can_edit = is_editable(assessment) and user_can(request.user, Action.RECORD, org)
    rows = [
        {
            "entry": e,
            "evidence": evidence[e.pk],
            "review_form": (review_forms or {}).get(e.pk) if can_score else None,
        }
        for e in entries
    ]
    return {
        "assessment": assessment,
        "org": org,
        "campaign": assessment.campaign,
        "template": assessment.template,
        "rows": rows,
        "review": review_panel(request.user, assessment),
        "can_edit": can_edit,
        "can_score": can_score,
        "can_manage_attachments": can_edit,
        "any_reviewed": any(e.reviewed for e in entries),
    }


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist: per item the standard (points, check method, evidence required),
    the self-assessment with its evidence files and the reviewer's score; the result
    by the template's pass rule; the review panel; for the reviewer while it waits, the
    scoring form. Queries: checklist, grants, entries with items and evidence counts,
    evidence files, review events, roles (reviewer's buttons)."""
    assessment = _get_assessment_for_user(request, pk, with_entries=True)
    return render(
        request, "rectification/standards/detail.html", _detail_context(request, assessment)
    )


@login_required
@require_POST
def assessment_score_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the reviewer's scores (review authority; while the checklist waits for
    review) and come back to the checklist, where the reviewer approves or returns it.
    Invalid scores show the checklist again with the errors beside the items."""
    assessment = _get_assessment_for_user(request, pk, with_entries=True)
    if not may_act(request.user, assessment, ReviewAction.APPROVE):
        raise PermissionDenied
    if assessment.review_status != ReviewStatus.SUBMITTED:
        messages.error(request, _("Scores are given while the checklist waits for review."))
        return redirect(assessment)
    entries = list(assessment.entries.all())
    forms = {
        e.pk: ReviewerItemForm(request.POST, entry=e, template=assessment.template) for e in entries
    }
    if all(form.is_valid() for form in forms.values()):
        try:
            assessment_score(
                actor=request.user,
                assessment=assessment,
                values={pk: form.item_values() for pk, form in forms.items()},
            )
        except NotWaitingForReview as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(assessment)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The scores are saved. Approve the checklist or return it below.")
            )
            return redirect(assessment)
    return render(
        request,
        "rectification/standards/detail.html",
        _detail_context(request, assessment, review_forms=forms),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Assess one item: met or a score, a note, and evidence files (RECORD, while the
    checklist is a draft or returned; otherwise 403 with the reason). A save based on
    an outdated version is refused (409) and nothing is overwritten."""
    entry = _get_entry_for_user(request, pk, Action.RECORD)
    assessment = entry.assessment
    if not is_editable(assessment):
        return locked_response(request, assessment)
    form = SelfAssessmentForm(
        request.POST or None,
        request.FILES or None,
        entry=entry,
        template=assessment.template,
    )
    pending = PendingFiles(request, form)
    return handle_record_form(
        request,
        form,
        save=lambda form: assessment_entry_save(
            actor=request.user,
            entry=entry,
            values=form.item_values(),
            uploads=pending.uploads(),
            # The served form always carries it; a bare POST is not checked.
            version=form.cleaned_data["version"] or None,
        ),
        pending=pending,
        locked=assessment,
        conflict=(EditConflict,),
        success_message=_("Item %(n)d is saved.") % {"n": entry.item.order},
        success_url=entry.get_absolute_url(),
        template="rectification/standards/entry_form.html",
        context=lambda: {
            "entry": entry,
            "item": entry.item,
            "assessment": assessment,
            "org": assessment.organization,
            "template": assessment.template,
            "attachments": list(Attachment.objects.for_record(entry)),
            "can_manage_attachments": True,
        },
    )


# --- the organization's page -------------------------------------------------------------


@login_required
@require_GET
def standard_results(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The organization's accepted checklists (met / score / stars) as a fragment for
    its page (templates/rectification/standards/_org_result.html), e.g. loaded there
    with hx-get. Queries: organization, grants, accepted checklists."""
    org = get_organization_for_user(request.user, org_pk)
    return render(
        request,
        "rectification/standards/_org_result.html",
        {"org": org, "standard_results": standard_results_for(org)},
    )
