from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Role
from portal.accounts.permissions import Action, grants_for, roles_for
from portal.core.reversing import cached_reverse
from portal.notifications.models import Notification

# One tap to every record (issue #12): the pages a branch secretary or clerk keeps
# records on, for their own organization, in the menu and as tiles on their home page
# (templates/core/_record_tiles.html). Each page opens on the newest campaign the
# organization takes part in; the home tiles name the campaign explicitly.
RECORD_PAGES: list[tuple[str, Any, bool]] = [
    # (url name taking the organization's pk, label, takes ?campaign=<pk>)
    ("activities:meeting_list", pgettext_lazy("menu", "Meetings"), False),
    ("activities:counseling_list", pgettext_lazy("menu", "Study"), True),
    ("activities:opinion_list", pgettext_lazy("menu", "Opinions"), True),
    ("activities:talk_list", pgettext_lazy("menu", "One-to-one talks"), True),
    ("rectification:problem_lists", pgettext_lazy("menu", "Problem lists"), False),
    ("progress:checklist", pgettext_lazy("menu", "Checklist"), False),
]


def record_organization(user: Any) -> Any:
    """The organization whose record pages the menu links to: the first (in tree order)
    where the user is a secretary or clerk, else None. No query (roles are cached)."""
    for ra in roles_for(user):
        if ra.role in (Role.SECRETARY, Role.CLERK):
            return ra.organization
    return None


def record_links(org: Any, campaign: Any = None) -> list[dict[str, Any]]:
    """[{url, label, name}] of RECORD_PAGES for one organization; with a campaign, each
    page opens on that campaign (the checklist through its own URL). No query."""
    links = []
    for name, label, takes_campaign in RECORD_PAGES:
        if campaign is not None and name == "progress:checklist":
            url = cached_reverse("progress:checklist_campaign", args=[org.pk, campaign.pk])
        else:
            url = cached_reverse(name, args=[org.pk])
            if campaign is not None and takes_campaign:
                url += f"?campaign={campaign.pk}"
        links.append({"url": url, "label": label, "name": name})
    return links


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Navigation by role. Costs at most two queries per page (grants, roles), both
    cached on request.user for the rest of the request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    items: list[tuple[str, Any]] = [("core:home", _("Home"))]
    if grants.scope(Action.VIEW) is None or grants.scope(Action.VIEW):
        items += [
            ("organizations:tree", _("Organizations")),
            ("organizations:member_list", _("Members")),
            ("organizations:enterprise_list", _("Enterprises")),
        ]
    # Spreadsheet import and export (organizations/views_io.py): export needs any grant.
    if grants.any:
        items.append(("io:index", _("Import and export")))
    # "My reports" (reports:list) for those who may ask for PDF reports.
    if grants.scope(Action.DOWNLOAD_REPORTS) is None or grants.scope(Action.DOWNLOAD_REPORTS):
        items.append(("reports:list", _("My reports")))
    roles = roles_for(user)
    held = {ra.role for ra in roles}
    # The subtree dashboard (portal.progress.dashboard) for those who watch a subtree.
    if user.is_superuser or held & {Role.REVIEWER, Role.OFFICE, Role.INSTRUCTOR}:
        items.insert(1, ("progress:dashboard", _("Dashboard")))
    # The inbox for those who review (reviewers, instructors, site administrators);
    # "returned to me" for those who submit.
    if user.is_superuser or held & {Role.REVIEWER, Role.INSTRUCTOR}:
        items.append(("reviews:inbox", _("Review inbox")))
        items.append(("rectification:overdue_items", _("Overdue items")))
    if grants.scope(Action.SUBMIT):
        items.append(("reviews:returned", _("Returned to me")))
    # Reviewers and the office: the reports sent upward and their bulletins
    # (docs/product.md §6.6).
    compile_scope = grants.scope(Action.COMPILE_BULLETINS)
    if compile_scope is None or compile_scope:
        items.append(("bulletins:home", _("Reports upward")))
    if grants.scope(Action.MANAGE_ACCOUNTS) is None or grants.scope(Action.MANAGE_ACCOUNTS):
        items.append(("accounts:user_list", _("Accounts and roles")))
    # The audit log for the security auditor only (never the site administrator).
    if Role.AUDITOR in held and not user.is_superuser:
        items.append(("accounts:audit_log", _("Audit log")))
    # The campaigns: site administrators, and the office, which composes those of its
    # level (docs/product.md §5.3).
    if user.is_superuser or Role.OFFICE in held:
        items.append(("activities:campaign_list", _("Campaigns")))
    if user.is_superuser:
        items.append(("admin:index", _("Administration")))
    path = request.path
    nav = []
    for name, label in items:
        url = cached_reverse(name)
        active = path == url if name == "core:home" else path.startswith(url)
        nav.append({"url": url, "label": label, "active": active})
    # Secretaries and clerks: their own organization's record pages, after Home.
    own = record_organization(user)
    if own is not None:
        nav[1:1] = [{**link, "active": path.startswith(link["url"])} for link in record_links(own)]
    primary = (
        roles[0].get_role_display()
        if roles
        else (_("site administrator") if user.is_superuser else "")
    )
    # The bell in base.html: one COUNT query, run only when a template shows it.
    unread = SimpleLazyObject(lambda: Notification.objects.unread_count(user))
    return {
        "nav_items": nav,
        "primary_role": primary,
        "unread_notifications": unread,
        # Pages show export links to those who may export (organizations/views_io.py).
        "may_export": grants.any,
    }
