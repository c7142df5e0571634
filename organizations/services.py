"""Writes for organizations, members and enterprises.

Every service takes keyword-only arguments and an `actor` (the user acting; None means
the system, e.g. seed_demo or an import run by a management command, which skips the
authority check). Each one checks the actor's authority, runs full_clean(), saves in one
transaction and attributes the django-simple-history row to the actor (the request
middleware does that for web requests; `_history_user` covers every other caller).

Edits carry the `updated_at` the user saw when opening the form; a mismatch means
someone else saved in between and the edit is refused (docs/product.md §11: concurrent edits are
detected, not silently overwritten).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import Action, user_can

from .models import (
    HOSTING_KINDS,
    CommitteePost,
    Enterprise,
    Member,
    MemberTransfer,
    Organization,
    PartyGroup,
)
from .selectors import enterprise_links, enterprises_linked_to

STALE_MESSAGE = _(
    "This record was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)

# Fields a form may set through the services below; anything else is a programming error.
ORGANIZATION_PROFILE_FIELDS = (
    "full_name",
    "short_name",
    "founded_on",
    "founding_document",
    "secretary_name",
    "contact_name",
    "contact_phone",
)
# Administrative fields: changing them is an act of the supervising organization, so
# they need MANAGE_ORGANIZATIONS at the node (see organization_update).
ORGANIZATION_ADMIN_FIELDS = ("kind", "code", "is_weak", "is_active")
ORGANIZATION_FIELDS = ORGANIZATION_PROFILE_FIELDS + ORGANIZATION_ADMIN_FIELDS

MEMBER_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "education",
    "native_place",
    "started_work_on",
    "joined_on",
    "full_member_on",
    "status",
    "enterprise",
    "post",
    "phone",
    "party_post",
    "is_investor",
    "is_pocket",
    "mobile",
    "mobile_organization",
    "lost_contact",
    "lost_contact_kind",
    "lost_contact_reason",
)

ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "enterprise_type",
    "industry",
    "employee_count",
    "legal_rep_is_member",
    "investor_is_member",
    "address",
)

LINK_HOST = "host"
LINK_ATTACHED = "attached"


def _check(actor: Any | None, allowed: bool) -> None:
    if actor is not None and not allowed:
        raise PermissionDenied


def _assign(instance: Any, fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__} fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _attribute(instance: Any, actor: Any | None) -> None:
    if actor is not None and getattr(actor, "pk", None):
        instance._history_user = actor


def _refuse_if_stale(current: Any, seen_updated_at: dt.datetime | None) -> None:
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")


# --- organizations -----------------------------------------------------------------------


def may_edit_organization(actor: Any, organization: Organization) -> bool:
    """Profile edits need RECORD (the organization keeps its own record) or
    MANAGE_ORGANIZATIONS (its supervisors, who also created it)."""
    return user_can(actor, Action.RECORD, organization) or user_can(
        actor, Action.MANAGE_ORGANIZATIONS, organization
    )


@transaction.atomic
def organization_create(
    *, actor: Any | None, parent: Organization, fields: Mapping[str, Any]
) -> Organization:
    """Add a child node under `parent`. Creating a node is an administrative act, so the
    actor needs MANAGE_ORGANIZATIONS at the parent. Treebeard inserts the node in code order,
    which may rewrite sibling paths (one UPDATE per shifted sibling subtree)."""
    _check(actor, actor is not None and user_can(actor, Action.MANAGE_ORGANIZATIONS, parent))
    organization = Organization()
    _assign(organization, fields, ORGANIZATION_FIELDS)
    organization.full_clean(exclude=["path", "depth", "numchild"])
    _attribute(organization, actor)
    added: Organization = Organization.objects.add_child(parent, instance=organization)
    return added


@transaction.atomic
def organization_update(
    *,
    actor: Any | None,
    organization: Organization,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> Organization:
    """Profile fields need RECORD or MANAGE_ORGANIZATIONS at the node; the administrative
    fields (kind, code, weak-and-lax, active) need MANAGE_ORGANIZATIONS."""
    current: Organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _check(actor, actor is not None and may_edit_organization(actor, current))
    if set(fields) & set(ORGANIZATION_ADMIN_FIELDS):
        _check(actor, actor is not None and user_can(actor, Action.MANAGE_ORGANIZATIONS, current))
    _refuse_if_stale(current, seen_updated_at)
    _assign(current, fields, ORGANIZATION_FIELDS)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


# --- members -----------------------------------------------------------------------------


@transaction.atomic
def member_create(
    *, actor: Any | None, organization: Organization, fields: Mapping[str, Any]
) -> Member:
    """Add a member to the roster of `organization` (RECORD there)."""
    _check(actor, actor is not None and user_can(actor, Action.RECORD, organization))
    member = Member(organization=organization)
    _assign(member, fields, MEMBER_FIELDS)
    member.full_clean()
    _attribute(member, actor)
    member.save()
    return member


@transaction.atomic
def member_update(
    *,
    actor: Any | None,
    member: Member,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> Member:
    """Edit a member's fields (RECORD at the member's organization). The organization
    changes only through member_transfer."""
    current: Member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=member.pk)
    )
    _check(actor, actor is not None and user_can(actor, Action.RECORD, current.organization))
    _refuse_if_stale(current, seen_updated_at)
    _assign(current, fields, MEMBER_FIELDS)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


@transaction.atomic
def member_transfer(
    *,
    actor: Any | None,
    member: Member,
    to_organization: Organization,
    moved_on: dt.date | None = None,
    reason: str = "",
) -> MemberTransfer:
    """Move a member to another organization: RECORD at the source (it lets the member
    go) and VIEW at the destination (a receiving organization the actor can see). Writes
    the MemberTransfer row and the member's new organization in one transaction; the
    enterprise is cleared when it is not linked to the destination."""
    current: Member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=member.pk)
    )
    _check(actor, actor is not None and user_can(actor, Action.RECORD, current.organization))
    _check(actor, actor is not None and user_can(actor, Action.VIEW, to_organization))
    if not current.is_active:
        raise ValidationError(_("Only a member on the roster can be transferred."))
    if current.organization_id == to_organization.pk:
        raise ValidationError(
            {"to_organization": _("The member already belongs to this organization.")}
        )
    transfer = MemberTransfer(
        member=current,
        from_organization=current.organization,
        to_organization=to_organization,
        moved_on=moved_on or timezone.localdate(),
        reason=reason,
        recorded_by=actor if actor is not None and actor.pk else None,
    )
    # recorded_by is empty for system moves (imports); the model field is not blank=True.
    transfer.full_clean(exclude=["recorded_by"])
    transfer.save()
    if current.enterprise_id is not None:
        linked = enterprises_linked_to(to_organization).filter(pk=current.enterprise_id)
        if not linked.exists():
            current.enterprise = None
    current.organization = to_organization
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return transfer


def _set_roster(actor: Any | None, member: Member, active: bool) -> Member:
    current: Member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=member.pk)
    )
    _check(actor, actor is not None and user_can(actor, Action.RECORD, current.organization))
    if current.is_active != active:
        current.is_active = active
        _attribute(current, actor)
        current.save()
    return current


@transaction.atomic
def member_deactivate(*, actor: Any | None, member: Member) -> Member:
    """Take a member off the roster (never delete: history and records keep pointing at
    the member). RECORD at the member's organization. Idempotent."""
    return _set_roster(actor, member, False)


@transaction.atomic
def member_reactivate(*, actor: Any | None, member: Member) -> Member:
    """Put a member taken off the roster by mistake back on it. Idempotent."""
    return _set_roster(actor, member, True)


# --- enterprises -------------------------------------------------------------------------


def may_edit_enterprise(actor: Any, enterprise: Enterprise) -> bool:
    """RECORD at any organization the enterprise hosts or is attached to."""
    return getattr(actor, "is_superuser", False) or any(
        user_can(actor, Action.RECORD, org) for org in enterprise_links(enterprise)
    )


@transaction.atomic
def enterprise_create(
    *,
    actor: Any | None,
    organization: Organization,
    link: str,
    fields: Mapping[str, Any],
) -> Enterprise:
    """Create an enterprise linked to `organization` (RECORD there): with link="host"
    the organization sits in the enterprise; with link="attached" the enterprise has no
    organization of its own and is attached to this park, industry, village or community
    organization."""
    _check(actor, actor is not None and user_can(actor, Action.RECORD, organization))
    if link not in (LINK_HOST, LINK_ATTACHED):
        raise ValueError(f"unknown link {link!r}")
    if link == LINK_ATTACHED and organization.kind not in HOSTING_KINDS:
        raise ValidationError(
            {
                "organization": _(
                    "An enterprise can only be attached to a park, industry, village or "
                    "community organization."
                )
            }
        )
    enterprise = Enterprise()
    _assign(enterprise, fields, ENTERPRISE_FIELDS)
    if link == LINK_ATTACHED:
        enterprise.attached_to = organization
    enterprise.full_clean()
    _attribute(enterprise, actor)
    enterprise.save()
    if link == LINK_HOST:
        organization.enterprises.add(enterprise)
    return enterprise


@transaction.atomic
def enterprise_update(
    *,
    actor: Any | None,
    enterprise: Enterprise,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> Enterprise:
    """Edit an enterprise's own fields (RECORD at a linked organization)."""
    current: Enterprise = (
        Enterprise.objects.select_for_update(of=("self",))
        .select_related("attached_to")
        .prefetch_related("organizations")
        .get(pk=enterprise.pk)
    )
    _check(actor, actor is not None and may_edit_enterprise(actor, current))
    _refuse_if_stale(current, seen_updated_at)
    _assign(current, fields, ENTERPRISE_FIELDS)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


# --- the committee and the Party groups ------------------------------------------------------


def _require_record(actor: Any | None, organization: Organization) -> None:
    _check(actor, actor is not None and user_can(actor, Action.RECORD, organization))


@transaction.atomic
def committee_post_add(
    *,
    actor: Any | None,
    organization: Organization,
    member: Member,
    role: str,
    starts_on: dt.date,
) -> CommitteePost:
    """Give a member of `organization` a committee post from `starts_on` (RECORD)."""
    _require_record(actor, organization)
    post = CommitteePost(organization=organization, member=member, role=role, starts_on=starts_on)
    post.full_clean()
    post.save()
    return post


@transaction.atomic
def committee_post_end(*, actor: Any | None, post: CommitteePost, ends_on: dt.date) -> None:
    """The post is held until `ends_on` (RECORD)."""
    _require_record(actor, post.organization)
    post.ends_on = ends_on
    post.full_clean()
    post.save(update_fields=["ends_on"])


@transaction.atomic
def party_group_create(
    *,
    actor: Any | None,
    organization: Organization,
    name: str,
    starts_on: dt.date,
    members: list[Member],
    leader: Member | None = None,
) -> PartyGroup:
    """Form a Party group of members of `organization` (RECORD)."""
    _require_record(actor, organization)
    if any(m.organization_id != organization.pk for m in [*members, *([leader] if leader else [])]):
        raise ValidationError({"members": _("Pick members of this organization.")})
    group = PartyGroup(
        organization=organization, name=(name or "").strip(), starts_on=starts_on, leader=leader
    )
    group.full_clean()
    group.save()
    group.members.set(members)
    return group


@transaction.atomic
def party_group_end(*, actor: Any | None, group: PartyGroup, ends_on: dt.date) -> None:
    """The group is dissolved after `ends_on` (RECORD)."""
    _require_record(actor, group.organization)
    group.ends_on = ends_on
    group.full_clean()
    group.save(update_fields=["ends_on"])
