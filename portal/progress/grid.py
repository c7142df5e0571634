"""The subtree requirement grid (SPEC §8): organizations × requirements for every
organization below a node, filterable and sortable.

The levels come from the requirement roll-up (portal/progress/rollup.py: one row per
organization, brought up to date before it is read); filtering, sorting and the column
totals run over those rows. The reasons and links of the cells shown (one page of rows)
are evaluated live for those organizations only (`attach_details`), so what a user reads
on a cell is exactly what the organization's checklist says.

Cost: the roll-up freshness check (2 queries when nothing is stale), the rows of the
subtree (1), then for a page: the organizations' names (1) and the requirements'
grouped queries over the page's organizations — whatever the subtree's size.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from organizations.models import Organization

from .engine import Level, OrgInfo, Requirement, Result, Scope, evaluate, requirements
from .models import Standing
from .rollup import Freshness, ensure_fresh, level_maps

# "done" ranks by the share of requirements done (met, or submitted and waiting for
# review): "done" least done first, "-done" most done first.
SORTS = ("path", "red", "met", "done", "-done")


@dataclass
class GridRow:
    org_id: int
    path: str
    kind: str
    is_weak: bool
    members: int
    levels: list[Level | None]
    red: int
    amber: int
    green: int
    waiting: int = 0
    applicable: int = 0  # requirements shown that apply

    @property
    def done(self) -> int:
        """Met, or submitted and waiting for review (engine.DONE_LEVELS)."""
        return self.green + self.waiting

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.applicable) if self.applicable else 0

    # Filled for the rows shown (attach_details / attach_organizations).
    cells: list[Result | None] = field(default_factory=list)
    cells_html: str = ""
    details_html: str = ""
    organization: Organization | None = None
    urged_at: dt.datetime | None = None  # the latest reminder (urging.py), when asked


@dataclass
class Grid:
    columns: list[Requirement]
    rows: list[GridRow]
    campaign: Any = None
    totals: list[Counter[str]] = field(default_factory=list)
    as_of: Any = None
    today: dt.date | None = None
    freshness: Freshness = field(default_factory=Freshness)


def build_grid(
    root: Organization,
    campaign: Any,
    *,
    kind: str = "",
    weak: bool = False,
    failing: str = "",
    phase: int | None = None,
    sort: str = "path",
    today: dt.date | None = None,
) -> Grid:
    freshness = ensure_fresh(root, campaign, today=today)
    reqs = requirements()
    position = {r.code: i for i, r in enumerate(reqs)}
    columns = [r for r in reqs if phase is None or r.phase == phase]
    picked = [position[c.code] for c in columns]
    maps = level_maps(campaign, today)
    failing_at = position[failing] if failing and failing in {c.code for c in columns} else None
    standings = Standing.objects.filter(
        campaign=campaign,
        organization__path__startswith=root.path,
        organization__is_active=True,
        cells__gt=0,
    )
    if kind:
        standings = standings.filter(organization__kind=kind)
    if weak:
        standings = standings.filter(organization__is_weak=True)
    if freshness.building:  # rows of another layout, or none: nothing to read yet
        standings = standings.none()
    # Organizations share few distinct rows of letters: read each one once.
    seen: dict[str, tuple[list[Level | None], int, int, int, int, int] | None] = {}

    def read(states: str) -> tuple[list[Level | None], int, int, int, int, int] | None:
        levels = [maps[i][states[i]] for i in picked]
        if all(level is None for level in levels):
            return None  # none of the requirements shown applies
        # Failing: not met (a record waiting for review is not failing: the
        # organization has done its part).
        if failing and (
            failing_at is None
            or maps[failing_at][states[failing_at]] in (None, Level.GREEN, Level.WAITING)
        ):
            return None
        counts = Counter(levels)
        return (
            levels,
            counts[Level.RED],
            counts[Level.AMBER],
            counts[Level.GREEN],
            counts[Level.WAITING],
            len(levels) - counts[None],
        )

    rows: list[GridRow] = []
    for org_id, path, org_kind, is_weak, members, states in standings.values_list(
        "organization_id",
        "organization__path",
        "organization__kind",
        "organization__is_weak",
        "members",
        "states",
    ):
        if states not in seen:
            seen[states] = read(states)
        found = seen[states]
        if found is None:
            continue
        levels, red, amber, green, waiting, applicable = found
        rows.append(
            GridRow(
                org_id=org_id,
                path=path,
                kind=org_kind,
                is_weak=is_weak,
                members=members,
                levels=levels,
                red=red,
                amber=amber,
                green=green,
                waiting=waiting,
                applicable=applicable,
            )
        )
    if sort == "red":
        rows.sort(key=lambda r: (-r.red, -r.amber, r.path))
    elif sort == "met":
        rows.sort(key=lambda r: (r.green, -r.red, r.path))
    elif sort == "done":
        rows.sort(key=lambda r: (r.done * 1.0 / r.applicable, r.done, r.path))
    elif sort == "-done":
        rows.sort(key=lambda r: (-r.done * 1.0 / r.applicable, -r.done, r.path))
    else:
        rows.sort(key=lambda r: r.path)
    totals: list[Counter[str]] = [Counter() for _ in columns]
    # Rows with the same letters share one list of levels: count each list once.
    by_levels = Counter(id(row.levels) for row in rows)
    sample = {id(row.levels): row.levels for row in rows}
    for key, n in by_levels.items():
        for i, level in enumerate(sample[key]):
            if level is not None:
                totals[i][str(level)] += n
    scope = Scope(campaign=campaign, orgs={}, today=today)
    return Grid(
        columns=columns,
        rows=rows,
        campaign=campaign,
        totals=totals,
        as_of=scope.as_of,
        today=today,
        freshness=freshness,
    )


def attach_organizations(rows: list[GridRow]) -> None:
    """Load the organizations of these rows (one query)."""
    orgs = Organization.objects.in_bulk([row.org_id for row in rows])
    for row in rows:
        row.organization = orgs.get(row.org_id)


def attach_details(grid: Grid, rows: list[GridRow]) -> None:
    """The organizations of these rows and their cells with reason and link, evaluated
    live (one query for the organizations, then the requirements' grouped queries over
    these organizations only; what the evaluation knows of each organization comes
    from its roll-up row)."""
    if not rows:
        return
    orgs = Organization.objects.in_bulk([row.org_id for row in rows])
    infos = {
        row.org_id: OrgInfo(row.org_id, row.path, row.kind, row.is_weak, row.members)
        for row in rows
    }
    scope = Scope(campaign=grid.campaign, orgs=infos, today=grid.today)
    results = evaluate(scope, only=[c.code for c in grid.columns])
    for row in rows:
        row.organization = orgs.get(row.org_id)
        found = results.get(row.org_id, {})
        row.cells = [found.get(c.code) for c in grid.columns]


def render_rows(grid: Grid, rows: list[GridRow]) -> None:
    """Each row's cells (`cells_html`) and its expanded list (`details_html`)."""
    render = cell_renderer()
    detail = detail_renderer()
    for row in rows:
        row.cells_html = mark_safe("".join(render(cell) for cell in row.cells))  # noqa: S308
        row.details_html = mark_safe(  # noqa: S308
            "".join(
                detail(column, cell) for column, cell in zip(grid.columns, row.cells, strict=True)
            )
        )


def level_words() -> dict[Any, tuple[str, str]]:
    """{level: (symbol, words)}: one symbol per state, so that no state is told by
    its colour alone, and the words a screen reader says for it (escaped)."""
    return {
        Level.GREEN: ("✓", escape(_("Met"))),
        Level.WAITING: ("◔", escape(_("Submitted, waiting for review"))),
        Level.AMBER: ("○", escape(_("In progress"))),
        Level.RED: ("✗", escape(_("Not met"))),
        None: ("—", escape(_("does not apply"))),
    }


def cell_renderer() -> Callable[[Result | None], str]:
    """The markup of one grid cell: one symbol (hidden from screen readers), the state
    in words and the reason in a tip that is read by screen readers and shown on hover
    or keyboard focus. Built here rather than in the template: a page has 700 cells,
    and the template language's tags cost about as much as the rest of the page.
    Reasons are escaped; everything else is constant."""
    words = level_words()
    separator = escape(pgettext("label separator", ": "))
    na_symbol, na_word = words[None]
    not_applicable = (
        f'<td class="cell cell-na"><span aria-hidden="true">{na_symbol}</span>'
        f'<span class="sr-only">{na_word}</span></td>'
    )

    def render(cell: Result | None) -> str:
        if cell is None:
            return not_applicable
        symbol, word = words.get(cell.level, words[Level.RED])
        return (
            f'<td class="cell cell-{cell.level}" tabindex="0">'
            f'<span aria-hidden="true">{symbol}</span>'
            f'<span class="cell-tip"><b>{word}</b>{separator}{escape(cell.reason)}</span></td>'
        )

    return render


def detail_renderer() -> Callable[[Requirement, Result | None], str]:
    """One requirement of a row's expanded list: symbol, state in words, label, reason
    and the link to the page that fixes it."""
    words = level_words()
    separator = escape(pgettext("label separator", ": "))
    open_word = escape(_("Open"))

    def render(column: Requirement, cell: Result | None) -> str:
        label = escape(column.label)
        if cell is None:
            symbol, word = words[None]
            return (
                f'<li class="detail detail-na"><span aria-hidden="true">{symbol}</span> '
                f"{label}{separator}<span>{word}</span></li>"
            )
        symbol, word = words.get(cell.level, words[Level.RED])
        link = (
            f' <a href="{escape(cell.fix_url)}">{open_word}</a>'
            if cell.fix_url and cell.level != Level.GREEN
            else ""
        )
        return (
            f'<li class="detail detail-{cell.level}"><span class="sym" aria-hidden="true">'
            f"{symbol}</span> <b>{word}</b>{separator}{label} "
            f'<span class="muted">({escape(cell.reason)})</span>{link}</li>'
        )

    return render
