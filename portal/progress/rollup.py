"""Keeping the requirement roll-up (models.Standing) current.

The grid of a county evaluates every requirement over 2,000 organizations; live, that
takes seconds. The roll-up stores each organization's levels in each campaign as one
short row, and the grid and the dashboard read those rows (portal/progress/grid.py,
dashboard.py). A row is never used out of date:

1. **Marked when records change.** Saving or deleting any record of the domain apps
   marks the rows of the organizations it belongs to (`stale_from = DIRTY`, one UPDATE in
   the same transaction; the models and their paths to an organization are found from
   their foreign keys, `sources()`). Writes that bypass model signals (bulk_create,
   queryset.update) call `mark_changed()` themselves.
2. **Recomputed after commit.** The marked organizations are sent to the
   `refresh_standings` task once the transaction commits (one task per transaction,
   through portal.core.queue: in-process when there is no broker), with the models
   written; in each campaign, the requirements that read them (`engine.affected_by`:
   each requirement kind declares its `reads`). The task evaluates exactly those
   requirements of those organizations, keeps the row's other letters, and writes it,
   the row locked meanwhile; a write no requirement kind reads marks nothing.
3. **Checked when read.** Before reading a subtree, `ensure_fresh()` recomputes, in
   the request, every row of it that is marked or whose `stale_from` date has come (an
   open item passing its deadline turns "no overdue item" red with no record changing),
   and builds the campaign's roll-up if it was never built or its requirements' codes
   changed (`Rollup.layout`; a change of an instance's parameters marks every row).
   So a lagging or stopped worker makes pages slower, never wrong.
4. **Colours that depend on the date are decided when read**: "not met" is stored as
   `p` and shown amber while its phase is open, red after (`levels()`). A record
   submitted and waiting for review is `w` (Level.WAITING) whatever the date.

`rebuild` (manage.py rebuild_standings, after deploys and seeding; nightly by beat)
recomputes every row of a campaign, a subtree at a time.

Figures computed from the rows (dashboard, grid) are cached under the subtree's
version (models.SubtreeVersion, bumped with every row written below it, in the same
transaction: `bump_versions`), returned by ensure_fresh() as the Freshness token.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.translation import get_language

from organizations.models import Member, Organization
from portal.core.cache import cache_add, cache_get_many, cache_set
from portal.core.closed import CLOSED

from .engine import PENDING, Level, Result, Scope, evaluate, read_by_any, requirements
from .models import DIRTY, Rollup, Standing, SubtreeVersion
from .scopes import org_infos, scope_for_orgs

logger = logging.getLogger(__name__)

LETTERS = {
    Level.GREEN: "g",
    Level.WAITING: "w",
    Level.AMBER: "a",
    Level.RED: "r",
    PENDING: "p",
}
# Letters counted as done (met, or submitted and waiting for review): engine.DONE_LEVELS.
DONE_LETTERS = frozenset("gw")
NOT_APPLICABLE = "-"
# Organizations evaluated together when rebuilding: a subtree of at most this many is
# one scope (path-prefix queries); a bigger one is split at its children.
CHUNK = 3000
# Organizations per scope when refreshing marked rows (id lists).
BATCH = 1000

# Apps whose records feed the requirements. The review engine changes a record's status
# with a queryset update (no signal) and writes a ReviewEvent naming its organization in
# the same transaction: that event marks the row.
SOURCE_APPS = ("activities", "rectification", "organizations", "attachments", "reviews")


def layout(campaign: Any) -> str:
    """The codes of the campaign's requirements, in checklist order: one letter each in
    its rows."""
    return ",".join(r.code for r in requirements(campaign))


# --- computing rows ----------------------------------------------------------------------

# A stored row as a partial recompute reads it: letters, due date, computed_at, changes.
Stored = tuple[str, dt.date | None, dt.datetime | None, list[Any]]
# Partial recomputes a row remembers (Standing.changes).
CHANGES_KEPT = 8


def _rows(
    campaign: Any,
    scope: Scope,
    codes: list[str],
    now: dt.datetime,
    *,
    stored: dict[int, Stored] | None = None,
    only: set[str] | None = None,
) -> list[Standing]:
    """The rows of the scope's organizations. With `only` (codes) and the `stored`
    (letters, due date, computed_at, changes) of their rows, only those requirements
    are evaluated, plus any whose applicability changed and, when a row's due date is
    not known, the dated ones; the other letters and the due date are kept, and the
    row's `changes` records what was evaluated. An organization without a stored row
    of this layout: everything evaluated."""
    scope.defer_pending = True
    scope.changes = {}
    wanted: set[str] | None = None
    if only is not None and stored is not None:
        reqs = requirements(campaign)
        wanted = set(only)
        for org_id, info in scope.orgs.items():
            old, due = stored[org_id][:2] if org_id in stored else ("", DIRTY)
            if len(old) != len(codes):
                wanted = None
                break
            if due == DIRTY:
                wanted |= {r.code for r in reqs if r.dated}
            for letter, req in zip(old, reqs, strict=True):
                if (letter != NOT_APPLICABLE) != req.applies_to(info):
                    wanted.add(req.code)
    dated_kept = wanted is not None and not any(
        r.dated and r.code in wanted for r in requirements(campaign)
    )
    results = evaluate(scope, only=wanted)
    rows = []
    for org_id, info in scope.orgs.items():
        res = results.get(org_id, {})
        previous = stored.get(org_id) if stored is not None and wanted is not None else None
        old, due = previous[:2] if previous is not None else ("", None)
        changes: list[Any] = []
        if wanted is not None and previous is not None and previous[2] is not None:
            changes = [*previous[3], [previous[2].isoformat(), sorted(wanted)]][-CHANGES_KEPT:]
        states = "".join(
            (LETTERS[res[code].level] if code in res else NOT_APPLICABLE)
            if wanted is None or code in wanted
            else old[i]
            for i, code in enumerate(codes)
        )
        green = states.count("g")
        if not dated_kept:
            due = scope.changes.get(org_id)
        rows.append(
            Standing(
                campaign=campaign,
                organization_id=org_id,
                states=states,
                members=info.members,
                cells=len(states) - states.count(NOT_APPLICABLE),
                green=green,
                done=green + states.count("w"),
                stale_from=due,
                due_on=due,
                computed_at=now,
                changes=changes,
            )
        )
    return rows


def bump_versions(campaign: Any, paths: Iterable[str]) -> None:
    """A row of each of these organizations was written or removed: bump the version of
    every subtree holding one of them (their ancestor paths, the organizations' own
    included), in the caller's transaction. Sorted, so two writers lock the version
    rows in the same order."""
    step = Organization.steplen
    prefixes = sorted({p[:end] for p in paths for end in range(step, len(p) + 1, step)})
    if not prefixes:
        return
    table = SubtreeVersion._meta.db_table
    values = ", ".join(["(%s, %s, 1)"] * len(prefixes))
    params: list[Any] = []
    for prefix in prefixes:
        params += [campaign.pk, prefix]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, path, generation) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (campaign_id, path) DO UPDATE SET generation = {table}.generation + 1",
            params,
        )


def _save(rows: list[Standing]) -> None:
    # These rows are current now: a later write in this transaction marks them again.
    _pending().marked.difference_update(row.organization_id for row in rows)
    Standing.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["campaign", "organization"],
        update_fields=[
            "states",
            "members",
            "cells",
            "green",
            "done",
            "stale_from",
            "due_on",
            "computed_at",
            "changes",
        ],
    )


def refresh(
    campaign: Any,
    org_ids: Iterable[int],
    today: dt.date | None = None,
    codes: Iterable[str] | None = None,
) -> int:
    """Recompute the rows of these organizations (active ones) in the campaign: every
    requirement, or with `codes` (what a write changed: engine.affected_by) only those,
    each organization's row locked while it is read, evaluated and written, so two
    recomputes of one row never lose each other's letters."""
    ids = sorted(set(org_ids))
    layout_codes = layout(campaign).split(",")
    if codes is not None and len(ids) <= PARTIAL_MAX:
        only = set(codes)
        done = 0
        for org_id in ids:
            with transaction.atomic():
                done += _refresh_batch(campaign, [org_id], layout_codes, today, only)
        return done
    done = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            done += _refresh_batch(campaign, ids[start : start + BATCH], layout_codes, today)
    return done


# Organizations refreshed one by one (a row lock each) when a write names the
# requirements it changed; more (an import) are evaluated together, every requirement.
PARTIAL_MAX = 20


def _refresh_batch(
    campaign: Any,
    batch: list[int],
    codes: list[str],
    today: dt.date | None,
    only: set[str] | None = None,
) -> int:
    stored = None
    if only is not None:
        stored = {
            org_id: (states, due, computed, changes or [])
            for org_id, states, due, computed, changes in Standing.objects.select_for_update()
            .filter(campaign=campaign, organization_id__in=batch)
            .order_by("organization_id")
            .values_list("organization_id", "states", "due_on", "computed_at", "changes")
        }
    orgs = org_infos(taking_part(campaign).filter(pk__in=batch))
    paths = [info.path for info in orgs.values()]
    gone = set(batch) - set(orgs)
    if gone:  # deactivated or left out: no row (reactivating one marks it again)
        removed, _counts = Standing.objects.filter(
            campaign=campaign, organization_id__in=gone
        ).delete()
        if removed:
            paths += Organization.objects.filter(pk__in=gone).values_list("path", flat=True)
    if orgs:
        scope = Scope(campaign=campaign, orgs=orgs, today=today or timezone.localdate())
        _save(_rows(campaign, scope, codes, timezone.now(), stored=stored, only=only))
    bump_versions(campaign, paths)
    return len(orgs)


def taking_part(campaign: Any) -> models.QuerySet[Organization]:
    """The active organizations taking part in the campaign: its lead organization's
    subtree except the organizations it leaves out and those under them
    (docs/product.md §5; a subquery in the same query)."""
    from activities.models.campaigns import left_out

    taking: models.QuerySet[Organization] = Organization.objects.filter(
        path__startswith=campaign.lead_organization.path, is_active=True
    ).exclude(left_out(campaign))
    return taking


def _subtrees(
    root: Organization, taking: models.QuerySet[Organization]
) -> Iterator[tuple[Organization, bool]]:
    """(node, whole subtree?) covering the subtree under root in pieces of at most CHUNK
    organizations of `taking`: a node whose subtree is bigger comes alone, then its
    children."""
    stack = [root]
    while stack:
        node = stack.pop()
        size = taking.filter(path__startswith=node.path).count()
        if size <= CHUNK:
            yield node, True
        else:
            yield node, False
            stack.extend(
                reversed(
                    list(
                        Organization.objects.filter(
                            path__startswith=node.path, depth=node.depth + 1
                        ).order_by("path")
                    )
                )
            )


def rebuild(
    campaign: Any,
    today: dt.date | None = None,
    log: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute every row of the campaign (its lead organization's subtree).
    `progress(done, total)` is told the organizations done after each piece (one more
    query: the total)."""
    codes = layout(campaign).split(",")
    root = campaign.lead_organization
    taking = taking_part(campaign)
    started = timezone.now()
    done = 0
    total = taking.count() if progress else 0
    for node, whole in _subtrees(root, taking):
        if whole:
            orgs = org_infos(taking.filter(path__startswith=node.path))
            scope = Scope(
                campaign=campaign,
                orgs=orgs,
                root_path=node.path,
                today=today or timezone.localdate(),
            )
        else:
            orgs = org_infos(taking.filter(pk=node.pk))
            scope = Scope(campaign=campaign, orgs=orgs, today=today or timezone.localdate())
        if not orgs:
            continue
        with transaction.atomic():
            _save(_rows(campaign, scope, codes, timezone.now()))
        done += len(orgs)
        if log:
            log(f"  {campaign}: {done} organizations")
        if progress:
            progress(min(done, total), total)
    # Rows of organizations deactivated, moved out of the campaign's subtree or left out.
    Standing.objects.filter(campaign=campaign).exclude(computed_at__gte=started).delete()
    Rollup.objects.update_or_create(
        campaign=campaign,
        defaults={
            "layout": ",".join(codes),
            "built_at": timezone.now(),
            "generation": F("generation") + 1,
        },
        create_defaults={"layout": ",".join(codes), "built_at": timezone.now()},
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics for the planner
            cursor.execute(f"ANALYZE {Standing._meta.db_table}")
    if progress:
        progress(total, total)
    return done


def analyze_sqlite() -> None:
    """SQLite (the embedded set-up) plans its joins without statistics until ANALYZE
    has run: the grid's live cells then read every meeting of the campaign to count
    the page's 50 organizations' attendance (0.3 s instead of 1 ms at county scale).
    Run with the nightly rebuild and after seeding; PostgreSQL analyzes by itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@dataclass
class Freshness:
    """What ensure_fresh() found. `token` names the rows' state when every row of the
    subtree is current (figures may be cached under it); `behind` counts rows too many
    to recompute in one request, left to the worker (the page says so); `building`:
    the campaign's roll-up is being built by the worker (no row can be read yet)."""

    token: str | None = None
    behind: int = 0
    building: bool = False


def _send_once(key: str, task: Any, **kwargs: Any) -> None:
    """Send the task unless the same was sent in the last five minutes (any process
    sharing the cache): busy pages don't queue it once per request."""
    from portal.core.queue import enqueue

    # Unknown (cache unreachable) counts as "not sent yet": the worker's tasks are
    # idempotent, and Redis being down means the send is recorded for a resend anyway.
    if cache_add(f"progress:sent:{key}", 1, 300) is not False:
        enqueue(task, kwargs=kwargs)


def ensure_fresh(root: Organization, campaign: Any, today: dt.date | None = None) -> Freshness:
    """Make every row of the subtree under `root` current before it is read: build the
    campaign's roll-up when missing or made with other requirements, then recompute the
    marked rows and those whose date has come — in the request, up to
    settings.PROGRESS_RECOMPUTE_IN_REQUEST organizations (a second or two); beyond that
    (a province after its campaign's settings changed) the worker does it and the page
    says the figures are being recomputed instead of timing out. Queries: 2 when
    nothing is stale."""
    from .tasks import rebuild_standings, refresh_standings

    limit = settings.PROGRESS_RECOMPUTE_IN_REQUEST
    day = today or timezone.localdate()
    subtree = SubtreeVersion.objects.filter(campaign=campaign, path=root.path)
    version = subtree.values("generation")[:1]
    built = (
        Rollup.objects.filter(campaign=campaign)
        .annotate(version=models.Subquery(version))
        .values_list("layout", "built_at", "generation", "version")
        .first()
    )
    if built is None or built[0] != layout(campaign):
        size = taking_part(campaign).count()
        if size > limit:
            _send_once(f"rebuild:{campaign.pk}", rebuild_standings, campaign_id=campaign.pk)
            return Freshness(building=True)
        rebuild(campaign, today=today)
        return Freshness()
    stale_rows = Standing.objects.filter(
        campaign=campaign, stale_from__lte=day, organization__path__startswith=root.path
    )
    stale = list(stale_rows.values_list("organization_id", flat=True)[: limit + 1])
    if len(stale) > limit:
        _send_once(f"refresh:{campaign.pk}", refresh_standings)
        return Freshness(behind=stale_rows.count())
    if stale:
        refresh(campaign, stale, today=today)
        return Freshness()
    # The subtree's rows have not changed while the rebuild time, the campaign's
    # generation and the subtree's version stay the same: writes elsewhere in the
    # campaign leave this token (and what is cached under it) alone.
    return Freshness(token=f"{built[1].timestamp()}:{built[2]}:{built[3] or 0}")


# --- reading rows ------------------------------------------------------------------------


def level_maps(campaign: Any, scope_today: dt.date | None = None) -> list[dict[str, Any]]:
    """For each requirement of the layout: {letter: level} as read today."""
    scope = Scope(campaign=campaign, orgs={}, today=scope_today or timezone.localdate())
    maps = []
    for req in requirements(campaign):
        pending = Level.RED if scope.phase_over(req.phase) else Level.AMBER
        maps.append(
            {
                "g": Level.GREEN,
                "w": Level.WAITING,
                "a": Level.AMBER,
                "r": Level.RED,
                "p": pending,
                "-": None,
            }
        )
    return maps


def checklists(
    campaign: Any, orgs: list[Organization], today: dt.date | None = None
) -> dict[int, dict[str, Result]]:
    """The live checklists of a few organizations (evaluate()), served from the cache
    while their roll-up rows are current (all present, none marked or past its date).
    Each organization's checklist is cached with its row's computed_at, for the day,
    language and phase dates. When the row was recomputed since, in part (a write
    re-evaluates the requirements that read what it wrote: Standing.changes), only
    those requirements are evaluated again and the others kept from the cache: the
    secretary's home after a save costs the three requirements a meeting touches, not
    fourteen. Otherwise evaluated live. Queries: 1 + 1 (the cache) when all are
    cached, + the grouped queries of the requirements evaluated."""
    day = today or timezone.localdate()
    ids = sorted(o.pk for o in orgs)
    rows = sorted(
        Standing.objects.filter(campaign=campaign, organization_id__in=ids).values_list(
            "organization_id", "computed_at", "stale_from", "changes"
        )
    )
    current = len(rows) == len(ids) and all(
        computed is not None and (stale is None or stale > day) for _pk, computed, stale, _c in rows
    )
    if not current:
        return evaluate(scope_for_orgs(orgs, campaign, today=today))
    phases = ",".join(f"{p.number}:{p.ends_on}" for p in campaign.phases.all())
    prefix = ":".join(
        [
            "progress:checklist",
            str(campaign.pk),
            str(campaign.ends_on),
            phases,
            get_language() or "",
            day.isoformat(),
        ]
    )
    keys = {pk: f"{prefix}:{pk}" for pk in ids}
    cached = cache_get_many(list(keys.values()))
    by_id = {o.pk: o for o in orgs}
    results: dict[int, dict[str, Result]] = {}
    stamps: dict[int, str] = {}
    full: list[Organization] = []
    partial: dict[int, tuple[dict[str, Result], set[str]]] = {}
    for pk, computed, _stale, changes in rows:
        assert computed is not None  # `current`: every row computed
        stamps[pk] = computed.isoformat()
        entry: tuple[str, dict[str, Result]] | None = cached.get(keys[pk])
        if entry is not None and entry[0] == stamps[pk]:
            results[pk] = entry[1]
            continue
        codes = _codes_since(changes or [], entry[0]) if entry is not None else None
        if entry is None or codes is None:
            full.append(by_id[pk])
        else:
            partial[pk] = (entry[1], codes)
    fresh: dict[int, dict[str, Result]] = {}
    if full:
        fresh.update(evaluate(scope_for_orgs(full, campaign, today=today)))
    if partial:
        wanted: set[str] = set().union(*(codes for _old, codes in partial.values()))
        scope = scope_for_orgs([by_id[pk] for pk in partial], campaign, today=today)
        again = evaluate(scope, only=wanted)
        order = layout(campaign).split(",")
        for pk, (old, _codes) in partial.items():
            merged = {code: result for code, result in old.items() if code not in wanted}
            merged.update(again.get(pk, {}))
            fresh[pk] = {code: merged[code] for code in order if code in merged}
    for pk, res in fresh.items():
        cache_set(keys[pk], (stamps[pk], res), CHECKLIST_TTL)
        results[pk] = res
    return results


def _codes_since(changes: list[Any], since: str) -> set[str] | None:
    """The requirements a row's partial recomputes evaluated after it was computed at
    `since` (ISO 8601), or None when its changes do not reach back to then."""
    for i, (before, _codes) in enumerate(changes):
        if before == since:
            return {code for _before, codes in changes[i:] for code in codes}
    return None


# Seconds a cached checklist is kept (it is keyed by the rows' state: this only bounds
# memory).
CHECKLIST_TTL = 3600


# --- marking rows when records change ----------------------------------------------------

_local = threading.local()


@contextmanager
def paused() -> Iterator[None]:
    """Bulk seeding: no marking while it runs; rebuild the roll-up afterwards."""
    before = getattr(_local, "paused", False)
    _local.paused = True
    try:
        yield
    finally:
        _local.paused = before


@contextmanager
def coalesced() -> Iterator[None]:
    """Many short transactions in a row (a reviewer's bulk decision: one transaction per
    record): each marks its rows as usual, but the organizations are sent to the refresh
    task once, together, when the block ends, instead of one task per transaction."""
    before = getattr(_local, "coalesce", False)
    _local.coalesce = True
    try:
        yield
    finally:
        _local.coalesce = before
        if not before:
            _pending().flush()


class _Pending:
    """Organization ids changed in the current transaction, sent to the refresh task
    once it commits (one task per transaction; per coalesced() block), with the models
    written (None: any), from which each campaign's affected requirements follow."""

    def __init__(self) -> None:
        self.ids: set[int] = set()  # to send
        self.codes: set[str] | None = set()  # models ("app.Model") written; None: any
        self.marked: set[int] = set()  # rows already marked in the current transaction

    def flush(self) -> None:
        from portal.core.queue import enqueue

        from .tasks import refresh_standings

        if getattr(_local, "coalesce", False):
            return  # kept for the end of the coalesced() block
        ids, self.ids = sorted(self.ids), set()
        codes, self.codes = self.codes, set()
        if ids:
            enqueue(
                refresh_standings,
                kwargs={
                    "organization_ids": ids,
                    "models": sorted(codes) if codes is not None else None,
                },
            )


def flush_pending() -> None:
    """Send the organizations marked so far in this thread now (tests: their
    transaction never commits)."""
    _pending().flush()


def _pending() -> _Pending:
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = _Pending()
    return pending


def _label(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label


def mark_changed(
    org_ids: Iterable[int | None], model: type[models.Model] | str | None = None
) -> None:
    """The records of these organizations changed: mark their rows now (in the
    transaction) and have them recomputed once it commits. `model`: the kind of record
    that changed (a model or "app_label.ModelName"), so that only the requirements
    reading it are re-evaluated, and nothing at all when none reads it; None: any."""
    if getattr(_local, "paused", False):
        return
    codes = None if model is None else {_label(model)}
    if codes is not None and not read_by_any(codes):
        return  # no requirement kind reads these records: no row can change
    ids = {pk for pk in org_ids if pk}
    if not ids:
        return
    pending = _pending()
    # One flush per transaction: registered unless this transaction already holds it
    # (a rolled-back transaction or savepoint drops its callbacks: look, don't remember).
    conn = transaction.get_connection()
    if not any(func == pending.flush for _sids, func, _robust in conn.run_on_commit):
        pending.marked = set()
        transaction.on_commit(pending.flush, robust=True)
    pending.ids |= ids
    if codes is None or pending.codes is None:
        pending.codes = None
    else:
        pending.codes |= codes
    unmarked = ids - pending.marked  # a record and its event: one UPDATE
    if unmarked:
        # A closed campaign's rows are frozen (docs/product.md §5.2): a roster change
        # after its closing leaves them as they were.
        Standing.objects.filter(organization_id__in=unmarked).exclude(stale_from=DIRTY).exclude(
            campaign__status=CLOSED
        ).update(stale_from=DIRTY)
        pending.marked |= unmarked


def campaign_changed(campaign_id: int) -> None:
    """A campaign's settings changed: every row of it is recomputed."""
    if getattr(_local, "paused", False):
        return
    Standing.objects.filter(campaign_id=campaign_id).update(stale_from=DIRTY)


def all_changed() -> None:
    """Something every checklist reads changed (e.g. the kinds of mechanisms)."""
    if getattr(_local, "paused", False):
        return
    Standing.objects.update(stale_from=DIRTY)


# --- which records feed the requirements -------------------------------------------------


def _paths(model: type[models.Model], depth: int = 0) -> list[str]:
    """Attribute paths from a record to the ids of the organizations it belongs to,
    found from its foreign keys (at most three steps)."""
    found = []
    for field in model._meta.concrete_fields:
        if not field.is_relation or not (field.many_to_one or field.one_to_one):
            continue
        target = field.related_model
        if target is None or isinstance(target, str):  # resolved on a loaded model
            continue
        if target is Organization:
            found.append(field.attname)
        elif (
            depth < 2
            and target._meta.app_label in SOURCE_APPS
            and target is not model
            and not target._meta.label.startswith("activities.Campaign")
        ):
            found += [f"{field.name}.{sub}" for sub in _paths(target, depth + 1)]
    return found


def _resolve(instance: models.Model, path: str) -> int | None:
    value: Any = instance
    try:
        for part in path.split("."):
            value = getattr(value, part)
            if value is None:
                return None
    except models.ObjectDoesNotExist:
        return None  # a parent deleted in the same cascade: its own signal marks it
    org_id: int = value  # the path ends at an organization's id
    return org_id


def sources() -> dict[type[models.Model], list[str]]:
    """{model: its paths to organization ids} for every model of SOURCE_APPS that has
    one (change-history tables excluded)."""
    from django.apps import apps

    found = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in SOURCE_APPS or model.__name__.startswith("Historical"):
            continue
        if model is Organization:
            continue
        paths = _paths(model)
        if paths:
            found[model] = paths
    return found


def _on_record_change(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    paths = _SOURCES.get(sender)
    if paths:
        mark_changed((_resolve(instance, path) for path in paths), model=_changed_model(instance))


def _changed_model(instance: models.Model) -> type[models.Model] | None:
    """The kind of record whose change this save or delete stands for. A review event
    stands for its record (the review engine changes the record's status with an
    update(), which sends no signal, and writes the event in the same transaction);
    None (any requirement) when its record's model is unknown."""
    from portal.reviews.models import ReviewEvent

    if isinstance(instance, ReviewEvent):
        from django.contrib.contenttypes.models import ContentType

        try:  # cached by ContentType's manager: no query after the first
            return ContentType.objects.get_for_id(instance.content_type_id).model_class()
        except ContentType.DoesNotExist:
            return None
    return type(instance)


def _on_member_before_save(sender: Any, instance: Member, raw: bool = False, **kwargs: Any) -> None:
    """A member moving to another organization changes the old one's roster too."""
    if raw or not instance.pk or getattr(_local, "paused", False):
        return
    old = (
        Member.objects.filter(pk=instance.pk)
        .exclude(organization_id=instance.organization_id)
        .values_list("organization_id", flat=True)
        .first()
    )
    if old:
        mark_changed([old])


def _on_organization_saved(
    sender: Any, instance: Organization, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """An organization's kind, standing or activity changed, or a new one appeared:
    an active one gets a marked row in every built campaign above it (a deactivated
    one loses its rows when they are recomputed)."""
    if raw or getattr(_local, "paused", False):
        return
    if instance.is_active:
        from activities.models import Campaign

        campaigns = (
            Campaign.objects.running()  # a closed campaign takes no new organization
            .for_organization(instance)
            .filter(pk__in=Rollup.objects.values("campaign_id"))
        )
        Standing.objects.bulk_create(
            [Standing(campaign=c, organization=instance, stale_from=DIRTY) for c in campaigns],
            ignore_conflicts=True,
        )
    mark_changed([instance.pk])


# Campaign fields whose change leaves every checklist as it was: its lifecycle (closing
# and reopening, opening, which schedules its own rebuild) and the rebuild's progress.
LIFECYCLE_FIELDS = frozenset({"status", "opened_at", "closed_at", "rebuild_done", "rebuild_total"})


def _on_campaign_saved(
    sender: Any,
    instance: Any,
    created: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    """A new campaign's roll-up is built by a task once it commits (or by the first
    read); a changed one's rows are all recomputed (not for a change of its lifecycle
    alone: closing a campaign freezes its rows as they are)."""
    if getattr(_local, "paused", False):
        return
    if not created and update_fields is not None and set(update_fields) <= LIFECYCLE_FIELDS:
        return
    if created:
        from portal.core.queue import enqueue

        from .tasks import rebuild_standings

        enqueue(rebuild_standings, kwargs={"campaign_id": instance.pk})
    else:
        campaign_changed(instance.pk)


def _on_exclusions_changed(
    sender: Any, instance: Any, action: str, reverse: bool = False, **kwargs: Any
) -> None:
    """The organizations a campaign leaves out changed (its edit page, the admin): its
    roll-up is rebuilt by the worker once the change commits, so that the organizations
    left out lose their rows and those taken back get theirs (docs/product.md §5.3);
    until then a read builds it in the request (ensure_fresh: the roll-up is gone),
    never showing the old subtree."""
    if action not in ("post_add", "post_remove", "post_clear") or getattr(_local, "paused", False):
        return
    from portal.core.queue import enqueue

    from .tasks import rebuild_standings

    # From the organization's side (`reverse`), the campaigns are the keys named.
    campaign_ids = list(kwargs.get("pk_set") or []) if reverse else [instance.pk]
    if Rollup.objects.filter(campaign_id__in=campaign_ids).delete()[0]:
        for campaign_id in campaign_ids:
            transaction.on_commit(
                partial(enqueue, rebuild_standings, kwargs={"campaign_id": campaign_id}),
                robust=True,
            )


def _on_global_change(sender: Any, **kwargs: Any) -> None:
    all_changed()


_SOURCES: dict[type[models.Model], list[str]] = {}


def connect() -> None:
    """Called from ProgressConfig.ready()."""
    from activities.models import Campaign
    from rectification.models import MechanismKind

    _SOURCES.update(sources())
    for model in _SOURCES:
        uid = f"progress-rollup-{model._meta.label}"
        post_save.connect(_on_record_change, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_record_change, sender=model, dispatch_uid=uid + "-delete")
    pre_save.connect(_on_member_before_save, sender=Member, dispatch_uid="progress-rollup-member")
    post_save.connect(
        _on_organization_saved, sender=Organization, dispatch_uid="progress-rollup-org"
    )
    post_save.connect(_on_campaign_saved, sender=Campaign, dispatch_uid="progress-rollup-c")
    m2m_changed.connect(
        _on_exclusions_changed,
        sender=Campaign.excluded_organizations.through,
        dispatch_uid="progress-rollup-exclusions",
    )
    for signal in (post_save, post_delete):
        signal.connect(
            _on_global_change, sender=MechanismKind, dispatch_uid=f"progress-rollup-mk-{signal}"
        )
