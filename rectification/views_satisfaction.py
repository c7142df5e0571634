"""Pages of the satisfaction evaluation (docs/product.md §6.5).

The organization's page (VIEW): the tallies per question, the satisfaction rate of its
own ballots and of its subtree, each direct child's subtree; for RECORD, the settings,
the batches of codes, the printable sheets and the QR poster. A fragment of the rate
for the organization's page.

The public ballot at /vote/<token>/ (no login) reuses the suggestion box's protections:
per-address rate limits in the cache (activities.public.views), a honeypot, a minimum
fill time, one ballot per served form. It never shows any ballot. Codes mode: a wrong
code counts against a stricter per-address limit. Device mode: a signed cookie marks
the browser that voted; the evaluation closes at its limit of ballots.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.opinions.views import qr_svg
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.core.public_guard import address_key, claim_form, hit
from portal.core.record_pages import handle_record_form

from . import services_satisfaction as services
from .forms_satisfaction import BallotForm, BatchForm, SurveyForm
from .models import BallotCode, BallotCodeBatch, SatisfactionQuestion, SatisfactionSurvey
from .models.satisfaction import SurveyMode
from .selectors_satisfaction import organization_results
from .views_mechanisms import campaign_or_404, campaigns_for, int_or_404, pick_campaign

# (limit, window in seconds). A meeting votes from one connection: the limit per
# address is the size of a large meeting, the limit on wrong codes is strict.
VOTE_PER_ADDRESS = (60, 10 * 60)
BAD_CODE_PER_ADDRESS = (10, 10 * 60)
DEVICE_COOKIE_AGE = 365 * 24 * 60 * 60
DEVICE_SALT = "rectification.satisfaction.device"


def _page_url(org_id: int, campaign_id: int) -> str:
    return f"{reverse('rectification:satisfaction', args=[org_id])}?campaign={campaign_id}"


@login_required
@require_GET
def satisfaction(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Queries: organization, grants, campaigns, the survey, the results (4); for RECORD
    the batches with their used counts (1)."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_for(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    can_record = user_can(request.user, Action.RECORD, org)
    context: dict[str, Any] = {
        "org": org,
        "campaign": campaign,
        "campaigns": campaigns,
        "can_record": can_record,
    }
    if campaign is not None:
        survey = SatisfactionSurvey.objects.filter(organization=org, campaign=campaign).first()
        context["survey"] = survey
        context["results"] = organization_results(org, campaign)
        context["threshold"] = campaign.satisfaction_threshold
        if can_record:
            initial = {"mode": SurveyMode.CODES, "max_ballots": 100, "is_open": True}
            if survey is not None:
                initial = {
                    "mode": survey.mode,
                    "max_ballots": survey.max_ballots,
                    "is_open": survey.is_open,
                }
                context["batches"] = list(
                    BallotCodeBatch.objects.filter(survey=survey).with_used().order_by("-pk")
                )
                context["batch_form"] = BatchForm()
                context["public_url"] = survey.get_public_url()
            context["survey_form"] = SurveyForm(initial=initial)
    return render(request, "rectification/satisfaction/overview.html", context)


@login_required
@require_POST
def satisfaction_settings(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Start the evaluation, or change its mode, limit and opening (RECORD)."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = campaign_or_404(org, request.GET.get("campaign"))
    survey = SatisfactionSurvey.objects.filter(organization=org, campaign=campaign).first()
    form = SurveyForm(request.POST)

    def save(form: SurveyForm) -> None:
        data = form.cleaned_data
        if survey is None:
            services.survey_create(
                actor=request.user,
                organization=org,
                campaign=campaign,
                mode=data["mode"],
                max_ballots=data["max_ballots"],
            )
        else:
            services.survey_update(
                actor=request.user,
                survey=survey,
                mode=data["mode"],
                max_ballots=data["max_ballots"],
                is_open=data["is_open"],
            )

    return handle_record_form(
        request,
        form,
        save=save,
        success_message=_("Saved."),
        success_url=_page_url(org.pk, campaign.pk),
        template="rectification/satisfaction/settings.html",
        context={"org": org, "campaign": campaign, "survey": survey},
    )


def _survey_or_404(request: HttpRequest, org_pk: int, action: Action) -> Any:
    org = get_organization_for_user(request.user, org_pk, action)
    campaign = campaign_or_404(org, request.GET.get("campaign"))
    survey = (
        SatisfactionSurvey.objects.select_related("organization", "campaign")
        .filter(organization=org, campaign=campaign)
        .first()
    )
    if survey is None:
        raise Http404
    return org, campaign, survey


@login_required
@require_POST
def satisfaction_batch_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    """A batch of codes (RECORD); then its printable sheet."""
    org, campaign, survey = _survey_or_404(request, org_pk, Action.RECORD)
    form = BatchForm(request.POST)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.batch_create(
            actor=request.user,
            survey=survey,
            label=form.cleaned_data["label"],
            size=form.cleaned_data["size"],
        ),
        success_message="",
        success_url=lambda batch: reverse("rectification:satisfaction_batch", args=[batch.pk]),
        template="rectification/satisfaction/batch_form.html",
        context={"org": org, "campaign": campaign, "survey": survey},
    )


@login_required
@require_GET
def satisfaction_batch(request: HttpRequest, pk: Any) -> HttpResponse:
    """The printable sheet of a batch: the QR code and link once, then one slip per code
    with the used ones marked (RECORD). Queries: the batch, grants, the codes."""
    batch = (
        BallotCodeBatch.objects.select_related("survey__organization", "survey__campaign")
        .filter(pk=int_or_404(pk))
        .first()
    )
    if batch is None:
        raise Http404
    survey = batch.survey
    require(request.user, Action.RECORD, survey.organization)
    url = survey.get_public_url()
    return render(
        request,
        "rectification/satisfaction/batch_sheet.html",
        {
            "org": survey.organization,
            "campaign": survey.campaign,
            "survey": survey,
            "batch": batch,
            "codes": list(BallotCode.objects.filter(batch=batch).order_by("pk")),
            "public_url": url,
            "qr": mark_safe(qr_svg(url)),  # noqa: S308 - built by qrcode from our own URL
        },
    )


@login_required
@require_GET
def satisfaction_poster(request: HttpRequest, org_pk: int) -> HttpResponse:
    """A printable page with the QR code and link (RECORD)."""
    org, campaign, survey = _survey_or_404(request, org_pk, Action.RECORD)
    url = survey.get_public_url()
    return render(
        request,
        "rectification/satisfaction/poster.html",
        {
            "org": org,
            "campaign": campaign,
            "survey": survey,
            "public_url": url,
            "qr": mark_safe(qr_svg(url)),  # noqa: S308 - built by qrcode from our own URL
        },
    )


@login_required
@require_GET
def satisfaction_summary(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The rate of the organization and of its subtree in its current campaign, a
    fragment for the organization's page (loaded with hx-get). Queries: organization,
    grants, campaigns, results (4)."""
    org = get_organization_for_user(request.user, org_pk)
    campaign = pick_campaign(campaigns_for(org), None)
    context: dict[str, Any] = {"org": org, "campaign": campaign}
    if campaign is not None:
        context["results"] = organization_results(org, campaign)
        context["threshold"] = campaign.satisfaction_threshold
    return render(request, "rectification/satisfaction/_summary.html", context)


# --- the public ballot -------------------------------------------------------------------------


def _public_survey(token: str) -> SatisfactionSurvey | None:
    """The evaluation by its token, with its organization and campaign. One query."""
    return (
        SatisfactionSurvey.objects.select_related("organization", "campaign")
        .filter(token=token)
        .first()
    )


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "public/vote_not_found.html", status=404)


def _device_cookie(survey: SatisfactionSurvey) -> str:
    return f"voted_{survey.pk}"


def _device_voted(request: HttpRequest, survey: SatisfactionSurvey) -> bool:
    try:
        value = request.get_signed_cookie(_device_cookie(survey), salt=DEVICE_SALT)
    except (KeyError, signing.BadSignature):
        return False
    return value == survey.token


def _limited(request: HttpRequest, survey: SatisfactionSurvey) -> HttpResponse:
    response = render(
        request,
        "public/vote_message.html",
        {
            "survey": survey,
            "org": survey.organization,
            "title": _("Please wait a moment"),
            "message": _(
                "Too many requests came from your connection in a short time. Please try "
                "again in a few minutes."
            ),
        },
        status=429,
    )
    response["Retry-After"] = str(VOTE_PER_ADDRESS[1])
    return response


def _message(
    request: HttpRequest, survey: SatisfactionSurvey, title: str, text: str
) -> HttpResponse:
    return render(
        request,
        "public/vote_message.html",
        {"survey": survey, "org": survey.organization, "title": title, "message": text},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, token: str) -> HttpResponse:
    survey = _public_survey(token)
    if survey is None:
        return _not_found(request)
    org = survey.organization
    # A closed campaign takes no ballot (docs/product.md §5.2).
    if not survey.is_open or not org.is_active or survey.campaign.is_closed:
        return _message(
            request,
            survey,
            _("The satisfaction evaluation is closed"),
            _("Thank you for your interest. Ballots are not being received now."),
        )
    device_mode = survey.mode == SurveyMode.DEVICE
    if device_mode and _device_voted(request, survey):
        return _message(
            request,
            survey,
            _("You have already voted"),
            _("One ballot per device. Thank you for taking part."),
        )
    questions = list(SatisfactionQuestion.objects.filter(campaign_id=survey.campaign_id))
    context: dict[str, Any] = {"survey": survey, "org": org}
    if request.method == "POST":
        if hit(address_key("vote", request), *VOTE_PER_ADDRESS):
            return _limited(request, survey)
        form = BallotForm(
            request.POST, survey_id=survey.pk, questions=questions, needs_code=not device_mode
        )
        if form.is_valid():
            claimed, _earlier = claim_form("vote:" + form.cleaned_data["started"])
            if not claimed:
                return redirect("vote:thanks", token=survey.token)
            try:
                services.ballot_cast(
                    survey=survey,
                    questions=questions,
                    answers=form.answers(),
                    code=form.cleaned_data.get("code", ""),
                )
            except services.BallotRefused as exc:
                if exc.code == "bad_code" and hit(
                    address_key("vote-bad-code", request), *BAD_CODE_PER_ADDRESS
                ):
                    return _limited(request, survey)
                form.add_error("code" if exc.code == "bad_code" else None, exc.messages)
                form.data = form.refreshed_data()
            except ValidationError as exc:
                form.add_error(None, exc.messages)
                form.data = form.refreshed_data()
            else:
                response = redirect("vote:thanks", token=survey.token)
                if device_mode:
                    response.set_signed_cookie(
                        _device_cookie(survey),
                        survey.token,
                        salt=DEVICE_SALT,
                        max_age=DEVICE_COOKIE_AGE,
                        httponly=True,
                        samesite="Lax",
                        secure=request.is_secure(),
                    )
                return response
        elif form.stale_stamp:
            form.data = form.refreshed_data()
        elif "code" in form.errors and hit(
            address_key("vote-bad-code", request), *BAD_CODE_PER_ADDRESS
        ):
            return _limited(request, survey)
    else:
        form = BallotForm(survey_id=survey.pk, questions=questions, needs_code=not device_mode)
    context["form"] = form
    return render(request, "public/vote.html", context)


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thanks, and nothing else: no tally, no other ballot. Queries: the survey (1)."""
    survey = _public_survey(token)
    if survey is None:
        return _not_found(request)
    return _message(
        request,
        survey,
        _("Thank you. Your ballot has been received."),
        _("Nobody can see how you voted: the ballot keeps no name, code or address."),
    )
