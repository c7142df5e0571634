"""Study counseling pages (docs/product.md §6.1).

Organization side: VIEW reads the coverage list, a member's sessions and a record;
RECORD adds (one member or many at once), edits and deletes. Party member side
(Member.user): `my_study` lists their own sessions, and they may add sessions and
upload notes for themselves only; anyone else's record is 404 to them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations.models import Member, Organization
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.attachments.forms import AttachmentForm
from portal.attachments.models import Attachment
from portal.core.http import AuthenticatedHttpRequest
from portal.core.record_pages import (
    handle_delete,
    handle_files_form,
    handle_record_form,
    render_list,
)

from ..models import Campaign, CounselingRecord
from . import services as services
from .forms import (
    STUDY_ATTACHMENT_KINDS,
    CounselingBatchForm,
    CounselingEditForm,
    SessionForm,
    counseling_filters,
)
from .selectors import Coverage, members_with_study

SESSION_LIMIT = 200


def _get_counseling_for_user(
    request: AuthenticatedHttpRequest,
    pk: Any,
    action: Action = Action.VIEW,
    *,
    own_ok: bool = False,
) -> CounselingRecord:
    """The record if the user may do `action` to its organization, or, with `own_ok`,
    if it is the user's own (Member.user). 404 when they cannot see it at all, 403 when
    they can see it but may not act. One query."""
    try:
        record = CounselingRecord.objects.select_related(
            "member", "organization", "campaign", "recorded_by"
        ).get(pk=int(pk))
    except (CounselingRecord.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if own_ok and record.member.user_id == request.user.pk:
        return record
    require(request.user, action, record.organization)
    return record


def _get_member_for_user(request: AuthenticatedHttpRequest, pk: Any) -> Member:
    try:
        member = Member.objects.select_related("organization").get(pk=int(pk))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, Action.VIEW, member.organization)
    return member


def _own_member(request: AuthenticatedHttpRequest) -> Member:
    """The party member linked to the login; 404 for accounts without one."""
    try:
        return Member.objects.select_related("organization").get(
            user_id=request.user.pk, is_active=True
        )
    except Member.DoesNotExist:
        raise Http404 from None


def _campaigns_for(org: Organization, *, active_only: bool = True) -> list[Campaign]:
    qs = Campaign.objects.for_organization(org)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("-starts_on", "-pk"))


def _pick(campaigns: list[Campaign], raw: Any) -> Campaign | None:
    from ..models.campaigns import pick_campaign

    return pick_campaign(campaigns, str(raw or ""))


def _attachment_form(request: HttpRequest | None = None) -> AttachmentForm:
    return AttachmentForm(
        request.POST if request else None,
        request.FILES if request else None,
        kinds=STUDY_ATTACHMENT_KINDS,
        initial={"kind": "study_notes"},
    )


# --- the organization's pages ---------------------------------------------------------


@login_required
def counseling_list(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """Per member: sessions and hours in the campaign and whether the minimum is met;
    the coverage figure on top; `?uncovered=1` keeps only those not yet covered."""
    org = get_organization_for_user(request.user, org_pk)
    form, campaign, only_uncovered = counseling_filters(request.GET, org)
    context: dict[str, Any] = {
        "org": org,
        "form": form,
        "campaign": campaign,
        "can_record": user_can(request.user, Action.RECORD, org),
    }
    if campaign is not None:
        members = list(members_with_study(org, campaign))
        minimum = campaign.min_counseling_per_member
        uncovered = [m for m in members if m.sessions < minimum]
        context["coverage"] = Coverage(
            covered=len(members) - len(uncovered),
            total=len(members),
            minimum=minimum,
            uncovered=uncovered,
        )
        context["members"] = uncovered if only_uncovered else members
    return render_list(request, "activities/study/list.html", context)


@login_required
def counseling_member(request: AuthenticatedHttpRequest, member_pk: int) -> HttpResponse:
    """One member's sessions in every campaign, newest first."""
    member = _get_member_for_user(request, member_pk)
    records = list(
        CounselingRecord.objects.of_member(member)
        .select_related("campaign")
        .annotate(files=Count("attachments"))[:SESSION_LIMIT]
    )
    return render(
        request,
        "activities/study/member.html",
        {
            "member": member,
            "org": member.organization,
            "records": records,
            "can_record": user_can(request.user, Action.RECORD, member.organization),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def counseling_add(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """The same session for one member or many: a checklist of the roster
    (`?member=<id>` ticks one)."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaigns = _campaigns_for(org)
    roster = list(
        Member.objects.filter(organization=org, is_active=True)
        .select_related("organization")
        .order_by("name", "pk")
    )
    initial = {}
    if request.GET.get("member", "").isdigit():
        initial["members"] = [int(request.GET["member"])]
    form = CounselingBatchForm(
        request.POST or None, roster=roster, campaigns=campaigns, initial=initial
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.counseling_add(
            actor=request.user, members=form.chosen(), **form.session()
        ),
        success_message=lambda records: (
            _("The session was recorded for %(n)d members.") % {"n": len(records)}
        ),
        success_url=reverse("activities:counseling_list", args=[org.pk]),
        template="activities/study/form.html",
        context={"org": org, "campaigns": campaigns, "batch": True},
    )


def _record_context(
    request: AuthenticatedHttpRequest,
    record: CounselingRecord,
    attachment_form: AttachmentForm | None = None,
) -> dict[str, Any]:
    can_record = user_can(request.user, Action.RECORD, record.organization)
    own = record.member.user_id == request.user.pk
    may_upload = can_record or own
    return {
        "record": record,
        "org": record.organization,
        "attachments": list(Attachment.objects.for_record(record)),
        "can_record": can_record,
        "own": own,
        "can_manage_attachments": may_upload,
        "attachment_form": attachment_form or (_attachment_form() if may_upload else None),
        "upload_url": reverse("activities:counseling_attachments", args=[record.pk]),
    }


@login_required
def counseling_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _get_counseling_for_user(request, pk, own_ok=True)
    return render(request, "activities/study/detail.html", _record_context(request, record))


@login_required
@require_POST
def counseling_attachments(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload study notes or experience essays: RECORD holders, or the member."""
    record = _get_counseling_for_user(request, pk, Action.RECORD, own_ok=True)
    form = _attachment_form(request)
    return handle_files_form(
        request,
        form,
        record=record,
        template="activities/study/detail.html",
        context=lambda: _record_context(request, record, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def counseling_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _get_counseling_for_user(request, pk, Action.RECORD)
    form = CounselingEditForm(
        request.POST or None,
        initial={
            "date": record.date,
            "mode": record.mode,
            "topic": record.topic,
            "hours": record.hours,
        },
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.counseling_update(
            actor=request.user, record=record, **form.cleaned_data
        ),
        success_message=_("The session was saved."),
        success_url=record,
        template="activities/study/form.html",
        context={"org": record.organization, "record": record, "batch": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def counseling_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _get_counseling_for_user(request, pk, Action.RECORD)
    return handle_delete(
        request,
        delete=lambda: services.counseling_delete(actor=request.user, record=record),
        success_message=_("The session was deleted."),
        success_url=reverse("activities:counseling_member", args=[record.member_id]),
        template="activities/study/confirm_delete.html",
        context={"record": record, "org": record.organization},
    )


# --- the party member's own pages -------------------------------------------------------


@login_required
def my_study(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The member's own sessions, and how they stand against each campaign's minimum."""
    member = _own_member(request)
    campaigns = _campaigns_for(member.organization, active_only=False)
    records = list(
        CounselingRecord.objects.of_member(member)
        .select_related("campaign")
        .annotate(files=Count("attachments"))[:SESSION_LIMIT]
    )
    standing = []
    for campaign in campaigns:
        sessions = sum(1 for r in records if r.campaign_id == campaign.pk)
        standing.append(
            {
                "campaign": campaign,
                "sessions": sessions,
                "minimum": campaign.min_counseling_per_member,
                "met": sessions >= campaign.min_counseling_per_member,
            }
        )
    return render(
        request,
        "activities/study/my_study.html",
        {"member": member, "records": records, "standing": standing},
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_study_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A member records a session of their own; they then land on it to add notes."""
    member = _own_member(request)
    campaigns = _campaigns_for(member.organization)
    form = SessionForm(request.POST or None, campaigns=campaigns)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.counseling_add(
            actor=request.user, members=[member], **form.session()
        )[0],
        success_message=_("Your session was recorded. You can add notes now."),
        success_url=lambda record: record,
        template="activities/study/form.html",
        context={"org": member.organization, "campaigns": campaigns, "own": True},
    )
