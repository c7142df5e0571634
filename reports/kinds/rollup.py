"""Subtree roll-up (docs/product.md §9): the requirement grid of every organization below one node,
with totals per requirement and per organization, as the office sends it up the line.

Cost: the grid's own (portal/progress/grid.py: the scope, the requirements' grouped
queries) plus one query for the organizations' names, one for their parents' names and two for
the satisfaction rates per level (the subtree's organizations, its ballots grouped), whatever the subtree's size.

The grid is grouped by parent organization (a heading row with the parent's name, then
its direct children). WeasyPrint's time grows with the number of boxes, and a county's
grid has 2,000 rows × 14 requirements: one table cell per requirement cost about 2.5 ms
each (layout, cascade, collapsed borders, drawing), 100 s for a county. So a row's
requirements are one cell of monospaced text, three characters per requirement (the
symbol ●/◔/◐/○/— (met, submitted and waiting for review, in progress, not met, does not
apply) in the middle, under the requirement's number in the heading), coloured
green by the cell, with a span only for the requirements not met, in progress or not
applying; the counts met and not met end the same string, and the member count follows
the organization's name: a row is two cells (bench/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from portal.progress.engine import Level
from portal.progress.grid import attach_organizations, build_grid
from rectification.selectors_satisfaction import rollup_by_level

from ..registry import Params, ReportKind, organization_check, register
from .dossier import latest_campaign


def rollup_context(params: Params, language: str) -> dict[str, Any]:
    org = Organization.objects.get(pk=params["organization"])
    campaign = latest_campaign(org)
    context: dict[str, Any] = {
        "document_title": _("Campaign roll-up"),
        "subject": org.full_name,
        "issuer": org,
        "document_date": timezone.localdate(),
        "org": org,
        "campaign": campaign,
        "cover": True,
        "cover_campaign": campaign.name if campaign else "",
        "cover_organization": org.full_name,
    }
    if campaign is None:
        return context
    grid = build_grid(org, campaign)
    attach_organizations(grid.rows)
    columns: list[dict[str, Any]] = [
        {
            "number": i + 1,
            "label": column.label,
            "phase": column.phase,
            "green": grid.totals[i].get(Level.GREEN.value, 0),
            "waiting": grid.totals[i].get(Level.WAITING.value, 0),
            "amber": grid.totals[i].get(Level.AMBER.value, 0),
            "red": grid.totals[i].get(Level.RED.value, 0),
            "rate": _rate(grid.totals[i].get(Level.GREEN.value, 0), sum(grid.totals[i].values())),
        }
        for i, column in enumerate(grid.columns)
    ]
    rows = grid.rows
    levels, below = rollup_by_level(org, campaign)
    context.update(
        {
            "columns": columns,
            "rows": rows,
            "groups": _groups(org, rows),
            "column_numbers": "".join(f"{c['number']:>2} " for c in columns) + "   ●   ○ ",
            "as_of": grid.as_of,
            # The masses' verdict per level: subtree totals (docs/product.md §6.5).
            "satisfaction_levels": levels,
            "satisfaction_below": below,
            "satisfaction_threshold": campaign.satisfaction_threshold,
            "totals": {
                "organizations": len(rows),
                "weak": sum(1 for r in rows if r.is_weak),
                "members": sum(r.members for r in rows),
                "all_green": sum(1 for r in rows if not r.red and not r.amber and not r.waiting),
                "with_red": sum(1 for r in rows if r.red),
                "cells_green": sum(c["green"] for c in columns),
                "cells_waiting": sum(c["waiting"] for c in columns),
                "cells_amber": sum(c["amber"] for c in columns),
                "cells_red": sum(c["red"] for c in columns),
            },
        }
    )
    return context


# Symbol (distinguishable in black and white) and the class colouring it; met is the
# cell's own colour (green), so it needs no span. A run of equal symbols shares a span.
_SYMBOLS = {
    Level.GREEN.value: ("●", ""),
    Level.WAITING.value: ("◔", "w"),
    Level.AMBER.value: ("◐", "a"),
    Level.RED.value: ("○", "r"),
    None: ("—", "n"),
}


def _cells(row: Any) -> SafeString:
    """The row's requirements as one string of constant markup (nothing user-given),
    then how many are met and not met (under ● and ○ in the heading)."""
    parts: list[str] = []
    symbols = (_SYMBOLS.get(level, _SYMBOLS["red"]) for level in row.levels)
    for (symbol, css), run in groupby(symbols):
        text = "  ".join(symbol for _ in run)
        parts.append(f' <span class="{css}">{text}</span> ' if css else f" {text} ")
    parts.append(f'<span class="k">{row.green:>4}{row.red:>4}</span> ')  # met, not met
    return mark_safe("".join(parts))  # noqa: S308 - constant markup and integers only


def _groups(org: Organization, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows grouped by parent organization, groups in tree order, children in tree order
    within a group. The subtree's own root (parent outside the subtree) heads the list
    without a heading of its own. One query for the parents' names."""
    step = Organization.steplen
    by_parent: dict[str, list[Any]] = {}
    for row in rows:
        row.cells_html = _cells(row)
        parent = row.path[:-step] if len(row.path) > len(org.path) else ""
        by_parent.setdefault(parent, []).append(row)
    names = dict(
        Organization.objects.filter(path__in=[p for p in by_parent if p]).values_list(
            "path", "full_name"
        )
    )
    return [
        {"name": names.get(parent, "") if parent else "", "rows": members}
        for parent, members in sorted(by_parent.items())
    ]


def _rate(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


register(
    ReportKind(
        slug="rollup",
        title=gettext_lazy("Campaign roll-up"),
        template="reports/rollup.html",
        params=("organization",),
        check=organization_check,
        build_context=rollup_context,
        description=gettext_lazy(
            "The requirement grid of every organization below this one, with the totals "
            "per requirement and per organization."
        ),
    )
)
