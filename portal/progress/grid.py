"""The subtree requirement grid (SPEC §8): organizations × requirements for every
organization below a node, filterable and sortable.

Cost: the scope (1 query), then each requirement's grouped queries over the subtree,
then one query for the names of the page's organizations — whatever the subtree's size.
Filtering and sorting run in memory over the evaluated results.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from organizations.models import Organization

from .engine import Level, Requirement, Result, evaluate, requirements
from .scopes import scope_for_subtree

SORTS = ("path", "red", "met")


@dataclass
class GridRow:
    org_id: int
    path: str
    kind: str
    is_weak: bool
    members: int
    cells: list[Result | None]
    red: int
    amber: int
    green: int
    organization: Organization | None = None


@dataclass
class Grid:
    columns: list[Requirement]
    rows: list[GridRow]
    totals: list[Counter[str]] = field(default_factory=list)
    as_of: Any = None


def build_grid(
    root: Organization,
    campaign: Any,
    *,
    kind: str = "",
    weak: bool = False,
    failing: str = "",
    phase: int | None = None,
    sort: str = "path",
    today: Any = None,
) -> Grid:
    scope = scope_for_subtree(root, campaign, today=today)
    columns = [r for r in requirements() if phase is None or r.phase == phase]
    results = evaluate(scope, only=[c.code for c in columns])
    rows: list[GridRow] = []
    for org in scope.orgs.values():
        org_results = results.get(org.id, {})
        if not org_results:
            continue  # no requirement applies (committees above the grass roots)
        if kind and org.kind != kind:
            continue
        if weak and not org.is_weak:
            continue
        if failing:
            failed = org_results.get(failing)
            if failed is None or failed.level == Level.GREEN:
                continue
        cells = [org_results.get(c.code) for c in columns]
        levels = Counter(cell.level for cell in cells if cell is not None)
        rows.append(
            GridRow(
                org_id=org.id,
                path=org.path,
                kind=org.kind,
                is_weak=org.is_weak,
                members=org.members,
                cells=cells,
                red=levels[Level.RED],
                amber=levels[Level.AMBER],
                green=levels[Level.GREEN],
            )
        )
    if sort == "red":
        rows.sort(key=lambda r: (-r.red, -r.amber, r.path))
    elif sort == "met":
        rows.sort(key=lambda r: (r.green, -r.red, r.path))
    else:
        rows.sort(key=lambda r: r.path)
    totals = []
    for i in range(len(columns)):
        totals.append(Counter(str(row.cells[i].level) for row in rows if row.cells[i] is not None))
    return Grid(columns=columns, rows=rows, totals=totals, as_of=scope.as_of)


def attach_organizations(rows: list[GridRow]) -> None:
    """Load the names of the organizations of one page of rows (one query)."""
    orgs = Organization.objects.in_bulk([row.org_id for row in rows])
    for row in rows:
        row.organization = orgs.get(row.org_id)
