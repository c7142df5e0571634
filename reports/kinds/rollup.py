"""Subtree roll-up (SPEC §9): the requirement grid of every organization below one node,
with totals per requirement and per organization, as the office sends it up the line.

Cost: the grid's own (portal/progress/grid.py: the scope, the requirements' grouped
queries) plus one query for the organizations' names, whatever the subtree's size.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from portal.progress.engine import Level
from portal.progress.grid import attach_organizations, build_grid

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
    }
    if campaign is None:
        return context
    grid = build_grid(org, campaign)
    attach_organizations(grid.rows)
    columns = [
        {
            "number": i + 1,
            "label": column.label,
            "phase": column.phase,
            "green": grid.totals[i].get(Level.GREEN.value, 0),
            "amber": grid.totals[i].get(Level.AMBER.value, 0),
            "red": grid.totals[i].get(Level.RED.value, 0),
            "rate": _rate(grid.totals[i].get(Level.GREEN.value, 0), sum(grid.totals[i].values())),
        }
        for i, column in enumerate(grid.columns)
    ]
    rows = grid.rows
    context.update(
        {
            "columns": columns,
            "rows": rows,
            "as_of": grid.as_of,
            "totals": {
                "organizations": len(rows),
                "weak": sum(1 for r in rows if r.is_weak),
                "members": sum(r.members for r in rows),
                "all_green": sum(1 for r in rows if not r.red and not r.amber),
                "with_red": sum(1 for r in rows if r.red),
                "cells_green": sum(c["green"] for c in columns),
                "cells_amber": sum(c["amber"] for c in columns),
                "cells_red": sum(c["red"] for c in columns),
            },
        }
    )
    return context


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
