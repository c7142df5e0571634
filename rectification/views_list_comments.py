"""Pages for the problem list open to comment and for its revisions (docs/product.md
§6.3.1).

Logged in: the comment period (SUBMIT), its printable QR sheet (VIEW), answering and
adopting a comment (RECORD), the revision of an approved list (VIEW to read, RECORD to
write; the review panel submits and decides). The comments themselves are shown on the
list's page and on the revision's page, where the reviewer reads them beside the list
(rectification/problems/_comments.html).

Public (no login, namespace "comment"): /comment/<token>/ shows the list's items and
the comment form while the period runs, behind the suggestion box's protections
(per-address rate limit, a daily limit per list, a minimum fill time, a honeypot, one
comment per served form); /comment/<token>/thanks/. The public pages never show a
comment, not even the visitor's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import ProblemCategory
from activities.opinions.views import qr_svg
from portal.accounts.permissions import Action, require, user_can
from portal.core.cache import cache_get
from portal.core.public_guard import address_key, claim_form, hit
from portal.core.record_pages import apply_errors, handle_record_form
from portal.reviews.models import RecordLocked, ReviewStatus, is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response

from . import services_list_comments as services
from .forms_list_comments import (
    CommentAdoptForm,
    CommentAnswerForm,
    CommentPeriodForm,
    PublicCommentForm,
    RevisionForm,
    RevisionItemForm,
)
from .forms_problems import ProblemItemForm
from .models import (
    CommentPeriod,
    CommentStatus,
    ListComment,
    ProblemItem,
    ProblemListRevision,
    RevisionItem,
    SourceKind,
)
from .selectors_list_comments import comments_context
from .views_problems import _get_list_for_user, _int

# (limit, window in seconds), as the suggestion box's.
SUBMIT_PER_ADDRESS = (5, 10 * 60)
SUBMIT_PER_LIST_PER_DAY = 300


# --- the period --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def comment_period(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the list to comment or change the period (SUBMIT); the link and QR code."""
    plist = _get_list_for_user(request, pk, Action.SUBMIT)
    period = CommentPeriod.objects.filter(problem_list=plist).first()
    initial = (
        {"opens_on": period.opens_on, "closes_on": period.closes_on}
        if period
        else {"opens_on": timezone.localdate()}
    )
    form = CommentPeriodForm(request.POST or None, initial=initial)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.comment_period_set(
            actor=request.user,
            problem_list=plist,
            opens_on=form.cleaned_data["opens_on"],
            closes_on=form.cleaned_data["closes_on"],
        ),
        success_message=_("The list is open to comment for the period given."),
        success_url=reverse("rectification:comment_period", args=[plist.pk]),
        template="rectification/comments/period.html",
        context={"plist": plist, "org": plist.organization, "period": period},
    )


@login_required
@require_POST
def comment_period_close(request: HttpRequest, pk: int) -> HttpResponse:
    plist = _get_list_for_user(request, pk, Action.SUBMIT)
    period = CommentPeriod.objects.filter(problem_list=plist).first()
    if period is None:
        raise Http404
    period.problem_list = plist
    services.comment_period_close(actor=request.user, period=period)
    messages.success(request, _("The list is no longer open to comment."))
    return redirect("rectification:comment_period", plist.pk)


@login_required
def comment_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable A4 sheet: the organization, the list, the QR code and the link."""
    plist = _get_list_for_user(request, pk)
    period = CommentPeriod.objects.filter(problem_list=plist).first()
    if period is None:
        raise Http404
    url = period.get_public_url()
    return render(
        request,
        "rectification/comments/qr.html",
        {
            "plist": plist,
            "org": plist.organization,
            "period": period,
            "public_url": url,
            "qr": mark_safe(qr_svg(url)),  # noqa: S308 (our own URL, see qr_svg)
        },
    )


# --- handling comments ---------------------------------------------------------------------


def _get_comment_for_user(request: HttpRequest, pk: Any, action: Action) -> ListComment:
    comment = (
        ListComment.objects.select_related(
            "organization", "problem_list__organization", "problem_list__campaign"
        )
        .filter(pk=_int(pk))
        .first()
    )
    if comment is None:
        raise Http404
    require(request.user, action, comment.organization)
    return comment


def _handled_already(request: HttpRequest, comment: ListComment) -> HttpResponse | None:
    if comment.status != CommentStatus.NEW:
        messages.info(
            request,
            _("This comment is already “%(status)s”.") % {"status": comment.get_status_display()},
        )
        return redirect(comment.problem_list)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def comment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _get_comment_for_user(request, pk, Action.RECORD)
    if (done := _handled_already(request, comment)) is not None:
        return done
    form = CommentAnswerForm(request.POST or None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.comment_answer(
            actor=request.user, comment=comment, answer_text=form.cleaned_data["answer_text"]
        ),
        success_message=_("The comment is marked answered."),
        success_url=comment.problem_list,
        template=HANDLE_TEMPLATE,
        context=_handle_context(comment, "answer"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the comment adopted, with a note and optionally the existing item it went
    into (RECORD)."""
    comment = _get_comment_for_user(request, pk, Action.RECORD)
    if (done := _handled_already(request, comment)) is not None:
        return done
    items = list(ProblemItem.objects.filter(problem_list=comment.problem_list).order_by("number"))
    form = CommentAdoptForm(request.POST or None, items=items)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.comment_adopt(
            actor=request.user,
            comment=comment,
            note=form.cleaned_data["note"],
            item=form.cleaned_data["item"],
        ),
        success_message=_("The comment is marked adopted."),
        success_url=comment.problem_list,
        template=HANDLE_TEMPLATE,
        context=_handle_context(comment, "adopt"),
    )


HANDLE_TEMPLATE = "rectification/comments/handle.html"


def _handle_context(comment: ListComment, mode: str) -> dict[str, Any]:
    plist = comment.problem_list
    return {
        "plist": plist,
        "org": plist.organization,
        "comment": comment,
        "mode": mode,
        "approved": plist.review_status == ReviewStatus.APPROVED,
    }


@login_required
@require_http_methods(["GET", "POST"])
def comment_new_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Adopt the comment as a new item, its text pre-filled (RECORD): an item of the
    draft or returned list, or a new problem of the approved list's revision. A list
    waiting for review answers 403 with the reason."""
    comment = _get_comment_for_user(request, pk, Action.RECORD)
    if (done := _handled_already(request, comment)) is not None:
        return done
    plist = comment.problem_list
    initial = {
        "description": comment.content,
        "source_kind": SourceKind.COMMENT,
        "source_note": _("Comment received on %(date)s")
        % {"date": f"{timezone.localtime(comment.received_at):%Y-%m-%d}"},
    }
    if plist.review_status == ReviewStatus.APPROVED:
        categories = list(ProblemCategory.objects.filter(campaign=plist.campaign_id))
        form: Any = RevisionItemForm(request.POST or None, initial=initial, categories=categories)
        form.fields["source_kind"].disabled = True
    elif is_editable(plist):
        form = ProblemItemForm(
            request.POST or None,
            problem_list=plist,
            instance=ProblemItem(problem_list=plist),
            initial=initial,
        )
        form.fields["source_kind"].disabled = True
    else:
        return locked_response(request, plist)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "source_kind")}
        try:
            if plist.review_status == ReviewStatus.APPROVED:
                row = services.comment_adopt_into_revision(
                    actor=request.user, comment=comment, **data
                )
                messages.success(
                    request, _("The comment is adopted as a new problem of the revision.")
                )
                return redirect(row.revision)
            item = services.comment_adopt_as_item(actor=request.user, comment=comment, **data)
        except RecordLocked:
            return locked_response(request, plist)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The comment is adopted as item %(number)d.") % {"number": item.number},
            )
            return redirect(plist)
    return render(request, HANDLE_TEMPLATE, {**_handle_context(comment, "item"), "form": form})


# --- revisions -------------------------------------------------------------------------------


def _get_revision_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> ProblemListRevision:
    revision = (
        ProblemListRevision.objects.select_related(
            "organization", "problem_list__campaign", "problem_list__organization"
        )
        .filter(pk=_int(pk))
        .first()
    )
    if revision is None:
        raise Http404
    require(request.user, action, revision.organization)
    return revision


@login_required
@require_http_methods(["GET", "POST"])
def revision_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the next version of an approved list (RECORD); the one in the making opens
    instead when there is one."""
    plist = _get_list_for_user(request, pk, Action.RECORD)
    open_one = plist.revisions.exclude(review_status=ReviewStatus.APPROVED).first()
    if open_one is not None:
        return redirect(open_one)
    if plist.review_status != ReviewStatus.APPROVED:
        messages.error(request, _("Only an approved problem list can be revised."))
        return redirect(plist)
    form = RevisionForm(request.POST or None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.revision_create(
            actor=request.user, problem_list=plist, reason=form.cleaned_data["reason"]
        ),
        success_message=_("The revision is saved as a draft. Add the new problems."),
        success_url=lambda revision: revision,
        template="rectification/comments/revision_form.html",
        context={"plist": plist, "org": plist.organization, "revision": None},
    )


@login_required
def revision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The revision: reason, the new problems, the list's current items and its
    comments beside them, and the review panel. Queries: revision, grants, new
    problems, items, period, comments, review events, roles."""
    revision = _get_revision_for_user(request, pk)
    plist = revision.problem_list
    org = revision.organization
    return render(
        request,
        "rectification/comments/revision_detail.html",
        {
            "revision": revision,
            "plist": plist,
            "org": org,
            "rows": list(revision.items.select_related("category").order_by("pk")),
            "items": list(plist.items.for_table()),
            "today": timezone.localdate(),
            "review": review_panel(request.user, revision),
            "can_edit": is_editable(revision) and user_can(request.user, Action.RECORD, org),
            **comments_context(plist),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def revision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    revision = _get_revision_for_user(request, pk, Action.RECORD)
    if not is_editable(revision):
        return locked_response(request, revision)
    form = RevisionForm(request.POST or None, initial={"reason": revision.reason})
    return handle_record_form(
        request,
        form,
        save=lambda form: services.revision_update(
            actor=request.user, revision=revision, reason=form.cleaned_data["reason"]
        ),
        locked=revision,
        success_message=_("The revision is saved."),
        success_url=revision,
        template="rectification/comments/revision_form.html",
        context={
            "plist": revision.problem_list,
            "org": revision.organization,
            "revision": revision,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def revision_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    revision = _get_revision_for_user(request, pk, Action.RECORD)
    if not is_editable(revision):
        return locked_response(request, revision)
    categories = list(ProblemCategory.objects.filter(campaign=revision.problem_list.campaign_id))
    form = RevisionItemForm(request.POST or None, categories=categories)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.revision_item_add(
            actor=request.user, revision=revision, **form.cleaned_data
        ),
        locked=revision,
        success_message=_("The new problem is added to the revision."),
        success_url=revision,
        template="rectification/comments/revision_item_form.html",
        context={
            "plist": revision.problem_list,
            "org": revision.organization,
            "revision": revision,
        },
    )


@login_required
@require_POST
def revision_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = RevisionItem.objects.select_related("revision__organization").filter(pk=_int(pk)).first()
    if row is None:
        raise Http404
    revision = row.revision
    require(request.user, Action.RECORD, revision.organization)
    try:
        services.revision_item_delete(actor=request.user, row=row)
    except RecordLocked:
        return locked_response(request, revision)
    messages.success(request, _("The new problem is removed from the revision."))
    return redirect(revision)


# --- the public comment page ------------------------------------------------------------------


def _get_period(token: str) -> CommentPeriod | None:
    """The period by its token, with the list and organization. One query."""
    if not token:
        return None
    return (
        CommentPeriod.objects.select_related("problem_list__organization", "problem_list__campaign")
        .filter(token=token)
        .first()
    )


def _list_day_key(period: CommentPeriod) -> str:
    return f"listcomment:list:{period.pk}:{timezone.localdate():%Y%m%d}"


def _public_context(period: CommentPeriod) -> dict[str, Any]:
    plist = period.problem_list
    return {"period": period, "plist": plist, "org": plist.organization}


def _limited(request: HttpRequest, period: CommentPeriod) -> HttpResponse:
    response = render(request, "comment/limited.html", _public_context(period), status=429)
    response["Retry-After"] = str(SUBMIT_PER_ADDRESS[1])
    return response


def _thanks_key(period: CommentPeriod) -> str:
    return f"listcomment:sent:{period.pk}"


@never_cache
@require_http_methods(["GET", "POST"])
def public_comment(request: HttpRequest, token: str) -> HttpResponse:
    """The list's items and the comment form while the period runs; otherwise a page
    saying the list is not open to comment. Never a comment. Queries: the period with
    its list, the items with categories."""
    period = _get_period(token)
    if period is None:
        return render(request, "public/not_found.html", status=404)
    context = _public_context(period)
    plist = period.problem_list
    if not period.is_open() or not plist.organization.is_active:
        return render(request, "comment/closed.html", context)
    if request.method == "POST":
        if hit(address_key("listcomment", request), *SUBMIT_PER_ADDRESS):
            return _limited(request, period)
        if int(cache_get(_list_day_key(period), 0)) >= SUBMIT_PER_LIST_PER_DAY:
            return _limited(request, period)
        form = PublicCommentForm(request.POST, period_id=period.pk)
        if form.is_valid():
            claimed, _earlier = claim_form(form.cleaned_data["started"])
            if not claimed:
                # The same served form again (a double click, a resend): nothing new.
                request.session[_thanks_key(period)] = True
                return redirect("comment:thanks", token=period.token)
            try:
                services.comment_submit(
                    period=period,
                    content=form.cleaned_data["content"],
                    role=form.cleaned_data["role"],
                    commenter_name=form.cleaned_data["commenter_name"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                hit(_list_day_key(period), SUBMIT_PER_LIST_PER_DAY, 24 * 60 * 60)
                request.session[_thanks_key(period)] = True
                return redirect("comment:thanks", token=period.token)
        if form.stale_stamp:
            form.data = form.refreshed_data()
    else:
        form = PublicCommentForm(period_id=period.pk)
    context["form"] = form
    context["items"] = list(plist.items.for_table())
    return render(request, "comment/list.html", context)


@never_cache
@require_GET
def public_thanks(request: HttpRequest, token: str) -> HttpResponse:
    period = _get_period(token)
    if period is None:
        return render(request, "public/not_found.html", status=404)
    if not request.session.get(_thanks_key(period)):
        return redirect("comment:list", token=period.token)
    return render(request, "comment/thanks.html", _public_context(period))
