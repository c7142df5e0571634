"""Urging (催办): a reviewer or the campaign office reminds organizations below them
that fail a requirement. The reminder is an in-app notification to the organization's
secretaries and clerks (e-mailed after commit when e-mail is on: portal.notifications)
with the sender's optional note, and a row (models.Urge) saying who urged whom, when,
for which requirement.

Rules:
* Who: site administrators, and users with a reviewer or campaign-office role at the
  organization or above it (may_urge). Instructors, secretaries and clerks may not.
* Whom: only organizations inside the sender's scope AND under the node the reminder is
  sent from; others in a request are skipped, never urged.
* Only organizations failing the requirement (not met; a record submitted and waiting
  for review is not failing) are urged, as the roll-up row says.
* Once per requirement a day: an organization urged for a requirement in the last
  URGE_INTERVAL is not urged again; the refusal names the time of the first reminder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organizations.models import Organization
from portal.accounts.models import Role, RoleAssignment
from portal.accounts.permissions import roles_for
from portal.core.closed import refuse_if_closed
from portal.notifications.services import Message, notify_batch

from .engine import requirements
from .models import Standing, Urge
from .rollup import ensure_fresh

URGE_INTERVAL = dt.timedelta(hours=24)
URGING_ROLES = frozenset({Role.REVIEWER, Role.OFFICE})
RECIPIENT_ROLES = (Role.SECRETARY, Role.CLERK)
VERB = "progress.urged"
FAILING_LETTERS = frozenset("arp")


def may_urge(user: Any, org: Organization) -> bool:
    """Reviewers and the campaign office at the organization or above it, and site
    administrators. No query beyond the user's cached roles."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        ra.role in URGING_ROLES and org.path.startswith(ra.organization.path)
        for ra in roles_for(user)
    )


@dataclass
class UrgeOutcome:
    sent: list[Urge] = field(default_factory=list)
    # (organization, time of the reminder sent within URGE_INTERVAL)
    refused: list[tuple[Organization, dt.datetime]] = field(default_factory=list)
    not_failing: list[Organization] = field(default_factory=list)
    skipped: int = 0  # ids outside the sender's scope or the node: never urged


def _requirement_label(campaign: Any, code: str) -> Any:
    for req in requirements(campaign):
        if req.code == code:
            return req.label
    raise ValidationError({"requirement": _("Unknown requirement.")})


@transaction.atomic
def urge_send(
    *,
    actor: Any,
    root: Organization,
    campaign: Any,
    requirement: str,
    organization_ids: list[int],
    note: str = "",
    now: dt.datetime | None = None,
) -> UrgeOutcome:
    """Urge the organizations (ids) under `root` failing `requirement` in `campaign`.
    Queries: the roll-up's freshness check (2, more when rows are stale: the levels read
    are current), the organizations (1), their roll-up rows (1), the reminders of the last
    day (1, locked), the recipients (1), then one INSERT of reminders and one of
    notifications — whatever the number of organizations."""
    refuse_if_closed(campaign)  # docs/product.md §5.2
    label = _requirement_label(campaign, requirement)
    ensure_fresh(root, campaign)
    codes = [r.code for r in requirements(campaign)]
    position = codes.index(requirement)
    now = now or timezone.now()
    outcome = UrgeOutcome()
    wanted = sorted(set(organization_ids))
    orgs = [
        o
        for o in Organization.objects.filter(
            pk__in=wanted, path__startswith=root.path, is_active=True
        ).order_by("path")
        if may_urge(actor, o)
    ]
    outcome.skipped = len(wanted) - len(orgs)
    states = dict(
        Standing.objects.filter(campaign=campaign, organization__in=orgs).values_list(
            "organization_id", "states"
        )
    )
    failing = []
    for org in orgs:
        row = states.get(org.pk, "")
        if len(row) > position and row[position] in FAILING_LETTERS:
            failing.append(org)
        else:
            outcome.not_failing.append(org)
    # The recent urges, locked (PostgreSQL refuses FOR UPDATE with GROUP BY: the latest
    # per organization is taken here, not by an aggregate).
    recent: dict[int, Any] = {}
    for org_id, urged_at in (
        Urge.objects.select_for_update()
        .filter(
            campaign=campaign,
            requirement=requirement,
            organization__in=failing,
            urged_at__gt=now - URGE_INTERVAL,
        )
        .order_by()
        .values_list("organization_id", "urged_at")
    ):
        if org_id not in recent or urged_at > recent[org_id]:
            recent[org_id] = urged_at
    to_urge = []
    for org in failing:
        if org.pk in recent:
            outcome.refused.append((org, recent[org.pk]))
        else:
            to_urge.append(org)
    rows = []
    for org in to_urge:
        urge = Urge(
            campaign=campaign,
            organization=org,
            requirement=requirement,
            note=note.strip(),
            urged_by=actor,
            urged_at=now,
        )
        urge.full_clean()
        rows.append(urge)
    outcome.sent = Urge.objects.bulk_create(rows)
    if not to_urge:
        return outcome
    by_org = {o.pk: o for o in to_urge}
    recipients = (
        RoleAssignment.objects.filter(organization__in=to_urge, role__in=RECIPIENT_ROLES)
        .select_related("user")
        .order_by("organization_id", "user_id")
    )
    messages = []
    seen: set[tuple[int, int]] = set()
    for ra in recipients:
        key = (ra.organization_id, ra.user_id)
        if key in seen:
            continue
        seen.add(key)
        org = by_org[ra.organization_id]
        title = format_lazy(
            _("Reminder from {sender}: {requirement}"),
            sender=actor.get_full_name() or actor.get_username(),
            requirement=label,
        )
        body = format_lazy(
            _("{organization} has not yet met “{requirement}”. {note}"),
            organization=org,
            requirement=label,
            note=note.strip(),
        )
        url = reverse("progress:checklist_campaign", args=[org.pk, campaign.pk])
        messages.append(Message(recipient=ra.user, verb=VERB, title=title, body=body, url=url))
    notify_batch(messages)
    return outcome


def ago(when: dt.datetime, now: dt.datetime | None = None) -> str:
    """How long ago, in its largest unit only ("2 days"; 天 in Chinese, as the
    secretaries say it): "urged 2 days ago"."""
    seconds = max(0, ((now or timezone.now()) - when).total_seconds())
    if seconds < 3600:
        n = max(1, int(seconds // 60))
        return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}
    if seconds < 86400:
        n = int(seconds // 3600)
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    n = int(seconds // 86400)
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def latest_urges(
    campaign: Any, org_ids: list[int], requirement: str | None = None
) -> dict[int, dt.datetime]:
    """{organization id: time of its latest reminder} in the campaign (for one
    requirement, or any). One grouped query."""
    if not org_ids:
        return {}
    qs = Urge.objects.filter(campaign=campaign, organization_id__in=org_ids)
    if requirement:
        qs = qs.filter(requirement=requirement)
    return dict(
        qs.order_by().values_list("organization_id").annotate(last=Max("urged_at")).order_by()
    )


def latest_urges_by_requirement(
    campaign_orgs: list[tuple[Any, int]],
) -> dict[tuple[int, str], Urge]:
    """{(organization id, requirement): its latest reminder} for (campaign, organization
    id) pairs (a secretary's home: each organization in its campaign). One query."""
    if not campaign_orgs:
        return {}
    from django.db.models import Q

    q = Q()
    for campaign, org_id in campaign_orgs:
        q |= Q(campaign=campaign, organization_id=org_id)
    found: dict[tuple[int, str], Urge] = {}
    for urge in Urge.objects.filter(q).select_related("urged_by").order_by("-urged_at", "-pk"):
        found.setdefault((urge.organization_id, urge.requirement), urge)
    return found
