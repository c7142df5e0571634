"""The reviewer's and the campaign office's dashboard (issue #7, docs/product.md §1 and §8): for
the subtree under one organization, totals per phase, the share of organizations
meeting each requirement, overdue problem items, records waiting for review,
weak-and-lax organizations and the direct children with their share of requirements
met, for drill-down county → committee → branch.

Everything is computed from the same grouped evaluation the requirement grid runs
(portal.progress.grid), so every number equals the count of the grid page it links to.

Who may open it: site administrators; reviewers, campaign-office users and
instructors at the node or above it (dashboard_nodes). Secretaries and clerks see
their own checklist instead.

The requirement figures come from the requirement roll-up (portal/progress/rollup.py),
so a province's dashboard aggregates 100,000 short rows in the database instead of
evaluating every requirement over the province.

Cost (build_dashboard): the roll-up's freshness check (2 queries when nothing is
stale), the roll-up rows grouped by their levels (1), the overdue items (1 grouped
query), the weak organizations (COUNT + the first ones), the children's figures (1
grouped query), the enterprises without an organization and their members who took
part (1), the records waiting for review (2 COUNTs), which children have
organizations below them (1), the names of the children, of the weak organizations
shown and of the breadcrumb nodes (1) — the same whatever the subtree's size.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Organization
from portal.accounts.models import Role
from portal.accounts.permissions import roles_for
from portal.core.cache import cache_get, cache_set
from portal.core.text import join_clauses, labelled
from portal.reviews.models import ReviewTask
from portal.reviews.selectors import inbox

from .engine import Requirement, Scope, requirements
from .models import Standing
from .rollup import Freshness, ensure_fresh, level_maps

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
    waiting: int = 0  # submitted, waiting for review: neither met nor failing
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
    done: int = 0  # ... met, or submitted and waiting for review
    weak: int = 0
    rank: int | None = None  # by share done, 1 = most done (rank_children)

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.cells) if self.cells else None


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
    freshness: Freshness = field(default_factory=Freshness)
    # Enterprises without a Party organization and their members (issue #16).
    unorganized: Any = None

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


def _overdue_totals(campaign: Any, org: Organization, as_of: dt.date) -> tuple[int, int]:
    # The rectification app's selector: the one interface to problem items this app
    # uses (the items the "No overdue item" requirement counts, totalled).
    from rectification.selectors_problems import overdue_item_totals_in

    def in_subtree(prefix: str = "organization") -> Q:
        return Q(**{f"{prefix}__path__startswith": org.path})

    return overdue_item_totals_in(campaign, in_subtree, today=as_of)


@dataclass
class Figures:
    """The requirement figures of a subtree in plain numbers (cached: see
    _subtree_figures)."""

    organizations: int = 0
    complete: int = 0
    weak_total: int = 0
    letters: list[dict[str, int]] = field(default_factory=list)  # per requirement
    phases: dict[int, tuple[int, int]] = field(default_factory=dict)  # (with, complete)
    overdue_items: int = 0
    overdue_organizations: int = 0
    weak_shown: list[tuple[int, int, int]] = field(default_factory=list)  # (id, green, cells)
    children: list[tuple[str, int, int, int, int, int, int]] = field(default_factory=list)


# A row still open: amber, red, pending (amber or red by date) or waiting.
_OPEN = re.compile("[arpw]")


def _compute_figures(org: Organization, campaign: Any, as_of: dt.date) -> Figures:
    """Four queries over the roll-up rows of the subtree and its overdue items."""
    reqs = requirements(campaign)
    figures = Figures(letters=[{} for _ in reqs])
    standings = Standing.objects.filter(
        campaign=campaign,
        organization__path__startswith=org.path,
        organization__is_active=True,
        cells__gt=0,
    )
    # Organizations grouped by their row of letters: shares, phases, completeness.
    positions = {}
    for phase in campaign.phases.all():
        positions[phase.number] = [i for i, r in enumerate(reqs) if r.phase == phase.number]
        figures.phases[phase.number] = (0, 0)
    grouped = (
        standings.values_list("states")
        .annotate(n=Count("pk"), weak=Count("pk", filter=Q(organization__is_weak=True)))
        .order_by()
    )
    # A county has thousands of rows in a thousand or more groups: the letters are
    # counted column by column in C (zip, Counter, str methods), not letter by letter.
    rows = list(grouped)
    every: list[str] = []
    for states, n, weak in rows:
        figures.organizations += n
        figures.weak_total += weak
        every.extend([states] * n)
        if not _OPEN.search(states):
            figures.complete += n
    for i, column in enumerate(zip(*every, strict=True)):
        figures.letters[i] = dict(Counter(column))
    for number, at in positions.items():
        if not at:
            continue
        # The phase's letters of each row (a slice: the layout lists the requirements
        # phase by phase), counted once per distinct combination.
        parts: Counter[str] = Counter()
        if at == list(range(at[0], at[-1] + 1)):
            start, end = at[0], at[-1] + 1
            for states, n, _weak in rows:
                parts[states[start:end]] += n
        else:
            pick = itemgetter(*at)
            for states, n, _weak in rows:
                parts["".join(pick(states))] += n
        with_it = complete = 0
        for letters, n in parts.items():
            part = letters.replace("-", "")
            if part:
                with_it += n
                if part.count("g") == len(part):
                    complete += n
        figures.phases[number] = (with_it, complete)

    figures.overdue_items, figures.overdue_organizations = _overdue_totals(campaign, org, as_of)

    # Weak and lax: the organizations with requirements (as the grid's weak filter
    # counts them), least advanced first.
    ratio = ExpressionWrapper(F("green") * 1.0 / F("cells"), output_field=FloatField())
    figures.weak_shown = list(
        standings.filter(organization__is_weak=True)
        .annotate(ratio=ratio)
        .order_by("ratio", "organization__path")
        .values_list("organization_id", "green", "cells")[:WEAK_LIMIT]
    )

    # The direct children's subtrees: one grouped query.
    depth_len = len(org.path) + STEP
    complete_one = Case(When(green=F("cells"), then=1), default=0, output_field=IntegerField())
    weak_one = Case(
        When(organization__is_weak=True, then=1), default=0, output_field=IntegerField()
    )
    figures.children = list(
        standings.filter(organization__depth__gt=org.depth)
        .annotate(child=Substr("organization__path", 1, depth_len))
        .values("child")
        .annotate(
            n=Count("pk"),
            cells_sum=Sum("cells"),
            green_sum=Sum("green"),
            done_sum=Sum("done"),
            complete_sum=Sum(complete_one),
            weak_sum=Sum(weak_one),
        )
        .order_by()
        .values_list("child", "n", "cells_sum", "green_sum", "complete_sum", "weak_sum", "done_sum")
    )
    return figures


# Seconds a subtree's figures stay cached; they are keyed by the roll-up's generation
# (any row written makes a new key), so this only bounds memory.
FIGURES_TTL = 3600


def _subtree_figures(
    org: Organization, campaign: Any, as_of: dt.date, generation: str | None
) -> Figures:
    """The figures, from the cache when the roll-up has not changed since they were
    computed (same build and generation, same day): a province's dashboard
    aggregates 100,000 rows once per change, not once per request."""
    if generation is None:
        return _compute_figures(org, campaign, as_of)
    key = f"progress:figures:{campaign.pk}:{org.pk}:{org.path}:{generation}:{as_of.isoformat()}"
    figures: Figures | None = cache_get(key)
    if figures is None:
        figures = _compute_figures(org, campaign, as_of)
        cache_set(key, figures, FIGURES_TTL)
    return figures


def build_dashboard(
    user: Any, org: Organization, campaign: Any, *, today: dt.date | None = None
) -> Dashboard:
    """Everything the dashboard page shows for the subtree under `org` in `campaign`
    (None: no campaign covers it; then only reviews, weak organizations and children).
    The requirement figures come from the roll-up (portal/progress/rollup.py), brought
    up to date first. See the module docstring for the query cost."""
    board = Dashboard(org=org, campaign=campaign, as_of=None)
    depth_len = len(org.path) + STEP
    children: dict[str, ChildRow] = {}
    figures = Figures()
    if campaign:
        board.freshness = ensure_fresh(org, campaign, today=today)
        scope = Scope(campaign=campaign, orgs={}, today=today or timezone.localdate())
        board.as_of = scope.as_of
        if not board.freshness.building:
            figures = _subtree_figures(org, campaign, scope.as_of, board.freshness.token)
        maps = level_maps(campaign, today)
        for i, req in enumerate(requirements(campaign)):
            share = Share(req)
            counts = figures.letters[i] if figures.letters else {}  # none while building
            for letter, n in counts.items():
                level = maps[i][letter]
                if level is not None:
                    share.applicable += n
                    setattr(share, level, getattr(share, level) + n)
            if share.applicable:
                board.shares.append(share)
        for phase in campaign.phases.all():
            with_it, complete = figures.phases.get(phase.number, (0, 0))
            if with_it:
                board.phases.append(PhaseTotal(phase.number, str(phase), with_it, complete))
        board.organizations = figures.organizations
        board.complete = figures.complete
        board.weak_total = figures.weak_total
        board.overdue_items = figures.overdue_items
        board.overdue_organizations = figures.overdue_organizations
        # Live, not cached with the figures: attaching an enterprise or a member
        # moving does not touch the roll-up. One grouped query.
        from activities.study.selectors import unorganized_figures

        board.unorganized = unorganized_figures(campaign, org)
    weak_shown = figures.weak_shown
    child_figures = figures.children

    # Records waiting for review in the subtree: all of them, and those waiting for
    # this user's decision (their review inbox).
    in_subtree = Q(organization__path__startswith=org.path)
    board.waiting_total = ReviewTask.objects.waiting().filter(in_subtree).count()
    board.waiting_for_user = inbox(user).filter(in_subtree).order_by().count()

    # Which children have active organizations below them (drill-down links).
    has_below = set(
        Organization.objects.filter(path__startswith=org.path, depth=org.depth + 2, is_active=True)
        .annotate(child=Substr("path", 1, depth_len))
        .values_list("child", flat=True)
        .order_by()
        .distinct()
    )

    # One query: the children, the weak organizations listed and the breadcrumb nodes
    # from the user's top node down to `org`.
    top = _top_path(user, org)
    crumb_paths = [p for p in org.ancestor_paths if len(p) >= len(top)]
    names = list(
        Organization.objects.filter(
            Q(path__startswith=org.path, depth=org.depth + 1, is_active=True)
            | Q(pk__in=[pk for pk, _g, _c in weak_shown])
            | Q(path__in=crumb_paths)
        ).order_by("path")
    )
    by_id = {o.pk: o for o in names}
    by_path = {o.path: o for o in names}
    board.breadcrumbs = [by_path[p] for p in crumb_paths if p in by_path]
    board.weak = [WeakRow(by_id[pk], green, n) for pk, green, n in weak_shown if pk in by_id]
    for o in names:
        if o.depth == org.depth + 1 and o.is_active and o.path.startswith(org.path):
            children[o.path] = ChildRow(o, has_children=o.path in has_below)
    for path, n, cells, green, complete_n, weak_n, done in child_figures:
        row = children.get(path)
        if row is not None:
            row.organizations, row.cells, row.green = n, cells, green
            row.complete, row.weak, row.done = complete_n, weak_n, done or 0
    board.children = rank_children(list(children.values()))
    return board


def rank_children(rows: list[ChildRow]) -> list[ChildRow]:
    """The children by completion (share of requirements done in their subtree), most
    done first; equal shares share a rank; children without requirements come last,
    unranked, in tree order."""
    ranked = sorted(
        (r for r in rows if r.cells),
        key=lambda r: (-r.done / r.cells, -r.cells, r.organization.path),
    )
    previous = None
    for i, row in enumerate(ranked, start=1):
        share = row.done * 1.0 / row.cells
        row.rank = previous[1] if previous and previous[0] == share else i
        previous = (share, row.rank)
    return ranked + [r for r in rows if not r.cells]


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
        parts.append(labelled(label, value))
    return Chart(rows=rows, height=max(y, 1), description=join_clauses(parts))
