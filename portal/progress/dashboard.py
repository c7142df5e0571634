"""The reviewer's and the campaign office's dashboard (issue #7, SPEC §1 and §8): for
the subtree under one organization, totals per phase, the share of organizations
meeting each requirement, overdue problem items, records waiting for review,
weak-and-lax organizations and the direct children with their share of requirements
met, for drill-down county → committee → branch.

Everything is computed from the same grouped evaluation the requirement grid runs
(portal.progress.grid), so every number equals the count of the grid page it links to.

Who may open it: site administrators; reviewers, campaign-office users and
instructors at the node or above it (dashboard_nodes). Secretaries and clerks see
their own checklist instead.

Cost (build_dashboard): the scope (1 query), the requirements' grouped queries, the
overdue items (1 grouped query), the records waiting for review (2 COUNTs), the names
of the children, of the weak organizations shown and of the breadcrumb nodes (1) —
the same whatever the subtree's size.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from organizations.models import Organization
from portal.accounts.models import Role
from portal.accounts.permissions import roles_for
from portal.reviews.models import ReviewTask
from portal.reviews.selectors import inbox

from .engine import Level, Requirement, Result, evaluate, requirements
from .scopes import scope_for_subtree

# Roles whose holders get the dashboard of their node and everything below it.
DASHBOARD_ROLES = frozenset({Role.REVIEWER, Role.OFFICE, Role.INSTRUCTOR})
# How many weak-and-lax organizations the dashboard lists (the grid lists them all).
WEAK_LIMIT = 10
STEP = Organization.steplen


# --- who sees which dashboard ------------------------------------------------------------


def dashboard_nodes(user: Any) -> list[Organization]:
    """The highest nodes of the user's reviewer, office and instructor roles (a node
    under another one is left out), highest first. No query beyond the user's cached
    roles."""
    orgs = sorted(
        {ra.organization for ra in roles_for(user) if ra.role in DASHBOARD_ROLES},
        key=lambda o: (len(o.path), o.path),
    )
    tops: list[Organization] = []
    for org in orgs:
        if not any(org.path.startswith(top.path) for top in tops):
            tops.append(org)
    return tops


def may_open_dashboard(user: Any, org: Organization) -> bool:
    if user.is_superuser:
        return True
    return any(org.path.startswith(top.path) for top in dashboard_nodes(user))


def has_dashboard(user: Any) -> bool:
    """Does the navigation offer "Dashboard"? (no query beyond the cached roles)"""
    return bool(user.is_superuser or dashboard_nodes(user))


# --- what it shows -----------------------------------------------------------------------


@dataclass
class Share:
    """How many of the organizations a requirement applies to meet it."""

    requirement: Requirement
    applicable: int = 0
    green: int = 0
    amber: int = 0
    red: int = 0

    @property
    def not_met(self) -> int:
        return self.amber + self.red

    @property
    def percent(self) -> int:
        return round(100 * self.green / self.applicable) if self.applicable else 0


@dataclass
class PhaseTotal:
    number: int
    name: str
    organizations: int = 0  # organizations with at least one requirement of the phase
    complete: int = 0  # ... meeting every one of them

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.organizations) if self.organizations else 0


@dataclass
class ChildRow:
    organization: Organization
    has_children: bool
    organizations: int = 0  # organizations with requirements in the child's subtree
    complete: int = 0
    cells: int = 0  # requirement results in the child's subtree
    green: int = 0
    weak: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.green / self.cells) if self.cells else None


@dataclass
class WeakRow:
    organization: Organization
    green: int
    cells: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.green / self.cells) if self.cells else None


@dataclass
class Dashboard:
    org: Organization
    campaign: Any
    as_of: dt.date | None
    organizations: int = 0
    complete: int = 0
    phases: list[PhaseTotal] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    overdue_items: int = 0
    overdue_organizations: int = 0
    waiting_total: int = 0
    waiting_for_user: int = 0
    weak_total: int = 0
    weak: list[WeakRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    breadcrumbs: list[Organization] = field(default_factory=list)

    @property
    def percent_complete(self) -> int:
        return round(100 * self.complete / self.organizations) if self.organizations else 0


def _top_path(user: Any, org: Organization) -> str:
    """The path of the node the breadcrumbs start from: the highest of the user's
    dashboard nodes above `org` (a site administrator: the root)."""
    for top in dashboard_nodes(user):
        if org.path.startswith(top.path):
            return top.path
    return org.path[:STEP]


def _overdue_counts(campaign: Any, scope: Any) -> dict[int, int]:
    # The rectification app's batch selector: the one interface to problem items this
    # app uses (a grouped COUNT; the same the "No overdue item" requirement runs).
    from rectification.selectors_problems import overdue_item_counts_in

    return overdue_item_counts_in(campaign, scope.q, today=scope.as_of)


def build_dashboard(
    user: Any, org: Organization, campaign: Any, *, today: dt.date | None = None
) -> Dashboard:
    """Everything the dashboard page shows for the subtree under `org` in `campaign`
    (None: no campaign covers it; then only reviews, weak organizations and children).
    See the module docstring for the query cost."""
    scope = scope_for_subtree(org, campaign, today=today)
    board = Dashboard(org=org, campaign=campaign, as_of=scope.as_of if campaign else None)
    results: dict[int, dict[str, Result]] = evaluate(scope) if campaign else {}
    evaluated = {org_id: res for org_id, res in results.items() if res}
    reqs = requirements()

    # Shares per requirement and totals per phase.
    shares = {r.code: Share(r) for r in reqs}
    phases = [PhaseTotal(p.number, str(p)) for p in campaign.phases.all()] if campaign else []
    phase_of = {r.code: r.phase for r in reqs}
    for res in evaluated.values():
        for code, result in res.items():
            share = shares[code]
            share.applicable += 1
            setattr(share, result.level, getattr(share, result.level) + 1)
        for phase in phases:
            levels = [r.level for c, r in res.items() if phase_of[c] == phase.number]
            if levels:
                phase.organizations += 1
                phase.complete += all(level == Level.GREEN for level in levels)
    board.shares = [s for s in shares.values() if s.applicable]
    board.phases = [p for p in phases if p.organizations]
    board.organizations = len(evaluated)
    board.complete = sum(
        1 for res in evaluated.values() if all(r.level == Level.GREEN for r in res.values())
    )

    # Overdue problem items.
    if campaign:
        overdue = _overdue_counts(campaign, scope)
        board.overdue_items = sum(overdue.values())
        board.overdue_organizations = len(overdue)

    # Records waiting for review in the subtree: all of them, and those waiting for
    # this user's decision (their review inbox).
    in_subtree = Q(organization__path__startswith=org.path)
    board.waiting_total = ReviewTask.objects.waiting().filter(in_subtree).count()
    board.waiting_for_user = inbox(user).filter(in_subtree).order_by().count()

    # Weak and lax: the organizations with requirements (as the grid's weak filter
    # counts them), least advanced first.
    weak_rows = []
    for org_id, res in evaluated.items():
        info = scope.orgs[org_id]
        if info.is_weak:
            green = sum(1 for r in res.values() if r.level == Level.GREEN)
            weak_rows.append((green / len(res), info.path, org_id, green, len(res)))
    weak_rows.sort()
    board.weak_total = len(weak_rows)

    # Direct children, with their subtrees' figures.
    depth_len = len(org.path) + STEP
    children: dict[str, ChildRow | None] = {}
    child_ids: list[int] = []
    has_below: set[str] = set()
    for info in scope.orgs.values():
        if len(info.path) == depth_len:
            children[info.path] = None
            child_ids.append(info.id)
        elif len(info.path) > depth_len:
            has_below.add(info.path[:depth_len])

    # One query: the names of the children, the weak organizations listed and the
    # breadcrumb nodes from the user's top node down to `org`.
    top = _top_path(user, org)
    crumb_paths = [p for p in org.ancestor_paths if len(p) >= len(top)]
    weak_shown = weak_rows[:WEAK_LIMIT]
    names = list(
        Organization.objects.filter(
            Q(pk__in=child_ids + [row[2] for row in weak_shown]) | Q(path__in=crumb_paths)
        ).order_by("path")
    )
    by_id = {o.pk: o for o in names}
    by_path = {o.path: o for o in names}
    board.breadcrumbs = [by_path[p] for p in crumb_paths if p in by_path]
    board.weak = [WeakRow(by_id[pk], green, n) for _s, _p, pk, green, n in weak_shown]
    for path in children:
        child = by_path.get(path)
        if child is not None:
            children[path] = ChildRow(child, has_children=path in has_below)
    for org_id, res in evaluated.items():
        info = scope.orgs[org_id]
        row = children.get(info.path[:depth_len]) if len(info.path) >= depth_len else None
        if row is None:
            continue
        green = sum(1 for r in res.values() if r.level == Level.GREEN)
        row.organizations += 1
        row.cells += len(res)
        row.green += green
        row.complete += green == len(res)
        row.weak += info.is_weak
    board.children = [row for row in children.values() if row is not None]
    return board


# --- the bar chart -----------------------------------------------------------------------

_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_TOKENS = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+"
)
# A line of the chart holds about this many em at the chart's font size: it fits a
# 375-px phone without shrinking the text (the SVG is never scaled, only the bars).
LINE_EM = 20.0
LINE_HEIGHT = 18
BAR_HEIGHT = 12
ROW_GAP = 14


def _width(token: str) -> float:
    return sum(1.0 if _WIDE.match(ch) else 0.56 for ch in token)


def wrap_label(text: str, width_em: float = LINE_EM) -> list[str]:
    """Break a label into lines of at most `width_em`: between words in English, between
    any two characters in Chinese."""
    lines: list[str] = []
    line, used = "", 0.0
    for token in _TOKENS.findall(text):
        w = _width(token)
        if token.isspace():
            if line:
                line, used = line + " ", used + w
            continue
        if used + w > width_em and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0.0
        line, used = line + token, used + w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


@dataclass
class ChartRow:
    share: Share
    label_lines: list[tuple[int, str]]  # (y, text)
    value_y: int
    value: str
    bar_y: int


@dataclass
class Chart:
    rows: list[ChartRow]
    height: int
    description: str


def share_chart(shares: list[Share]) -> Chart:
    """Layout of the horizontal bar chart of `shares` (pixel positions; the bars' widths
    are percentages of the chart's width, so it fits any screen), in the active
    language. The description repeats every figure for screen readers."""
    rows: list[ChartRow] = []
    y = 0
    parts = []
    for share in shares:
        label = str(share.requirement.label)
        value = _("%(percent)d%% · %(met)d of %(total)d met") % {
            "percent": share.percent,
            "met": share.green,
            "total": share.applicable,
        }
        lines = []
        for text in wrap_label(label):
            y += LINE_HEIGHT
            lines.append((y, text))
        y += LINE_HEIGHT
        value_y = y
        bar_y = y + 5
        y = bar_y + BAR_HEIGHT + ROW_GAP
        rows.append(ChartRow(share, lines, value_y, value, bar_y))
        parts.append(f"{label}: {value}")
    return Chart(rows=rows, height=max(y, 1), description="; ".join(parts))
