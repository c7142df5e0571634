"""Scale data for the benchmarks (docs/product.md §11, issue #7): one county, or a province of
counties, with members and campaign records in every state the live checklist reads.

    seed_scale(orgs=2000, members=20000)               # a county: 2,000 organizations
    seed_scale(orgs=100_000, members=1_000_000)        # a province: 50 counties of 2,000

Used by `manage.py seed_scale` (scale/management/commands/seed_scale.py) and
by bench/run.py and bench/load.py. Everything is written in one transaction with
precomputed primary keys and treebeard paths (materialized path, steplen 4, alphabet
0-9A-Z): on PostgreSQL with COPY (foreign-key triggers off for the load: the database is
the benchmark's own), on SQLite with executemany in large batches. No model's save(),
signal or history row runs; the rows obey every constraint of the schema, and the
counts that services keep in step (meeting attendance counts, checklist results) are
written consistent with the rows they summarize.

The tree. Up to 2 × COUNTY_SIZE organizations make one county; more make a province
(root: the provincial working committee) of counties of about COUNTY_SIZE each. A county
is filled breadth first with fanout ceil(n^(1/3)), so it has four levels: the county
committee; park, industry and working committees and communities; enterprise Party
committees and general branches (or branches where they have no children); branches and
joint branches. The organizations that take part in the campaign (activities.
requirements.PARTICIPATING_KINDS) hold the members and the records.

The records. One campaign (2014, three phases) led by the root. For each participating
organization and each requirement of the live checklist a die decides met (75 %, 45 %
for a weak and lax organization) or one of the ways of being unmet (no record, draft,
submitted, returned, partial coverage, an overdue item…); in every county the first
participating organization meets everything and the second nothing, so that each
requirement has both outcomes at any size. Then "routine" meetings (branch meetings,
themed Party days, study sessions) with attendance fill up to `records` top-level
records (default 5 per member: 100,000 for a county). Top-level records are meetings,
attendance at others' meetings, counseling records, opinions, plans, statements,
appraisal sessions, problem lists and items, checklist assessments, mechanisms, funding
receipts and pledges; their detail rows (attendance lists, appraisal results, checklist
entries, documents, criticism entries, review-inbox rows) come on top and are counted
separately. Not written: history rows (django-simple-history), review events,
enterprises, closure and extension requests, appraisal approvals, notifications.

The modules: this one runs a seed (seed_scale, the report, the bench logins);
scale/tree.py computes the tree, scale/writer.py writes rows in bulk, scale/seeder.py
decides met or unmet per organization and requirement, and its bases write the rows:
scale/base.py (the tables, meetings, review-inbox rows), scale/members.py and
scale/phase1.py, phase2.py, phase3.py (one record kind per method).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction

from .base import RECORD_TABLES, ScaleError
from .seeder import Seeder
from .tree import ROOT_CODE, Tree, build_tree, org_rows
from .writer import Writer

SEED = 2014


@dataclass
class SeedReport:
    orgs: int = 0
    levels: int = 0
    counties: int = 0
    participating: int = 0
    members: int = 0
    records: int = 0
    detail_rows: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    write_seconds: float = 0.0  # in the database's bulk writes
    commit_seconds: float = 0.0
    index_seconds: float = 0.0
    analyze_seconds: float = 0.0
    rollup_seconds: float = 0.0

    def lines(self) -> list[str]:
        top = ", ".join(f"{name} {self.rows[name]:,}" for name in sorted(self.rows))
        return [
            f"seeded {self.orgs:,} organizations ({self.levels} levels, {self.counties} "
            f"count{'y' if self.counties == 1 else 'ies'}, {self.participating:,} taking "
            f"part), {self.members:,} members, {self.records:,} records and "
            f"{self.detail_rows:,} detail rows in {self.seconds:.1f} s",
            f"rows: {top}",
            f"of which {self.write_seconds:.1f} s in the bulk writes, "
            f"{self.index_seconds:.1f} s building indexes, "
            f"{self.commit_seconds:.1f} s committing, {self.analyze_seconds:.1f} s in (VACUUM) ANALYZE, "
            f"{self.rollup_seconds:.1f} s building the requirement roll-up",
        ]


def seeded_state(orgs: int, members: int, using: str = "default") -> str:
    """ "ready" (seeded at this size), "other-size", "empty", or "foreign" (holds
    organizations this module did not write: never touched)."""
    from organizations.models import Member, Organization

    all_orgs = Organization.objects.using(using)
    root = all_orgs.filter(code=ROOT_CODE, depth=1).first()
    if root is None:
        return "foreign" if all_orgs.exists() else "empty"
    if all_orgs.exclude(path__startswith=root.path).exists():
        return "foreign"
    same = all_orgs.count() == orgs and Member.objects.using(using).count() == members
    return "ready" if same else "other-size"


def seed_scale(
    orgs: int,
    members: int,
    records: int | None = None,
    *,
    using: str = "default",
    seed: int = SEED,
    log: Callable[[str], None] = print,
) -> SeedReport:
    """Seed an empty database (see the module docstring). Raises ScaleError when the
    database holds organizations (use a database of its own)."""

    if orgs < 2 or members < 0:
        raise ScaleError("need at least 2 organizations and no negative member count")
    state = seeded_state(orgs, members, using)
    if state != "empty":
        raise ScaleError(
            {
                "ready": "the database is already seeded at this size",
                "other-size": "the database holds scale data of another size: use a fresh one",
                "foreign": "the database holds organizations this seeder did not write",
            }[state]
        )
    records = 5 * members if records is None else records
    started = time.perf_counter()
    with _routed_to(using):
        report = _seed(orgs, members, records, using=using, seed=seed)
        # The requirement roll-up the grid and the dashboard read (the bulk load wrote
        # no row through the models, so nothing was marked): built once, here.
        from activities.models import Campaign
        from portal.progress.rollup import rebuild

        rolled = time.perf_counter()
        for campaign in Campaign.objects.select_related("lead_organization"):
            rebuild(campaign)
        report.rollup_seconds = time.perf_counter() - rolled
    report.seconds = time.perf_counter() - started
    for line in report.lines():
        log(line)
    return report


class _OneDatabase:
    """A router sending every read and write to one database: the campaign helpers
    of activities and rectification (ensure_campaign_2014, …) use the default manager."""

    def __init__(self, using: str) -> None:
        self.using = using

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return self.using

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return self.using


@contextlib.contextmanager
def _routed_to(using: str) -> Iterator[None]:
    if using == "default":
        yield
        return
    from django.db import router

    sender = _OneDatabase(using)
    router.routers.insert(0, sender)
    try:
        yield
    finally:
        router.routers.remove(sender)


def _seed(orgs: int, members: int, records: int, *, using: str, seed: int) -> SeedReport:
    from organizations.models import Organization

    rng = random.Random(seed)
    tree = build_tree(orgs, rng)
    report = SeedReport(orgs=orgs, levels=max(tree.depths), counties=len(tree.counties))
    with transaction.atomic(using=using):
        writer = Writer(using)
        if writer.vendor == "postgresql":
            # The database is the benchmark's own: skip the per-row foreign-key
            # triggers of the load (needs a superuser; plain checks otherwise).
            with (
                writer.connection.cursor() as cursor,
                contextlib.suppress(DatabaseError),
                transaction.atomic(using=using),
            ):
                cursor.execute("SET LOCAL session_replication_role = replica")
        org_table = writer.table(
            Organization,
            ["path", "depth", "numchild", "full_name", "short_name", "kind", "code", "is_weak"],
        )
        first = org_table.next_id
        for row in org_rows(tree):
            org_table.add(*row)
        org_table.flush()
        ids = [first + k for k in range(orgs)]
        seeder = Seeder(tree, ids, writer, rng)
        writer.drop_indexes()
        secretary_org = seeder.members(members)
        seeder.member.flush()
        seeder.campaign(ids[0])
        seeder.records()
        seeder.routine(records)
        writer.finish()
        _bench_users(tree, ids, secretary_org, using)
        report.participating = sum(seeder.participating)
        report.write_seconds = writer.spent
        report.index_seconds = writer.index_seconds
        committing = time.perf_counter()
    report.commit_seconds = time.perf_counter() - committing
    if writer.vendor == "postgresql":
        analyzing = time.perf_counter()
        with writer.connection.cursor() as cursor:
            # VACUUM also sets the visibility map, so index-only scans work at once as
            # they would on a database in use (not possible inside a transaction: tests).
            inside = writer.connection.in_atomic_block
            cursor.execute("ANALYZE" if inside else "VACUUM ANALYZE")
        report.analyze_seconds = time.perf_counter() - analyzing
    elif writer.vendor == "sqlite":
        # Statistics for the planner, as the nightly rebuild_standings gives a database
        # in use (rollup.analyze_sqlite).
        analyzing = time.perf_counter()
        with writer.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report.analyze_seconds = time.perf_counter() - analyzing
    for name, table in writer.tables.items():
        if name in ("Organization", "Member"):
            continue
        report.rows[name] = table.count
        if name in RECORD_TABLES:
            report.records += table.count
        else:
            report.detail_rows += table.count
    report.members = members
    return report


def _bench_users(tree: Tree, ids: list[int], secretary_org: int, using: str) -> None:
    """bench-reviewer and bench-office at the root, bench-secretary at the first
    participating organization, and in a province bench-county-reviewer at the first
    county."""
    from organizations.models import Organization
    from portal.accounts.models import Role, User
    from portal.accounts.services import role_assign

    orgs = Organization.objects.using(using).in_bulk(
        [ids[0], ids[secretary_org], ids[tree.counties[0]]]
    )
    wanted = [
        ("bench-reviewer", "基准审核人", Role.REVIEWER, ids[0]),
        ("bench-office", "基准活动办", Role.OFFICE, ids[0]),
        ("bench-secretary", "基准书记", Role.SECRETARY, ids[secretary_org]),
    ]
    if tree.counties[0] != 0:
        wanted.append(
            ("bench-county-reviewer", "基准县审核人", Role.REVIEWER, ids[tree.counties[0]])
        )
    for username, name, role, org_id in wanted:
        user = User.objects.db_manager(using).filter(username=username).first()
        if user is None:
            user = User.objects.db_manager(using).create_user(username=username, full_name=name)
        role_assign(actor=None, user=user, role=role, organization=orgs[org_id])
