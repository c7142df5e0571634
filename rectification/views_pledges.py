"""Pledge pages of the "compare three, show three" action (docs/product.md §6.3), and the public
pledge board.

Organization side: VIEW reads the organization's pledges per campaign (the roster with
each member's pledge); RECORD writes pledges for members, makes them public and opens
the public board. Party member side (Member.user): `my_pledges` lists their own, and
they may write, edit and publish their own pledge only; anyone else's is a 404 to them.

Public side (no login): /pledges/<token>/ shows an organization's public pledges with
each member's name and Party post, nothing else about them; a wrong token is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Campaign
from organizations.models import Member, Organization
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.core.record_pages import handle_record_form

from .forms_pledges import PledgeForm
from .models import Pledge, PledgeBoard
from .services_pledges import (
    EditConflict,
    is_own,
    may_write_pledge,
    pledge_board_ensure,
    pledge_create,
    pledge_set_public,
    pledge_update,
    version_token,
)


def _get_pledge_for_user(request: HttpRequest, pk: Any, *, write: bool = False) -> Pledge:
    """The pledge with its member, organization and campaign. The member's own login
    may read and write it; others need VIEW (to read) or RECORD (to write) on its
    organization: 404 when they cannot see the organization, 403 when they can but may
    not write. One query."""
    try:
        pledge = Pledge.objects.select_related("member", "organization", "campaign").get(pk=int(pk))
    except (Pledge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if is_own(request.user, pledge.member):
        return pledge
    require(request.user, Action.RECORD if write else Action.VIEW, pledge.organization)
    return pledge


def _get_member_for_writing(request: HttpRequest, pk: Any) -> Member:
    """A member on the roster whose pledge the user may write: their own, or one of an
    organization where they have RECORD (404 / 403 as `require` decides). One query."""
    try:
        member = Member.objects.select_related("organization").get(pk=int(pk), is_active=True)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not is_own(request.user, member):
        require(request.user, Action.RECORD, member.organization)
    return member


def _member_side(request: HttpRequest, member: Member, org: Organization) -> bool:
    """A member at their own pledge without a role at the organization: their pages
    lead back to "my pledges", not to the organization's."""
    return is_own(request.user, member) and not user_can(request.user, Action.VIEW, org)


def _campaigns_for(org: Organization) -> list[Campaign]:
    return list(Campaign.objects.for_organization(org).order_by("-starts_on", "-pk"))


def _pick(campaigns: list[Campaign], raw: Any) -> Campaign | None:
    from activities.models.campaigns import pick_campaign

    return pick_campaign(campaigns, str(raw or ""))


# --- the organization's pledges ------------------------------------------------------------


@login_required
@require_GET
def pledge_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The roster with each member's pledge in the chosen campaign (`?campaign=`),
    whether it is public, and the public board's address. Queries: organization,
    grants, campaigns, roster, pledges, board."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = _campaigns_for(org)
    campaign = _pick(campaigns, request.GET.get("campaign"))
    rows: list[tuple[Member, Pledge | None]] = []
    others: list[Pledge] = []
    if campaign is not None:
        roster = list(
            Member.objects.filter(organization=org, is_active=True).order_by("name", "pk")
        )
        pledges = {
            p.member_id: p
            for p in Pledge.objects.filter(organization=org, campaign=campaign).select_related(
                "member"
            )
        }
        rows = [(member, pledges.pop(member.pk, None)) for member in roster]
        # Pledges of members who have since left the roster stay on the record.
        others = sorted(pledges.values(), key=lambda p: (p.member.name, p.pk))
    board = PledgeBoard.objects.filter(organization=org).first()
    return render(
        request,
        "rectification/pledges/list.html",
        {
            "org": org,
            "campaigns": campaigns,
            "campaign": campaign,
            "rows": rows,
            "others": others,
            "public_count": sum(1 for _m, p in rows if p and p.is_public)
            + sum(1 for p in others if p.is_public),
            "board": board,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_POST
def pledge_board_open(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Create the organization's public pledge board (RECORD); an existing one stays."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    pledge_board_ensure(actor=request.user, organization=org)
    messages.success(
        request,
        _("The public pledge page is open. Share its address or print it for the notice board."),
    )
    return redirect("rectification:pledge_list", org_pk=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def pledge_create_view(request: HttpRequest, member_pk: int, campaign_pk: int) -> HttpResponse:
    """Write a member's pledge for a campaign (RECORD on their organization, or the
    member's own login). An existing pledge opens instead; a campaign the member's
    organization is not in is a 404."""
    member = _get_member_for_writing(request, member_pk)
    org = member.organization
    campaign = Campaign.objects.for_organization(org).filter(pk=campaign_pk).first()
    if campaign is None:
        raise Http404
    existing = Pledge.objects.filter(member=member, campaign=campaign).first()
    if existing is not None:
        return redirect("rectification:pledge_edit", pk=existing.pk)
    form = PledgeForm(
        request.POST or None,
        instance=Pledge(member=member, organization=org, campaign=campaign),
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: pledge_create(
            actor=request.user, member=member, campaign=campaign, fields=form.service_fields()
        ),
        success_message=_("The pledge is saved. Make it public when it is ready."),
        success_url=lambda pledge: pledge,
        template="rectification/pledges/form.html",
        context={
            "member": member,
            "org": org,
            "campaign": campaign,
            "pledge": None,
            "member_side": _member_side(request, member, org),
        },
    )


@login_required
@require_GET
def pledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One pledge: the three pairs (比思想、亮身份; 比作风、亮承诺; 比奉献、亮形象), whether it
    is public. Queries: pledge, grants."""
    pledge = _get_pledge_for_user(request, pk)
    return render(
        request,
        "rectification/pledges/detail.html",
        {
            "pledge": pledge,
            "member": pledge.member,
            "org": pledge.organization,
            "campaign": pledge.campaign,
            "own": is_own(request.user, pledge.member),
            "can_write": may_write_pledge(request.user, pledge.member, pledge.organization),
            "member_side": _member_side(request, pledge.member, pledge.organization),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a pledge (RECORD, or the member's own). A save based on an outdated version
    is refused (409) and nothing is overwritten."""
    pledge = _get_pledge_for_user(request, pk, write=True)
    form = PledgeForm(
        request.POST or None, instance=pledge, initial={"version": version_token(pledge)}
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: pledge_update(
            actor=request.user,
            pledge=pledge,
            fields=form.service_fields(),
            version=form.cleaned_data["version"],
        ),
        conflict=(EditConflict,),
        success_message=_("The pledge is saved."),
        success_url=pledge,
        template="rectification/pledges/form.html",
        context={
            "member": pledge.member,
            "org": pledge.organization,
            "campaign": pledge.campaign,
            "pledge": pledge,
            "member_side": _member_side(request, pledge.member, pledge.organization),
        },
    )


@login_required
@require_POST
def pledge_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """POST public=1 makes the pledge public, public=0 takes it off the public page
    (RECORD, or the member's own)."""
    pledge = _get_pledge_for_user(request, pk, write=True)
    public = request.POST.get("public") == "1"
    try:
        pledge_set_public(actor=request.user, pledge=pledge, public=public)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The pledge is public.") if public else _("The pledge is no longer public."),
        )
    return redirect(pledge)


# --- the member's own pledges --------------------------------------------------------------


@login_required
@require_GET
def my_pledges(request: HttpRequest) -> HttpResponse:
    """The logged-in party member's pledge in each campaign of their organization, or a
    link to write it. 404 for a login without a member on the roster. Queries: member,
    campaigns, pledges."""
    member = (
        Member.objects.select_related("organization")
        .filter(user=request.user.pk, is_active=True)
        .first()
    )
    if member is None:
        raise Http404
    campaigns = [c for c in _campaigns_for(member.organization) if c.is_active]
    pledges = {p.campaign_id: p for p in Pledge.objects.filter(member=member)}
    return render(
        request,
        "rectification/pledges/mine.html",
        {
            "member": member,
            "org": member.organization,
            "rows": [(c, pledges.get(c.pk)) for c in campaigns],
        },
    )


# --- the public board (no login) -------------------------------------------------------------


@never_cache
@require_GET
def board(request: HttpRequest, token: str) -> HttpResponse:
    """An organization's public pledges, newest campaign first, by member name: the
    member's name and Party post, the pledge's text and the date it was made public.
    Nothing else about the member is read. Queries: board with organization, public
    pledges with their campaigns and members' names."""
    found = (
        PledgeBoard.objects.select_related("organization")
        .filter(token=token, organization__is_active=True)
        .first()
    )
    if found is None:
        return render(request, "pledges_public/not_found.html", status=404)
    org = found.organization
    pledges = list(
        Pledge.objects.public()
        .filter(organization=org)
        .select_related("campaign")
        .only(
            "campaign__name_zh",
            "campaign__name_en",
            "campaign__starts_on",
            "identity",
            "commitments",
            "example",
            "made_public_on",
            "status",
            "member__name",
            "member__party_post",
        )
        .select_related("member")
        .order_by("-campaign__starts_on", "-campaign_id", "member__name", "pk")
    )
    groups: list[tuple[Campaign, list[Pledge]]] = []
    for pledge in pledges:
        if not groups or groups[-1][0].pk != pledge.campaign_id:
            groups.append((pledge.campaign, []))
        groups[-1][1].append(pledge)
    return render(request, "pledges_public/board.html", {"org": org, "groups": groups})
