"""Pages for the phase 2 records (docs/product.md §6.2): one-to-one talks, self-examination
statements and the democratic appraisal.

VIEW reads; RECORD writes talks, statements and tallies; SUBMIT and REVIEW act through
the shared review workflow. A party member (Member.user) reads their own appraisal
result. Anonymous → login; cannot see the organization → 404; can see but may not act
(or the record is locked) → 403. Every page runs a fixed number of queries (see the
tests).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations.models import Member, Organization
from portal.accounts.permissions import (
    Action,
    get_organization_for_user,
    require,
    user_can,
)
from portal.attachments.forms import AttachmentForm
from portal.attachments.models import Attachment, AttachmentKind
from portal.attachments.pending import PendingFiles
from portal.attachments.services import attachments_add_all
from portal.core.http import AuthenticatedHttpRequest
from portal.core.record_pages import (
    conflict_status,
    handle_action,
    handle_delete,
    handle_record_form,
    paginate,
    render_list,
    submit_form,
)
from portal.core.text import join_list
from portal.reviews.diff import compare
from portal.reviews.models import ReviewStatus, is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response

from ..models import (
    AppraisalApproval,
    AppraisalGrade,
    AppraisalResult,
    AppraisalSession,
    Campaign,
    ExaminationMethod,
    OneToOneTalk,
    SelfExamination,
    SessionStatus,
    StatementSubject,
)
from ..models.campaigns import campaigns_newest_first, pick_campaign
from ..models.phase2 import STATEMENT_SECTIONS
from . import services as services
from .forms import (
    RedoForm,
    SeenVersionForm,
    SessionForm,
    StatementForm,
    TalkFilterForm,
    TalkForm,
    TallyForm,
)
from .selectors import talk_counts_per_member

PAGE_SIZE = 50
STATEMENT_ATTACHMENT_KINDS = (AttachmentKind.DOCUMENT, AttachmentKind.PHOTO, AttachmentKind.OTHER)


def _campaign_or_404(org: Organization, raw: str | None) -> Campaign:
    campaign = pick_campaign(campaigns_newest_first(org), raw)
    if campaign is None:
        raise Http404
    return campaign


# --- one-to-one talks ----------------------------------------------------------------------


def _talk_list_url(org: Organization) -> str:
    return reverse("activities:talk_list", args=[org.pk])


def _get_talk_for_user(
    request: AuthenticatedHttpRequest, pk: Any, action: Action = Action.VIEW
) -> OneToOneTalk:
    """The talk with its organization, campaign and members; 404 / 403 as `require`
    decides. One query."""
    try:
        talk = OneToOneTalk.objects.select_related(
            "organization", "campaign", "initiator_member", "partner_member"
        ).get(pk=int(pk))
    except (OneToOneTalk.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, talk.organization)
    return talk


@login_required
def talk_list(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """The organization's talks in a campaign, filtered by date and member, with the
    number of talks per member."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_newest_first(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    form = TalkFilterForm(request.GET or None, organization=org)
    context: dict[str, Any] = {
        "org": org,
        "campaign": campaign,
        "campaigns": campaigns,
        "form": form,
        "can_record": user_can(request.user, Action.RECORD, org),
    }
    rows = None
    if campaign is not None:
        rows = form.apply(OneToOneTalk.objects.for_campaign(org, campaign).for_list())
        context["member_counts"] = talk_counts_per_member(org, campaign)
    return render_list(
        request, "activities/phase2/talk_list.html", context, rows=rows, per_page=PAGE_SIZE
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_create(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = _campaign_or_404(org, request.GET.get("campaign"))
    talk = OneToOneTalk(organization=org, campaign=campaign)
    form = TalkForm(request.POST or None, instance=talk)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.talk_create(
            actor=request.user, organization=org, campaign=campaign, fields=form.service_fields()
        ),
        success_message=_("The talk was recorded."),
        success_url=f"{_talk_list_url(org)}?campaign={campaign.pk}",
        template="activities/phase2/talk_form.html",
        context={"org": org, "campaign": campaign, "talk": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    talk = _get_talk_for_user(request, pk, Action.RECORD)
    form = TalkForm(request.POST or None, instance=talk, editing=True)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.talk_update(
            actor=request.user,
            talk=talk,
            fields=form.service_fields(),
            seen_updated_at=form.cleaned_data["seen"],
        ),
        success_message=_("The talk was saved."),
        success_url=f"{_talk_list_url(talk.organization)}?campaign={talk.campaign_id}",
        template="activities/phase2/talk_form.html",
        context={"org": talk.organization, "campaign": talk.campaign, "talk": talk},
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    talk = _get_talk_for_user(request, pk, Action.RECORD)
    return handle_delete(
        request,
        delete=lambda: services.talk_delete(actor=request.user, talk=talk),
        success_message=_("The talk was deleted."),
        success_url=f"{_talk_list_url(talk.organization)}?campaign={talk.campaign_id}",
        template="activities/phase2/talk_confirm_delete.html",
        context={"org": talk.organization, "talk": talk},
    )


# --- self-examination statements -----------------------------------------------------------


def _get_statement_for_user(
    request: AuthenticatedHttpRequest, pk: Any, action: Action = Action.VIEW
) -> SelfExamination:
    """The statement with its organization and campaign; 404 / 403 as `require`
    decides. One query."""
    try:
        statement = SelfExamination.objects.select_related("organization", "campaign").get(
            pk=int(pk)
        )
    except (SelfExamination.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, statement.organization)
    return statement


@login_required
def statement_list(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """The organization's two statements in a campaign (the team's and the
    secretary's), each with its review status, or a link to write it."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_newest_first(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    by_subject = {}
    if campaign is not None:
        by_subject = {s.subject: s for s in SelfExamination.objects.for_campaign(org, campaign)}
    rows = [(value, label, by_subject.get(value)) for value, label in StatementSubject.choices]
    return render(
        request,
        "activities/phase2/statement_list.html",
        {
            "org": org,
            "campaign": campaign,
            "campaigns": campaigns,
            "rows": rows,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def statement_create(request: AuthenticatedHttpRequest, org_pk: int, subject: str) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    if subject not in StatementSubject.values:
        raise Http404
    campaign = _campaign_or_404(org, request.GET.get("campaign"))
    existing = SelfExamination.objects.for_campaign(org, campaign).filter(subject=subject).first()
    if existing is not None:
        return redirect(existing.get_absolute_url())
    statement = SelfExamination(organization=org, campaign=campaign, subject=subject)
    form = StatementForm(request.POST or None, instance=statement)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.statement_create(
            actor=request.user,
            organization=org,
            campaign=campaign,
            subject=subject,
            fields=form.service_fields(),
        ),
        success_message=_("The statement was saved as a draft."),
        success_url=lambda statement: statement.get_absolute_url(),
        template="activities/phase2/statement_form.html",
        context={"org": org, "campaign": campaign, "statement": statement},
    )


@login_required
@require_http_methods(["GET", "POST"])
def statement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The statement, its files and its review panel (status, buttons, timeline and,
    for a resubmission, what changed since it was returned). POST uploads files
    (RECORD, while editable)."""
    statement = _get_statement_for_user(request, pk)
    org = statement.organization
    can_manage = user_can(request.user, Action.RECORD, org) and is_editable(statement)
    upload_form = None
    if can_manage:
        upload_form = AttachmentForm(
            request.POST or None, request.FILES or None, kinds=STATEMENT_ATTACHMENT_KINDS
        )
    status = 200  # 409: refused as a stale save or a closed campaign (docs/product.md §5.2)
    if request.method == "POST":
        if upload_form is None:
            if not user_can(request.user, Action.RECORD, org):
                raise PermissionDenied
            return locked_response(request, statement)
        pending = PendingFiles(request, upload_form)
        response, status = submit_form(
            request,
            upload_form,
            save=lambda form: attachments_add_all(
                actor=request.user,
                record=statement,
                organization=org,
                kind=form.cleaned_data["kind"],
                uploads=pending.uploads(),
            ),
            pending=pending,
            success_message=_("The files were attached."),
            success_url=statement.get_absolute_url(),
        )
        if response is not None:
            return response
    return render(
        request,
        "activities/phase2/statement_detail.html",
        {
            "org": org,
            "campaign": statement.campaign,
            "statement": statement,
            "review": review_panel(request.user, statement),
            "attachments": list(Attachment.objects.for_record(statement)),
            "can_manage_attachments": can_manage,
            "can_edit": can_manage,
            "attachment_form": upload_form,
            "upload_url": statement.get_absolute_url(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Edit the statement's text and methods (RECORD) while it is a draft or returned;
    a submitted or approved statement answers 403 (locked)."""
    statement = _get_statement_for_user(request, pk, Action.RECORD)
    if not is_editable(statement):
        return locked_response(request, statement)
    form = StatementForm(request.POST or None, instance=statement, editing=True)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.statement_update(
            actor=request.user,
            statement=statement,
            fields=form.service_fields(),
            seen_updated_at=form.cleaned_data["seen"],
        ),
        locked=statement,
        success_message=_("The statement was saved."),
        success_url=statement.get_absolute_url(),
        template="activities/phase2/statement_form.html",
        context={
            "org": statement.organization,
            "campaign": statement.campaign,
            "statement": statement,
        },
    )


HISTORY_PAGE_SIZE = 20


@login_required
def statement_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every saved version of the statement's text, newest first, with who saved it and
    what changed against the version before (as the activity plan's history page).
    Queries: statement, grants, COUNT, page of versions, the one version just below the
    page."""
    statement = _get_statement_for_user(request, pk)
    versions = statement.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    page = paginate(request, versions, HISTORY_PAGE_SIZE)
    rows = list(page.object_list)
    below = list(versions[page.end_index() : page.end_index() + 1]) if rows else []
    chain = rows + below

    def content(version: Any) -> dict[str, str]:
        text = {name: getattr(version, name) or "" for name in STATEMENT_SECTIONS}
        text["methods"] = join_list(
            str(ExaminationMethod(code).label)
            for code in (version.methods or [])
            if code in ExaminationMethod.values
        )
        return text

    entries = []
    for i, version in enumerate(rows):
        older = chain[i + 1] if i + 1 < len(chain) else None
        old = content(older) if older else {}
        changes = [
            c for c in compare(old, content(version), SelfExamination.review_label) if c.changed
        ]
        entries.append({"version": version, "changes": changes, "first": older is None})
    return render(
        request,
        "activities/phase2/statement_history.html",
        {
            "org": statement.organization,
            "campaign": statement.campaign,
            "statement": statement,
            "page": page,
            "entries": entries,
        },
    )


# --- democratic appraisal ----------------------------------------------------------------


def _get_session_for_user(
    request: AuthenticatedHttpRequest, pk: Any, action: Action = Action.VIEW
) -> AppraisalSession:
    """The session with its organization and campaign; 404 / 403 as `require` decides.
    One query."""
    try:
        session = AppraisalSession.objects.select_related("organization", "campaign").get(
            pk=int(pk)
        )
    except (AppraisalSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, session.organization)
    return session


_REVIEW_BADGES: dict[str, str] = {
    ReviewStatus.APPROVED: "badge-green",
    ReviewStatus.RETURNED: "badge-red",
    ReviewStatus.SUBMITTED: "badge-warn",
}


def _require_open(session: AppraisalSession) -> None:
    """A closed session cannot be changed: the page exists, the action is not allowed
    now (403)."""
    if not session.is_open:
        raise PermissionDenied


@login_required
def appraisal_home(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """The organization's appraisal in a campaign: the session when there is one,
    otherwise a page offering to open it."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_newest_first(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    session = AppraisalSession.objects.for_campaign(org, campaign).first() if campaign else None
    if session is not None:
        return redirect(session.get_absolute_url())
    return render(
        request,
        "activities/phase2/appraisal_home.html",
        {
            "org": org,
            "campaign": campaign,
            "campaigns": campaigns,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_create(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = _campaign_or_404(org, request.GET.get("campaign"))
    existing = AppraisalSession.objects.for_campaign(org, campaign).first()
    if existing is not None:
        return redirect(existing.get_absolute_url())
    session = AppraisalSession(organization=org, campaign=campaign)
    form = SessionForm(request.POST or None, instance=session)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.appraisal_session_create(
            actor=request.user, organization=org, campaign=campaign, fields=form.service_fields()
        ),
        success_message=_("The democratic appraisal was opened."),
        success_url=lambda session: reverse("activities:appraisal_tallies", args=[session.pk]),
        template="activities/phase2/appraisal_form.html",
        context={"org": org, "campaign": campaign, "session": None},
    )


def _tally_rows(
    session: AppraisalSession, grades: list[AppraisalGrade]
) -> tuple[list[Member], dict[int, AppraisalResult]]:
    """The roster the session appraises and its results by member id. Two queries."""
    roster = services.appraisal_roster(session)
    results = {
        r.member_id: r
        for r in AppraisalResult.objects.filter(session=session).select_related("determination")
    }
    return roster, results


@login_required
def appraisal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The session: attendance, the per-member tally (read-only), counts per grade, the
    timeline, and what still prevents closing."""
    session = _get_session_for_user(request, pk)
    org = session.organization
    grades = list(AppraisalGrade.objects.filter(campaign_id=session.campaign_id))
    roster, results = _tally_rows(session, grades)
    rows = []
    for member in roster:
        result = results.get(member.pk)
        votes = (result.votes if result else {}) or {}
        rows.append(
            {
                "member": member,
                "result": result,
                "votes": [votes.get(g.code, 0) for g in grades],
            }
        )
    counts = [(g, sum(1 for r in results.values() if r.determination_id == g.pk)) for g in grades]
    events = list(session.events.select_related("actor"))
    approval = services.current_approval(session)
    can_record = user_can(request.user, Action.RECORD, org)
    context: dict[str, Any] = {
        "org": org,
        "session": session,
        "campaign": session.campaign,
        "grades": grades,
        "rows": rows,
        "counts": counts,
        "absent_count": sum(1 for r in results.values() if r.absent),
        "events": events,
        "can_record": can_record,
        "can_order_redo": session.status == SessionStatus.CLOSED
        and services.may_order_redo(request.user, session),
        "can_reopen": can_record and services.may_reopen(session, approval),
        "redo_event": next((e for e in reversed(events) if e.kind == "redo_ordered"), None),
        "problems": (
            services.close_problems(roster, results, grades)
            if can_record and session.is_open
            else []
        ),
        "approval": approval,
        "approval_size": len(approval.determinations or []) if approval else 0,
        "approval_badge": _REVIEW_BADGES.get(approval.review_status, "") if approval else "",
    }
    return render(request, "activities/phase2/appraisal_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk, Action.RECORD)
    _require_open(session)
    form = SessionForm(request.POST or None, instance=session, editing=True)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.appraisal_session_update(
            actor=request.user,
            session=session,
            fields=form.service_fields(),
            seen_updated_at=form.cleaned_data["seen"],
        ),
        success_message=_("The appraisal was saved."),
        success_url=session.get_absolute_url(),
        template="activities/phase2/appraisal_form.html",
        context={"org": session.organization, "campaign": session.campaign, "session": session},
    )


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_tallies(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Enter votes, determinations, feedback and handling for every member at once: one
    row per member, a number input per grade (phone-friendly)."""
    session = _get_session_for_user(request, pk, Action.RECORD)
    _require_open(session)
    grades = list(AppraisalGrade.objects.filter(campaign_id=session.campaign_id))
    roster, results = _tally_rows(session, grades)
    data = request.POST if request.method == "POST" else None
    version = SeenVersionForm(data, initial=SeenVersionForm.seen_initial(session))
    forms = []
    for member in roster:
        result = results.get(member.pk)
        initial: dict[str, Any] = {}
        if result is not None:
            initial = {f"v_{code}": n for code, n in (result.votes or {}).items()}
            initial.update(
                determination=result.determination_id,
                absent=result.absent,
                feedback_given=result.feedback_given,
                handling=result.handling,
            )
        forms.append(TallyForm(data, member=member, grades=grades, initial=initial))
    status = 200
    if request.method == "POST":
        valid = version.is_valid() & all([f.is_valid() for f in forms])
        if valid:
            try:
                services.appraisal_tallies_save(
                    actor=request.user,
                    session=session,
                    entries={f.member.pk: f.entry() for f in forms},
                    seen_updated_at=version.cleaned_data["seen"],
                )
            except ValidationError as exc:
                status = conflict_status(exc)
                by_prefix = {f.prefix: f for f in forms}
                if hasattr(exc, "error_dict"):
                    for key, errors in exc.error_dict.items():
                        target = by_prefix.get(key)
                        (target or version).add_error(None, errors)
                else:
                    version.add_error(None, exc.messages)
            else:
                messages.success(request, _("The tally was saved."))
                return redirect(session.get_absolute_url())
    return render(
        request,
        "activities/phase2/appraisal_tallies.html",
        {
            "org": session.organization,
            "session": session,
            "campaign": session.campaign,
            "grades": grades,
            "forms": forms,
            "version": version,
        },
        status=status,
    )


@login_required
@require_POST
def appraisal_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk, Action.RECORD)
    _require_open(session)
    return handle_action(
        request,
        act=lambda: services.appraisal_session_close(actor=request.user, session=session),
        success_message=_("The appraisal was closed."),
        success_url=session.get_absolute_url(),
    )


@login_required
@require_POST
def appraisal_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk, Action.RECORD)
    return handle_action(
        request,
        act=lambda: services.appraisal_session_reopen(actor=request.user, session=session),
        success_message=_("The appraisal was reopened."),
        success_url=session.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_redo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The higher level orders the appraisal redone, giving the reason."""
    session = _get_session_for_user(request, pk)
    if not services.may_order_redo(request.user, session):
        raise PermissionDenied
    if not session.can_transition("redo"):
        raise PermissionDenied
    form = RedoForm(request.POST or None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.appraisal_redo_order(
            actor=request.user, session=session, reason=form.cleaned_data["reason"]
        ),
        success_message=_("The appraisal was reopened to be redone."),
        success_url=session.get_absolute_url(),
        template="activities/phase2/appraisal_redo.html",
        context={"org": session.organization, "session": session},
    )


@login_required
def appraisal_approval(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The determinations of a session that need the higher level's approval, with the
    review panel (submit / withdraw for the organization, approve / return for its
    reviewers, through portal.reviews) and, for reviewers, the way to order a redo."""
    try:
        approval = AppraisalApproval.objects.select_related(
            "organization", "session__campaign"
        ).get(pk=int(pk))
    except (AppraisalApproval.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, Action.VIEW, approval.organization)
    session = approval.session
    session.organization = approval.organization
    return render(
        request,
        "activities/phase2/appraisal_approval.html",
        {
            "org": approval.organization,
            "session": session,
            "campaign": session.campaign,
            "approval": approval,
            "review": review_panel(request.user, approval),
            "can_order_redo": session.status == SessionStatus.CLOSED
            and services.may_order_redo(request.user, session),
        },
    )


# --- a party member's own result ---------------------------------------------------------


@login_required
def my_appraisals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The logged-in party member's own released results, newest campaign first."""
    results = list(
        AppraisalResult.objects.released()
        .filter(member__user=request.user)
        .select_related("session__campaign", "session__organization", "determination")
        .order_by("-session__starts_on", "-pk")
    )
    return render(request, "activities/phase2/my_appraisals.html", {"results": results})


@login_required
def my_appraisal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One of the member's own results, once released (the session closed and, where
    needed, approved). Anybody else's result — or one not yet released — is a 404,
    whatever the user's roles: the organization's pages show the tally to them."""
    try:
        result = (
            AppraisalResult.objects.released()
            .select_related("session__campaign", "session__organization", "determination")
            .get(pk=int(pk), member__user=request.user)
        )
    except (AppraisalResult.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    grades = list(AppraisalGrade.objects.filter(campaign_id=result.session.campaign_id))
    votes = [(g, (result.votes or {}).get(g.code, 0)) for g in grades]
    return render(
        request,
        "activities/phase2/my_appraisal.html",
        {"result": result, "session": result.session, "votes": votes},
    )
