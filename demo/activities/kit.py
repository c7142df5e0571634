"""The tools of the demo builders (demo/activities, and rectification's after it):
2014 dates for what the services write (`DemoClock`), the people who act for each
organization (`Cast`, `demo_cast`), and `Demo`, the state one build carries around
(the cast, a seeded random generator, the clock)."""

from __future__ import annotations

import contextvars
import datetime as dt
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connections, models, router
from django.db.models import F, Q
from django.db.models.signals import pre_save
from django.utils import timezone

from activities.models import Campaign
from activities.requirements import PARTICIPATING_KINDS
from activities.seed import ensure_campaign_2014
from demo.organizations import INSTRUCTOR_ORGS, SECRETARY2_ORG, SECRETARY_ORG
from organizations.models import Member, Organization, PartyPost
from portal.accounts.models import Role, User
from portal.accounts.services import user_create
from portal.notifications.models import Notification
from portal.reviews.models import ReviewStatus, ReviewTask
from portal.reviews.services import review_transition

SEED = 2014


# The story is written in 2014 dates ("2014-04-09"). They become real dates in at()
# and date() only, moved by this many days: 0 for the 2014 campaign; the current
# campaign replays the same story moved so that it ends just before today
# (demo/activities/campaign.py, current_shift; `with shifted(days):`).
_SHIFT: contextvars.ContextVar[int] = contextvars.ContextVar("demo_shift", default=0)


@contextmanager
def shifted(days: int) -> Iterator[None]:
    token = _SHIFT.set(days)
    try:
        yield
    finally:
        _SHIFT.reset(token)


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware datetime in the site's time zone, from "2014-04-09" (moved, see
    shifted())."""
    naive = dt.datetime.combine(date(day), dt.time(hour, minute))
    return timezone.make_aware(naive)


def shift(day: str, days: int) -> str:
    """A story date `days` later (still a story date)."""
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def date(day: str) -> dt.date:
    """The real date of a story date (moved, see shifted())."""
    return dt.date.fromisoformat(day) + dt.timedelta(days=_SHIFT.get())


class DemoClock:
    """Gives what the services write their demo date.

    The services stamp `timezone.now()`. `with clock.at(moment): <service calls>`
    records the real time window of the calls; `apply()` then rewrites, in every
    DateTimeField of every model of `app_labels` (records, events, inbox rows,
    notifications, history rows), the values inside a window to that window's moment.
    A value written in one step and rewritten in a later one (an inbox row's
    `updated_at`) ends with the later step's moment; values written outside any window
    are left alone."""

    CHUNK = 200

    def __init__(self, app_labels: Iterable[str]) -> None:
        from portal.accounts.audit import APPEND_ONLY_TABLES

        self.columns = [
            (model, f)
            for label in app_labels
            for model in apps.get_app_config(label).get_models()
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateTimeField)
            and model._meta.db_table not in APPEND_ONLY_TABLES
        ]
        # Append-only tables (review events) refuse the rewrite: their rows take the
        # window's moment as they are written instead (at()).
        self.stamped = [
            model
            for label in app_labels
            for model in apps.get_app_config(label).get_models()
            if model._meta.db_table in APPEND_ONLY_TABLES
        ]
        self.windows: list[tuple[dt.datetime, dt.datetime, dt.datetime]] = []
        self._open = False

    @contextmanager
    def at(self, moment: dt.datetime) -> Iterator[None]:
        assert not self._open, "DemoClock.at() blocks do not nest"
        last = self.windows[-1][1] if self.windows else None
        start = timezone.now()
        while last is not None and start <= last:  # windows must not touch
            start = timezone.now()
        self._open = True

        def stamp(sender: Any, instance: Any, **kwargs: Any) -> None:
            if instance._state.adding:
                instance.at = moment

        for model in self.stamped:
            pre_save.connect(stamp, sender=model, weak=False, dispatch_uid="demo-clock-stamp")
        try:
            yield
        finally:
            self._open = False
            for model in self.stamped:
                pre_save.disconnect(sender=model, dispatch_uid="demo-clock-stamp")
        self.windows.append((start, timezone.now(), moment))

    def apply(self) -> None:
        """One `UPDATE t SET c = CASE WHEN c BETWEEN start AND end THEN moment ... END`
        per column (and per CHUNK windows), whatever the number of rows. Written as SQL:
        the ORM's Case/When takes seconds to compile a few hundred branches; this is
        plain SQL for SQLite and PostgreSQL alike, every value a parameter."""
        if not self.windows:
            return
        connection = connections[router.db_for_write(self.columns[0][0])]
        quote = connection.ops.quote_name
        prep = models.DateTimeField().get_db_prep_value  # the same for every column
        prepared = [tuple(prep(v, connection) for v in window) for window in self.windows]
        for i in range(0, len(prepared), self.CHUNK):
            chunk = prepared[i : i + self.CHUNK]
            params = [value for window in chunk for value in window]
            params += [chunk[0][0], chunk[-1][1]]
            with connection.cursor() as cursor:
                for model, field in self.columns:
                    column = quote(field.column)
                    branches = f" WHEN {column} BETWEEN %s AND %s THEN %s" * len(chunk)
                    cursor.execute(
                        f"UPDATE {quote(model._meta.db_table)} SET {column} = CASE{branches}"  # noqa: S608
                        f" ELSE {column} END WHERE {column} BETWEEN %s AND %s",
                        params,
                    )


# --- the people ---------------------------------------------------------------------------

# Accounts the demo adds: (username, full name, role, organization code).
STAFF = [
    ("qs-kfq-clerk", "刘晓敏", Role.CLERK, "QS-KFQ"),
    ("qs-jz-clerk", "赵海峰", Role.CLERK, "QS-JZ"),
    ("qs-lx-reviewer", "杨文斌", Role.REVIEWER, "QS-LX"),
]
LX_REVIEWER = "qs-lx-reviewer"


@dataclass
class Cast:
    """The campaign, the organizations and who acts for each (see demo_cast)."""

    campaign: Campaign
    orgs: dict[str, Organization]  # every node of the county, by code
    rosters: dict[str, list[Member]]  # active members by organization code, by name
    secretaries: dict[str, User]  # who writes and submits for the organization
    clerks: dict[str, User]  # who records meetings and study (else the secretary)
    reviewers: dict[str, User]  # who approves or returns the organization's records
    users: dict[str, User]  # the demo logins by username, and the STAFF accounts
    chairs: dict[str, str]  # who chairs the meetings of committees without members

    def participating(self) -> list[Organization]:
        """The organizations the checklist applies to, in tree order."""
        return sorted(
            (o for o in self.orgs.values() if o.kind in PARTICIPATING_KINDS),
            key=lambda o: o.path,
        )

    def roster(self, code: str) -> list[Member]:
        return self.rosters.get(code, [])

    def parent(self, org: Organization) -> Organization:
        path = org.path[: -org.steplen]
        return next(o for o in self.orgs.values() if o.path == path)

    def recorder(self, code: str) -> User:
        return self.clerks.get(code) or self.secretaries[code]

    def officer(self, code: str, post: str) -> Member | None:
        return next((m for m in self.roster(code) if m.party_post == post), None)

    def is_member_login(self, member: Member) -> bool:
        return member.user_id == self.users["member"].pk


def demo_cast(
    county: Organization, users: dict[str, User], campaign: Campaign | None = None
) -> Cast:
    """Load the county and create the accounts the demo needs, if missing: the STAFF
    and, for every organization taking part without a demo login, its secretary's
    account (no password; linked to the secretary's member record), so every record
    carries an author who had the right to write it. The demo logins act where they
    sit; the instructor reviews the organizations assigned to them, the reviewer the
    rest of the park, the reviewer at 县两新工委 everything else. `campaign`: the
    2014 campaign unless given."""
    campaign = campaign or ensure_campaign_2014(county)
    orgs = {o.code: o for o in Organization.objects.filter(path__startswith=county.path)}
    by_id = {o.pk: code for code, o in orgs.items()}
    rosters: dict[str, list[Member]] = {}
    active = Member.objects.filter(organization__path__startswith=county.path, is_active=True)
    for member in active.order_by("name", "pk"):
        rosters.setdefault(by_id[member.organization_id], []).append(member)

    users = dict(users)
    wanted = [s[0] for s in STAFF] + [f"{code.lower()}-secretary" for code in orgs]
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}

    def account(username: str, **kwargs: Any) -> User:
        return existing.get(username) or user_create(
            actor=None, username=username, password=None, **kwargs
        )

    for username, full_name, role, code in STAFF:
        users[username] = account(username, full_name=full_name, role=role, organization=orgs[code])
    secretaries = {SECRETARY_ORG: users["secretary"], SECRETARY2_ORG: users["secretary2"]}
    for code, org in sorted(orgs.items()):
        if code in secretaries or org.kind not in PARTICIPATING_KINDS:
            continue
        member = next(m for m in rosters[code] if m.party_post == PartyPost.SECRETARY)
        secretaries[code] = account(
            f"{code.lower()}-secretary",
            full_name=member.name,
            role=Role.SECRETARY,
            organization=org,
            member=member,
        )
    clerks = {
        SECRETARY_ORG: users["clerk"],
        "QS-KFQ": users["qs-kfq-clerk"],
        "QS-JZ": users["qs-jz-clerk"],
    }
    park = orgs["QS-KFQ"].path
    reviewers = {}
    for code, org in orgs.items():
        if code in INSTRUCTOR_ORGS:
            reviewers[code] = users["instructor"]
        elif org.path.startswith(park) and code != "QS-KFQ":
            reviewers[code] = users["reviewer"]
        else:
            reviewers[code] = users[LX_REVIEWER]
    # The park committee's leader is the demo reviewer; the industry committee's has no
    # account.
    chairs = {"QS-KFQ": users["reviewer"].full_name, "QS-JZ": "钱国平"}
    return Cast(campaign, orgs, rosters, secretaries, clerks, reviewers, users, chairs)


# --- one build ------------------------------------------------------------------------------


class Demo:
    """What one build carries: the cast, a random generator seeded with SEED (so the
    same calls in the same order give the same data) and the clock over `app_labels`."""

    def __init__(self, cast: Cast, app_labels: Iterable[str], current: bool = False) -> None:
        self.cast = cast
        self.campaign = cast.campaign
        # The running campaign's build (dates moved to end before today): records
        # left waiting are submitted a few days ago, nothing of the campaign's close.
        self.current = current
        self.rng = random.Random(SEED)
        self.clock = DemoClock(app_labels)

    def day(self, start: str, spread: int) -> str:
        """A day from `start` to `spread` days later."""
        return shift(start, self.rng.randint(0, spread))

    def step(self, day: str, hour: int = 10) -> Any:
        """`with demo.step("2014-04-09", 15): <service calls>` — dated that afternoon."""
        return self.clock.at(at(day, hour, self.rng.choice([0, 10, 20, 30, 40, 50])))

    def review(self, record: Any, action: str, actor: User, day: str, comment: str = "") -> None:
        """One review transition (portal.reviews) on `day`, in office hours."""
        with self.step(day, hour=self.rng.choice([9, 10, 14, 15, 16])):
            review_transition(record, action=action, actor=actor, comment=comment)

    def finish(self) -> None:
        """Give everything written its date, then mark old notifications read."""
        self.clock.apply()
        moments = [moment for _start, _end, moment in self.clock.windows]
        if moments:
            mark_old_notifications_read(min(moments), max(moments))


def mark_old_notifications_read(first: dt.datetime, last: dt.datetime) -> None:
    """Mark read what people would have read long ago: the notifications dated from
    `first` to `last` (the demo's) except those about records still waiting for a
    decision (to their reviewers) or for a revision (to their authors). A demo-builder
    update, like the dates."""
    waiting = ReviewTask.objects.filter(status=ReviewStatus.SUBMITTED).values("url")
    returned = ReviewTask.objects.filter(status=ReviewStatus.RETURNED).values("url")
    still_open = Q(url__in=waiting, verb__in=["review.submit", "review.resubmit"]) | Q(
        url__in=returned, verb="review.return"
    )
    Notification.objects.filter(created_at__range=(first, last), read_at__isnull=True).exclude(
        still_open
    ).update(read_at=F("created_at") + dt.timedelta(hours=2))
