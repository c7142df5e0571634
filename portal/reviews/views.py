"""Pages of the review workflow: the reviewer's inbox (filters, bulk decisions and their
progress), "returned to me" for submitters, and the one POST endpoint every reviewable
record's buttons use (with "decide and open the next").

Domain pages show a record's review state by including templates/reviews/_panel.html
with `review = selectors.review_panel(request.user, record)`, and answer a locked
record's edit page with `locked_response(request, record)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.permissions import Action, grants_for, require, visible_organizations

from . import selectors
from .models import (
    REVIEWER_ACTIONS,
    IllegalTransition,
    Reviewable,
    ReviewAction,
    ReviewBatch,
    ReviewStatus,
    ReviewTask,
)
from .services import (
    INLINE_BATCH_LIMIT,
    review_batch_create,
    review_batch_start,
    review_transition,
)

PAGE_SIZE = 50
# The confirmation page lists this many records of a larger batch (and counts the rest).
CONFIRM_LIST = 100
# Organizations offered by the inbox's organization search.
ORG_OPTIONS = 20
# The inbox filter last used, for "decide and open the next" (session key).
FILTER_SESSION_KEY = "reviews.inbox_filter"

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


@dataclass
class InboxFilter:
    """The inbox's filter: a record kind ("app.model", "" for all) and an organization
    whose subtree is shown (by its code, among the organizations the user can see)."""

    type: str = ""
    org_code: str = ""
    org: Any = None
    unknown_org: bool = False

    @classmethod
    def read(cls, user: Any, data: Any) -> InboxFilter:
        """From GET or POST data (or the session's dict). One query when an
        organization code is given, none otherwise."""
        chosen = str(data.get("type", "") or "")
        if chosen not in dict(_type_choices()):
            chosen = ""
        code = str(data.get("org", "") or "").strip()
        org = None
        if code:
            org = visible_organizations(user).filter(code=code).first()
        return cls(type=chosen, org_code=code, org=org, unknown_org=bool(code) and org is None)

    def apply(self, qs: Any) -> Any:
        if self.type:
            qs = qs.of_type(self.type)
        if self.unknown_org:
            return qs.none()
        if self.org is not None:
            qs = qs.filter(organization__path__startswith=self.org.path)
        return qs

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("type", self.type), ("org", self.org_code)) if v}

    @property
    def query(self) -> str:
        return urlencode(self.params())

    def remember(self, request: HttpRequest) -> None:
        """Keep it in the session for "decide and open the next" (written only when it
        changed: no session write on an ordinary page view)."""
        if request.session.get(FILTER_SESSION_KEY, {}) != self.params():
            request.session[FILTER_SESSION_KEY] = self.params()


def _require_reviewer(request: HttpRequest) -> None:
    if not _has_scope(request.user, Action.REVIEW):
        raise PermissionDenied


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Everything waiting for the user's decision, oldest first, with days waiting;
    filtered by kind and by an organization's subtree; rows can be chosen for a bulk
    decision.

    403 for users who review nothing. Queries: COUNT and page of the inbox (one indexed
    query each over every record type), plus the user's grants and roles (cached, shared
    with the navigation), the bell's unread count, and the organization when filtered."""
    _require_reviewer(request)
    chosen = InboxFilter.read(request.user, request.GET)
    chosen.remember(request)
    qs = chosen.apply(selectors.inbox(request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/inbox.html",
        {
            "page": page,
            "rows": selectors.inbox_rows(page.object_list),
            "types": _type_choices(),
            "chosen": chosen.type,
            "filter": chosen,
        },
    )


@login_required
@require_GET
def org_options(request: HttpRequest) -> HttpResponse:
    """The organization search of the inbox filter: <option>s for its datalist, the
    organizations the user can see whose code or name contains the text typed (at most
    ORG_OPTIONS, in tree order). Queries: grants, the organizations."""
    _require_reviewer(request)
    text = str(request.GET.get("org", "")).strip()
    orgs = []
    if text:
        orgs = list(
            visible_organizations(request.user)
            .filter(
                Q(code__istartswith=text)
                | Q(short_name__icontains=text)
                | Q(full_name__icontains=text)
            )
            .order_by("path")[:ORG_OPTIONS]
        )
    return render(request, "reviews/_org_options.html", {"orgs": orgs})


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
        # `organization` is declared on the abstract base for type checking only.
        record = model._default_manager.select_related("organization").get(pk=int(pk))  # type: ignore[misc]
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, Action.VIEW, record.organization)
    return record


@login_required
@require_POST
def transition(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    """Take a review action (POST action=submit|withdraw|resubmit|approve|return,
    comment=...) and go back to the record's page; with ?next=1 after an approval or a
    return, open the next record waiting in the inbox under the filter last used
    (oldest first), or the inbox when none is left. 404 when the user cannot see the
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
        if request.GET.get("next") and action in REVIEWER_ACTIONS:
            return _open_next(request)
    return redirect(record.get_absolute_url())


def _open_next(request: HttpRequest) -> HttpResponse:
    """The oldest record still waiting for the user under the inbox filter kept in the
    session, or the inbox (same filter) with a message when none is left. Queries:
    the organization of the filter when there is one, the first waiting row."""
    chosen = InboxFilter.read(request.user, request.session.get(FILTER_SESSION_KEY) or {})
    task = chosen.apply(selectors.inbox(request.user)).first()
    if task is not None:
        return redirect(task.url)
    messages.info(request, _("Nothing else waits for your decision here."))
    url = reverse("reviews:inbox")
    return redirect(f"{url}?{chosen.query}" if chosen.query else url)


# --- bulk decisions ----------------------------------------------------------------------


# At most this many records named one by one (a page of the inbox holds PAGE_SIZE).
MAX_CHOSEN = 1000


def _int_list(values: list[str]) -> list[int]:
    ids = []
    for value in values[:MAX_CHOSEN]:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return list(dict.fromkeys(ids))


def _bulk_selection(request: HttpRequest, data: Any) -> tuple[Any, InboxFilter, bool]:
    """The inbox rows a bulk form names: either "task" ids, or all=1 with the inbox
    filter (bounded by `seen`, the time the confirmation page was shown, so records
    submitted afterwards are not decided unseen). Returns (rows, filter, all)."""
    chosen = InboxFilter.read(request.user, data)
    if data.get("all"):
        qs = chosen.apply(selectors.inbox(request.user))
        seen = parse_datetime(str(data.get("seen", "")))
        if seen is not None:
            qs = qs.filter(updated_at__lte=seen)
        return qs, chosen, True
    ids = _int_list(data.getlist("task"))
    qs = (
        ReviewTask.objects.filter(pk__in=ids)
        .select_related("organization", "content_type", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    return qs, chosen, False


@login_required
@require_GET
def bulk_confirm(request: HttpRequest) -> HttpResponse:
    """The confirmation page of a bulk decision: the records chosen in the inbox (GET
    action=approve|return, task=<id>… or all=1 with the filter), listed with what will
    happen, and the form that decides them. Records that do not wait for the user's
    decision are counted as "will be skipped" without their titles. 403 for users who
    review nothing. Queries: grants, roles, the rows chosen (at most CONFIRM_LIST) and
    their count, and the organization of the filter when there is one."""
    _require_reviewer(request)
    action = request.GET.get("action", "")
    if action not in REVIEWER_ACTIONS:
        messages.error(request, _("Choose “approve” or “return” for the records chosen."))
        return redirect("reviews:inbox")
    qs, chosen, everything = _bulk_selection(request, request.GET)
    if everything:
        tasks = waiting = list(qs[:CONFIRM_LIST])
        total = qs.count() if len(tasks) == CONFIRM_LIST else len(tasks)
        not_waiting = 0
    else:
        tasks = list(qs)
        ids = [t.pk for t in tasks]
        in_inbox = set(
            selectors.inbox(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        waiting = [t for t in tasks if t.pk in in_inbox][:CONFIRM_LIST]
        not_waiting = len(tasks) - len(in_inbox)
        total = len(tasks)
    if not tasks:
        messages.error(request, _("Choose at least one record."))
        return redirect(f"{reverse('reviews:inbox')}?{chosen.query}")
    kinds = {t.content_type_id for t in waiting}
    return render(
        request,
        "reviews/bulk_confirm.html",
        {
            "action": action,
            "action_label": ReviewAction(action).label,
            "rows": selectors.inbox_rows(waiting),
            "task_ids": [t.pk for t in tasks],
            "everything": everything,
            "total": total,
            "more": max(total - len(waiting) - not_waiting, 0),
            "not_waiting": not_waiting,
            "mixed": len(kinds) > 1,
            "filter": chosen,
            "seen": request.GET.get("seen") or timezone.now().isoformat(),
            "background": total > INLINE_BATCH_LIMIT,
        },
    )


@login_required
@require_POST
def bulk_decide(request: HttpRequest) -> HttpResponse:
    """Create and run a bulk decision (POST action, comment, task=<id>… or all=1 with
    the filter and `seen`): at once up to INLINE_BATCH_LIMIT records, else on the worker;
    then the batch's page. 403 for users who review nothing; authority is checked
    record by record (what the user may not decide is skipped, with the reason)."""
    _require_reviewer(request)
    qs, _filter, _everything = _bulk_selection(request, request.POST)
    tasks = list(qs.select_related(None).only("pk", "content_type"))
    try:
        batch = review_batch_create(
            actor=request.user,
            action=request.POST.get("action", ""),
            comment=request.POST.get("comment", ""),
            tasks=tasks,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        back = request.POST.copy()
        back.pop("csrfmiddlewaretoken", None)
        back.pop("comment", None)
        return redirect(f"{reverse('reviews:bulk_confirm')}?{back.urlencode()}")
    review_batch_start(batch)
    return redirect("reviews:batch", pk=batch.pk)


def _get_batch_for_user(request: HttpRequest, pk: int) -> ReviewBatch:
    """The user's own bulk decision; 404 for anyone else's. One query."""
    batch = (
        ReviewBatch.objects.filter(pk=pk, actor=request.user)  # type: ignore[misc]  # logged in
        .select_related("content_type")
        .first()
    )
    if batch is None:
        raise Http404
    return batch


def _batch_context(request: HttpRequest, batch: ReviewBatch) -> dict[str, Any]:
    model = batch.content_type.model_class()
    # Back to the inbox as the reviewer filtered it last (no query: the session's dict).
    query = urlencode(request.session.get(FILTER_SESSION_KEY) or {})
    return {
        "inbox_url": reverse("reviews:inbox") + (f"?{query}" if query else ""),
        "batch": batch,
        "kind": model._meta.verbose_name_plural if model else batch.content_type.model,
        "action_label": ReviewAction(batch.action).label,
    }


@login_required
@require_GET
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    """A bulk decision's progress, then its outcome: how many were decided and which were
    skipped, with the reason. Only its author sees it (404 for anyone else). Queries:
    session, user, the batch, the bell."""
    return render(
        request, "reviews/batch.html", _batch_context(request, _get_batch_for_user(request, pk))
    )


@login_required
@require_GET
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled by htmx every second while the batch runs."""
    return render(
        request,
        "reviews/batch.html#status",
        _batch_context(request, _get_batch_for_user(request, pk)),
    )


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
