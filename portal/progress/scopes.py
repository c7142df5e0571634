"""Building evaluation scopes: one query for the organizations and their roster sizes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from organizations.models import Organization

from .engine import OrgInfo, Scope


def org_infos(queryset: Any) -> dict[int, OrgInfo]:
    rows = queryset.annotate(
        active_members=Count("members", filter=Q(members__is_active=True))
    ).values_list("id", "path", "kind", "is_weak", "active_members")
    return {
        pk: OrgInfo(id=pk, path=path, kind=kind, is_weak=weak, members=n)
        for pk, path, kind, weak, n in rows
    }


def scope_for_org(org: Organization, campaign: Any, today: dt.date | None = None) -> Scope:
    orgs = org_infos(Organization.objects.filter(pk=org.pk))
    return Scope(campaign=campaign, orgs=orgs, today=today or timezone.localdate())


def scope_for_subtree(root: Organization, campaign: Any, today: dt.date | None = None) -> Scope:
    orgs = org_infos(Organization.objects.filter(path__startswith=root.path, is_active=True))
    return Scope(
        campaign=campaign, orgs=orgs, root_path=root.path, today=today or timezone.localdate()
    )


def scope_for_orgs(orgs: list[Organization], campaign: Any, today: dt.date | None = None) -> Scope:
    """Several organizations, not a subtree (a secretary of two branches)."""
    infos = org_infos(Organization.objects.filter(pk__in=[o.pk for o in orgs]))
    return Scope(campaign=campaign, orgs=infos, today=today or timezone.localdate())
