"""The subtree requirement grid (docs/product.md §8): organizations × requirements for every
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
import hashlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from organizations.models import Organization
from portal.core.cache import cache_get, cache_set

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
    computed_at: dt.datetime | None = None  # of its roll-up row (attach_details)

    @property
    def done(self) -> int:
        """Met, or submitted and waiting for review (engine.DONE_LEVELS)."""
        return self.green + self.waiting

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.applicable) if self.applicable else 0

    # Filled for the rows shown (attach_details / attach_organizations).
    cells: list[Result | None] = ()  # type: ignore[assignment]
    html: str = ""  # render_rows
    organization: Organization | None = None
    urged_at: dt.datetime | None = None  # the latest reminder (urging.py), when asked

    @property
    def urged_ago(self) -> str:
        """ "2 days" (the largest unit only), for "urged 2 days ago"."""
        from .urging import ago

        return ago(self.urged_at) if self.urged_at else ""


@dataclass
class Grid:
    columns: list[Requirement]
    rows: Sequence[GridRow]
    campaign: Any = None
    totals: list[Counter[str]] = field(default_factory=list)
    as_of: Any = None
    today: dt.date | None = None
    freshness: Freshness = field(default_factory=Freshness)


# Seconds a grid's rows stay cached; they are keyed by the roll-up's generation (any
# row written makes a new key), so this only bounds memory.
ROWS_TTL = 3600
# The last grids' rows kept in the process as well (no unpickling on a hit; the key
# says they are current, as for the shared cache).
RECENT_GRIDS = 8
_recent: OrderedDict[str, Any] = OrderedDict()


class Rows(Sequence["GridRow"]):
    """The grid's rows, made into GridRow objects when first read: a page of a county's
    grid reads 50 of 2,000 (the paginator takes len() and one slice). A row read twice
    is the same object."""

    def __init__(self, plain: list[tuple[Any, ...]], distinct: list[list[str | None]]) -> None:
        self._plain = plain
        self._distinct = distinct
        self._made: dict[int, GridRow] = {}

    def __len__(self) -> int:
        return len(self._plain)

    def _make(self, i: int) -> GridRow:
        row = self._made.get(i)
        if row is None:
            (org_id, path, kind, is_weak, members, index, red, amber, green, waiting, n) = (
                self._plain[i]
            )
            row = self._made[i] = GridRow(
                org_id=org_id,
                path=path,
                kind=kind,
                is_weak=is_weak,
                members=members,
                levels=self._distinct[index],
                red=red,
                amber=amber,
                green=green,
                waiting=waiting,
                applicable=n,
            )
        return row

    @overload
    def __getitem__(self, i: int) -> GridRow: ...

    @overload
    def __getitem__(self, i: slice) -> list[GridRow]: ...

    def __getitem__(self, i: int | slice) -> GridRow | list[GridRow]:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(len(self._plain)))]
        if i < 0:
            i += len(self._plain)
        if not 0 <= i < len(self._plain):
            raise IndexError(i)
        return self._make(i)

    def __iter__(self) -> Iterator[GridRow]:
        return (self._make(i) for i in range(len(self._plain)))


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
    """The rows of the subtree's grid, filtered and sorted, with the column totals.
    While every roll-up row of the subtree is current, the computed rows are cached
    under the roll-up's generation (bumped by every write), the day and the filters:
    a county's 2,000 rows are read and counted once per change, not once per request
    (as the dashboard's figures)."""
    freshness = ensure_fresh(root, campaign, today=today)
    reqs = requirements(campaign)
    columns = [r for r in reqs if phase is None or r.phase == phase]
    key = None
    if freshness.token is not None:
        day = today or timezone.localdate()
        phases = ",".join(f"{p.number}:{p.ends_on}" for p in campaign.phases.all())
        key = ":".join(
            [
                "progress:grid",
                str(campaign.pk),
                str(campaign.ends_on),
                phases,
                str(root.pk),
                root.path,
                freshness.token,
                day.isoformat(),
                kind,
                "w" if weak else "",
                failing,
                str(phase),
                sort,
            ]
        )
        key = "progress:grid:" + hashlib.sha256(key.encode()).hexdigest()
    data = _recent.get(key) if key else None
    if data is None and key:
        data = cache_get(key)
    if data is None:
        data = _compute_rows(
            root, campaign, reqs, columns, kind, weak, failing, sort, today, freshness
        )
        if key:
            cache_set(key, data, ROWS_TTL)
    if key:
        _recent[key] = data
        _recent.move_to_end(key)
        while len(_recent) > RECENT_GRIDS:
            _recent.popitem(last=False)
    # The levels stay the strings they were cached as: Level is a StrEnum, so "red"
    # equals Level.RED wherever they are compared or counted.
    distinct, plain_rows, totals = data
    rows = Rows(plain_rows, distinct)
    scope = Scope(campaign=campaign, orgs={}, today=today or timezone.localdate())
    return Grid(
        columns=columns,
        rows=rows,
        campaign=campaign,
        totals=[Counter(t) for t in totals],
        as_of=scope.as_of,
        today=today,
        freshness=freshness,
    )


def _compute_rows(
    root: Organization,
    campaign: Any,
    reqs: list[Requirement],
    columns: list[Requirement],
    kind: str,
    weak: bool,
    failing: str,
    sort: str,
    today: dt.date | None,
    freshness: Freshness,
) -> tuple[list[list[str | None]], list[tuple[Any, ...]], list[dict[str, int]]]:
    """The grid's rows as plain data (cached by build_grid): the distinct lists of
    levels, one tuple per row (its levels as an index into them), the column totals.
    One query."""
    position = {r.code: i for i, r in enumerate(reqs)}
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
    seen: dict[str, tuple[Any, ...] | None] = {}
    distinct: list[list[str | None]] = []

    def read(states: str) -> tuple[Any, ...] | None:
        levels = [maps[i][states[i]] for i in picked]
        count = levels.count  # list.count: a Counter per row costs more than the query
        applicable = len(levels) - count(None)
        if not applicable:
            return None  # none of the requirements shown applies
        # Failing: not met (a record waiting for review is not failing: the
        # organization has done its part).
        if failing and (
            failing_at is None
            or maps[failing_at][states[failing_at]] in (None, Level.GREEN, Level.WAITING)
        ):
            return None
        distinct.append([str(level) if level is not None else None for level in levels])
        return (
            len(distinct) - 1,
            count(Level.RED),
            count(Level.AMBER),
            count(Level.GREEN),
            count(Level.WAITING),
            applicable,
        )

    # is_weak read as text: no column needs a converter, so Django hands the rows over
    # as the driver returns them (a boolean's converter, called for 2,000 rows, cost as
    # much as the query on SQLite).
    weak_text = Cast("organization__is_weak", output_field=CharField())
    rows: list[tuple[Any, ...]] = []
    for org_id, path, org_kind, is_weak, members, states in standings.annotate(
        weak_text=weak_text
    ).values_list(
        "organization_id",
        "organization__path",
        "organization__kind",
        "weak_text",
        "members",
        "states",
    ):
        if states in seen:
            found = seen[states]
        else:
            found = seen[states] = read(states)
        if found is None:
            continue
        rows.append((org_id, path, org_kind, is_weak in ("1", "true"), members, *found))
    # Positions in the tuple: 1 path, 6 red, 7 amber, 8 green, 9 waiting, 10 applicable.
    if sort == "red":
        rows.sort(key=lambda r: (-r[6], -r[7], r[1]))
    elif sort == "met":
        rows.sort(key=lambda r: (r[8], -r[6], r[1]))
    elif sort == "done":
        rows.sort(key=lambda r: ((r[8] + r[9]) / r[10], r[8] + r[9], r[1]))
    elif sort == "-done":
        rows.sort(key=lambda r: (-(r[8] + r[9]) / r[10], -(r[8] + r[9]), r[1]))
    else:
        rows.sort(key=lambda r: r[1])
    totals: list[dict[str, int]] = [{} for _ in columns]
    # Rows with the same letters share one list of levels: count each list once.
    for index, n in Counter(r[5] for r in rows).items():
        for i, level in enumerate(distinct[index]):
            if level is not None:
                totals[i][level] = totals[i].get(level, 0) + n
    return distinct, rows, totals


def attach_organizations(rows: Sequence[GridRow]) -> None:
    """Load the organizations of these rows (one query)."""
    orgs = Organization.objects.in_bulk([row.org_id for row in rows])
    for row in rows:
        row.organization = orgs.get(row.org_id)


# Seconds the live cells of a page of rows stay cached; they are keyed by the rows'
# state (computed_at), so this only bounds memory.
CELLS_TTL = 3600
# A page of rows bigger than this (an export) is evaluated, not cached.
CELLS_CACHE_MAX = 200


def _cells_key(grid: Grid, rows: Sequence[GridRow]) -> str | None:
    """The cache key of these rows' live cells, or None when they must be evaluated:
    some row of the subtree is being recomputed (the roll-up is not current), a row has
    never been computed, or the rows are too many. The key holds everything the cells
    depend on: the rows' state, the day, the language, the phases' dates, the columns."""
    if grid.freshness.token is None or len(rows) > CELLS_CACHE_MAX:
        return None
    stamps = [row.computed_at for row in rows]
    if any(stamp is None for stamp in stamps):
        return None
    campaign = grid.campaign
    day = grid.today or timezone.localdate()
    phases = ",".join(f"{p.number}:{p.ends_on}" for p in campaign.phases.all())
    parts = [
        "progress:cells",
        str(campaign.pk),
        str(campaign.ends_on),
        phases,
        get_language() or "",
        day.isoformat(),
        ",".join(c.code for c in grid.columns),
        ",".join(
            f"{row.org_id}@{stamp.timestamp()}"
            for row, stamp in zip(rows, stamps, strict=True)
            if stamp is not None  # all of them (checked above)
        ),
    ]
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def attach_details(grid: Grid, rows: Sequence[GridRow]) -> None:
    """The organizations of these rows and their cells with reason and link, evaluated
    live (one query for the organizations, then the requirements' grouped queries over
    these organizations only; what the evaluation knows of each organization comes
    from its roll-up row) — or, while the rows are unchanged since the same page was
    last evaluated, read from the cache (_cells_key): one query for the organizations.
    """
    if not rows:
        return
    # The organizations with the time their roll-up rows were computed (one query).
    standings = Standing.objects.filter(
        campaign=grid.campaign, organization_id__in=[row.org_id for row in rows]
    ).select_related("organization")
    orgs = {}
    computed = {}
    for standing in standings:
        orgs[standing.organization_id] = standing.organization
        computed[standing.organization_id] = standing.computed_at
    for row in rows:
        row.computed_at = computed.get(row.org_id)
    key = _cells_key(grid, rows)
    cached = cache_get(f"progress:cells:{key}") if key else None
    if cached is not None:
        # Cached as plain tuples (unpickling 700 frozen dataclasses costs more).
        results = {
            org_id: {code: Result(Level(level), reason, url) for code, level, reason, url in found}
            for org_id, found in cached.items()
        }
    else:
        infos = {
            row.org_id: OrgInfo(row.org_id, row.path, row.kind, row.is_weak, row.members)
            for row in rows
        }
        scope = Scope(campaign=grid.campaign, orgs=infos, today=grid.today or timezone.localdate())
        results = evaluate(scope, only=[c.code for c in grid.columns])
        if key:
            plain = {
                org_id: [(code, str(r.level), r.reason, r.fix_url) for code, r in found.items()]
                for org_id, found in results.items()
            }
            cache_set(f"progress:cells:{key}", plain, CELLS_TTL)
    for row in rows:
        row.organization = orgs.get(row.org_id)
        found = results.get(row.org_id, {})
        row.cells = [found.get(c.code) for c in grid.columns]


def render_rows(grid: Grid, rows: list[GridRow], *, can_urge: bool = False) -> None:
    """Each row's markup (`html`): the organization's heading cell (a box to tick for
    urging, the link to its checklist, badges, the button expanding its list), done /
    total, and one cell per requirement. Built here: 50 rows of template tags cost more
    than the rest of the page. The expanded list (every requirement of the row in
    words, with its reason and link) is built by static/portal/js/grid.js from the
    row's cells and the column headings when the button is pressed: sent once, not
    twice, per page."""
    from django.urls import reverse

    render = cell_renderer()
    placeholder = "987654321"
    checklist = reverse("progress:checklist_campaign", args=[placeholder, grid.campaign.pk])
    weak = f'<span class="badge badge-warn">{escape(_("weak and lax"))}</span>'
    urged = escape(_("Urged %(time)s ago"))
    details_of = escape(_("Details of %(name)s"))
    urge_label = escape(_("Urge %(name)s"))
    width = len(grid.columns) + 2
    kinds: dict[str, str] = {}
    for row in rows:
        org = row.organization
        name = escape(org.short_name or str(org)) if org else ""
        pk = row.org_id
        parts = ['<tr><th scope="row">']
        if can_urge:
            parts.append(
                f'<input type="checkbox" name="organizations" value="{pk}" form="urge-form" '
                f'id="u-{pk}" aria-label="{urge_label % {"name": name}}"> '
            )
        parts.append(f'<a href="{checklist.replace(placeholder, str(pk))}">{name}</a>')
        if row.is_weak:
            parts.append(f" {weak}")
        if row.urged_at:
            parts.append(
                f' <span class="badge badge-urged">{urged % {"time": row.urged_ago}}</span>'
            )
        parts.append(
            f' <button type="button" class="row-toggle" aria-expanded="false" '
            f'aria-controls="d-{pk}"><span aria-hidden="true">▸</span>'
            f'<span class="sr-only">{details_of % {"name": name}}</span></button></th>'
            f'<td class="done">{row.done}/{row.applicable}</td>'
        )
        parts.extend(render(cell) for cell in row.cells)
        members = ngettext("%(n)s member", "%(n)s members", row.members) % {"n": row.members}
        if org and org.kind not in kinds:
            kinds[org.kind] = escape(org.get_kind_display())
        kind = kinds.get(org.kind, "") if org else ""
        parts.append(
            f'</tr><tr class="grid-detail" id="d-{pk}" hidden><td colspan="{width}">'
            f'<p class="muted small">{kind} · {escape(members)}</p>'
            f'<ul class="detail-list"></ul></td></tr>'
        )
        row.html = mark_safe("".join(parts))  # noqa: S308 - escaped names, constant markup


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


DONE = frozenset({Level.GREEN, Level.WAITING})


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

    done: dict[tuple[str, str], str] = {}  # a page repeats few (level, reason) pairs

    def render(cell: Result | None) -> str:
        if cell is None:
            return not_applicable
        key = (cell.level, cell.reason)
        tip = done.get(key)
        if tip is None:
            symbol, word = words.get(cell.level, words[Level.RED])
            tip = done[key] = (
                f'<span aria-hidden="true">{symbol}</span>'
                f'<span class="cell-tip"><b>{word}</b>{separator}{escape(cell.reason)}</span></td>'
            )
        if cell.fix_url and cell.level not in DONE:
            # The page that fixes it, linked from the row's expanded list (grid.js).
            return (
                f'<td class="cell cell-{cell.level}" tabindex="0" '
                f'data-fix="{escape(cell.fix_url)}">{tip}'
            )
        return f'<td class="cell cell-{cell.level}" tabindex="0">{tip}'

    return render
