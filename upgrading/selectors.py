"""Reads for classifying and lifting organizations, and leadership terms
(docs/product.md §6.4). Each function runs a fixed number of queries whatever the size
of the subtree."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import OuterRef, QuerySet, Subquery

from organizations.models import Organization

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

from .models import GRADE_RANK, TERM_DUE_SOON_DAYS, Grade, Grading, LeadershipTerm, UpgradePlan

UP, DOWN, SAME = "up", "down", "same"


@dataclass
class ClassRow:
    """The classes of one subtree in one year and the moves since the year before."""

    organization: Organization | None  # None: the whole node
    classes: Counter[str] = field(default_factory=Counter)
    moves: Counter[str] = field(default_factory=Counter)

    @property
    def advanced(self) -> int:
        return self.classes[Grade.ADVANCED]

    @property
    def middle(self) -> int:
        return self.classes[Grade.MIDDLE]

    @property
    def lagging(self) -> int:
        return self.classes[Grade.LAGGING]

    @property
    def graded(self) -> int:
        return sum(self.classes.values())

    @property
    def up(self) -> int:
        return self.moves[UP]

    @property
    def down(self) -> int:
        return self.moves[DOWN]

    @property
    def same(self) -> int:
        return self.moves[SAME]


def move(before: str | None, now: str) -> str | None:
    """Up, down or same from last year's class to this year's (None: not graded then)."""
    if before is None:
        return None
    a, b = GRADE_RANK[Grade(before)], GRADE_RANK[Grade(now)]
    return UP if b > a else DOWN if b < a else SAME


def class_board(org: Organization, year: int) -> tuple[ClassRow, list[ClassRow]]:
    """The classes of `year` and the moves since `year - 1` in the subtree of `org`:
    the total and one row per child (each child's whole subtree). Two queries: the
    children, the gradings of both years."""
    children = list(Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1))
    rows = [ClassRow(child) for child in children]
    total = ClassRow(None)
    grades = (
        Grading.objects.filter(organization__path__startswith=org.path, year__in=[year - 1, year])
        .values_list("organization_id", "organization__path", "year", "grade")
        .order_by()
    )
    last: dict[int, str] = {}
    now: dict[int, tuple[str, str]] = {}
    for org_id, path, y, grade in grades:
        if y == year:
            now[org_id] = (path, grade)
        else:
            last[org_id] = grade
    for org_id, (path, grade) in now.items():
        step = move(last.get(org_id), grade)
        targets = [total] + [r for r in rows if path.startswith(r.organization.path)]  # type: ignore[union-attr]
        for row in targets:
            row.classes[grade] += 1
            if step:
                row.moves[step] += 1
    return total, rows


def gradings_of(org: Organization) -> list[Grading]:
    """The organization's classes, newest year first, with their movement from the year
    before (`move`). One query."""
    rows = list(
        Grading.objects.filter(organization=org).select_related("graded_by").order_by("-year")
    )
    by_year = {g.year: g.grade for g in rows}
    for g in rows:
        g.move = move(by_year.get(g.year - 1), g.grade)  # type: ignore[attr-defined]
    return rows


class CurrentTerm(TypedDict):
    """What with_current_term adds to each organization."""

    term_elected_on: dt.date | None
    term_years_now: int | None
    term_due_on: dt.date | None


def with_current_term(
    qs: QuerySet[Organization],
) -> QuerySet[WithAnnotations[Organization, CurrentTerm]]:
    """Annotate each organization with its current term (the latest election):
    term_elected_on, term_years_now, term_due_on (None when none is recorded)."""
    latest = LeadershipTerm.objects.filter(organization=OuterRef("pk")).order_by(
        "-elected_on", "-pk"
    )
    return qs.annotate(
        term_elected_on=Subquery(latest.values("elected_on")[:1]),
        term_years_now=Subquery(latest.values("term_years")[:1]),
        term_due_on=Subquery(latest.values("due_on")[:1]),
    )


def term_state(due_on: dt.date | None, today: dt.date) -> str:
    """ "overdue", "due" (within TERM_DUE_SOON_DAYS), "ok" or "none" (not recorded)."""
    if due_on is None:
        return "none"
    if due_on < today:
        return "overdue"
    if due_on <= today + dt.timedelta(days=TERM_DUE_SOON_DAYS):
        return "due"
    return "ok"


def terms_due_in(org: Organization, today: dt.date, *, limit: int | None = None) -> list[Any]:
    """Active organizations of the subtree whose current term is overdue for
    re-election or due within TERM_DUE_SOON_DAYS, the most overdue first; each with
    `term_state`. One query."""
    soon = today + dt.timedelta(days=TERM_DUE_SOON_DAYS)
    qs = (
        with_current_term(Organization.objects.filter(path__startswith=org.path, is_active=True))
        .filter(term_due_on__lte=soon)
        .order_by("term_due_on", "path")
    )
    rows: list[Any] = list(qs[:limit] if limit else qs)  # given `term_state` below
    for row in rows:
        row.term_state = term_state(row.term_due_on, today)
    return rows


def terms_due_for(orgs: list[Organization], today: dt.date) -> list[Any]:
    """terms_due_in over several subtrees (an instructor's organizations), each
    organization once. One query."""
    from django.db.models import Q

    if not orgs:
        return []
    q = Q()
    for org in orgs:
        q |= Q(path__startswith=org.path)
    soon = today + dt.timedelta(days=TERM_DUE_SOON_DAYS)
    rows: list[Any] = list(  # given `term_state` below
        with_current_term(Organization.objects.filter(q, is_active=True))
        .filter(term_due_on__lte=soon)
        .order_by("term_due_on", "path")
    )
    for row in rows:
        row.term_state = term_state(row.term_due_on, today)
    return rows


def open_plans_in(org: Organization) -> QuerySet[UpgradePlan]:
    """Plans of the subtree not yet de-listed, with their organization."""
    return (
        UpgradePlan.objects.in_subtree(org)
        .open()
        .select_related("organization")
        .order_by("deadline", "pk")
    )


def dossier_facts(org: Organization, today: dt.date) -> dict[str, Any]:
    """The organization's latest class, its current term and its latest upgrade plan,
    for the dossier's profile (reports/kinds/dossier.py). Three queries."""
    grading = Grading.objects.filter(organization=org).order_by("-year").first()
    term = LeadershipTerm.objects.filter(organization=org).order_by("-elected_on", "-pk").first()
    plan = UpgradePlan.objects.filter(organization=org).order_by("-year", "-pk").first()
    due_on = term.due_on if term else None
    return {
        "grading": grading,
        "term": term,
        "term_state": term_state(due_on, today),
        "plan": plan,
    }
