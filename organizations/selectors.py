"""Reads for the organization pages: permission-checked fetch helpers (one per object
type, the way views must fetch), scope-limited querysets, the tree, and change history.

Every helper here costs a fixed number of queries whatever the size of the data; the
docstrings say how many. The user's grants are read once per request by
portal.accounts.permissions.grants_for and cached on the user object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Exists, Q
from django.http import Http404
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import (
    Action,
    filter_by_scope,
    grants_for,
    require,
    scope_paths,
)

from .models import Enterprise, EnterpriseQuerySet, Member, MemberQuerySet, Organization
from .validators import mask_id, mask_phone

# --- fetch helpers (404 for what the user may not see, 403 for what they may not do) ---


def get_member_for_user(user: Any, pk: Any, action: Action | str = Action.VIEW) -> Member:
    """The member with its organization and enterprise (one query). A party member whose
    login is linked to the member record may view it without any role."""
    try:
        member = Member.objects.select_related("organization", "enterprise").get(pk=int(pk))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if action == Action.VIEW and member.user_id is not None and member.user_id == user.pk:
        return member
    require(user, action, member.organization)
    return member


def enterprise_links(enterprise: Enterprise) -> list[Organization]:
    """The organizations the enterprise hosts, then the one it is attached to."""
    linked = list(enterprise.organizations.all())
    if enterprise.attached_to is not None:
        linked.append(enterprise.attached_to)
    return linked


def get_enterprise_for_user(user: Any, pk: Any, action: Action | str = Action.VIEW) -> Enterprise:
    """The enterprise with its linked organizations (two queries: the row with
    attached_to, the hosted organizations). Visible to whoever sees one linked
    organization; an action needs that right at one linked organization."""
    try:
        enterprise = (
            Enterprise.objects.select_related("attached_to")
            .prefetch_related("organizations")
            .get(pk=int(pk))
        )
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    grants = grants_for(user)
    if grants.is_admin:
        return enterprise
    linked = enterprise_links(enterprise)
    if any(grants.allows(action, org.path) for org in linked):
        return enterprise
    if any(grants.allows(Action.VIEW, org.path) for org in linked):
        raise PermissionDenied
    raise Http404


# --- scoped querysets -------------------------------------------------------------------


def visible_members(user: Any) -> MemberQuerySet:
    return filter_by_scope(Member.objects.all(), user, path_field="organization__path")


def visible_enterprises(user: Any, action: Action | str = Action.VIEW) -> EnterpriseQuerySet:
    paths = scope_paths(user, action)
    if paths is None:
        return Enterprise.objects.all()
    return Enterprise.objects.under_paths(paths)


def enterprises_linked_to(org: Organization) -> models.QuerySet[Enterprise]:
    """Enterprises the organization sits in or that are attached to it."""
    return Enterprise.objects.filter(Q(organizations=org) | Q(attached_to=org)).distinct()


def enterprises_in_subtree(org: Organization) -> models.QuerySet[Enterprise]:
    return Enterprise.objects.under_paths([org.path])


# --- the tree -----------------------------------------------------------------------------


def tree_roots(user: Any) -> list[Organization]:
    """The nodes the user's tree starts from: the real roots for an administrator, the
    nodes their VIEW grants were given on otherwise (descendants of another grant node
    dropped). One query."""
    paths = scope_paths(user, Action.VIEW)
    if paths is None:
        return list(Organization.objects.get_root_nodes())
    if not paths:
        return []
    return list(Organization.objects.filter(path__in=sorted(paths)))


CHILDREN_BATCH = 100


def children_batch(org: Organization, offset: int) -> tuple[list[Organization], bool]:
    """Up to CHILDREN_BATCH children of `org` from `offset`, in code order, and whether
    more follow. One query (an indexed path range on the depth below); the children's
    own counts come from treebeard's numchild, never from counting."""
    rows = list(Organization.objects.get_children(org)[offset : offset + CHILDREN_BATCH + 1])
    return rows[:CHILDREN_BATCH], len(rows) > CHILDREN_BATCH


def visible_ancestors(user: Any, orgs: Iterable[Organization]) -> dict[str, Organization]:
    """Ancestors of the given nodes that the user may see, by path. One query (none when
    no ancestor is visible): paths are computed from the nodes' own paths."""
    grants = grants_for(user)
    wanted: set[str] = set()
    for org in orgs:
        for path in org.ancestor_paths[:-1]:
            if grants.allows(Action.VIEW, path):
                wanted.add(path)
    if not wanted:
        return {}
    return {o.path: o for o in Organization.objects.filter(path__in=sorted(wanted))}


def trail(org: Organization, ancestors: dict[str, Organization]) -> list[Organization]:
    return [ancestors[p] for p in org.ancestor_paths[:-1] if p in ancestors]


SEARCH_LIMIT = 50


def search_organizations(user: Any, text: str) -> tuple[list[Organization], bool]:
    """Visible organizations whose name contains `text` or whose code is `text`: at most
    SEARCH_LIMIT, and whether there were more. One query."""
    from portal.accounts.permissions import visible_organizations

    rows = list(visible_organizations(user).search(text)[: SEARCH_LIMIT + 1])
    return rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT


def member_counts(org: Organization) -> dict[str, int]:
    """Active and active full members of one organization (not its subtree): one query."""
    return Member.objects.filter(organization=org, is_active=True).aggregate(
        total=Count("pk"), full=Count("pk", filter=Q(status="full"))
    )


# --- change history ------------------------------------------------------------------------

HISTORY_PER_PAGE = 25

# Fields shown masked in history unless the user may see personal data (docs/product.md §3).
MASKED_FIELDS = {"id_number": mask_id, "phone": mask_phone, "contact_phone": mask_phone}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    record: Any
    kind: str  # "created", "changed", "deleted"
    changes: list[Change] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(HISTORY_KINDS[self.kind])


HISTORY_KINDS = {"created": _("created"), "changed": _("changed"), "deleted": _("deleted")}


def _diff_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The model's fields a history row tracks and a person would care about."""
    tracked = {f.name for f in model.history.model.tracked_fields}  # type: ignore[attr-defined]
    return [
        f
        for f in model._meta.concrete_fields
        if f.name in tracked and f.editable and not f.primary_key
    ]


def history_page(
    obj: models.Model, page_number: Any, *, show_personal: bool
) -> tuple[Page[Any], list[HistoryEntry]]:
    """One page of `obj`'s change history, newest first, each entry with the fields it
    changed (verbose names, readable values, personal data masked unless
    `show_personal`). Two queries whatever the history's length: the count, and the
    page's rows plus the row before the page (to diff the last entry against), joined
    with their users and with the related objects their foreign keys name (historical
    foreign keys are nullable, so these are LEFT JOINs: a deleted related row shows as
    "(deleted #id)")."""
    fields = _diff_fields(type(obj))
    relations = [f.name for f in fields if f.is_relation]
    history = obj.history.select_related("history_user", *relations)  # type: ignore[attr-defined]
    paginator = Paginator(history, HISTORY_PER_PAGE)
    page = paginator.get_page(page_number)
    offset = (page.number - 1) * HISTORY_PER_PAGE
    rows = list(history[offset : offset + HISTORY_PER_PAGE + 1]) if paginator.count else []
    names = [f.name for f in fields]
    entries = []
    for i, record in enumerate(rows[:HISTORY_PER_PAGE]):
        before = rows[i + 1] if i + 1 < len(rows) else None
        if record.history_type == "+":
            entry = HistoryEntry(record=record, kind="created")
            changed = [f for f in fields if getattr(record, f.attname) not in (None, "", False)]
            before = None
        elif record.history_type == "-":
            entry, changed = HistoryEntry(record=record, kind="deleted"), []
        else:
            entry = HistoryEntry(record=record, kind="changed")
            changed = []
            if before is not None:
                delta = record.diff_against(before, included_fields=names)
                changed = [f for f in fields if f.name in set(delta.changed_fields)]
        for f in changed:
            entry.changes.append(
                Change(
                    label=capfirst(str(f.verbose_name)),
                    old=_readable(f, before, show_personal) if before is not None else "—",
                    new=_readable(f, record, show_personal),
                )
            )
        entries.append(entry)
    return page, entries


def _readable(f: models.Field[Any, Any], record: Any, show_personal: bool) -> str:
    value = getattr(record, f.attname)
    if value is None or value == "":
        return "—"
    if f.is_relation:
        related = getattr(record, f.name)  # joined by history_page: no query
        if related is None:
            return str(_("(deleted #%(id)s)") % {"id": value})
        return str(related)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(f, models.DateField):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if f.name in MASKED_FIELDS and not show_personal:
        return MASKED_FIELDS[f.name](str(value))
    return str(value)


def committee_members(org: Organization, day: dt.date) -> list[Member]:
    """The organization's active members holding a committee post on `day`; while no
    post is recorded, those whose roster entry names a Party post (secretary, deputy,
    committee member). One query: the fallback is a condition in the same WHERE."""
    from .models import CommitteePost

    holders = CommitteePost.objects.current_on(day).filter(organization=org).values("member_id")
    no_post_recorded = ~Exists(CommitteePost.objects.filter(organization=org))
    return list(
        Member.objects.filter(organization=org, is_active=True)
        .filter(Q(pk__in=holders) | (no_post_recorded & ~Q(party_post="")))
        .order_by("name", "pk")
    )


def party_group_members(group: Any) -> list[Member]:
    """The group's members still on its organization's roster, by name. One query."""
    return list(
        group.members.filter(organization_id=group.organization_id, is_active=True).order_by(
            "name", "pk"
        )
    )
