"""The campaign pages: list, create, detail, edit (docs/product.md §5); composing one
from the 2014 template or a copy, its requirements, the check and the opening, the
roll-up's rebuild (§5.3).

Who (docs/product.md §5.3): site administrators, every campaign; the campaign office,
the campaigns led at its node or below it (`composes_campaign_led_at`). Anyone else
logged in gets 403 on the list and the compose page (there is no object to hide); on a
campaign's pages, 404 for whoever cannot see its lead organization (an office of
another subtree included), 403 for one who sees it in another role. The blank "new
campaign" form, which makes an open campaign at once, stays the administrator's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.permissions import (
    campaign_office_paths,
    composes_campaigns,
    require_campaign_composer,
)
from portal.core.record_pages import handle_action, handle_delete, handle_record_form, paginate
from portal.progress.engine import Kind, get_kind, kinds
from portal.progress.models import RequirementInstance
from portal.progress.presets import PARTICIPATING

from ..models import Campaign, GradeScale
from ..models.campaigns import CampaignQuerySet
from . import services
from .forms import FORMSETS, CampaignForm, ComposeForm, RequirementForm, params_form
from .selectors import campaign_history, campaign_problems, waiting_reviews
from .services import campaign_save

PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied


def _require_composer(request: HttpRequest) -> None:
    """Site administrators and the campaign office reach the list and the compose
    page; 403 for anyone else."""
    if not composes_campaigns(request.user):
        raise PermissionDenied


def get_campaign_for_composer(request: HttpRequest, pk: Any) -> Campaign:
    """The campaign (any status) with its lead organization, for those who compose it
    (require_campaign_composer): 404 when it does not exist or the user cannot see the
    lead organization; 403 for one who sees it in another role. One query (the user's
    roles are read once per request, and by the navigation anyway)."""
    try:
        campaign = Campaign.all_objects.select_related("lead_organization").get(pk=int(pk))
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require_campaign_composer(request.user, campaign.lead_organization)
    return campaign


def composed_by(user: Any) -> CampaignQuerySet:
    """The campaigns the user composes: every one for a site administrator, those led
    at the office's nodes or below for the office."""
    paths = campaign_office_paths(user)
    qs = Campaign.all_objects.all()
    if paths is None:
        return qs
    q = Q(pk__in=[])
    for p in sorted(paths):
        q |= Q(lead_organization__path__startswith=p)
    return qs.filter(q)


def _refuse_if_closed(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    """A closed campaign's settings, phases and requirements are not edited (docs/product.md
    §5.2): its composing pages go back to the campaign's page with the reason."""
    if not campaign.is_closed:
        return None
    messages.error(
        request,
        _(
            "The campaign is closed: reopen it before changing its settings, phases or requirements."
        ),
    )
    return redirect(campaign)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns the user composes, newest first, with their lead organizations and
    phase counts. Queries: COUNT, page."""
    _require_composer(request)
    qs = (
        composed_by(request.user)
        .select_related("lead_organization")
        .annotate(phase_count=Count("phases"))
        .order_by("-starts_on", "-pk")
    )
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "activities/campaigns/list.html", {"page": page})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's status, settings, phases, grades and categories, and the history
    of its changes since it opened. Queries: campaign, phases, grades, categories,
    the organizations left out, requirement count, the three histories."""
    campaign = get_campaign_for_composer(request, pk)
    return render(
        request,
        "activities/campaigns/detail.html",
        {
            "campaign": campaign,
            "left_out": list(campaign.excluded_organizations.order_by("path")),
            "phases": list(campaign.phases.all()),
            "grades": list(campaign.grades.all()),
            "categories": list(campaign.problem_categories.all()),
            "requirement_count": RequirementInstance.objects.filter(campaign=campaign).count(),
            "history": campaign_history(campaign),
        },
    )


def _edit(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    instance = campaign or Campaign()
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, instance=instance, user=request.user)
    formsets = [cls(data, instance=instance, prefix=prefix) for prefix, cls in FORMSETS]
    # A preset scale brings its own grades: the grade rows posted are not used then.
    used = [
        fs
        for (prefix, _cls), fs in zip(FORMSETS, formsets, strict=True)
        if prefix != "grades" or form.data.get("grade_scale") == GradeScale.CUSTOM
    ]
    if data is not None and form.is_valid() and all(fs.is_valid() for fs in used):
        try:
            saved = campaign_save(actor=request.user, form=form, formsets=used)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect(saved)
    return render(
        request,
        "activities/campaigns/form.html",
        {
            "campaign": campaign,
            "form": form,
            "formsets": {prefix: fs for (prefix, _cls), fs in zip(FORMSETS, formsets, strict=True)},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, pk)
    return _refuse_if_closed(request, campaign) or _edit(request, campaign)


# --- composing a campaign (docs/product.md §5.3) ----------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def campaign_compose(request: HttpRequest) -> HttpResponse:
    """A new draft campaign from the 2014 template or by copying an earlier one (one
    the user composes: the office copies the campaigns of its level). Queries: the
    campaigns to copy, the lead organizations."""
    _require_composer(request)
    campaigns = list(composed_by(request.user).order_by("-starts_on", "-pk"))
    form = ComposeForm(request.POST or None, campaigns=campaigns, user=request.user)

    def save(form: ComposeForm) -> Campaign:
        data = form.cleaned_data
        source = form.source_campaign()
        if source is None:
            return services.campaign_from_template(
                actor=request.user,
                lead_organization=data["lead_organization"],
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                starts_on=data["starts_on"],
            )
        return services.campaign_copy(
            actor=request.user,
            source=source,
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            starts_on=data["starts_on"],
            lead_organization=data["lead_organization"],
        )

    return handle_record_form(
        request,
        form,
        save=save,
        success_message=_("The draft campaign is made: check its phases and requirements."),
        success_url=lambda made: made,
        template="activities/campaigns/compose.html",
        context={},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_check(request: HttpRequest, pk: int) -> HttpResponse:
    """What keeps the campaign from opening, and the buttons that move it on: "checked"
    when nothing is listed, then "open". Queries: campaign, phases, requirements, the
    standards templates (two)."""
    campaign = get_campaign_for_composer(request, pk)
    refused = _refuse_if_closed(request, campaign)
    if refused is not None:
        return refused
    if request.method == "POST":
        step = (
            services.campaign_open
            if request.POST.get("step") == "open"
            else services.campaign_mark_checked
        )
        done = (
            _("The campaign is open: its organizations see it now.")
            if step is services.campaign_open
            else _("Nothing is missing: the campaign is checked and may be opened.")
        )
        return handle_action(
            request,
            act=lambda: step(actor=request.user, campaign=campaign),
            success_message=done,
            success_url=reverse("activities:campaign_check", args=[campaign.pk]),
        )
    problems = campaign_problems(campaign)
    return render(
        request,
        "activities/campaigns/check.html",
        {"campaign": campaign, "problems": problems},
    )


def _kind_label(code: str) -> str:
    found = get_kind(code)
    return str(found.label) if found is not None else code


def _settings(
    code: str, params: dict[str, Any], campaign: Campaign, kind_forms: dict[str, Any]
) -> list[tuple[str, str]]:
    """An instance's parameters as its kind's form names them: (label, value), choices
    by their labels (a standards template by its name), "—" for an empty one (the kind's
    help text says what that means). `kind_forms` caches each kind's form for the campaign:
    one built per kind, whatever the number of its instances."""
    found = get_kind(code)
    if found is None or found.params is None:
        return [(name, str(value)) for name, value in params.items()]
    if code not in kind_forms:
        kind_forms[code] = params_form(found, campaign=campaign)
    shown = []
    for name, form_field in kind_forms[code].fields.items():
        value = params.get(name)
        labels = {str(k): str(v) for k, v in getattr(form_field, "choices", None) or ()}
        values = value if isinstance(value, list) else [value]
        text = pgettext("list separator", "; ").join(
            labels.get(str(v), str(v)) for v in values if v not in (None, "")
        )
        shown.append((str(form_field.label or name), text or "—"))
    return shown


@login_required
def requirement_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's requirements in checklist order, with the buttons that add, edit,
    remove and move them. Queries: campaign, phases, requirements, the campaign's
    standards templates (when a requirement names one: their names)."""
    campaign = get_campaign_for_composer(request, pk)
    phases = {p.number: p for p in campaign.phases.all()}
    rows = list(
        RequirementInstance.objects.filter(campaign=campaign).order_by("phase", "order", "code")
    )
    groups: list[dict[str, Any]] = []
    kind_forms: dict[str, Any] = {}
    for row in rows:
        row.kind_label = _kind_label(row.kind)  # type: ignore[attr-defined]  # for the template
        row.settings = _settings(row.kind, row.params or {}, campaign, kind_forms)  # type: ignore[attr-defined]
        if not groups or groups[-1]["number"] != row.phase:
            groups.append({"number": row.phase, "phase": phases.get(row.phase), "rows": []})
        groups[-1]["rows"].append(row)
    for group in groups:
        last = len(group["rows"]) - 1
        for i, row in enumerate(group["rows"]):
            row.first, row.last = i == 0, i == last  # type: ignore[attr-defined]
    return render(
        request,
        "activities/campaigns/requirements.html",
        {"campaign": campaign, "groups": groups, "count": len(rows)},
    )


def _get_requirement(campaign: Campaign, rid: Any) -> RequirementInstance:
    try:
        return RequirementInstance.objects.get(campaign=campaign, pk=int(rid))
    except (RequirementInstance.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _requirement_page(
    request: HttpRequest, campaign: Campaign, instance: RequirementInstance, found: Kind
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    phases = list(campaign.phases.all())
    form = RequirementForm(data, instance=instance, phases=phases)
    params = params_form(
        found, data, initial=instance.params if instance.pk else None, campaign=campaign
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.requirement_save(
            actor=request.user,
            campaign=campaign,
            instance=form.save(commit=False),
            params=dict(params.cleaned_data) if params is not None else {},
        ),
        others=[params] if params is not None else [],
        success_message=_("The requirement is saved."),
        success_url=reverse("activities:requirement_list", args=[campaign.pk]),
        template="activities/campaigns/requirement_form.html",
        context={"campaign": campaign, "kind": found, "params": params, "instance": instance},
    )


@login_required
@require_http_methods(["GET", "POST"])
def requirement_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Step one: choose a kind (the kinds the portal knows); step two (?kind=…): the
    requirement's own fields and the kind's parameters. Queries: campaign, the
    requirements' count (the new one's place), phases."""
    campaign = get_campaign_for_composer(request, pk)
    refused = _refuse_if_closed(request, campaign)
    if refused is not None:
        return refused
    found = get_kind(request.GET.get("kind", ""))
    if found is None:
        choices = sorted(kinds().values(), key=lambda k: str(k.label))
        return render(
            request,
            "activities/campaigns/requirement_kinds.html",
            {"campaign": campaign, "kinds": choices},
        )
    instance = RequirementInstance(
        campaign=campaign,
        kind=found.code,
        label_zh="",
        org_kinds=list(PARTICIPATING),
        order=(RequirementInstance.objects.filter(campaign=campaign).count() + 1) * 10,
    )
    return _requirement_page(request, campaign, instance, found)


@login_required
@require_http_methods(["GET", "POST"])
def requirement_edit(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    """Queries: campaign, requirement, phases (and the campaign's standards templates,
    for a kind that names one)."""
    campaign = get_campaign_for_composer(request, pk)
    refused = _refuse_if_closed(request, campaign)
    if refused is not None:
        return refused
    instance = _get_requirement(campaign, rid)
    found = get_kind(instance.kind)
    if found is None:
        raise Http404  # a kind gone from the code: remove the requirement instead
    return _requirement_page(request, campaign, instance, found)


@login_required
@require_http_methods(["GET", "POST"])
def requirement_delete(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, pk)
    refused = _refuse_if_closed(request, campaign)
    if refused is not None:
        return refused
    instance = _get_requirement(campaign, rid)
    return handle_delete(
        request,
        delete=lambda: services.requirement_delete(
            actor=request.user, campaign=campaign, instance=instance
        ),
        success_message=_("The requirement is removed."),
        success_url=reverse("activities:requirement_list", args=[campaign.pk]),
        template="activities/campaigns/requirement_delete.html",
        context={"campaign": campaign, "instance": instance},
    )


@login_required
@require_POST
def requirement_move(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, pk)
    refused = _refuse_if_closed(request, campaign)
    if refused is not None:
        return refused
    instance = _get_requirement(campaign, rid)
    return handle_action(
        request,
        act=lambda: services.requirement_move(
            actor=request.user,
            campaign=campaign,
            instance=instance,
            up=request.POST.get("direction") != "down",
        ),
        success_message=_("The requirement is moved."),
        success_url=reverse("activities:requirement_list", args=[campaign.pk])
        + f"#req-{instance.pk}",
    )


# --- closing and reopening (docs/product.md §5.2) -----------------------------------------


def _closing_page(request: HttpRequest, pk: int, *, reopen: bool) -> HttpResponse:
    campaign = get_campaign_for_composer(request, pk)
    if request.method == "POST":
        if reopen:
            act = lambda: services.campaign_reopen(actor=request.user, campaign=campaign)  # noqa: E731
            done = _("The campaign is reopened: its records accept changes again.")
        else:
            act = lambda: services.campaign_close(actor=request.user, campaign=campaign)  # noqa: E731
            done = _("The campaign is closed: its records are read-only now.")
        return handle_action(request, act=act, success_message=done, success_url=campaign)
    may_close = campaign.may_close()
    return render(
        request,
        "activities/campaigns/close.html",
        {
            "campaign": campaign,
            "reopen": reopen,
            "may_close": may_close,
            "waiting": waiting_reviews(campaign) if may_close and not reopen else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a campaign once its last day has passed: GET asks to confirm, POST closes
    it (docs/product.md §5.2). Those who compose campaigns may (`get_campaign_for_composer`).
    Queries: campaign, the records still waiting for review (GET); + the locked campaign, its update and history row, the
    audit row (POST)."""
    return _closing_page(request, pk, reopen=False)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a closing made by mistake: GET asks to confirm, POST reopens the campaign
    and has its roll-up rebuilt. Queries: campaign (GET)."""
    return _closing_page(request, pk, reopen=True)


@login_required
def campaign_rebuild_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The roll-up's rebuild after a change, polled by the campaign page while it runs.
    Queries: campaign."""
    campaign = get_campaign_for_composer(request, pk)
    return render(request, "activities/campaigns/_rebuild.html", {"campaign": campaign})
