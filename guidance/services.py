"""Writes of the visit log. Who may write (documented in views.py as well):
* log a visit: an instructor assigned to the organization or to one above it
  (docs/product.md §4: an instructor acts on their organizations and their descendants), or a
  site administrator;
* edit a visit: the instructor who logged it while they are still assigned there, or a
  site administrator.

Every function takes keyword-only arguments and the acting user, validates with
full_clean() and writes in one transaction; edits carry the `updated_at` the user
saw and are refused when someone saved in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role
from portal.accounts.permissions import roles_for

from .models import GuidanceVisit

VISIT_FIELDS = ("visited_on", "checked", "advice", "follow_up_due", "follow_up_done_on")

STALE_MESSAGE = _(
    "This visit was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)


def may_log_visit(user: Any, organization: Any) -> bool:
    """Is `user` an instructor of `organization` (assigned to it or above it), or a site
    administrator? No query beyond the user's cached roles."""
    if user.is_superuser:
        return True
    return any(
        ra.role == Role.INSTRUCTOR and organization.path.startswith(ra.organization.path)
        for ra in roles_for(user)
    )


def may_edit_visit(user: Any, visit: GuidanceVisit) -> bool:
    """The instructor who logged the visit (still assigned there), or an administrator.
    Needs `visit.organization` loaded."""
    if user.is_superuser:
        return True
    return visit.instructor_id == user.pk and may_log_visit(user, visit.organization)


def _assign(visit: GuidanceVisit, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise TypeError(f"Visit fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(visit, name, value)


@transaction.atomic
def visit_create(*, actor: Any, organization: Any, fields: Mapping[str, Any]) -> GuidanceVisit:
    """Log a visit of `actor` to `organization`. PermissionDenied unless may_log_visit;
    ValidationError for bad data. Writes the visit and its first history row."""
    if not may_log_visit(actor, organization):
        raise PermissionDenied
    visit = GuidanceVisit(organization=organization, instructor=actor)
    _assign(visit, fields)
    visit.full_clean()
    visit._history_user = actor  # type: ignore[attr-defined]  # simple_history reads it
    visit.save()
    return visit


@transaction.atomic
def visit_update(
    *,
    actor: Any,
    visit: GuidanceVisit,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> GuidanceVisit:
    """Edit a visit (dates, what was checked, advice, follow-up). The organization and
    the instructor stay. Refused (ValidationError, code "stale") when someone saved in
    between; PermissionDenied unless may_edit_visit."""
    current: GuidanceVisit = (
        GuidanceVisit.objects.select_for_update(of=("self",))
        .select_related("organization", "instructor")
        .get(pk=visit.pk)
    )
    if not may_edit_visit(actor, current):
        raise PermissionDenied
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")
    _assign(current, fields)
    current.full_clean()
    current._history_user = actor  # type: ignore[attr-defined]  # simple_history reads it
    current.save()
    return current
