"""The organization pages: tree, organizations, members, enterprises and their change
history.

Every view fetches through a permission-checked helper (404 for what the user may not
see, 403 for what they may not do), calls at most one service, and runs a fixed number
of queries whatever the size of the tree (pinned in tests/organizations/test_queries.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.permissions import (
    Action,
    can_view_personal_data,
    get_organization_for_user,
    grants_for,
    scope_paths,
    user_can,
    visible_organizations,
)
from portal.core.http import AuthenticatedHttpRequest
from portal.core.orgmenu import org_links
from portal.core.record_pages import handle_record_form, paginate, render_list
from portal.progress.archive import campaign_archive, current_campaign

from . import selectors, services
from .forms import (
    CommitteePostForm,
    EndForm,
    EnterpriseCreateForm,
    EnterpriseFilterForm,
    EnterpriseForm,
    MemberFilterForm,
    MemberForm,
    OrganizationForm,
    PartyGroupForm,
    TransferForm,
)
from .models import CommitteePost, Member, PartyGroup
from .validators import mask_phone
from .views_io import EXPORT_FORMATS, KIND_LABELS, ORGANIZATION_EXPORTS, import_kinds_for

LIST_PER_PAGE = 50
DETAIL_MEMBERS = 50
DETAIL_ATTACHED = 50


def _offset(raw: Any) -> int:
    """A list offset from the query string; anything odd counts as 0, and huge values
    are capped (databases reject integers beyond 64 bits)."""
    try:
        return min(max(int(raw), 0), 10**9)
    except (TypeError, ValueError):
        return 0


# --- tree ------------------------------------------------------------------------------------


@login_required
def tree(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's top nodes, expandable one level at a time (see `children`), and a
    search by name or code with each result's visible ancestor trail."""
    # NUL characters are refused by PostgreSQL: drop them rather than fail.
    q = request.GET.get("q", "").replace("\x00", "").strip()[:60]
    context: dict[str, Any] = {"q": q}
    if q:
        results, more = selectors.search_organizations(request.user, q)
        ancestors = selectors.visible_ancestors(request.user, results)
        context["results"] = [(org, selectors.trail(org, ancestors)) for org in results]
        context["more_results"] = more
    if request.htmx:
        return render(request, "organizations/tree.html#search_results", context)
    context["nodes"] = selectors.tree_roots(request.user)
    return render(request, "organizations/tree.html", context)


@login_required
def children(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The child nodes of one node (an htmx fragment for the tree), a batch at a time."""
    org = get_organization_for_user(request.user, pk)
    offset = _offset(request.GET.get("offset"))
    nodes, more = selectors.children_batch(org, offset)
    return render(
        request,
        "organizations/tree.html#nodes",
        {
            "nodes": nodes,
            "parent": org,
            "next_offset": offset + len(nodes) if more else None,
        },
    )


# --- organizations ---------------------------------------------------------------------------


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    org = get_organization_for_user(user, pk)
    kids, more_kids = selectors.children_batch(org, 0)
    attached = list(org.attached_enterprises.order_by("name", "pk")[: DETAIL_ATTACHED + 1])
    counts = selectors.member_counts(org)
    # The campaigns it took part in, with their standing (portal/progress/archive.py);
    # the work links follow the phases of the one a page opens on (preferred_campaign).
    archive = campaign_archive(org)
    current = current_campaign(archive)
    context = {
        "org": org,
        "trail": selectors.trail(org, selectors.visible_ancestors(user, [org])),
        "children": kids,
        "more_children": more_kids,
        "hosts": list(org.enterprises.order_by("name", "pk")),
        "attached": attached[:DETAIL_ATTACHED],
        "more_attached": len(attached) > DETAIL_ATTACHED,
        "members": list(org.members.filter(is_active=True).order_by("name", "pk")[:DETAIL_MEMBERS]),
        "counts": counts,
        "size_warning": org.size_warning(counts["full"]),
        "roles": list(org.role_assignments.select_related("user").order_by("role", "user_id")),
        "contact_phone": org.contact_phone
        if can_view_personal_data(user, org)
        else mask_phone(org.contact_phone),
        "can_edit": services.may_edit_organization(user, org),
        "can_add_child": user_can(user, Action.MANAGE_ORGANIZATIONS, org),
        "can_record": user_can(user, Action.RECORD, org),
        # Links to the campaign work kept by other apps (no query).
        "work_links": org_links(user, org, current),
        "archive": archive,
        # Spreadsheet import into this organization, per kind allowed (no query).
        "import_kinds": import_kinds_for(user, org),
        "export_kinds": [{"kind": k, "label": KIND_LABELS[k]} for k in ORGANIZATION_EXPORTS],
        "export_formats": EXPORT_FORMATS,
    }
    return render(request, "organizations/detail.html", context)


@login_required
def organization_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a child organization under node `pk`: an administrative act, so it needs
    MANAGE_ORGANIZATIONS at the parent (the supervisors), not RECORD."""
    parent = get_organization_for_user(request.user, pk, Action.MANAGE_ORGANIZATIONS)
    form = OrganizationForm(request.POST or None, admin_fields=True, editing=False)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.organization_create(
            actor=request.user, parent=parent, fields=form.service_fields()
        ),
        success_message=_("The organization was created."),
        success_url=lambda org: org,
        template="organizations/organization_form.html",
        context={"parent": parent, "org": None},
    )


@login_required
def organization_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Profile fields need RECORD or MANAGE_ORGANIZATIONS; kind, code and flags need
    MANAGE_ORGANIZATIONS (they are shown only to those who may change them)."""
    user = request.user
    org = get_organization_for_user(user, pk)
    if not services.may_edit_organization(user, org):
        raise PermissionDenied
    admin_fields = user_can(user, Action.MANAGE_ORGANIZATIONS, org)
    form = OrganizationForm(
        request.POST or None,
        instance=org,
        initial=OrganizationForm.seen_initial(org),
        admin_fields=admin_fields,
        editing=True,
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.organization_update(
            actor=user,
            organization=org,
            fields=form.service_fields(),
            seen_updated_at=form.cleaned_data["seen"],
        ),
        success_message=_("The changes were saved."),
        success_url=reverse("organizations:detail", args=[org.pk]),
        template="organizations/organization_form.html",
        context={"org": org, "parent": None},
    )


def _history(
    request: AuthenticatedHttpRequest, obj: Any, *, title: str, back: str, show_personal: bool
) -> HttpResponse:
    page, entries = selectors.history_page(
        obj, request.GET.get("page"), show_personal=show_personal
    )
    return render(
        request,
        "organizations/history.html",
        {"obj": obj, "title": title, "back": back, "page": page, "entries": entries},
    )


@login_required
def organization_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, pk)
    return _history(
        request,
        org,
        title=str(org),
        back=org.get_absolute_url(),
        show_personal=can_view_personal_data(request.user, org),
    )


# --- members -----------------------------------------------------------------------------------


def _may_see_personal(user: Any, member: Member) -> bool:
    """The member's own login sees its own data; anyone else needs PERSONAL_DATA."""
    return (member.user_id is not None and member.user_id == user.pk) or can_view_personal_data(
        user, member.organization
    )


@login_required
def member_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Members in the user's scope, filtered, 50 a page in a stable order. ID numbers and
    phones are unmasked row by row where the user has PERSONAL_DATA (decided from the
    grants in memory, no query per row)."""
    user = request.user
    form = MemberFilterForm(request.GET or None, organizations=visible_organizations(user))
    members = (
        form.apply(selectors.visible_members(user))
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    page = paginate(request, members, LIST_PER_PAGE)
    grants = grants_for(user)
    for member in page.object_list:
        member.show_personal = grants.allows(Action.PERSONAL_DATA, member.organization.path)
    return render_list(request, "organizations/member_list.html", {"form": form, "page": page})


@login_required
def member_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = selectors.get_member_for_user(user, pk)
    org = member.organization
    grants = grants_for(user)
    org_visible = grants.allows(Action.VIEW, org.path)
    trail = selectors.trail(org, selectors.visible_ancestors(user, [org])) if org_visible else []
    transfers = list(
        member.transfers.select_related("from_organization", "to_organization", "recorded_by")
    )
    for transfer in transfers:
        # Read by the template only: whether each end of the transfer may be linked.
        transfer.from_visible = grants.allows(Action.VIEW, transfer.from_organization.path)  # type: ignore[attr-defined]
        transfer.to_visible = grants.allows(Action.VIEW, transfer.to_organization.path)  # type: ignore[attr-defined]
    context = {
        "member": member,
        "org": org,
        "org_visible": org_visible,
        "trail": trail,
        "transfers": transfers,
        "show_personal": _may_see_personal(user, member),
        "can_record": grants.allows(Action.RECORD, org.path),
    }
    return render(request, "organizations/member_detail.html", context)


@login_required
def member_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a member to the roster of organization `pk` (RECORD there)."""
    org = get_organization_for_user(request.user, pk, Action.RECORD)
    form = MemberForm(request.POST or None, organization=org, editing=False)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.member_create(
            actor=request.user, organization=org, fields=form.service_fields()
        ),
        success_message=_("The member was added to the roster."),
        success_url=lambda member: member,
        template="organizations/member_form.html",
        context={"org": org, "member": None},
    )


@login_required
def member_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk, Action.RECORD)
    form = MemberForm(
        request.POST or None,
        instance=member,
        initial=MemberForm.seen_initial(member),
        organization=member.organization,
        editing=True,
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.member_update(
            actor=request.user,
            member=member,
            fields=form.service_fields(),
            seen_updated_at=form.cleaned_data["seen"],
        ),
        success_message=_("The changes were saved."),
        success_url=reverse("organizations:member_detail", args=[member.pk]),
        template="organizations/member_form.html",
        context={"org": member.organization, "member": member},
    )


@login_required
def member_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a member to another organization: RECORD at the source, VIEW at the
    destination (the receiving organization must be one the user can see)."""
    member = selectors.get_member_for_user(request.user, pk, Action.RECORD)
    form = TransferForm(
        request.POST or None,
        member=member,
        destinations=visible_organizations(request.user),
        initial={"moved_on": timezone.localdate()},
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.member_transfer(
            actor=request.user,
            member=member,
            to_organization=form.cleaned_data["to_organization"],
            moved_on=form.cleaned_data["moved_on"],
            reason=form.cleaned_data["reason"],
        ),
        success_message=_("The member was transferred."),
        success_url=reverse("organizations:member_detail", args=[member.pk]),
        template="organizations/member_transfer.html",
        context={"member": member},
    )


@login_required
@require_POST
def member_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk, Action.RECORD)
    services.member_deactivate(actor=request.user, member=member)
    messages.success(request, _("The member was taken off the roster."))
    return redirect("organizations:member_detail", member.pk)


@login_required
@require_POST
def member_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk, Action.RECORD)
    services.member_reactivate(actor=request.user, member=member)
    messages.success(request, _("The member is on the roster again."))
    return redirect("organizations:member_detail", member.pk)


@login_required
def member_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    return _history(
        request,
        member,
        title=str(member),
        back=member.get_absolute_url(),
        show_personal=_may_see_personal(request.user, member),
    )


# --- enterprises -------------------------------------------------------------------------------


@login_required
def enterprise_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = EnterpriseFilterForm(request.GET or None, organizations=visible_organizations(user))
    data = form.filters()
    enterprises = selectors.visible_enterprises(user)
    if data.get("org") is not None:
        enterprises = enterprises.filter(
            pk__in=selectors.enterprises_in_subtree(data["org"]).values("pk")
        )
    if data.get("q"):
        enterprises = enterprises.search(data["q"])
    if data.get("type"):
        enterprises = enterprises.filter(enterprise_type=data["type"])
    enterprises = (
        enterprises.select_related("attached_to")
        .prefetch_related("organizations")
        .order_by("name", "pk")
    )
    context = {
        "form": form,
        "can_create": bool(
            scope_paths(user, Action.RECORD) is None or scope_paths(user, Action.RECORD)
        ),
    }
    return render_list(
        request,
        "organizations/enterprise_list.html",
        context,
        rows=enterprises,
        per_page=LIST_PER_PAGE,
    )


@login_required
def enterprise_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    enterprise = selectors.get_enterprise_for_user(user, pk)
    grants = grants_for(user)
    hosted = [(o, grants.allows(Action.VIEW, o.path)) for o in enterprise.organizations.all()]
    attached = enterprise.attached_to
    context = {
        "enterprise": enterprise,
        "hosted": hosted,
        "attached": attached,
        "attached_visible": attached is not None and grants.allows(Action.VIEW, attached.path),
        "member_count": enterprise.members.filter(is_active=True).count(),
        "can_edit": services.may_edit_enterprise(user, enterprise),
        # Instructors of an enterprise without an organization (guidance app): assigned
        # by whoever maintains the organization it is attached to.
        "may_assign_instructors": attached is not None
        and not hosted
        and grants.allows(Action.MANAGE_ORGANIZATIONS, attached.path),
    }
    return render(request, "organizations/enterprise_detail.html", context)


@login_required
def enterprise_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new enterprise linked to an organization the user may RECORD; `?org=<pk>`
    preselects that organization (from its page)."""
    user = request.user
    initial = {}
    if request.GET.get("org"):
        org = get_organization_for_user(user, request.GET["org"], Action.RECORD)
        initial["organization"] = org.code
    elif scope_paths(user, Action.RECORD) == set():
        raise PermissionDenied
    recordable = visible_organizations(user, Action.RECORD)
    form = EnterpriseCreateForm(request.POST or None, organizations=recordable, initial=initial)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.enterprise_create(
            actor=user,
            organization=form.cleaned_data["organization"],
            link=form.cleaned_data["link"],
            fields=form.service_fields(),
        ),
        success_message=_("The enterprise was created."),
        success_url=lambda enterprise: enterprise,
        template="organizations/enterprise_form.html",
        context={"enterprise": None},
    )


@login_required
def enterprise_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.get_enterprise_for_user(request.user, pk, Action.RECORD)
    form = EnterpriseForm(
        request.POST or None,
        instance=enterprise,
        initial=EnterpriseForm.seen_initial(enterprise),
        editing=True,
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.enterprise_update(
            actor=request.user,
            enterprise=enterprise,
            fields=form.service_fields(),
            seen_updated_at=form.cleaned_data["seen"],
        ),
        success_message=_("The changes were saved."),
        success_url=enterprise,
        template="organizations/enterprise_form.html",
        context={"enterprise": enterprise},
    )


@login_required
def enterprise_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.get_enterprise_for_user(request.user, pk)
    return _history(
        request,
        enterprise,
        title=str(enterprise),
        back=enterprise.get_absolute_url(),
        show_personal=False,
    )


# --- the committee and the Party groups --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def committee(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The organization's committee posts and Party groups, each with its dates (VIEW);
    the secretary or clerk adds a post or a group and ends one (POST, RECORD: 403
    without). Who is expected at a branch committee or Party group meeting comes from
    here. Queries (GET): organization, grants, the posts with their members, the groups,
    their members, and the roster for the forms when the user may record."""
    user = request.user
    org = get_organization_for_user(user, pk)
    can_record = user_can(user, Action.RECORD, org)
    if request.method == "POST" and not can_record:
        raise PermissionDenied
    roster = (
        list(Member.objects.filter(organization=org, is_active=True).order_by("name", "pk"))
        if can_record
        else []
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST if action else None
    post_form = CommitteePostForm(data if action == "add_post" else None, roster=roster)
    group_form = PartyGroupForm(
        data if action == "add_group" else None, roster=roster, prefix="group"
    )
    end_form = EndForm(data if action in ("end_post", "end_group") else None)
    if action:
        try:
            if action == "add_post" and post_form.is_valid():
                services.committee_post_add(actor=user, organization=org, **post_form.cleaned_data)
            elif action == "add_group" and group_form.is_valid():
                services.party_group_create(
                    actor=user,
                    organization=org,
                    name=group_form.cleaned_data["name"],
                    leader=group_form.cleaned_data["leader"],
                    members=list(group_form.cleaned_data["members"]),
                    starts_on=group_form.cleaned_data["starts_on"],
                )
            elif action in ("end_post", "end_group") and end_form.is_valid():
                pk, ends_on = end_form.cleaned_data["pk"], end_form.cleaned_data["ends_on"]
                if action == "end_post":
                    post = (
                        CommitteePost.objects.select_related("organization")
                        .filter(organization=org, pk=pk)
                        .first()
                    )
                    if post is None:
                        raise Http404
                    services.committee_post_end(actor=user, post=post, ends_on=ends_on)
                else:
                    group = (
                        PartyGroup.objects.select_related("organization")
                        .filter(organization=org, pk=pk)
                        .first()
                    )
                    if group is None:
                        raise Http404
                    services.party_group_end(actor=user, group=group, ends_on=ends_on)
            else:
                raise ValidationError(_("Check the entries below."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
            return redirect("organizations:committee", pk=org.pk)
    today = timezone.localdate()
    posts = list(
        CommitteePost.objects.filter(organization=org)
        .select_related("member")
        .order_by("ends_on", "role", "starts_on", "pk")
    )
    groups = list(
        PartyGroup.objects.filter(organization=org)
        .select_related("leader")
        .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("name", "pk")))
        .order_by("ends_on", "name", "pk")
    )
    return render(
        request,
        "organizations/committee.html",
        {
            "org": org,
            "today": today,
            "current_posts": [p for p in posts if p.ends_on is None or p.ends_on >= today],
            "past_posts": [p for p in posts if p.ends_on is not None and p.ends_on < today],
            "groups": groups,
            "can_record": can_record,
            "post_form": post_form,
            "group_form": group_form,
        },
    )
