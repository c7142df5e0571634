"""The office's pages for a campaign's standards checklist templates (docs/product.md
§6.3, "Standards templates"): list, create, detail with the items, edit, new version,
remove from the campaign; add, edit, remove and reorder items.

Who: as for the campaign's own pages (activities/campaigns/views.py,
docs/product.md §5.3), since a template belongs to the campaigns using it: site
administrators, and the campaign office for the campaigns led at its node or below it;
anyone else logged in gets 404 unless they can see the campaign's lead organization,
then 403. A template or item not used by the campaign in the URL is 404. A template
other campaigns also use is changed by the office only through a new version
(services_standard_templates).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.campaigns.views import get_campaign_for_composer
from activities.models import Campaign
from portal.core.record_pages import handle_action, handle_record_form

from . import services_standard_templates as services
from .forms_standard_templates import ItemForm, TemplateForm, initial_of
from .models import StandardAssessment, StandardItem, StandardTemplate

FOLDER = "rectification/standards/templates"


def _template(campaign: Campaign, pk: int) -> StandardTemplate:
    """One of the campaign's templates, or 404. One query."""
    found = campaign.standard_templates.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _item(template: StandardTemplate, pk: int) -> StandardItem:
    found = template.items.filter(pk=pk).first()
    if found is None:
        raise Http404
    found.template = template
    return found


def _detail_url(campaign: Campaign, template: StandardTemplate) -> str:
    return reverse("rectification:template_detail", args=[campaign.pk, template.pk])


def _count(rows: QuerySet[Any]) -> Subquery:
    """COUNT(*) of `rows` as a subquery (no join multiplying the other counts)."""
    return Subquery(
        rows.order_by().values(one=Value(1)).annotate(n=Func("pk", function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


@login_required
def template_list(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """The campaign's templates with their item counts and the assessments of this
    campaign's organizations. Queries:
    campaign, templates."""
    campaign = get_campaign_for_composer(request, campaign_pk)
    templates = list(
        campaign.standard_templates.annotate(
            item_count=_count(StandardItem.objects.filter(template=OuterRef("pk"))),
            assessment_count=_count(
                StandardAssessment.objects.filter(template=OuterRef("pk"), campaign=campaign)
            ),
        ).order_by("code", "-version")
    )
    return render(request, f"{FOLDER}/list.html", {"campaign": campaign, "templates": templates})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    form = TemplateForm(request.POST or None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.template_create(
            actor=request.user, campaign=campaign, fields=form.service_fields()
        ),
        success_message=_("The standards template is created: add its items."),
        success_url=lambda made: _detail_url(campaign, made),
        template=f"{FOLDER}/form.html",
        context={"campaign": campaign, "standard": None},
    )


@login_required
def template_detail(request: HttpRequest, campaign_pk: int, pk: int) -> HttpResponse:
    """The template, its items in order and what may still change. Queries: campaign,
    template, items, whether it is in use."""
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    return render(
        request,
        f"{FOLDER}/detail.html",
        {
            "campaign": campaign,
            "standard": standard,
            "items": list(standard.items.order_by("order")),
            "in_use": services.in_use(standard),
            "item_form": ItemForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, campaign_pk: int, pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    form = TemplateForm(
        request.POST or None, editing=True, initial=initial_of(standard, services.TEMPLATE_FIELDS)
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.template_update(
            actor=request.user, template=standard, fields=form.service_fields()
        ),
        success_message=_("The standards template is saved."),
        success_url=_detail_url(campaign, standard),
        template=f"{FOLDER}/form.html",
        context={"campaign": campaign, "standard": standard},
    )


def _act(request: HttpRequest, act: Callable[[], str], failed: str, done: str) -> HttpResponse:
    """A POST-only step whose destination depends on its outcome: `act()` (the service)
    returns where to go; its ValidationError is shown on `failed`."""
    try:
        url = act()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(failed)
    messages.success(request, done)
    return redirect(url)


@login_required
@require_POST
def template_new_version(request: HttpRequest, campaign_pk: int, pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    return _act(
        request,
        lambda: _detail_url(
            campaign,
            services.template_new_version(actor=request.user, campaign=campaign, template=standard),
        ),
        failed=_detail_url(campaign, standard),
        done=_("A new version is made: the campaign uses it from now on."),
    )


@login_required
@require_POST
def template_remove(request: HttpRequest, campaign_pk: int, pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)

    def act() -> str:
        services.template_remove(actor=request.user, campaign=campaign, template=standard)
        return reverse("rectification:template_list", args=[campaign.pk])

    return _act(
        request,
        act,
        failed=_detail_url(campaign, standard),
        done=_("The campaign no longer uses this standards template."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, campaign_pk: int, pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    form = ItemForm(request.POST or None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.item_create(
            actor=request.user, template=standard, fields=form.service_fields()
        ),
        success_message=_("The item is added."),
        success_url=_detail_url(campaign, standard),
        template=f"{FOLDER}/item_form.html",
        context={"campaign": campaign, "standard": standard, "item": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, campaign_pk: int, pk: int, item_pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    item = _item(standard, item_pk)
    form = ItemForm(request.POST or None, initial=initial_of(item, services.ITEM_FIELDS))
    return handle_record_form(
        request,
        form,
        save=lambda form: services.item_update(
            actor=request.user, item=item, fields=form.service_fields()
        ),
        success_message=_("The item is saved."),
        success_url=_detail_url(campaign, standard),
        template=f"{FOLDER}/item_form.html",
        context={"campaign": campaign, "standard": standard, "item": item},
    )


@login_required
@require_POST
def item_delete(request: HttpRequest, campaign_pk: int, pk: int, item_pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    item = _item(standard, item_pk)
    return handle_action(
        request,
        act=lambda: services.item_delete(actor=request.user, item=item),
        success_message=_("The item is removed."),
        success_url=_detail_url(campaign, standard),
    )


@login_required
@require_POST
def item_move(request: HttpRequest, campaign_pk: int, pk: int, item_pk: int) -> HttpResponse:
    campaign = get_campaign_for_composer(request, campaign_pk)
    standard = _template(campaign, pk)
    item = _item(standard, item_pk)
    up = request.POST.get("direction") != "down"
    return handle_action(
        request,
        act=lambda: services.item_move(actor=request.user, item=item, up=up),
        success_message=_("The order is saved."),
        success_url=f"{_detail_url(campaign, standard)}#item-{item.pk}",
    )
