"""Announced meetings (docs/product.md §6.1, "Announcing a meeting"): the holder's list,
announce, change, detail with the members' answers, record the meeting from its
announcement; and the invited member's own page, where they answer.

VIEW reads; RECORD announces, changes and records (secretary and clerk). The member's
page answers 404 to anyone who is not invited, whatever their roles. Anonymous → login,
cannot see → 404, can see but may not act → 403. Every page runs a fixed number of
queries (pinned in tests/activities/test_announcements_views.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from organizations.models import Organization, PartyGroup
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.core.record_pages import apply_errors

from ..meetings.views import _campaigns_for, _meeting_form_page
from ..models import Invitation, MeetingAnnouncement, Reply
from . import services as services
from .forms import AnnouncementForm, ReplyForm

LIST_LIMIT = 50


def _get_announcement_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> MeetingAnnouncement:
    """404 when the user cannot see the holder, 403 when they may not do `action`. One
    query."""
    try:
        announcement = MeetingAnnouncement.objects.select_related(
            "organization", "campaign", "party_group", "meeting", "announced_by"
        ).get(pk=int(pk))
    except (MeetingAnnouncement.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, announcement.organization)
    return announcement


def _with_answer_counts(queryset: Any) -> Any:
    return queryset.annotate(
        invited=Count("invitations"),
        attending=Count("invitations", filter=Q(invitations__reply=Reply.ATTEND)),
        absent=Count("invitations", filter=Q(invitations__reply=Reply.ABSENT)),
    )


@login_required
def announcement_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The organization's announced meetings: those to come first, then the latest
    past ones, each with its answers counted. Three queries besides the page's own."""
    org = get_organization_for_user(request.user, org_pk)
    base = _with_answer_counts(
        MeetingAnnouncement.objects.filter(organization=org).select_related("meeting")
    )
    now = timezone.now()
    upcoming = list(base.filter(starts_at__gt=now).order_by("starts_at", "pk")[:LIST_LIMIT])
    past = list(base.filter(starts_at__lte=now).order_by("-starts_at", "-pk")[:LIST_LIMIT])
    return render(
        request,
        "activities/announcements/list.html",
        {
            "org": org,
            "upcoming": upcoming,
            "past": past,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


def _form_page(
    request: HttpRequest, org: Organization, announcement: MeetingAnnouncement | None
) -> HttpResponse:
    campaigns = _campaigns_for(org, announcement.campaign if announcement else None)
    groups = list(PartyGroup.objects.filter(organization=org).order_by("name", "pk"))
    data = request.POST if request.method == "POST" else None
    form = AnnouncementForm(
        data, instance=announcement, organization=org, campaigns=campaigns, groups=groups
    )
    if data is not None and form.is_valid():
        try:
            if announcement is None:
                saved = services.announcement_create(
                    actor=request.user, organization=org, values=form.values()
                )
                messages.success(
                    request, _("The meeting was announced to the members expected at it.")
                )
            else:
                saved = announcement
                moved = services.announcement_update(
                    actor=request.user,
                    announcement=announcement,
                    values=form.values(),
                    version=form.cleaned_data["version"],
                )
                messages.success(
                    request,
                    _("The change was announced to the members invited.")
                    if moved
                    else _("The announcement was saved."),
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(saved)
    return render(
        request,
        "activities/announcements/form.html",
        {"org": org, "announcement": announcement, "form": form, "campaigns": campaigns},
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    return _form_page(request, org, None)


@login_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _get_announcement_for_user(request, pk, Action.RECORD)
    if announcement.is_recorded or announcement.has_started:
        messages.error(
            request, _("The meeting has started or is recorded; its announcement cannot change.")
        )
        return redirect(announcement)
    return _form_page(request, announcement.organization, announcement)


@login_required
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The announcement and every invited member's answer. Two queries besides the
    announcement."""
    announcement = _get_announcement_for_user(request, pk)
    invitations = list(
        Invitation.objects.filter(announcement=announcement)
        .select_related("member")
        .order_by("reply", "member__name", "pk")
    )
    can_record = user_can(request.user, Action.RECORD, announcement.organization)
    return render(
        request,
        "activities/announcements/detail.html",
        {
            "org": announcement.organization,
            "announcement": announcement,
            "invitations": invitations,
            "counts": {
                "attend": sum(1 for i in invitations if i.reply == Reply.ATTEND),
                "absent": sum(1 for i in invitations if i.reply == Reply.ABSENT),
                "pending": sum(1 for i in invitations if not i.reply),
            },
            "with_login": sum(1 for i in invitations if i.member.user_id),
            "when": services.when_text(announcement.starts_at, announcement.ends_at),
            "can_edit": can_record and announcement.open_for_replies,
            "can_record": can_record and not announcement.is_recorded,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting form, started from the announcement and its answers."""
    announcement = _get_announcement_for_user(request, pk, Action.RECORD)
    if announcement.meeting is not None:
        return redirect(announcement.meeting.get_absolute_url())
    return _meeting_form_page(request, announcement.organization, None, announcement)


# --- the invited member's page -------------------------------------------------------------


def _own_invitation(request: HttpRequest, pk: Any) -> Invitation:
    """The logged-in member's invitation to the announced meeting; 404 for anyone not
    invited (another member, a role holder). One query."""
    user_id: Any = request.user.pk
    try:
        return Invitation.objects.select_related(
            "announcement__organization", "announcement__meeting", "member"
        ).get(announcement_id=int(pk), member__user_id=user_id)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def my_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """An invited member reads the announcement and answers "will attend" or "cannot
    attend, because …", changeable until the meeting starts."""
    invitation = _own_invitation(request, pk)
    announcement = invitation.announcement
    data = request.POST if request.method == "POST" else None
    form = ReplyForm(data, invitation=invitation)
    if data is not None and form.is_valid():
        try:
            services.reply_give(
                actor=request.user,
                invitation=invitation,
                reply=form.cleaned_data["reply"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied:  # pragma: no cover - the lookup is by the user already
            raise Http404 from None
        else:
            messages.success(request, _("Your answer was sent to the organization."))
            return redirect("activities:my_meeting", pk=announcement.pk)
    return render(
        request,
        "activities/announcements/my_meeting.html",
        {
            "invitation": invitation,
            "announcement": announcement,
            "when": services.when_text(announcement.starts_at, announcement.ends_at),
            "form": form,
            "own_answer": services.reply_text(invitation),
        },
    )
