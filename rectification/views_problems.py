"""Pages for problem lists (docs/product.md §6.3): the lists of an organization, one list with its
items and review panel, the list and item forms, an item with its timeline and
actions, the closure and extension requests (each with the shared review panel),
publishing, the printable notice, the public notice (no login) and the reviewer's
overdue items.

VIEW reads; RECORD writes the list and its items while the list is a draft or returned
(submitted and approved lists are locked: portal.reviews.views.locked_response),
starts work on an item and adds evidence; SUBMIT requests closure or extension and
publishes. Reviewers act through the review panels (reviews:transition). Anonymous →
login; cannot see the organization → 404; can see but may not act → 403. Every page
runs a fixed number of queries (see the tests).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities.models import Campaign
from activities.models.campaigns import pick_campaign
from portal.accounts.permissions import (
    Action,
    get_organization_for_user,
    grants_for,
    require,
    user_can,
)
from portal.attachments.models import Attachment
from portal.attachments.pending import PendingFiles
from portal.core.record_pages import handle_record_form, paginate, submit_form
from portal.reviews.models import RecordLocked, ReviewStatus, is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response

from . import services_problems as services
from .forms_problems import (
    ClosureRequestForm,
    ExtensionRequestForm,
    ProblemItemForm,
    ProblemListForm,
    PublishForm,
)
from .models import (
    ClosureRequest,
    ExtensionRequest,
    ItemStatus,
    ProblemItem,
    ProblemList,
)
from .selectors_list_comments import comments_context
from .selectors_problems import item_counts_by_list, overdue_items_for

PAGE_SIZE = 50


# --- fetching with the user's scope ---------------------------------------------------------


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (ValueError, TypeError):
        raise Http404 from None


def _get_list_for_user(request: HttpRequest, pk: Any, action: Action = Action.VIEW) -> ProblemList:
    """The list with its organization and campaign; 404 when the user cannot see the
    organization, 403 when they can but may not do `action`. One query."""
    plist = (
        ProblemList.objects.select_related("organization", "campaign").filter(pk=_int(pk)).first()
    )
    if plist is None:
        raise Http404
    require(request.user, action, plist.organization)
    return plist


ITEM_RELATED = (
    "problem_list__organization",
    "problem_list__campaign",
    "category",
    "source_opinion",
    "source_statement",
    "source_criticism__meeting",
    "source_criticism__by_member",
)


def _get_item_for_user(request: HttpRequest, pk: Any, action: Action = Action.VIEW) -> ProblemItem:
    """The item with its list, organization, campaign, category and origin. One query."""
    item = ProblemItem.objects.select_related(*ITEM_RELATED).filter(pk=_int(pk)).first()
    if item is None:
        raise Http404
    require(request.user, action, item.problem_list.organization)
    return item


def _get_closure_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> ClosureRequest:
    request_ = (
        ClosureRequest.objects.select_related(
            "organization", "item__problem_list__campaign", "item__category", "submitted_by"
        )
        .filter(pk=_int(pk))
        .first()
    )
    if request_ is None:
        raise Http404
    require(request.user, action, request_.organization)
    return request_


def _get_extension_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> ExtensionRequest:
    request_ = (
        ExtensionRequest.objects.select_related(
            "organization", "item__problem_list__campaign", "item__category", "submitted_by"
        )
        .filter(pk=_int(pk))
        .first()
    )
    if request_ is None:
        raise Http404
    require(request.user, action, request_.organization)
    return request_


# --- lists ------------------------------------------------------------------------------------


@login_required
def problem_lists(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The campaigns the organization takes part in, each with its problem list (review
    status, publication, items closed and overdue) or a link to write it. Queries:
    organization, grants, campaigns, lists, item counts."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = list(Campaign.objects.for_organization(org).order_by("-starts_on", "-pk"))
    lists = {p.campaign_id: p for p in ProblemList.objects.filter(organization=org)}
    counts = item_counts_by_list([p.pk for p in lists.values()]) if lists else {}
    return render(
        request,
        "rectification/problems/overview.html",
        {
            "org": org,
            "rows": [
                (c, lists.get(c.pk), counts.get(lists[c.pk].pk) if c.pk in lists else None)
                for c in campaigns
            ],
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_list_create(request: HttpRequest, org_pk: int, campaign_pk: int) -> HttpResponse:
    """Write the organization's problem list for a campaign (RECORD). An existing list
    opens instead; a campaign the organization does not take part in is a 404."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = Campaign.objects.for_organization(org).filter(pk=_int(campaign_pk)).first()
    if campaign is None:
        raise Http404
    existing = ProblemList.objects.filter(organization=org, campaign=campaign).first()
    if existing is not None:
        return redirect(existing)
    form = ProblemListForm(
        request.POST or None, instance=ProblemList(organization=org, campaign=campaign)
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.problem_list_create(
            actor=request.user,
            organization=org,
            campaign=campaign,
            title=form.cleaned_data["title"],
            intro=form.cleaned_data["intro"],
        ),
        success_message=_("The problem list is saved as a draft. Add its items."),
        success_url=lambda plist: plist,
        template="rectification/problems/list_form.html",
        context={"org": org, "campaign": campaign, "plist": None},
    )


@login_required
def problem_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The list with its items (status, overdue), its review panel and, once approved,
    its publication, the comments from members and employees beside it and, once
    approved, its revisions. Queries: list, grants, items with categories, comment
    period, comments, revisions (approved lists), review events, roles (the
    reviewer's buttons)."""
    plist = _get_list_for_user(request, pk)
    org = plist.organization
    items = list(plist.items.for_table())
    editable = is_editable(plist)
    approved = plist.review_status == ReviewStatus.APPROVED
    return render(
        request,
        "rectification/problems/list_detail.html",
        {
            **comments_context(plist),
            # The revisions of an approved list (docs/product.md §6.3.1), newest first.
            "revisions": list(plist.revisions.order_by("-version")) if approved else [],
            "can_open_comments": plist.review_status != ReviewStatus.SUBMITTED
            and user_can(request.user, Action.SUBMIT, org),
            "can_handle": user_can(request.user, Action.RECORD, org),
            "can_revise": approved and user_can(request.user, Action.RECORD, org),
            "plist": plist,
            "org": org,
            "items": items,
            # The list and its items are one document: editing an item saves it too.
            "last_saved": max([plist.updated_at, *(item.updated_at for item in items)]),
            "today": timezone.localdate(),
            "review": review_panel(request.user, plist),
            "can_edit": editable and user_can(request.user, Action.RECORD, org),
            "can_publish": plist.review_status == ReviewStatus.APPROVED
            and user_can(request.user, Action.SUBMIT, org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_list_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the title and introduction of a draft or returned list (RECORD). Locked
    lists answer 403 with the reason; an outdated version is refused (409)."""
    plist = _get_list_for_user(request, pk, Action.RECORD)
    if not is_editable(plist):
        return locked_response(request, plist)
    form = ProblemListForm(
        request.POST or None, instance=plist, initial={"version": services.version_token(plist)}
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.problem_list_update(
            actor=request.user,
            problem_list=plist,
            version=form.cleaned_data["version"],
            title=form.cleaned_data["title"],
            intro=form.cleaned_data["intro"],
        ),
        locked=plist,
        conflict=(services.EditConflict,),
        success_message=_("The problem list is saved."),
        success_url=plist,
        template="rectification/problems/list_form.html",
        context={"org": plist.organization, "campaign": plist.campaign, "plist": plist},
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_list_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish (公示) an approved list with the date and the audience (SUBMIT); again to
    correct them. A list not approved goes back to its page with the reason."""
    plist = _get_list_for_user(request, pk, Action.SUBMIT)
    if plist.review_status != ReviewStatus.APPROVED:
        messages.error(request, _("Only an approved problem list can be published."))
        return redirect(plist)
    form = PublishForm(request.POST or None, problem_list=plist)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.problem_list_publish(
            actor=request.user,
            problem_list=plist,
            published_on=form.cleaned_data["published_on"],
            notice_ends_on=form.cleaned_data["notice_ends_on"],
            audience=form.cleaned_data["audience"],
        ),
        success_message=_("The problem list is published."),
        success_url=plist,
        template="rectification/problems/publish.html",
        context={"plist": plist, "org": plist.organization},
    )


def _notice_context(plist: ProblemList) -> dict[str, Any]:
    return {
        "plist": plist,
        "org": plist.organization,
        "items": list(plist.items.for_table()),
        "today": timezone.localdate(),
    }


@login_required
def problem_list_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice (A4, print CSS): what the public page shows, plus the
    organization's name and date as a signature. Queries: list, grants, items."""
    plist = _get_list_for_user(request, pk)
    return render(request, "rectification/problems/print.html", _notice_context(plist))


# --- items -----------------------------------------------------------------------------------


def _item_data(form: ProblemItemForm) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in services.ITEM_INPUT_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, list_pk: int) -> HttpResponse:
    """Add an item to a draft or returned list (RECORD); locked lists answer 403."""
    plist = _get_list_for_user(request, list_pk, Action.RECORD)
    if not is_editable(plist):
        return locked_response(request, plist)
    form = ProblemItemForm(
        request.POST or None, problem_list=plist, instance=ProblemItem(problem_list=plist)
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.item_create(
            actor=request.user, problem_list=plist, **_item_data(form)
        ),
        locked=plist,
        success_message=lambda item: _("Item %(number)d is added.") % {"number": item.number},
        success_url=lambda item: (
            reverse("rectification:item_create", args=[plist.pk])
            if "add_another" in request.POST
            else plist
        ),
        template="rectification/problems/item_form.html",
        context={"plist": plist, "org": plist.organization, "item": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an item while its list is a draft or returned (RECORD)."""
    item = _get_item_for_user(request, pk, Action.RECORD)
    plist = item.problem_list
    if not is_editable(plist):
        return locked_response(request, plist)
    form = ProblemItemForm(
        request.POST or None,
        problem_list=plist,
        instance=item,
        initial={"version": services.version_token(item)},
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.item_update(
            actor=request.user, item=item, version=form.cleaned_data["version"], **_item_data(form)
        ),
        locked=plist,
        conflict=(services.EditConflict,),
        success_message=_("Item %(number)d is saved.") % {"number": item.number},
        success_url=plist,
        template="rectification/problems/item_form.html",
        context={"plist": plist, "org": plist.organization, "item": item},
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm and delete an item of a draft or returned list (RECORD)."""
    item = _get_item_for_user(request, pk, Action.RECORD)
    plist = item.problem_list
    if not is_editable(plist):
        return locked_response(request, plist)
    if request.method == "POST":
        try:
            services.item_delete(actor=request.user, item=item)
        except RecordLocked:
            return locked_response(request, plist)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(item)
        messages.success(request, _("Item %(number)d is deleted.") % {"number": item.number})
        return redirect(plist)
    return render(
        request,
        "rectification/problems/item_delete.html",
        {"plist": plist, "org": plist.organization, "item": item},
    )


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The item, where it came from (a link back to its origin), its timeline, its
    closure and extension requests and the actions the user may take now. Queries:
    item (with its list, origin and category), grants, events with actors, closure
    requests, extension requests."""
    item = _get_item_for_user(request, pk)
    plist = item.problem_list
    org = plist.organization
    approved = plist.review_status == ReviewStatus.APPROVED
    closures = list(item.closure_requests.order_by("pk"))
    extensions = list(item.extension_requests.order_by("-pk"))
    pending_closure = next((c for c in closures if c.review_status != ReviewStatus.APPROVED), None)
    pending_extension = any(
        e.review_status in (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED) for e in extensions
    )
    can_submit = user_can(request.user, Action.SUBMIT, org)
    active = approved and not item.is_closed
    return render(
        request,
        "rectification/problems/item_detail.html",
        {
            "item": item,
            "plist": plist,
            "org": org,
            "today": timezone.localdate(),
            "events": list(item.events.select_related("actor").order_by("at", "pk")),
            "closures": closures,
            "extensions": extensions,
            "pending_closure": pending_closure,
            "can_edit": is_editable(plist) and user_can(request.user, Action.RECORD, org),
            "can_start": approved
            and item.status == ItemStatus.OPEN
            and user_can(request.user, Action.RECORD, org),
            "can_request_closure": active
            and can_submit
            and item.status in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS),
            "can_request_extension": active and can_submit and not pending_extension,
        },
    )


@login_required
@require_POST
def item_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Open → in progress (RECORD, approved list)."""
    item = _get_item_for_user(request, pk, Action.RECORD)
    try:
        services.item_start(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Work on the item has started."))
    return redirect(item)


# --- closure requests ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def closure_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Request closure of item `pk` with evidence (SUBMIT). The request is created (or
    the withdrawn / returned one is updated) and sent up for review in one step. When a
    request already waits or was decided, its page opens instead."""
    item = _get_item_for_user(request, pk, Action.SUBMIT)
    existing = item.closure_requests.first()
    if existing is not None and not is_editable(existing):
        return redirect(existing)
    form = ClosureRequestForm(
        request.POST or None,
        request.FILES or None,
        initial={"note": existing.note if existing else ""},
    )
    pending = PendingFiles(request, form)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.closure_request_submit(
            actor=request.user,
            item=item,
            note=form.cleaned_data["note"],
            uploads=pending.uploads(),
        ),
        pending=pending,
        success_message=_("Closure is requested: the higher level will review it."),
        success_url=lambda closure: closure,
        template="rectification/problems/closure_form.html",
        context={"item": item, "plist": item.problem_list, "org": item.problem_list.organization},
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The closure request: the item, what was done, the evidence and the review panel
    (the reviewer closes the item by approving, or rejects with a reason by returning).
    POST adds evidence or rewrites the note while the request is a draft or returned
    (RECORD). Queries: request (with item and list), grants, evidence, review events,
    roles."""
    closure = _get_closure_for_user(request, pk)
    org = closure.organization
    can_add = is_editable(closure) and user_can(request.user, Action.RECORD, org)
    form = None
    if can_add:
        form = ClosureRequestForm(
            request.POST or None,
            request.FILES or None,
            files_required=False,
            initial={"note": closure.note},
        )
    status = 200  # 409: refused as a stale save or a closed campaign (docs/product.md §5.2)
    if request.method == "POST":
        if form is None:
            if not user_can(request.user, Action.RECORD, org):
                raise PermissionDenied
            return locked_response(request, closure)
        pending = PendingFiles(request, form)
        response, status = submit_form(
            request,
            form,
            save=lambda form: services.closure_request_add_evidence(
                actor=request.user,
                closure_request=closure,
                note=form.cleaned_data["note"],
                uploads=pending.uploads(),
            ),
            pending=pending,
            locked=closure,
            success_message=_("Saved. Submit the request again when the evidence is complete."),
            success_url=closure,
        )
        if response is not None:
            return response
    return render(
        request,
        "rectification/problems/closure_detail.html",
        {
            "closure": closure,
            "item": closure.item,
            "plist": closure.item.problem_list,
            "org": org,
            "today": timezone.localdate(),
            "attachments": list(Attachment.objects.for_record(closure)),
            "can_manage_attachments": can_add,
            "form": form,
            "review": review_panel(request.user, closure),
        },
        status=status,
    )


# --- extension requests -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def extension_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Request a later deadline for item `pk` with a reason (SUBMIT); it goes up for
    review at once."""
    item = _get_item_for_user(request, pk, Action.SUBMIT)
    form = ExtensionRequestForm(request.POST or None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.extension_request_submit(
            actor=request.user,
            item=item,
            new_deadline=form.cleaned_data["new_deadline"],
            reason=form.cleaned_data["reason"],
        ),
        success_message=_("The extension is requested: the higher level will review it."),
        success_url=lambda extension: extension,
        template="rectification/problems/extension_form.html",
        context={
            "item": item,
            "plist": item.problem_list,
            "org": item.problem_list.organization,
            "extension": None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The extension request and its review panel (approve moves the item's deadline;
    return rejects it with a reason). A withdrawn or rejected request may be changed
    and sent up again here (POST, SUBMIT). Queries: request (with item and list),
    grants, review events, roles."""
    extension = _get_extension_for_user(request, pk)
    org = extension.organization
    can_change = is_editable(extension) and user_can(request.user, Action.SUBMIT, org)
    form = None
    if can_change:
        form = ExtensionRequestForm(
            request.POST or None,
            initial={"new_deadline": extension.new_deadline, "reason": extension.reason},
        )
    status = 200  # 409: refused as a stale save or a closed campaign (docs/product.md §5.2)
    if request.method == "POST":
        if form is None:
            if not user_can(request.user, Action.SUBMIT, org):
                raise PermissionDenied
            return locked_response(request, extension)
        response, status = submit_form(
            request,
            form,
            save=lambda form: services.extension_request_update(
                actor=request.user,
                extension_request=extension,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
            ),
            locked=extension,
            success_message=_("Submitted for review again."),
            success_url=extension,
        )
        if response is not None:
            return response
    return render(
        request,
        "rectification/problems/extension_detail.html",
        {
            "extension": extension,
            "item": extension.item,
            "plist": extension.item.problem_list,
            "org": org,
            "today": timezone.localdate(),
            "form": form,
            "review": review_panel(request.user, extension),
        },
        status=status,
    )


# --- overdue items ---------------------------------------------------------------------------


@login_required
def overdue_items(request: HttpRequest) -> HttpResponse:
    """Overdue items of approved lists in every organization the user can see, in one
    campaign (?campaign=, else the running one), as of its as-of day (Campaign.as_of:
    today, or its end once it has ended), longest overdue first (reviewers watch
    these). 403 for users who see no organization. Queries: grants, campaigns, COUNT,
    one page of items with list, organization, campaign and category."""
    scope = grants_for(request.user).scope(Action.VIEW)
    if scope is not None and not scope:
        raise PermissionDenied
    campaigns = list(Campaign.objects.for_scope(scope).order_by("-starts_on", "-pk"))
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    items = overdue_items_for(request.user, campaign) if campaign else ProblemItem.objects.none()
    page = paginate(request, items, PAGE_SIZE)
    query = f"campaign={campaign.pk}&" if campaign else ""
    return render(
        request,
        "rectification/problems/overdue.html",
        {
            "page": page,
            "campaigns": campaigns,
            "campaign": campaign,
            "as_of": campaign.as_of() if campaign else timezone.localdate(),
            "query": query,
        },
    )


# --- the public notice (no login) --------------------------------------------------------------


@require_GET
@never_cache
def notice(request: HttpRequest, token: str) -> HttpResponse:
    """The published problem list for the organization's members and employees, at an
    unguessable address: organization, title, items (number, description, category,
    measures, the responsible person's name and post, deadline, status), the date and
    the audience. Nothing else personal, no ids. Any unknown token, or a list no longer
    published, gets the same 404 page. Queries: list with organization, items."""
    plist = (
        ProblemList.objects.published()
        .select_related("organization")
        .filter(public_token=token)
        .first()
        if token
        else None
    )
    if plist is None:
        return render(request, "notice/not_found.html", status=404)
    return render(request, "notice/problem_list.html", _notice_context(plist))
