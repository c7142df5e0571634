"""Pages of the review workflow: the reviewer's inbox, "returned to me" for submitters,
and the one POST endpoint every reviewable record's buttons use.

Domain pages show a record's review state by including templates/reviews/_panel.html
with `review = selectors.review_panel(request.user, record)`, and answer a locked
record's edit page with `locked_response(request, record)`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.permissions import Action, grants_for, require

from . import selectors
from .models import IllegalTransition, Reviewable, ReviewAction, ReviewStatus
from .services import review_transition

PAGE_SIZE = 50

DONE_MESSAGES = {
    ReviewAction.SUBMIT: gettext_lazy("Submitted for review."),
    ReviewAction.RESUBMIT: gettext_lazy("Submitted for review again."),
    ReviewAction.WITHDRAW: gettext_lazy("Withdrawn: it is a draft again."),
    ReviewAction.APPROVE: gettext_lazy("Approved."),
    ReviewAction.RETURN: gettext_lazy("Returned for revision."),
}


def _has_scope(user: Any, action: Action) -> bool:
    scope = grants_for(user).scope(action)
    return scope is None or bool(scope)


def _type_choices() -> list[tuple[str, str]]:
    return sorted(
        (selectors.model_label(m), str(m._meta.verbose_name)) for m in selectors.reviewable_models()
    )


def _filtered(request: HttpRequest, qs: Any) -> tuple[Any, str]:
    chosen = request.GET.get("type", "")
    if chosen and chosen in dict(_type_choices()):
        return qs.of_type(chosen), chosen
    return qs, ""


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Everything waiting for the user's decision, oldest first, with days waiting.

    403 for users who review nothing. Queries: COUNT and page of the inbox (one indexed
    query each over every record type), plus the user's grants and roles (cached, shared
    with the navigation) and the bell's unread count."""
    if not _has_scope(request.user, Action.REVIEW):
        raise PermissionDenied
    qs, chosen = _filtered(request, selectors.inbox(request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/inbox.html",
        {
            "page": page,
            "rows": selectors.inbox_rows(page.object_list),
            "types": _type_choices(),
            "chosen": chosen,
        },
    )


@login_required
def returned(request: HttpRequest) -> HttpResponse:
    """Records returned for revision in the user's organizations (users who may submit).
    Same query shape as the inbox."""
    if not _has_scope(request.user, Action.SUBMIT):
        raise PermissionDenied
    qs, chosen = _filtered(request, selectors.returned_to(request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/returned.html",
        {"page": page, "types": _type_choices(), "chosen": chosen},
    )


def _get_record_for_user(request: HttpRequest, label: str, pk: Any) -> Reviewable:
    """The reviewable record `label`/`pk` with its organization; 404 for an unknown
    type or record and for a user who cannot see its organization. One query."""
    model = selectors.get_reviewable_model(label)
    if model is None:
        raise Http404
    try:
        record = model._default_manager.select_related("organization").get(pk=int(pk))
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, Action.VIEW, record.organization)
    return record


@login_required
@require_POST
def transition(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    """Take a review action (POST action=submit|withdraw|resubmit|approve|return,
    comment=...) and go back to the record's page. 404 when the user cannot see the
    record, 403 when they may not take the action."""
    record = _get_record_for_user(request, model, pk)
    action = request.POST.get("action", "")
    if action not in ReviewAction.values:
        messages.error(request, _("Unknown action."))
        return redirect(record.get_absolute_url())
    try:
        review_transition(
            record, action=action, actor=request.user, comment=request.POST.get("comment", "")
        )
    except IllegalTransition:
        status = ReviewStatus(record.review_status).label
        messages.error(
            request,
            _(
                "That cannot be done now: the record is “%(status)s”. The page shows its current state."
            )
            % {"status": status},
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, DONE_MESSAGES[ReviewAction(action)])
    return redirect(record.get_absolute_url())


def locked_response(request: HttpRequest, record: Reviewable) -> HttpResponse:
    """The 403 page for an attempt to edit a submitted or approved record."""
    return render(
        request,
        "reviews/locked.html",
        {
            "record": record,
            "status_label": ReviewStatus(record.review_status).label,
        },
        status=403,
    )
