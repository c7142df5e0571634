"""The daily reminders (issue #4 part 8), run by the Celery beat job
rectification.tasks.daily_reminders every morning.

What is reminded, and to whom (the organization's secretaries: role "secretary" at that
very organization; for items also the responsible member's login, when linked):

* a problem-list item (of an approved list, not closed) whose deadline is 7, 3 or 1
  days away;
* an overdue item: on its first day overdue and then weekly (days overdue 1, 7, 14, 21,
  … up to OVERDUE_MAX_WEEKS weeks), not daily;
* materials not submitted as a phase ends (the phase ends within PHASE_DAYS_BEFORE days
  or ended yesterday): the material each requirement of the phase needs (MATERIALS,
  by requirement kind: the activity plan, the two self-examination statements, the
  problem list; in the 2014 template phases 1, 2 and 3, in another campaign wherever
  its requirements put them). "Submitted" means submitted for review or approved; a
  draft or a returned record is not. Organizations of the kinds the requirement
  applies to, in the campaign's subtree;
* a leadership term due for re-election within 90 days or overdue: once per term
  (upgrading/reminders.py);
* an announced meeting starting tomorrow: to its expected members with a login, except
  those who answered that they cannot attend (activities/announcements/services.py).

Once-only: every reminder has a key naming its event (models/reminders.py); the
ReminderSent ledger's unique (recipient, key) constraint lets each be sent once, however
often the job runs. In-app notifications go through portal.notifications
(notify_batch); e-mail copies follow on commit where NOTIFY_BY_EMAIL is on.

Cost of a run: a fixed handful of queries whatever the number of organizations and
items: items due or overdue today (1), their organizations' secretaries (1), the phases
ending around today (1), per such phase and material the secretaries of the
organizations missing it (1, usually 0-2), the terms due for re-election (1) and, when
there are any, their secretaries (1), the invitations to meetings starting tomorrow (1), the ledger insert (1 bulk) and read-back (1), and
the notification insert (1 bulk). Large inserts are split into batches by Django.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Combinable, NegatedExpression
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, ngettext

from activities.models import (
    ActivityPlan,
    Campaign,
    CampaignStatus,
    Phase,
    SelfExamination,
    StatementSubject,
)
from activities.models.campaigns import left_out
from activities.requirements import PARTICIPATING_KINDS
from portal.accounts.models import Role, RoleAssignment
from portal.notifications.services import Message, notify_batch
from portal.progress.engine import requirements
from portal.reviews.models import ReviewStatus

from .models import ItemStatus, ProblemItem, ProblemList, ReminderSent

log = logging.getLogger(__name__)

DUE_DAYS = (7, 3, 1)
OVERDUE_EVERY = 7
OVERDUE_MAX_WEEKS = 52
PHASE_DAYS_BEFORE = 3
SUBMITTED = (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)

VERB_DUE = "reminder.item_due"
VERB_OVERDUE = "reminder.item_overdue"
VERB_PHASE_END = "reminder.phase_end"


def overdue_days_to_remind() -> list[int]:
    """1, 7, 14, 21, … : the first day overdue, then weekly."""
    return [1] + [OVERDUE_EVERY * week for week in range(1, OVERDUE_MAX_WEEKS + 1)]


@dataclass(frozen=True)
class Event:
    """Something to remind an organization (and perhaps named people) of."""

    key: str
    organization_id: int
    verb: str
    title: Any  # lazy: rendered in each recipient's language
    body: Any
    url: str
    also: tuple[Any, ...] = ()  # users reminded besides the secretaries


@dataclass
class RunReport:
    """What a run found and sent (logged by the task, read by tests)."""

    events: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent: int = 0
    already_sent: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"events": dict(self.events), "sent": self.sent, "already_sent": self.already_sent}


# --- texts, rendered lazily per recipient ----------------------------------------------------


def _due_title(days: int, number: int, org: str) -> str:
    return ngettext(
        "Deadline tomorrow: item %(number)d of the problem list of %(org)s",
        "Deadline in %(days)d days: item %(number)d of the problem list of %(org)s",
        days,
    ) % {"days": days, "number": number, "org": org}


def _overdue_title(days: int, number: int, org: str) -> str:
    return ngettext(
        "Overdue by %(days)d day: item %(number)d of the problem list of %(org)s",
        "Overdue by %(days)d days: item %(number)d of the problem list of %(org)s",
        days,
    ) % {"days": days, "number": number, "org": org}


def _item_body(description: str, deadline: dt.date, overdue: bool) -> str:
    text = description.strip().replace("\n", " ")
    if len(text) > 200:
        text = text[:200] + "…"
    ask = (
        gettext("Finish the rectification and request closure, or request an extension.")
        if overdue
        else gettext("Request closure with evidence once it is done, or an extension in time.")
    )
    return "\n".join([text, gettext("Deadline: %(date)s.") % {"date": deadline.isoformat()}, ask])


def _pick(zh: str, en: str) -> str:
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


def _phase_title(
    number: int, name_zh: str, name_en: str, ends_on: dt.date, ended: bool, org: str, what: str
) -> str:
    values = {
        "n": number,
        "name": _pick(name_zh, name_en),
        "date": ends_on.isoformat(),
        "what": MATERIALS[what].what(),
        "org": org,
    }
    if ended:
        return (
            gettext("Phase %(n)d (%(name)s) ended on %(date)s: %(what)s of %(org)s not submitted")
            % values
        )
    return (
        gettext("Phase %(n)d (%(name)s) ends on %(date)s: %(what)s of %(org)s not submitted")
        % values
    )


def _phase_body(campaign: str, what: str) -> str:
    return gettext(
        "%(campaign)s: submit %(what)s for review. A draft or a returned version does not "
        "count as submitted."
    ) % {"campaign": campaign, "what": MATERIALS[what].what()}


_lazy = lazy(lambda fn, *args: fn(*args), str)


def _text(fn: Callable[..., str], *args: Any) -> Any:
    """A string rendered when the notification is written, in the recipient's language."""
    return _lazy(fn, *args)


# --- what is due today -------------------------------------------------------------------------


def _item_events(today: dt.date) -> tuple[list[Event], Any]:
    """Items whose deadline is 7/3/1 days away or which are overdue by 1, 7, 14, …
    days; of approved lists of active, open campaigns and organizations; not closed. One
    query; also returns the queryset of their organizations' ids (for a subquery)."""
    due = {today + dt.timedelta(days=d): d for d in DUE_DAYS}
    overdue = {today - dt.timedelta(days=d): d for d in overdue_days_to_remind()}
    items = (
        ProblemItem.objects.filter(
            deadline__in=[*due, *overdue],
            problem_list__review_status=ReviewStatus.APPROVED,
            problem_list__campaign__is_active=True,
            # A closed campaign (or one not open yet) reminds nobody (docs/product.md §5.2).
            problem_list__campaign__status=CampaignStatus.OPEN,
            problem_list__organization__is_active=True,
        )
        .exclude(status=ItemStatus.CLOSED)
        .select_related("problem_list__organization", "responsible_member__user")
        .order_by("pk")
    )
    events = []
    for item in items:
        org = item.problem_list.organization
        member = item.responsible_member
        also = (member.user,) if member is not None and member.user_id else ()
        if item.deadline in due:
            days = due[item.deadline]
            key, verb, title = (
                f"item:{item.pk}:due:{item.deadline.isoformat()}:{days}",
                VERB_DUE,
                _text(_due_title, days, item.number, org.short_name),
            )
        else:
            days = overdue[item.deadline]
            key, verb, title = (
                f"item:{item.pk}:overdue:{item.deadline.isoformat()}:{days}",
                VERB_OVERDUE,
                _text(_overdue_title, days, item.number, org.short_name),
            )
        body = _text(_item_body, item.description, item.deadline, verb == VERB_OVERDUE)
        events.append(Event(key, org.pk, verb, title, body, item.get_absolute_url(), also))
    org_ids = items.values("problem_list__organization_id")
    return events, org_ids


def _secretaries(org_filter: Q) -> dict[int, list[RoleAssignment]]:
    """{organization id: the secretary role assignments there (active users), with the
    user and the organization loaded}. One query."""
    rows = (
        RoleAssignment.objects.filter(org_filter, role=Role.SECRETARY, user__is_active=True)
        .select_related("user", "organization")
        .order_by("organization_id", "user_id")
    )
    result: dict[int, list[RoleAssignment]] = defaultdict(list)
    for ra in rows:
        result[ra.organization_id].append(ra)
    return result


def _plan_missing(campaign: Campaign) -> NegatedExpression[Combinable] | Q:
    done = ActivityPlan.objects.filter(
        organization=OuterRef("pk"), campaign=campaign, review_status__in=SUBMITTED
    )
    return ~Exists(done)


def _statements_missing(campaign: Campaign) -> NegatedExpression[Combinable] | Q:
    def statement(subject: str) -> Exists:
        return Exists(
            SelfExamination.objects.filter(
                organization=OuterRef("pk"),
                campaign=campaign,
                subject=subject,
                review_status__in=SUBMITTED,
            )
        )

    return ~statement(StatementSubject.TEAM) | ~statement(StatementSubject.SECRETARY)


def _problem_list_missing(campaign: Campaign) -> NegatedExpression[Combinable] | Q:
    submitted = ProblemList.objects.filter(
        organization=OuterRef("pk"), campaign=campaign, review_status__in=SUBMITTED
    )
    return ~Exists(submitted)


@dataclass(frozen=True)
class Material:
    """A record submitted for review that a requirement kind needs: reminded of as the
    phase holding such a requirement ends (docs/product.md §6.3)."""

    key: str  # the reminder's key prefix (stable: the ledger's keys)
    what: Callable[[], str]
    url_name: str
    missing: Callable[[Campaign], NegatedExpression[Combinable] | Q]  # on Organization rows


# {requirement kind: the material it needs}. A campaign's phases are data: whichever
# phase holds a requirement of one of these kinds reminds of its material as it ends.
MATERIALS: dict[str, Material] = {
    "plan_approved": Material(
        "plan", lambda: gettext("the activity plan"), "activities:plan_overview", _plan_missing
    ),
    "statements_approved": Material(
        "statements",
        lambda: gettext("the self-examination statements"),
        "activities:statement_list",
        _statements_missing,
    ),
    "problem_list_published": Material(
        "problem-list",
        lambda: gettext("the problem list"),
        "rectification:problem_lists",
        _problem_list_missing,
    ),
}


def _phase_materials(phase: Phase) -> list[tuple[str, frozenset[str]]]:
    """[(requirement kind, organization kinds it applies to)] of the phase's
    requirements that need a material, each kind once. No query while this process has
    the campaign's requirements (portal.progress.engine.requirements), one otherwise."""
    found: dict[str, set[str]] = {}
    for req in requirements(phase.campaign):
        if req.phase == phase.number and req.kind in MATERIALS:
            kinds = getattr(req.applies_to, "kinds", None) or PARTICIPATING_KINDS
            found.setdefault(req.kind, set()).update(kinds)
    return [(kind, frozenset(kinds)) for kind, kinds in found.items()]


def _phase_events(today: dt.date) -> list[tuple[Event, list[Any]]]:
    """Phase-end events with their recipients: the phases of active campaigns ending
    within PHASE_DAYS_BEFORE days or yesterday; for each, per material its
    requirements need (MATERIALS), the organizations those requirements apply to whose
    material is not submitted, with their secretaries. One query for the phases, then
    one per such phase and material (organizations joined with their secretaries' role
    assignments)."""
    from organizations.models import Organization

    phases = (
        Phase.objects.filter(
            campaign__is_active=True,
            # Running campaigns only: no draft's phases, nor a closed one's (§5.2).
            campaign__in=Campaign.objects.running().values("pk"),
            ends_on__gte=today - dt.timedelta(days=1),
            ends_on__lte=today + dt.timedelta(days=PHASE_DAYS_BEFORE),
        )
        .select_related("campaign__lead_organization")
        .order_by("ends_on", "pk")
    )
    result = []
    for phase in phases:
        campaign = phase.campaign
        ended = phase.ends_on < today
        for kind, org_kinds in _phase_materials(phase):
            material = MATERIALS[kind]
            missing = (
                Organization.objects.filter(
                    material.missing(campaign),
                    path__startswith=campaign.lead_organization.path,
                    is_active=True,
                    kind__in=sorted(org_kinds),
                )
                .exclude(left_out(campaign))  # docs/product.md §5: not those left out
                .values("pk")
            )
            for org_id, assignments in _secretaries(Q(organization_id__in=missing)).items():
                org_name = assignments[0].organization.short_name
                key = (
                    f"{material.key}:org{org_id}:campaign{campaign.pk}:"
                    f"phase{phase.number}-end:{phase.ends_on.isoformat()}"
                )
                title = _text(
                    _phase_title,
                    phase.number,
                    phase.name_zh,
                    phase.name_en,
                    phase.ends_on,
                    ended,
                    org_name,
                    kind,
                )
                event = Event(
                    key=key,
                    organization_id=org_id,
                    verb=VERB_PHASE_END,
                    title=title,
                    body=_text(_phase_body, campaign.name, kind),
                    url=reverse(material.url_name, args=[org_id]),
                )
                result.append((event, [ra.user for ra in assignments]))
    return result


# --- sending once --------------------------------------------------------------------------------


def _claim(pairs: Iterable[tuple[Any, str]], today: dt.date) -> set[tuple[int, str]]:
    """Insert a ledger row for each (user, key) not sent before and return the pairs
    this call inserted. Concurrent runs cannot both claim a pair: the unique
    constraint lets one insert win and the other's row is skipped (ON CONFLICT DO
    NOTHING); each run then reads back only the rows under its own token. Two queries."""
    run = uuid.uuid4()
    rows = [
        ReminderSent(recipient_id=user.pk, key=key, run=run, sent_on=today) for user, key in pairs
    ]
    if not rows:
        return set()
    ReminderSent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return set(ReminderSent.objects.filter(run=run).values_list("recipient_id", "key"))


@transaction.atomic
def send_daily_reminders(today: dt.date) -> RunReport:
    """Find today's reminders and send each one that was never sent before (in-app,
    and by e-mail on commit where configured). Safe to run any number of times a day:
    a reminder already in the ledger is skipped. Returns counts per kind of event."""
    report = RunReport()
    item_events, item_org_ids = _item_events(today)
    secretaries = _secretaries(Q(organization_id__in=item_org_ids)) if item_events else {}
    planned: list[tuple[Any, Event]] = []
    for event in item_events:
        report.events[event.verb] += 1
        users = [ra.user for ra in secretaries.get(event.organization_id, [])]
        for user in [*users, *event.also]:
            planned.append((user, event))
    for event, users in _phase_events(today):
        report.events[event.verb] += 1
        planned.extend((user, event) for user in users)
    # Leadership terms due for re-election (upgrading/reminders.py, docs/product.md §6.4).
    from upgrading.reminders import term_events

    due_terms = term_events(today, Event)
    if due_terms:
        term_secretaries = _secretaries(
            Q(organization_id__in=[event.organization_id for event in due_terms])
        )
        for event in due_terms:
            report.events[event.verb] += 1
            planned.extend(
                (ra.user, event) for ra in term_secretaries.get(event.organization_id, [])
            )

    # Announced meetings starting tomorrow, to their expected members
    # (activities/announcements/services.py, docs/product.md §6.1).
    from activities.announcements.services import meeting_eve_events

    for event, users in meeting_eve_events(today, Event):
        report.events[event.verb] += 1
        planned.extend((user, event) for user in users)

    # One reminder per (recipient, key), active users only.
    unique: dict[tuple[int, str], tuple[Any, Event]] = {}
    for user, event in planned:
        if user is not None and user.is_active:
            unique.setdefault((user.pk, event.key), (user, event))
    claimed = _claim(((user, event.key) for user, event in unique.values()), today)
    messages = [
        Message(recipient=user, verb=event.verb, title=event.title, body=event.body, url=event.url)
        for (user_id, key), (user, event) in unique.items()
        if (user_id, key) in claimed
    ]
    notify_batch(messages)
    report.sent = len(messages)
    report.already_sent = len(unique) - len(messages)
    log.info("daily reminders for %s: %s", today, report.as_dict())
    return report
