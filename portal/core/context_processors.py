from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role
from portal.accounts.permissions import Action, grants_for, roles_for
from portal.notifications.models import Notification


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
    if grants.scope(Action.MANAGE_ACCOUNTS) is None or grants.scope(Action.MANAGE_ACCOUNTS):
        items.append(("accounts:user_list", _("Accounts and roles")))
    if user.is_superuser:
        items.append(("activities:campaign_list", _("Campaigns")))
        items.append(("admin:index", _("Administration")))
    path = request.path
    nav = []
    for name, label in items:
        url = reverse(name)
        active = path == url if name == "core:home" else path.startswith(url)
        nav.append({"url": url, "label": label, "active": active})
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
