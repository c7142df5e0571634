"""Meeting pages (docs/product.md §6.1, §6.2): list, detail, create/edit with the attendance
checklist, delete, change history, files, criticism entries, and the attending
organization's side of shared attendance.

VIEW reads; RECORD on the holder writes its meetings; RECORD on the attending
organization writes its attendance at an ancestor's meeting; SUBMIT sends a special
meeting's record up for review (portal.reviews: the meeting's page shows the review
panel; submitted and approved records are locked, their edit pages answer 403 with
portal.reviews.views.locked_response). Anonymous → login, cannot see → 404, can see
but may not act → 403 (portal.accounts.permissions.require).
Every page runs a fixed number of queries (pinned in tests/activities).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations.models import Member, Organization, PartyGroup
from organizations.selectors import committee_members
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.attachments.forms import AttachmentForm
from portal.attachments.models import Attachment
from portal.attachments.pending import PendingFiles
from portal.core.closed import read_only_form
from portal.core.http import AuthenticatedHttpRequest
from portal.core.record_pages import (
    apply_errors,
    handle_delete,
    handle_files_form,
    handle_record_form,
    render_list,
)
from portal.reviews.models import IllegalTransition, RecordLocked
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response

from ..announcements.services import announcement_record, reply_text
from ..models import (
    Attendance,
    Campaign,
    CriticismEntry,
    Meeting,
    MeetingParticipation,
    Phase,
)
from ..models.announcements import MeetingAnnouncement, Reply
from ..models.meetings import SpecialMeetingReview
from . import services as services
from .forms import (
    MEETING_ATTACHMENT_KINDS,
    AttendanceForm,
    CriticismForm,
    MeetingFilterForm,
    MeetingForm,
    ParticipationForm,
)
from .selectors import is_ancestor_of, meetings_open_to_attend

PAGE_SIZE = 30
HISTORY_LIMIT = 100


def _get_meeting_for_user(request: HttpRequest, pk: Any, action: Action = Action.VIEW) -> Meeting:
    """The meeting with what its pages show, and its review record if any; 404 when the
    user cannot see the holder, 403 when they can but may not do `action`. One query."""
    try:
        meeting = Meeting.objects.select_related(
            "special_review",
            "organization",
            "campaign",
            "phase",
            "chair",
            "minute_taker",
            "guide_organization",
            "guide_user",
            "created_by",
        ).get(pk=int(pk))
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, meeting.organization)
    return meeting


def _get_participation_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> MeetingParticipation:
    """Checked against the attending organization (the holder above it may not be
    visible to its users); the holder's viewers may read it too (its meeting page lists
    the organizations that attended, nearby ones included: docs/product.md §6.1). One
    query."""
    try:
        participation = MeetingParticipation.objects.select_related(
            "organization", "meeting__organization", "meeting__campaign", "meeting__phase"
        ).get(pk=int(pk))
    except (MeetingParticipation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    attending = participation.organization
    if not user_can(request.user, Action.VIEW, attending):
        if not user_can(request.user, Action.VIEW, participation.meeting.organization):
            raise Http404
        if action != Action.VIEW:
            raise PermissionDenied
        return participation
    require(request.user, action, attending)
    return participation


def _get_criticism_for_user(request: HttpRequest, pk: Any, action: Action) -> CriticismEntry:
    try:
        entry = CriticismEntry.objects.select_related(
            "meeting__organization", "meeting__special_review"
        ).get(pk=int(pk))
    except (CriticismEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, entry.meeting.organization)
    return entry


def _locked(request: HttpRequest, meeting: Meeting) -> HttpResponse | None:
    """The 403 "locked for review" page when the meeting's record is submitted or
    approved, else None. No query (the review came with the meeting)."""
    review = meeting.review
    if review is not None and not meeting.is_editable():
        review.organization = meeting.organization
        return locked_response(request, review)
    return None


def _campaigns_for(org: Organization, also: Campaign | None = None) -> list[Campaign]:
    """Active campaigns the organization takes part in and still running (a closed one
    takes no record, docs/product.md §5.2), newest first (plus `also`, the campaign of
    the record being edited). One query."""
    campaigns = list(
        Campaign.objects.for_organization(org)
        .running()
        .filter(is_active=True)
        .order_by("-starts_on", "-pk")
    )
    if also is not None and also not in campaigns:
        campaigns.append(also)
    return campaigns


def _attachment_form(
    request: HttpRequest | None = None, *, required: bool = True
) -> AttachmentForm:
    form = AttachmentForm(
        request.POST if request else None,
        request.FILES if request else None,
        kinds=MEETING_ATTACHMENT_KINDS,
    )
    form.fields["files"].required = required
    return form


# --- the holder's pages ---------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Meetings the organization held, and those of higher levels its members attended
    (marked, with its own counts), newest first, filtered."""
    org = get_organization_for_user(request.user, org_pk)
    phases = list(
        Phase.objects.filter(campaign__in=Campaign.objects.for_organization(org))
        .select_related("campaign")
        .order_by("-campaign__starts_on", "number")
    )
    form = MeetingFilterForm(request.GET or None, phases=phases)
    ours = MeetingParticipation.objects.filter(meeting=OuterRef("pk"), organization=org)
    qs = (
        Meeting.objects.held_or_attended_by(org)
        .select_related("organization", "phase")
        .annotate(
            participation_id=Subquery(ours.values("pk")[:1]),
            attended_present=Subquery(ours.values("present_count")[:1]),
            attended_expected=Subquery(ours.values("expected_count")[:1]),
        )
        .order_by("-starts_at", "-pk")
    )
    context = {"org": org, "form": form, "can_record": user_can(request.user, Action.RECORD, org)}
    return render_list(
        request, "activities/meetings/list.html", context, rows=form.apply(qs), per_page=PAGE_SIZE
    )


def _detail_context(
    request: HttpRequest, meeting: Meeting, attachment_form: AttachmentForm | None = None
) -> dict[str, Any]:
    """Attendance, other organizations' attendance, files and criticism entries: four
    queries; plus, once the special meeting's record was submitted, its review
    timeline (one query; the reviewer's buttons use the roles cached on the user)."""
    org = meeting.organization
    editable = meeting.is_editable()
    can_record = user_can(request.user, Action.RECORD, org)
    review = meeting.review
    rows = list(
        Attendance.objects.filter(meeting=meeting, participation__isnull=True)
        .select_related("member")
        .order_by("-present", "member__name", "member__pk")
    )
    # The review panel's snapshot (changes since the last return) reads these rows.
    meeting.snapshot_attendances = rows  # type: ignore[attr-defined]
    participations = list(
        MeetingParticipation.objects.filter(meeting=meeting)
        .select_related("organization")
        .order_by("organization__path")
    )
    for p in participations:
        # Attended by proximity or industry rather than as a lower level (no query).
        p.by_proximity = not is_ancestor_of(org, p.organization)  # type: ignore[attr-defined]
    attachments = list(Attachment.objects.for_record(meeting))
    criticisms: list[CriticismEntry] = []
    if meeting.is_special:
        # Prefetched, so that the review panel's snapshot (changes since the last
        # return) reads the same rows instead of querying again.
        prefetch_related_objects(
            [meeting],
            Prefetch(
                "criticisms",
                queryset=CriticismEntry.objects.select_related("by_member", "about_member"),
            ),
        )
        criticisms = list(meeting.criticisms.all())
    can_edit = can_record and editable
    panel = None
    if review is not None:
        review.organization = org  # the meeting's: no query for the panel's checks
        panel = review_panel(request.user, review)
    return {
        "meeting": meeting,
        "org": meeting.organization,
        "rows": rows,
        "participations": participations,
        # Over the rosters the attending organizations brought (their own lists).
        "attended_present": sum(p.present_count for p in participations),
        "attended_expected": sum(p.expected_count for p in participations),
        "attachments": attachments,
        "criticisms": criticisms,
        "can_record": can_record,
        "can_edit": can_edit,
        "review": panel,
        # The first submission; later ones use the panel's buttons.
        "can_submit_review": meeting.is_special
        and review is None
        and user_can(request.user, Action.SUBMIT, org),
        "can_manage_attachments": can_edit,
        "attachment_form": attachment_form or (_attachment_form() if can_edit else None),
        "upload_url": reverse("activities:meeting_attachments", args=[meeting.pk]),
    }


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_user(request, pk)
    return render(request, "activities/meetings/detail.html", _detail_context(request, meeting))


def _mark_expectations(org: Organization, members: list[Member], groups: list[Any]) -> None:
    """Tell each line of a new attendance list which kinds expect the member (the page
    shows only those, static/portal/js/attendance.js; the service decides on save):
    `roll_committee` (holds a committee post today), `roll_groups` (ids of the Party
    groups they are in). Two or three queries."""
    committee = {m.pk for m in committee_members(org, timezone.localdate())}
    pairs = PartyGroup.members.through.objects.filter(
        partygroup_id__in=[g.pk for g in groups]
    ).values_list("member_id", "partygroup_id")
    by_member: dict[int, list[str]] = {}
    for member_id, group_id in pairs if groups else ():
        by_member.setdefault(member_id, []).append(str(group_id))
    for member in members:
        member.roll_marked = True  # type: ignore[attr-defined]
        member.roll_committee = member.pk in committee  # type: ignore[attr-defined]
        member.roll_groups = " ".join(by_member.get(member.pk, []))  # type: ignore[attr-defined]


def _meeting_form_page(
    request: HttpRequest,
    org: Organization,
    meeting: Meeting | None,
    announcement: MeetingAnnouncement | None = None,
) -> HttpResponse:
    """Create (meeting None) or edit: the meeting form, the attendance checklist and
    optional files, saved by one service call. Recording an announced meeting
    (`announcement`) starts from its facts, and the attendance list from the members'
    own answers, each shown beside the member (docs/product.md §6.1); one more query."""
    campaigns = _campaigns_for(org, meeting.campaign if meeting else None)
    # The Party groups to pick from (one query).
    groups = list(PartyGroup.objects.filter(organization=org).order_by("name", "pk"))
    initial: dict[str, Any] = {}
    suggestions: dict[int, services.Mark] = {}
    if meeting is None:
        members = services.roster(org)
        rows: list[Attendance] = []
        if announcement is not None:
            initial = {
                field: getattr(announcement, field)
                for field in ("kind", "party_group", "topic", "starts_at", "ends_at", "place")
            }
            initial["agenda"] = announcement.agenda
            initial["campaign"] = announcement.campaign_id
            invitations = {i.member_id: i for i in announcement.invitations.all()}
            for member in members:
                invitation = invitations.get(member.pk)
                if invitation is not None and invitation.reply:
                    suggestions[member.pk] = services.Mark(
                        invitation.reply == Reply.ATTEND, invitation.reason
                    )
                    member.reply_text = reply_text(invitation)  # type: ignore[attr-defined]
    else:
        rows = list(
            Attendance.objects.filter(meeting=meeting, participation__isnull=True)
            .select_related("member")
            .order_by("member__name", "member__pk")
        )
        members = [row.member for row in rows]
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(
        data,
        instance=meeting,
        initial=initial,
        organization=org,
        campaigns=campaigns,
        roster=members,
        groups=groups,
    )
    roll = AttendanceForm(data, members=members, rows=rows, suggestions=suggestions)
    files = _attachment_form(request if data is not None else None, required=False)
    pending = PendingFiles(request, files)
    # `&`, not `and`: every form is validated, so all errors show at once.
    if data is not None and form.is_valid() & roll.is_valid() & files.is_valid():
        try:
            if announcement is not None:
                saved = announcement_record(
                    actor=request.user,
                    announcement=announcement,
                    values=form.values(),
                    attendance=roll.marks(),
                    uploads=pending.uploads(),
                    upload_kind=files.cleaned_data["kind"],
                )
                messages.success(request, _("The meeting was recorded."))
            elif meeting is None:
                saved = services.meeting_create(
                    actor=request.user,
                    organization=org,
                    values=form.values(),
                    attendance=roll.marks(),
                    uploads=pending.uploads(),
                    upload_kind=files.cleaned_data["kind"],
                    roster_ids=[m.pk for m in members],
                )
                messages.success(request, _("The meeting was recorded."))
            else:
                saved = services.meeting_update(
                    actor=request.user,
                    meeting=meeting,
                    values=form.values(),
                    attendance=roll.marks(),
                    version=form.cleaned_data["version"],
                    uploads=pending.uploads(),
                    upload_kind=files.cleaned_data["kind"],
                )
                messages.success(request, _("The meeting was saved."))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            pending.done()
            return redirect(saved)
    pending.keep()
    if meeting is None:
        # What the page shows beside each member: only when the form is shown (a save
        # that succeeds redirects without it; the service decides on its own).
        _mark_expectations(org, members, groups)
    return render(
        request,
        "activities/meetings/form.html",
        {
            "org": org,
            "meeting": meeting,
            "announcement": announcement,
            "form": form,
            "roll": roll,
            "files": files,
            "campaigns": campaigns,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    return _meeting_form_page(request, org, None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_user(request, pk, Action.RECORD)
    locked = _locked(request, meeting)
    if locked is not None:
        return locked
    # The page reads the campaign anyway (its choices): no query more.
    read_only = read_only_form(request, meeting, {"campaign": meeting.campaign})
    if read_only is not None:
        return read_only
    try:
        return _meeting_form_page(request, meeting.organization, meeting)
    except RecordLocked:  # submitted while the form was open
        return _locked_now(request, meeting)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_user(request, pk, Action.RECORD)
    locked = _locked(request, meeting)
    if locked is not None:
        return locked
    if request.method == "POST":
        org = meeting.organization
        try:
            services.meeting_delete(actor=request.user, meeting=meeting)
        except RecordLocked:
            return _locked_now(request, meeting)
        messages.success(request, _("The meeting was deleted."))
        return redirect("activities:meeting_list", org_pk=org.pk)
    participations = list(meeting.participations.select_related("organization"))
    return render(
        request,
        "activities/meetings/confirm_delete.html",
        {"meeting": meeting, "org": meeting.organization, "participations": participations},
    )


def _history_fields() -> list[tuple[str, str, bool]]:
    """(attribute, label, is a foreign key) of the fields the change list compares."""
    return [
        (field.attname, str(field.verbose_name), field.is_relation)
        for field in Meeting._meta.concrete_fields
        if field.name not in {"id", "created_at", "updated_at", "created_by"}
    ]


@login_required
def meeting_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every saved version, newest first, with the fields that changed. Foreign keys
    are reported as changed without resolving their values (no query per version)."""
    meeting = _get_meeting_for_user(request, pk)
    records = list(
        meeting.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    fields = _history_fields()
    entries = []
    for newer, older in zip(records[:HISTORY_LIMIT], [*records[1:], None], strict=False):
        changes = []
        if older is not None:
            for attname, label, is_fk in fields:
                old, new = getattr(older, attname), getattr(newer, attname)
                if old != new:
                    changes.append(
                        {
                            "label": label,
                            "old": None if is_fk else old,
                            "new": None if is_fk else new,
                        }
                    )
        entries.append({"record": newer, "changes": changes, "created": older is None})
    return render(
        request,
        "activities/meetings/history.html",
        {"meeting": meeting, "org": meeting.organization, "entries": entries},
    )


@login_required
@require_POST
def meeting_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload notices, minutes, sign-in sheets and photos to a meeting (not while its
    record is submitted or approved: 403)."""
    meeting = _get_meeting_for_user(request, pk, Action.RECORD)
    locked = _locked(request, meeting)
    if locked is not None:
        return locked
    form = _attachment_form(request)
    return handle_files_form(
        request,
        form,
        record=meeting,
        template="activities/meetings/detail.html",
        context=lambda: _detail_context(request, meeting, attachment_form=form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def criticism_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_user(request, pk, Action.RECORD)
    if not meeting.is_special:
        raise Http404
    locked = _locked(request, meeting)
    if locked is not None:
        return locked
    listed = [
        row.member
        for row in Attendance.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__name", "member__pk")
    ]
    form = CriticismForm(request.POST or None, listed=listed)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.criticism_add(
            actor=request.user,
            meeting=meeting,
            kind=form.cleaned_data["kind"],
            by_member=form.cleaned_data["by_member"],
            about_member=form.cleaned_data["about_member"],
            points=form.cleaned_data["points"],
        ),
        locked=lambda: _locked_now(request, meeting),
        success_message=_("The entry was added."),
        success_url=reverse("activities:meeting_detail", args=[meeting.pk]) + "#criticism",
        template="activities/meetings/criticism_form.html",
        context={"meeting": meeting, "org": meeting.organization},
    )


@login_required
@require_POST
def criticism_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _get_criticism_for_user(request, pk, Action.RECORD)
    meeting_id = entry.meeting_id
    locked = _locked(request, entry.meeting)
    if locked is not None:
        return locked
    try:
        services.criticism_delete(actor=request.user, entry=entry)
    except RecordLocked:
        return _locked_now(request, entry.meeting)
    messages.success(request, _("The entry was removed."))
    return redirect(reverse("activities:meeting_detail", args=[meeting_id]) + "#criticism")


@login_required
@require_POST
def meeting_submit_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a special meeting's record up for review (SUBMIT): its review record is
    created now and submitted through portal.reviews; later actions (withdraw,
    resubmit, approve, return) use the review panel's buttons. 404 for other kinds of
    meeting. An incomplete record or one already submitted stays as it is, with the
    reason shown on the meeting's page."""
    meeting = _get_meeting_for_user(request, pk, Action.SUBMIT)
    if not meeting.is_special:
        raise Http404
    try:
        services.special_meeting_submit(actor=request.user, meeting=meeting)
    except IllegalTransition:
        messages.error(request, _("The meeting record has already been submitted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The meeting record was submitted for review."))
    return redirect(meeting)


def _locked_now(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The locked page for a record submitted while the user was editing (the service
    found it locked): the review is read again. One query."""
    review = SpecialMeetingReview.objects.select_related("organization").get(meeting=meeting)
    return locked_response(request, review)


# --- the attending organization's pages --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def participation_create(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """Step 1 (no ?meeting): pick a meeting held above, or nearby (a park,
    village/community or industry organization of the county), from a list searched
    with ?q and ordered nearest kinds first. Step 2: tick who attended."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    raw = request.GET.get("meeting")
    if not raw:
        search = request.GET.get("q", "").strip()[:100]
        candidates = list(meetings_open_to_attend(org, search=search)[:PAGE_SIZE])
        for m in candidates:
            m.by_proximity = not is_ancestor_of(m.organization, org)  # type: ignore[attr-defined]
        context = {"org": org, "candidates": candidates, "q": search}
        template = "activities/meetings/participation_pick.html"
        if request.htmx:
            template += "#candidates"
        return render(request, template, context)
    try:
        meeting = meetings_open_to_attend(org).get(pk=int(raw))
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    members = services.attendable_roster(org, meeting)
    data = request.POST if request.method == "POST" else None
    form = ParticipationForm(data)
    roll = AttendanceForm(data, members=members)
    return handle_record_form(
        request,
        form,
        others=[roll],
        save=lambda form: services.participation_create(
            actor=request.user,
            organization=org,
            meeting=meeting,
            attendance=roll.marks(),
            note=form.cleaned_data["note"],
        ),
        success_message=_("Your members' attendance was recorded."),
        success_url=lambda participation: participation,
        template="activities/meetings/participation_form.html",
        context={"org": org, "meeting": meeting, "roll": roll, "participation": None},
    )


@login_required
def participation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participation = _get_participation_for_user(request, pk)
    rows = list(
        participation.attendances.select_related("member").order_by(
            "-present", "member__name", "member__pk"
        )
    )
    return render(
        request,
        "activities/meetings/participation_detail.html",
        {
            "participation": participation,
            "meeting": participation.meeting,
            "org": participation.organization,
            "rows": rows,
            "can_record": user_can(request.user, Action.RECORD, participation.organization),
            "can_view_meeting": user_can(
                request.user, Action.VIEW, participation.meeting.organization
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    participation = _get_participation_for_user(request, pk, Action.RECORD)
    rows = list(
        participation.attendances.select_related("member").order_by("member__name", "member__pk")
    )
    data = request.POST if request.method == "POST" else None
    form = ParticipationForm(
        data,
        initial={"note": participation.note, "version": participation.updated_at.isoformat()},
    )
    roll = AttendanceForm(data, members=[r.member for r in rows], rows=rows)
    return handle_record_form(
        request,
        form,
        others=[roll],
        save=lambda form: services.participation_update(
            actor=request.user,
            participation=participation,
            attendance=roll.marks(),
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        ),
        success_message=_("Your members' attendance was saved."),
        success_url=participation,
        template="activities/meetings/participation_form.html",
        context={
            "org": participation.organization,
            "meeting": participation.meeting,
            "roll": roll,
            "participation": participation,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    participation = _get_participation_for_user(request, pk, Action.RECORD)
    org = participation.organization
    return handle_delete(
        request,
        delete=lambda: services.participation_delete(
            actor=request.user, participation=participation
        ),
        success_message=_("The attendance record was deleted."),
        success_url=reverse("activities:meeting_list", args=[org.pk]),
        template="activities/meetings/participation_confirm_delete.html",
        context={"participation": participation, "meeting": participation.meeting, "org": org},
    )
