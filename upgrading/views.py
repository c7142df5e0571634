"""Pages for classifying and lifting organizations, and leadership terms
(docs/product.md §6.4).

* the organization's page: its classes by year, its current term and elections, its
  upgrade plans and demonstration proposals, with the actions the user may take;
* grade (reviewers above and the instructor: `can_review`);
* an upgrade plan: write, edit, its page with the review panel, progress notes and the
  de-listing request (its own page and review panel);
* a demonstration proposal: propose, edit, its page with the review panel;
* record an election;
* the board of a subtree: the three classes per level and the moves since last year,
  terms overdue or due, open plans.

Anonymous → login; cannot see the organization → 404; sees it but lacks the action →
403. Every page runs a fixed number of queries (tests/upgrading/test_views.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations.models import Organization
from portal.accounts.permissions import Action, get_organization_for_user, require
from portal.core.record_pages import handle_record_form
from portal.reviews.models import is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response
from rectification.views_mechanisms import int_or_404

from . import services
from .forms import DelistingForm, DemonstrationForm, GradingForm, NoteForm, PlanForm, TermForm
from .models import (
    GRADING_TEMPLATE,
    Delisting,
    Demonstration,
    Grading,
    LeadershipTerm,
    PlanReason,
    UpgradePlan,
    default_term_years,
)
from .selectors import class_board, gradings_of, term_state, with_current_term
from .services import may_grade, may_record


def _fetch(request: HttpRequest, model: Any, pk: Any, related: tuple[str, ...] = ()) -> Any:
    """The record with its organization; 404 unless the user sees the organization."""
    record = (
        model.objects.select_related("organization", *related).filter(pk=int_or_404(pk)).first()
    )
    if record is None:
        raise Http404
    require(request.user, Action.VIEW, record.organization)
    return record


def _template() -> Any:
    from rectification.models import StandardTemplate

    template = (
        StandardTemplate.objects.filter(code=GRADING_TEMPLATE, is_active=True)
        .order_by("-version")
        .first()
    )
    if template is None:
        raise Http404
    return template


def _year(raw: Any) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def org_page(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Queries: organization, grants, roles, the organization with its current term,
    classes, elections, plans, demonstrations, (navigation)."""
    org = get_organization_for_user(request.user, org_pk)
    today = timezone.localdate()
    current = with_current_term(Organization.objects.filter(pk=org.pk)).get()
    record = may_record(request.user, org)
    return render(
        request,
        "upgrading/org.html",
        {
            "org": org,
            "current": current,
            "term_state": term_state(current.term_due_on, today),
            "gradings": gradings_of(org),
            "terms": list(LeadershipTerm.objects.filter(organization=org)),
            "plans": list(UpgradePlan.objects.filter(organization=org).order_by("-year", "-pk")),
            "demonstrations": list(Demonstration.objects.filter(organization=org)),
            "may_grade": may_grade(request.user, org),
            "may_record": record,
            "weak_reason": PlanReason.WEAK,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def grade(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Grade the organization for a year (?year=, default this year)."""
    org = get_organization_for_user(request.user, org_pk)
    if not may_grade(request.user, org):
        raise PermissionDenied
    template = _template()
    items = list(template.items.order_by("order"))
    year = _year(request.POST.get("year") or request.GET.get("year"))
    grading = Grading.objects.filter(organization=org, year=year).prefetch_related("scores").first()
    form = GradingForm(request.POST or None, items=items, grading=grading)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.grading_save(
            actor=request.user,
            organization=org,
            year=grading.year if grading else form.cleaned_data["year"],
            template=template,
            scores=form.scores(),
            note=form.cleaned_data.get("note") or "",
            seen_updated_at=form.seen_updated_at if grading else None,
        ),
        success_message=_("The class is recorded."),
        success_url=reverse("upgrading:org", args=[org.pk]),
        template="upgrading/grade.html",
        context={"org": org, "template": template, "grading": grading},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk)
    if not may_record(request.user, org):
        raise PermissionDenied
    initial = {
        "year": timezone.localdate().year,
        "reason": PlanReason.WEAK if org.is_weak else PlanReason.LAGGING,
    }
    form = PlanForm(request.POST or None, initial=initial)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.plan_create(
            actor=request.user, organization=org, fields=form.service_fields()
        ),
        success_message=_("The plan is saved. Submit it to the higher level."),
        success_url=lambda plan: plan,
        template="upgrading/plan_form.html",
        context={"org": org, "plan": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _fetch(request, UpgradePlan, pk)
    if not may_record(request.user, plan.organization):
        raise PermissionDenied
    if not is_editable(plan):
        return locked_response(request, plan)
    form = PlanForm(request.POST or None, instance=plan, editing=True)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.plan_update(
            actor=request.user,
            plan=plan,
            fields=form.service_fields(),
            seen_updated_at=form.seen_updated_at,
        ),
        success_message=_("The plan is saved."),
        success_url=plan,
        template="upgrading/plan_form.html",
        context={"org": plan.organization, "plan": plan},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Queries: plan + organization, grants, roles, review events, notes, the
    de-listing request, (the note form's secretary posts), (navigation)."""
    plan = _fetch(request, UpgradePlan, pk)
    org = plan.organization
    record = may_record(request.user, org)
    notes = list(
        plan.notes.select_related("new_secretary__member", "created_by").order_by("noted_on", "pk")
    )
    delisting = Delisting.objects.filter(plan=plan).first()
    open_plan = plan.is_approved and not plan.is_delisted
    return render(
        request,
        "upgrading/plan_detail.html",
        {
            "org": org,
            "plan": plan,
            "notes": notes,
            "delisting": delisting,
            "may_edit": record and is_editable(plan),
            "note_form": NoteForm(organization=org) if record and open_plan else None,
            "may_request_delisting": record
            and open_plan
            and (delisting is None or is_editable(delisting)),
            "review": review_panel(request.user, plan),
        },
    )


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _fetch(request, UpgradePlan, pk)
    if not may_record(request.user, plan.organization):
        raise PermissionDenied
    form = NoteForm(request.POST, organization=plan.organization)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.note_add(
            actor=request.user,
            plan=plan,
            noted_on=form.cleaned_data["noted_on"],
            text=form.cleaned_data["text"],
            new_secretary=form.cleaned_data.get("new_secretary"),
        ),
        success_message=_("The progress note is added."),
        success_url=plan,
        template="upgrading/note_form.html",
        context={"org": plan.organization, "plan": plan},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delisting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or rewrite the plan's de-listing request (plan `pk`)."""
    plan = _fetch(request, UpgradePlan, pk)
    if not may_record(request.user, plan.organization):
        raise PermissionDenied
    delisting = Delisting.objects.filter(plan=plan).first()
    if delisting is not None and not is_editable(delisting):
        return locked_response(request, delisting)
    initial = {"results": delisting.results} if delisting else {}
    form = DelistingForm(request.POST or None, initial=initial)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.delisting_save(
            actor=request.user, plan=plan, results=form.cleaned_data["results"]
        ),
        success_message=_("The request is saved. Submit it to the higher level."),
        success_url=lambda made: made,
        template="upgrading/delisting_form.html",
        context={"org": plan.organization, "plan": plan},
    )


@login_required
def delisting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delisting = _fetch(request, Delisting, pk, ("plan",))
    return render(
        request,
        "upgrading/delisting_detail.html",
        {
            "org": delisting.organization,
            "delisting": delisting,
            "plan": delisting.plan,
            "may_edit": may_record(request.user, delisting.organization) and is_editable(delisting),
            "review": review_panel(request.user, delisting),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def demonstration_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk)
    if not may_record(request.user, org):
        raise PermissionDenied
    return _demonstration_form(request, org, None)


@login_required
@require_http_methods(["GET", "POST"])
def demonstration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    demonstration = _fetch(request, Demonstration, pk)
    if not may_record(request.user, demonstration.organization):
        raise PermissionDenied
    if not is_editable(demonstration):
        return locked_response(request, demonstration)
    return _demonstration_form(request, demonstration.organization, demonstration)


def _demonstration_form(
    request: HttpRequest, org: Organization, demonstration: Demonstration | None
) -> HttpResponse:
    form = DemonstrationForm(request.POST or None, instance=demonstration)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.demonstration_save(
            actor=request.user,
            organization=org,
            year=form.cleaned_data["year"],
            reasons=form.cleaned_data["reasons"],
            demonstration=demonstration,
        ),
        success_message=_("The proposal is saved. Submit it to the higher level."),
        success_url=lambda made: made,
        template="upgrading/demonstration_form.html",
        context={"org": org, "demonstration": demonstration},
    )


@login_required
def demonstration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demonstration = _fetch(request, Demonstration, pk)
    return render(
        request,
        "upgrading/demonstration_detail.html",
        {
            "org": demonstration.organization,
            "demonstration": demonstration,
            "may_edit": may_record(request.user, demonstration.organization)
            and is_editable(demonstration),
            "review": review_panel(request.user, demonstration),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk)
    if not may_record(request.user, org):
        raise PermissionDenied
    form = TermForm(request.POST or None, initial={"term_years": default_term_years(org.kind)})
    return handle_record_form(
        request,
        form,
        save=lambda form: services.term_record(
            actor=request.user,
            organization=org,
            elected_on=form.cleaned_data["elected_on"],
            term_years=form.cleaned_data["term_years"],
            note=form.cleaned_data.get("note") or "",
        ),
        success_message=_("The election is recorded."),
        success_url=reverse("upgrading:org", args=[org.pk]),
        template="upgrading/term_form.html",
        context={"org": org},
    )


@login_required
def board(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The subtree's classes of a year (?year=) per child and in total with the moves
    since the year before; terms overdue or due; open upgrade plans; confirmed
    demonstration organizations. Queries: organization, grants, roles, children,
    gradings, terms, plans, demonstrations, (navigation)."""
    from .selectors import open_plans_in, terms_due_in

    org = get_organization_for_user(request.user, org_pk)
    today = timezone.localdate()
    year = _year(request.GET.get("year"))
    total, rows = class_board(org, year)
    return render(
        request,
        "upgrading/board.html",
        {
            "org": org,
            "year": year,
            "years": [year - 1, year + 1] if year < today.year else [year - 1],
            "total": total,
            "rows": rows,
            "terms": terms_due_in(org, today, limit=100),
            "plans": list(open_plans_in(org)[:100]),
            "demonstrations": list(
                Demonstration.objects.confirmed()
                .filter(organization__path__startswith=org.path, year=year)
                .select_related("organization")
                .order_by("organization__path")[:100]
            ),
        },
    )


@login_required
def dashboard_panel(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The dashboard's card (loaded by htmx, so the dashboard's own queries stay as
    they are): the three classes per level of the latest year graded in the subtree
    with the moves since the year before, and the terms overdue or due. Queries:
    organization, grants, roles, the latest year, children, gradings, terms."""
    from django.db.models import Max

    from .selectors import terms_due_in

    org = get_organization_for_user(request.user, org_pk)
    today = timezone.localdate()
    latest = Grading.objects.filter(
        organization__path__startswith=org.path, year__lte=today.year
    ).aggregate(year=Max("year"))["year"]
    year = latest or today.year
    total, rows = class_board(org, year)
    return render(
        request,
        "upgrading/_dashboard_panel.html",
        {
            "org": org,
            "year": year,
            "total": total,
            "rows": rows,
            "terms": terms_due_in(org, today, limit=10),
        },
    )


@login_required
def instructor_panel(request: HttpRequest) -> HttpResponse:
    """The instructor's home card (loaded by htmx): over the organizations assigned to
    the user, the terms overdue or due for re-election and the upgrade plans not yet
    de-listed. 403 for a user with no instructor role. Queries: roles, terms, plans."""
    from django.db.models import Q

    from portal.accounts.models import Role
    from portal.accounts.permissions import roles_for

    from .selectors import terms_due_for

    assigned = [ra.organization for ra in roles_for(request.user) if ra.role == Role.INSTRUCTOR]
    if not assigned:
        raise PermissionDenied
    q = Q()
    for org in assigned:
        q |= Q(organization__path__startswith=org.path)
    plans = list(
        UpgradePlan.objects.filter(q)
        .open()
        .select_related("organization")
        .order_by("deadline", "pk")[:50]
    )
    return render(
        request,
        "upgrading/_instructor_panel.html",
        {"terms": terms_due_for(assigned, timezone.localdate())[:50], "plans": plans},
    )
