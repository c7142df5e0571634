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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction

ROOT_CODE = "BENCH-ROOT"  # marks a database seeded here (bench/ may drop and rebuild it)
COUNTY_SIZE = 2000
REGION = "320115"
UTC = dt.UTC
SEED = 2014
MET_RATE = 0.75
WEAK_MET_RATE = 0.45
WEAK_RATE = 0.06
FLUSH_ROWS = 50_000

# Top-level record tables (what `records` counts); the others are detail rows.
RECORD_TABLES = (
    "Meeting",
    "MeetingParticipation",
    "CounselingRecord",
    "Opinion",
    "ActivityPlan",
    "SelfExamination",
    "AppraisalSession",
    "ProblemList",
    "ProblemItem",
    "StandardAssessment",
    "Mechanism",
    "FundingReceipt",
    "Pledge",
    "SpecialMeetingReview",
)


class ScaleError(Exception):
    """The database holds data this module did not write, or a scale tree of another
    size: it is left alone."""


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


# --- the tree ------------------------------------------------------------------------


@dataclass
class Tree:
    paths: list[str]
    depths: list[int]
    parents: list[int]  # -1 for the root
    kinds: list[str]
    numchild: list[int]
    weak: list[bool]
    county_of: list[int]  # index of the county node each node belongs to
    counties: list[int]


def _path(parent_path: str, child_number: int) -> str:
    from organizations.models import Organization

    return Organization._get_path(parent_path, len(parent_path) // 4 + 1, child_number)


def build_tree(orgs: int, rng: random.Random) -> Tree:
    """Paths, depths, kinds and child counts of `orgs` organizations, in path order
    within each level (breadth first)."""
    from organizations.models import OrgKind

    t = Tree([], [], [], [], [], [], [], [])

    def add(parent: int, kind: str) -> int:
        index = len(t.paths)
        if parent < 0:
            path = _path("", 1)
        else:
            t.numchild[parent] += 1
            path = _path(t.paths[parent], t.numchild[parent])
        t.paths.append(path)
        t.depths.append(len(path) // 4)
        t.parents.append(parent)
        t.kinds.append(kind)
        t.numchild.append(0)
        t.weak.append(False)
        own = parent < 0 or kind == OrgKind.COUNTY_COMMITTEE
        t.county_of.append(index if own else t.county_of[parent])
        return index

    if orgs <= 2 * COUNTY_SIZE:
        sizes = [orgs]
        root = -1
    else:
        root = add(-1, OrgKind.WORKING_COMMITTEE)
        n = max(2, (orgs - 1) // COUNTY_SIZE)
        base, extra = divmod(orgs - 1, n)
        sizes = [base + (1 if i < extra else 0) for i in range(n)]
    for size in sizes:
        _county(t, add, root, size)
    # Kinds depend on whether a node has children: settle them now.
    for i, kind in enumerate(t.kinds):
        if not kind:
            t.kinds[i] = _kind(t, i)
        if t.kinds[i] != OrgKind.COUNTY_COMMITTEE and t.depths[i] > 1:
            t.weak[i] = rng.random() < WEAK_RATE
    return t


def _county(t: Tree, add: Callable[[int, str], int], parent: int, size: int) -> None:
    from organizations.models import OrgKind

    county = add(parent, OrgKind.COUNTY_COMMITTEE)
    t.counties.append(county)
    fanout = max(2, math.ceil(size ** (1 / 3)))
    local = [county]
    for k in range(1, size):
        local.append(add(local[(k - 1) // fanout], ""))


def _kind(t: Tree, i: int) -> str:
    from organizations.models import OrgKind

    level = t.depths[i] - t.depths[t.county_of[i]] + 1  # 1 = the county committee
    has_children = t.numchild[i] > 0
    n = int(t.paths[i][-4:], 36)
    if level == 2:
        return [
            OrgKind.PARK_COMMITTEE,
            OrgKind.INDUSTRY_COMMITTEE,
            OrgKind.PARK_COMMITTEE,
            OrgKind.COMMUNITY,
            OrgKind.WORKING_COMMITTEE,
        ][n % 5]
    if has_children:
        return OrgKind.GENERAL_BRANCH if n % 4 == 0 else OrgKind.COMMITTEE
    if n % 7 == 0:
        return OrgKind.JOINT_BRANCH
    if level == 3 and n % 5 == 0:
        return OrgKind.GENERAL_BRANCH
    return OrgKind.BRANCH


# --- the writer ------------------------------------------------------------------------


class Table:
    """Rows of one model with explicit primary keys, written in batches (COPY on
    PostgreSQL, executemany on SQLite). `columns` are the fields every row gives, in
    order after the id; the model's other columns get one constant each (the field's
    default, NULL, "" or the load time), so every NOT NULL column is filled."""

    def __init__(self, writer: Writer, model: type[models.Model], columns: list[str]) -> None:
        self.writer = writer
        self.model = model
        self.name = model.__name__
        from portal.core.fields import BlindIndexField

        fields = [f for f in model._meta.concrete_fields]
        # A keyed hash is computed from its source column (given), never given itself.
        hashes = [f for f in fields if isinstance(f, BlindIndexField)]
        columns = [*columns, *(f.name for f in hashes if f.name not in columns)]
        given = {"id", *columns}
        by_name = {f.name: f for f in fields} | {f.attname: f for f in fields}
        unknown = given - set(by_name)
        if unknown:
            raise ValueError(f"{self.name}: no such field {sorted(unknown)}")
        self.fields = [by_name["id"], *(by_name[c] for c in columns)]
        constants = []
        for f in fields:
            if f.name in given or f.attname in given:
                continue
            constants.append((f, self._constant(f)))
        self.fields += [f for f, _value in constants]
        self.constants = tuple(value for _f, value in constants)
        self.datetime_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.DateTimeField)
        ]
        self._personal_data(hashes)
        self.rows: list[tuple[Any, ...]] = []
        self.first_id = self.next_id = writer.next_id(model)
        self.count = 0

    def _constant(self, f: models.Field) -> Any:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.writer.now
        if f.has_default():
            value = f.get_default()
            if f.unique and value not in (None, ""):
                raise ValueError(f"{self.name}.{f.name}: a unique field needs a value per row")
            return json.dumps(value) if isinstance(f, models.JSONField) else value
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField | models.FileField):
            return ""
        raise ValueError(f"{self.name}.{f.name} needs a value")

    def _personal_data(self, hashes: list[models.Field]) -> None:
        """Encrypted columns are written encrypted, keyed hashes computed from their
        source's plaintext (portal/core/fields.py): one AES-GCM and one HMAC per value,
        with the key ring looked up once per table."""
        from portal.core import crypto
        from portal.core.fields import EncryptedCharField

        self.ring = (
            crypto.keyring()
            if hashes or any(isinstance(f, EncryptedCharField) for f in self.fields)
            else None
        )
        # Positions in the values given to add() (the id is not among them); the
        # constants of the columns not given are encrypted once, here.
        given = len(self.fields) - len(self.constants) - 1
        self.encrypted = [
            i - 1
            for i, f in enumerate(self.fields)
            if isinstance(f, EncryptedCharField) and i - 1 < given
        ]
        if self.ring is not None:
            self.constants = tuple(
                crypto.encrypt(value, self.ring)
                if isinstance(f, EncryptedCharField) and isinstance(value, str)
                else value
                for f, value in zip(self.fields[given + 1 :], self.constants, strict=True)
            )
        self.hashed = []
        for f in hashes:
            source = self.model._meta.get_field(f.source)
            self.hashed.append(
                (
                    self.fields.index(f) - 1,
                    self.fields.index(source) - 1,
                    getattr(source, "hash_kind", "id"),
                )
            )
        self.hash_count = len(self.hashed)

    def add(self, *values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        if self.ring is not None:
            from portal.core import crypto

            row = [*values, *([""] * self.hash_count)]
            for at, source, kind in self.hashed:
                row[at] = crypto.blind_index(kind, row[source], self.ring)
            for at in self.encrypted:
                row[at] = crypto.encrypt(row[at], self.ring)
            values = tuple(row)
        self.rows.append((pk, *values, *self.constants))
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()
        return pk

    def flush(self) -> None:
        if self.rows:
            started = time.perf_counter()
            self.writer.write(self, self.rows)
            self.writer.spent += time.perf_counter() - started
            self.count += len(self.rows)
            self.rows = []


class Writer:
    def __init__(self, using: str) -> None:
        from django.utils import timezone

        self.using = using
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        self.now = timezone.now()
        self.tables: dict[str, Table] = {}
        self.spent = 0.0  # seconds in the database's bulk writes
        self.dropped: list[str] = []  # CREATE INDEX statements to run at the end
        self.index_seconds = 0.0

    def table(self, model: type[models.Model], columns: list[str]) -> Table:
        table = Table(self, model, columns)
        self.tables[table.name] = table
        return table

    def next_id(self, model: type[models.Model]) -> int:
        last = model.objects.using(self.using).aggregate(m=models.Max("pk"))["m"]
        return (last or 0) + 1

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in table.fields)
        name = quote(table.model._meta.db_table)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            if table.datetime_positions:
                rows = [self._sqlite_row(row, table.datetime_positions) for row in rows]
            marks = ", ".join(["%s"] * len(table.fields))
            # Table and column names come from the models, the values are parameters.
            sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)

    @staticmethod
    def _sqlite_row(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
        """Django stores datetimes on SQLite as naive UTC text."""
        values = list(row)
        for i in positions:
            if values[i] is not None:
                values[i] = values[i].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return tuple(values)

    def drop_indexes(self) -> None:
        """PostgreSQL: drop the indexes of the tables about to be loaded that no
        constraint needs (primary keys and unique constraints stay), to build them in
        one pass at the end (finish()) instead of row by row."""
        if self.vendor != "postgresql":
            return
        tables = [t.model._meta.db_table for t in self.tables.values()]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes i "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
                self.dropped.append(definition)
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")

    def finish(self) -> None:
        for table in self.tables.values():
            table.flush()
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for definition in self.dropped:
                cursor.execute(definition)
        self.index_seconds = time.perf_counter() - started
        if self.vendor == "postgresql":
            statements = self.connection.ops.sequence_reset_sql(
                no_style(), [t.model for t in self.tables.values()]
            )
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


# --- the records -----------------------------------------------------------------------


def _link(name: str) -> str:
    """The address of a record's page by its route name, as a template with `{pk}`:
    review tasks link to it (reversed once per route, not once per record)."""
    from django.urls import reverse

    marker = 987654321
    return reverse(name, args=[marker]).replace(str(marker), "{pk}")


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _day(start: dt.date, end: dt.date, rng: random.Random) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


class Seeder:
    """Writes the members and the campaign's records of a tree (see the module
    docstring). One instance per seed."""

    def __init__(self, tree: Tree, org_ids: list[int], writer: Writer, rng: random.Random):
        from activities import models as am
        from activities.models.meetings import SpecialMeetingReview
        from activities.requirements import PARTICIPATING_KINDS
        from organizations.models import Member
        from portal.attachments.models import Attachment
        from portal.reviews.models import ReviewTask
        from rectification import models as rm

        self.t = tree
        self.ids = org_ids
        self.w = writer
        self.rng = rng
        self.participating = [k in PARTICIPATING_KINDS for k in tree.kinds]
        w = writer
        self.member = w.table(
            Member,
            [
                "name",
                "sex",
                "birth_date",
                "id_number",
                "education",
                "joined_on",
                "full_member_on",
                "status",
                "organization_id",
                "phone",
                "party_post",
                "is_active",
            ],
        )
        self.meeting = w.table(
            am.Meeting,
            [
                "organization_id",
                "campaign_id",
                "phase_id",
                "kind",
                "subkind",
                "topic",
                "starts_at",
                "ends_at",
                "place",
                "expected_count",
                "present_count",
                "absent_count",
                "guide_name",
                "guide_organization_id",
                "secretary_report",
            ],
        )
        self.participation = w.table(
            am.MeetingParticipation,
            ["meeting_id", "organization_id", "expected_count", "present_count", "absent_count"],
        )
        self.attendance = w.table(
            am.Attendance,
            ["meeting_id", "participation_id", "member_id", "present", "absence_reason"],
        )
        self.criticism = w.table(
            am.CriticismEntry, ["meeting_id", "kind", "by_member_id", "about_member_id", "points"]
        )
        self.special_review = w.table(
            SpecialMeetingReview,
            ["meeting_id", "organization_id", "review_status", "submitted_at", "decided_at"],
        )
        self.counseling = w.table(
            am.CounselingRecord,
            ["member_id", "organization_id", "campaign_id", "date", "mode", "topic", "hours"],
        )
        self.opinion = w.table(
            am.Opinion,
            [
                "organization_id",
                "campaign_id",
                "source",
                "channel",
                "content",
                "category_id",
                "received_on",
                "status",
                "answer_text",
                "answered_at",
                "adopted_item_label",
                "adopted_item_url",
                "adopted_at",
            ],
        )
        self.plan = w.table(
            am.ActivityPlan,
            [
                "organization_id",
                "campaign_id",
                "title",
                "goals",
                "arrangements",
                "leadership",
                "measures",
                "review_status",
                "submitted_at",
                "decided_at",
            ],
        )
        self.statement = w.table(
            am.SelfExamination,
            [
                "organization_id",
                "campaign_id",
                "subject",
                "problems",
                "causes",
                "rectification",
                "methods",
                "review_status",
                "submitted_at",
                "decided_at",
            ],
        )
        self.session = w.table(
            am.AppraisalSession,
            [
                "organization_id",
                "campaign_id",
                "starts_on",
                "ends_on",
                "expected",
                "present",
                "unable_count",
                "status",
                "closed_at",
            ],
        )
        self.result = w.table(
            am.AppraisalResult,
            ["session_id", "member_id", "votes", "determination_id", "absent", "feedback_given"],
        )
        self.problem_list = w.table(
            rm.ProblemList,
            [
                "organization_id",
                "campaign_id",
                "title",
                "review_status",
                "submitted_at",
                "decided_at",
                "published_on",
                "notice_ends_on",
                "audience",
                "published_at",
                "public_token",
            ],
        )
        self.item = w.table(
            rm.ProblemItem,
            [
                "problem_list_id",
                "number",
                "description",
                "category_id",
                "source_kind",
                "source_opinion_id",
                "measures",
                "responsible_name",
                "deadline",
                "status",
                "closed_at",
            ],
        )
        self.assessment = w.table(
            rm.StandardAssessment,
            [
                "organization_id",
                "campaign_id",
                "template_id",
                "result_met",
                "result_score",
                "result_max_score",
                "review_status",
                "submitted_at",
                "decided_at",
            ],
        )
        self.entry = w.table(
            rm.AssessmentEntry, ["assessment_id", "item_id", "self_met", "self_score", "self_note"]
        )
        self.mechanism = w.table(
            rm.Mechanism,
            ["organization_id", "campaign_id", "kind_id", "title", "established_on", "summary"],
        )
        self.receipt = w.table(
            rm.FundingReceipt,
            ["organization_id", "campaign_id", "source", "amount", "received_on", "note"],
        )
        self.pledge = w.table(
            rm.Pledge,
            [
                "member_id",
                "organization_id",
                "campaign_id",
                "commitments",
                "status",
                "made_public_on",
            ],
        )
        # The masses' verdict (docs/product.md §6.5): a survey per organization that
        # voted, its ballots, and each ballot's answer to the overall question.
        self.survey = w.table(rm.SatisfactionSurvey, ["organization_id", "campaign_id", "token"])
        self.ballot = w.table(
            rm.SatisfactionBallot, ["survey_id", "organization_id", "campaign_id", "cast_on"]
        )
        self.answer = w.table(rm.SatisfactionAnswer, ["ballot_id", "question_id", "choice"])
        self.attachment = w.table(
            Attachment,
            [
                "content_type_id",
                "object_id",
                "organization_id",
                "kind",
                "file",
                "original_name",
                "size",
                "mime_type",
                "extension",
                "sha256",
                "uploaded_at",
            ],
        )
        self.task = w.table(
            ReviewTask,
            [
                "content_type_id",
                "object_id",
                "organization_id",
                "status",
                "title",
                "url",
                "submitted_at",
                "decided_at",
            ],
        )
        ct = ContentType.objects.db_manager(w.using).get_for_model
        self.ct = {
            "plan": ct(am.ActivityPlan).pk,
            "statement": ct(am.SelfExamination).pk,
            "special": ct(SpecialMeetingReview).pk,
            "list": ct(rm.ProblemList).pk,
            "assessment": ct(rm.StandardAssessment).pk,
            "mechanism": ct(rm.Mechanism).pk,
            "receipt": ct(rm.FundingReceipt).pk,
        }
        self.members_of: dict[int, list[tuple[int, bool]]] = {}  # org index: [(id, active)]
        self.mobilization_of: dict[int, int] = {}  # org index: its mobilization meeting

    # members ------------------------------------------------------------------------

    def members(self, total: int) -> int:
        """Spread `total` members over the participating organizations, in proportion
        to a random weight (enterprise committees twice as heavy). Returns the index of
        the first participating organization (the bench secretary's)."""
        from organizations.models import MemberStatus, OrgKind, PartyPost, Sex
        from organizations.validators import make_citizen_id

        table = self.member
        rng = self.rng
        hosts = [i for i, p in enumerate(self.participating) if p]
        if not hosts:
            raise ScaleError("no organization takes part in the campaign: add organizations")
        weights = [
            rng.uniform(0.3, 1.7) * (2 if self.t.kinds[i] == OrgKind.COMMITTEE else 1)
            for i in hosts
        ]
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        for k in range(total - sum(counts)):
            counts[k % len(counts)] += 1
        educations = ["junior", "senior", "college", "bachelor", "bachelor", "master"]
        birth0 = dt.date(1960, 1, 1)
        j = 0
        for i, n in zip(hosts, counts, strict=True):
            org_members = []
            for k in range(n):
                birth = birth0 + dt.timedelta(days=j // 1000)
                probationary = j % 10 == 9
                joined = birth + dt.timedelta(days=365 * 25 + j % 300)
                active = j % 50 != 7
                pk = table.add(
                    f"党员{j}",
                    Sex.MALE if j % 2 else Sex.FEMALE,
                    birth,
                    make_citizen_id(REGION, birth, j % 1000),
                    educations[j % len(educations)],
                    joined,
                    None if probationary else joined + dt.timedelta(days=365),
                    MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                    self.ids[i],
                    f"139{j:08d}",
                    PartyPost.SECRETARY if k == 0 else "",
                    active,
                )
                org_members.append((pk, active))
                j += 1
            self.members_of[i] = org_members
        return hosts[0]

    # the campaign -------------------------------------------------------------------

    def campaign(self, root_id: int) -> None:
        from activities.models import Campaign
        from activities.seed import ensure_campaign_2014
        from rectification.models import MechanismKind, StandardItem
        from rectification.models.standards import EIGHT_HAVES
        from rectification.seed import ensure_standard_templates
        from rectification.seed_mechanisms import ensure_mechanism_kinds

        using = self.w.using
        root = self._org_model().objects.using(using).get(pk=root_id)
        campaign = ensure_campaign_2014(root)
        self.c = Campaign.objects.using(using).get(pk=campaign.pk)
        self.phases = {p.number: p for p in self.c.phases.all()}
        self.grades = list(self.c.grades.order_by("order"))
        self.categories = list(self.c.problem_categories.values_list("pk", flat=True))
        templates = ensure_standard_templates(self.c)
        self.eight = templates[EIGHT_HAVES]
        self.eight_items = list(
            StandardItem.objects.using(using)
            .filter(template=self.eight)
            .order_by("order")
            .values_list("pk", "points")
        )
        ensure_mechanism_kinds()
        self.kinds = list(MechanismKind.objects.using(using).values_list("pk", flat=True))
        from rectification.seed_satisfaction import ensure_satisfaction_questions

        self.overall_question = next(
            q.pk for q in ensure_satisfaction_questions(self.c) if q.is_overall
        )

    @staticmethod
    def _org_model() -> type[models.Model]:
        from organizations.models import Organization

        return Organization

    def records(self) -> None:
        first_in_county: dict[int, int] = {}
        for i in range(len(self.t.paths)):
            if self.t.numchild[i] and not self.participating[i]:
                # Committees above the grass roots hold the mobilization meeting their
                # organizations may attend.
                self.mobilization_of[i] = self._meeting(i, "mobilization", attendance=False)
            if not self.participating[i]:
                continue
            county = self.t.county_of[i]
            seen = first_in_county.setdefault(county, 0)
            first_in_county[county] = seen + 1
            forced = True if seen == 0 else False if seen == 1 else None
            rate = WEAK_MET_RATE if self.t.weak[i] else MET_RATE
            self._organization(i, forced, rate)

    def _met(self, forced: bool | None, rate: float) -> bool:
        return forced if forced is not None else self.rng.random() < rate

    def _organization(self, i: int, forced: bool | None, rate: float) -> None:
        met = {code: self._met(forced, rate) for code in REQUIREMENTS}
        self._plan(i, met["plan_approved"])
        self._mobilization(i, met["mobilization"])
        self._counseling(i, met["counseling"])
        for _ in range(self.rng.randint(1, 3) if met["study_exchanges"] else 0):
            self._meeting(i, "study_exchange", attendance=False)
        adopted = self._opinions(i, met["opinions"])
        self._statements(i, met["statements_approved"])
        self._special_meeting(i, met["special_meeting"])
        self._appraisal(i, met["appraisal"])
        self._problem_list(i, met, adopted)
        self._eight_haves(i, met["eight_haves"])
        self._mechanisms(i, met["mechanisms"])
        self._funding(i, met["funding"])
        self._satisfaction(i, met["satisfaction"])
        self._pledges(i)

    # one record kind each -----------------------------------------------------------

    def _review(self, i: int, what: str, pk: int, status: str, title: str, url: str) -> tuple:
        """(submitted_at, decided_at) for a reviewable in `status`, and its inbox row."""
        if status == "draft":
            return None, None
        submitted = _at(_day(dt.date(2014, 4, 5), dt.date(2014, 9, 20), self.rng), 10)
        decided = None if status == "submitted" else submitted + dt.timedelta(days=3)
        self.task.add(self.ct[what], pk, self.ids[i], status, title, url, submitted, decided)
        return submitted, decided

    def _reviewable(
        self, table: Table, i: int, what: str, status: str, title: str, url: str, *fields: Any
    ) -> int:
        pk = table.next_id
        submitted, decided = self._review(i, what, pk, status, title, url.format(pk=pk))
        return table.add(*fields, status, submitted, decided)

    def _plan(self, i: int, met: bool) -> None:
        status = "approved" if met else self.rng.choice([None, "draft", "submitted", "returned"])
        if status is None:
            return
        self._reviewable(
            self.plan,
            i,
            "plan",
            status,
            "活动方案",
            _link("activities:plan_detail"),
            self.ids[i],
            self.c.pk,
            "党的群众路线教育实践活动实施方案",
            "目标",
            "各阶段安排",
            "领导分工",
            "措施要求",
        )

    def _attend(self, meeting: int, members: list[tuple[int, bool]], participation=None):
        present = absent = 0
        for n, (member, active) in enumerate(members):
            if not active:
                continue
            here = n % 9 != 4
            self.attendance.add(meeting, participation, member, here, "" if here else "出差")
            present += here
            absent += not here
        return present, absent

    def _meeting(
        self,
        i: int,
        kind: str,
        *,
        attendance: bool = True,
        phase: int = 1,
        guide: str = "",
        report: str = "",
    ) -> int:
        members = self.members_of.get(i, [])
        start = _at(_day(self.phases[phase].starts_on, self.phases[phase].ends_on, self.rng), 14)
        subkind = {"study_exchange": "discussion", "study_session": "concentrated"}.get(kind, "")
        pk = self.meeting.next_id
        present = absent = 0
        if attendance:
            present, absent = self._attend(pk, members)
        return self.meeting.add(
            self.ids[i],
            self.c.pk,
            self.phases[phase].pk,
            kind,
            subkind,
            MEETING_TOPICS[kind],
            start,
            start + dt.timedelta(hours=2),
            "党员活动室",
            present + absent,
            present,
            absent,
            guide,
            self.ids[self.t.parents[i]] if guide else None,
            report,
        )

    def _mobilization(self, i: int, met: bool) -> None:
        parent = self.t.parents[i]
        if met:
            if parent in self.mobilization_of and self.rng.random() < 0.25:
                members = self.members_of.get(i, [])
                pk = self.participation.next_id
                present, absent = self._attend(self.mobilization_of[parent], members, pk)
                self.participation.add(
                    self.mobilization_of[parent], self.ids[i], present + absent, present, absent
                )
            else:
                self.mobilization_of[i] = self._meeting(i, "mobilization")
        elif self.rng.random() < 0.5:
            self._meeting(i, "study_session")  # something held, but not the mobilization

    def _counseling(self, i: int, met: bool) -> None:
        active = [m for m, on in self.members_of.get(i, []) if on]
        covered = active if met else self.rng.choice([[], active[: len(active) // 2]])
        p1 = self.phases[1]
        for n, member in enumerate(covered):
            for _ in range(2 if n % 3 == 0 else 1):
                self.counseling.add(
                    member,
                    self.ids[i],
                    self.c.pk,
                    _day(p1.starts_on, p1.ends_on, self.rng),
                    STUDY_MODES[n % len(STUDY_MODES)],
                    "学习党章和系列讲话",
                    Decimal("2.0"),
                )

    def _opinions(self, i: int, met: bool) -> list[int]:
        """Returns the ids of the opinions adopted as problems."""
        n = self.rng.randint(1, 5)
        if met:
            statuses = [self.rng.choice(["answered", "answered", "adopted"]) for _ in range(n)]
        elif self.rng.random() < 0.4:
            statuses = []
        else:
            statuses = [self.rng.choice(["answered", "received", "sorted"]) for _ in range(n)]
            statuses[0] = self.rng.choice(["received", "sorted"])
        adopted = []
        p1 = self.phases[1]
        for status in statuses:
            received = _day(p1.starts_on, p1.ends_on, self.rng)
            answered = _at(received + dt.timedelta(days=5)) if status == "answered" else None
            adopted_at = _at(received + dt.timedelta(days=60)) if status == "adopted" else None
            pk = self.opinion.add(
                self.ids[i],
                self.c.pk,
                self.rng.choice(["investor", "manager", "technical", "frontline", "other"]),
                self.rng.choice(["face_to_face", "form", "box"]),
                "希望党组织多关心一线职工的困难。",
                None if status == "received" else self.rng.choice(self.categories),
                received,
                status,
                "已逐条研究并答复。" if answered else "",
                answered,
                "问题清单第1项" if adopted_at else "",
                "",
                adopted_at,
            )
            if status == "adopted":
                adopted.append(pk)
        return adopted

    def _statements(self, i: int, met: bool) -> None:
        statuses = ["approved", "approved"]
        if not met:
            statuses[self.rng.randrange(2)] = self.rng.choice(
                [None, "draft", "submitted", "returned"]
            )
        for subject, status in zip(("team", "secretary"), statuses, strict=True):
            if status is None:
                continue
            self._reviewable(
                self.statement,
                i,
                "statement",
                status,
                "对照检查材料",
                _link("activities:statement_detail"),
                self.ids[i],
                self.c.pk,
                subject,
                "宗旨意识不够强。",
                "理论学习不深入。",
                "加强学习，改进作风。",
                json.dumps(["self_finding", "masses"]),
            )

    def _special_meeting(self, i: int, met: bool) -> None:
        if met:
            variant = self.rng.choice(["approved", "approved", "approved", "none", "returned"])
        else:
            variant = self.rng.choice(["absent", "no_guide", "submitted"])
        if variant == "absent":
            return
        guide = "" if variant == "no_guide" else "上级指导员"
        pk = self._meeting(i, "special", phase=2, guide=guide, report="代表班子作对照检查。")
        members = [m for m, on in self.members_of.get(i, []) if on]
        if len(members) >= 2:
            self.criticism.add(pk, "self", members[0], None, "理论学习不够系统。")
            self.criticism.add(pk, "criticism", members[1], members[0], "联系群众不够。")
        if variant in ("approved", "returned", "submitted"):
            self._reviewable(
                self.special_review,
                i,
                "special",
                variant,
                "专题组织生活会",
                _link("activities:meeting_detail").format(pk=pk),
                pk,
                self.ids[i],
            )

    def _appraisal(self, i: int, met: bool) -> None:
        active = [m for m, on in self.members_of.get(i, []) if on]
        if met:
            status, cover = "closed", len(active)
        else:
            status = self.rng.choice([None, "open", "redo", "closed"])
            cover = len(active) // 2
            if status == "closed" and cover == len(active):
                status = None
        if status is None:
            return
        p2 = self.phases[2]
        absent = [m for n, m in enumerate(active[:cover]) if n % 11 == 10]
        session = self.session.add(
            self.ids[i],
            self.c.pk,
            p2.starts_on + dt.timedelta(days=20),
            p2.starts_on + dt.timedelta(days=22),
            len(active),
            len(active) - len(absent),
            len(absent),
            status,
            _at(p2.starts_on + dt.timedelta(days=23)) if status == "closed" else None,
        )
        votes = json.dumps({g.code: 0 for g in self.grades})
        for n, member in enumerate(active[:cover]):
            away = member in absent
            grade = None if away else self.grades[0 if n % 6 else 1].pk
            self.result.add(session, member, votes, grade, away, not away)

    def _problem_list(self, i: int, met: dict[str, bool], adopted: list[int]) -> None:
        if met["problem_list_published"]:
            status, published = "approved", True
        else:
            status = self.rng.choice([None, "draft", "submitted", "returned", "approved"])
            published = False
        if status is None and (adopted or not met["no_overdue"]):
            # Adopted opinions became items; an unmet "no overdue item" is an approved
            # list with an overdue item.
            status = "approved" if not met["no_overdue"] else "draft"
        if status is None:
            return
        on = dt.date(2014, 8, 10) if published else None
        pk = self.problem_list.next_id
        submitted, decided = self._review(
            i,
            "list",
            pk,
            status,
            "问题清单",
            _link("rectification:problem_list_detail").format(pk=pk),
        )
        self.problem_list.add(
            self.ids[i],
            self.c.pk,
            "问题清单和整改方案",
            status,
            submitted,
            decided,
            on,
            on + dt.timedelta(days=6) if on else None,
            "全体党员和职工群众" if published else "",
            _at(on) if on else None,
            f"scale-{pk:010d}" if published else None,
        )
        approved = status == "approved"
        n = max(len(adopted), self.rng.randint(1, 4))
        overdue = approved and not met["no_overdue"]
        all_closed = approved and met["items_closed"] and not overdue
        for k in range(n):
            if not approved:
                item_status, deadline = "open", dt.date(2014, 10, 31)
            elif all_closed:
                item_status, deadline = "closed", dt.date(2014, 9, 15)
            elif k == 0 and overdue:
                item_status, deadline = "in_progress", dt.date(2014, 9, 1)
            elif k == 0:
                item_status, deadline = "in_progress", dt.date(2014, 11, 30)
            else:
                item_status = self.rng.choice(["closed", "closed", "closure_requested"])
                deadline = dt.date(2014, 12, 31)
            opinion = adopted[k] if k < len(adopted) else None
            self.item.add(
                pk,
                k + 1,
                "联系服务群众不够紧密。",
                self.rng.choice(self.categories),
                "opinion" if opinion else "self_examination",
                opinion,
                "建立党员联系职工制度。",
                "支部书记",
                deadline,
                item_status,
                _at(dt.date(2014, 9, 10)) if item_status == "closed" else None,
            )

    def _eight_haves(self, i: int, met: bool) -> None:
        if met:
            status, met_items = "approved", len(self.eight_items)
        else:
            status = self.rng.choice([None, "draft", "submitted", "returned", "approved"])
            met_items = len(self.eight_items) - 2
        if status is None:
            return
        score = sum(points for _pk, points in self.eight_items[:met_items])
        maximum = sum(points for _pk, points in self.eight_items)
        pk = self._reviewable(
            self.assessment,
            i,
            "assessment",
            status,
            "“八有”自评",
            _link("rectification:assessment_detail"),
            self.ids[i],
            self.c.pk,
            self.eight.pk,
            # The stored result follows the entries (the services keep them in step).
            met_items == len(self.eight_items),
            score,
            maximum,
        )
        for n, (item, points) in enumerate(self.eight_items):
            ok = n < met_items
            self.entry.add(pk, item, ok, points if ok else 0, "")

    def _mechanisms(self, i: int, met: bool) -> None:
        in_place = len(self.kinds) if met else self.rng.choice([0, 2, 4, len(self.kinds) - 1])
        recorded = min(len(self.kinds), in_place + (1 if not met and in_place else 0))
        for n, kind in enumerate(self.kinds[:recorded]):
            documented = n < in_place
            pk = self.mechanism.add(
                self.ids[i],
                self.c.pk,
                kind,
                "",
                dt.date(2014, 8, 20) if documented else None,
                "制度全文见附件。",
            )
            if documented:
                self._document(i, pk)
        if self.rng.random() < 0.2:
            pk = self.mechanism.add(
                self.ids[i], self.c.pk, None, "党员责任区制度", dt.date(2014, 9, 1), "自定制度。"
            )
            self._document(i, pk)

    def _document(self, i: int, mechanism: int) -> None:
        digest = hashlib.sha256(str(mechanism).encode()).hexdigest()
        self.attachment.add(
            self.ct["mechanism"],
            mechanism,
            self.ids[i],
            "document",
            f"attachments/2014/08/{digest[:32]}.pdf",
            "制度.pdf",
            120_000,
            "application/pdf",
            ".pdf",
            digest,
            _at(dt.date(2014, 8, 21)),
        )

    def _funding(self, i: int, met: bool) -> None:
        active = sum(1 for _m, on in self.members_of.get(i, []) if on)
        required = Decimal(active) * self.c.funding_standard
        if met:
            parts = [required * Decimal("0.6"), required * Decimal("0.4") + Decimal("100")]
        elif required == 0:
            parts = []
        else:
            parts = self.rng.choice([[], [required / 2]])
        sources = ["county_finance", "retained_dues", "enterprise"]
        for n, amount in enumerate(parts):
            if amount > 0:
                receipt = self.receipt.add(
                    self.ids[i],
                    self.c.pk,
                    sources[n % 3],
                    amount.quantize(Decimal("0.01")),
                    dt.date(2014, 8, 5),
                    "",
                )
                # A receipt counts toward the norm only with its evidence (the
                # allocation notice or bank slip): every receipt of a met organization
                # has it, those of the others only sometimes.
                if met or self.rng.random() < 0.5:
                    self._receipt_evidence(i, receipt)

    def _receipt_evidence(self, i: int, receipt: int) -> None:
        digest = hashlib.sha256(f"receipt-{receipt}".encode()).hexdigest()
        self.attachment.add(
            self.ct["receipt"],
            receipt,
            self.ids[i],
            "evidence",
            f"attachments/2014/08/{digest[:32]}.pdf",
            "拨付凭证.pdf",
            80_000,
            "application/pdf",
            ".pdf",
            digest,
            _at(dt.date(2014, 8, 5)),
        )

    def _satisfaction(self, i: int, met: bool) -> None:
        """Ten ballots: nine satisfied or basically satisfied when met (90 %), five
        otherwise (50 %) — or, for some unmet organizations, no ballot at all."""
        if not met and self.rng.random() < 0.5:
            return
        survey = self.survey.add(
            self.ids[i], self.c.pk, hashlib.sha256(f"survey-{i}".encode()).hexdigest()[:40]
        )
        good = 9 if met else 5
        for n in range(10):
            ballot = self.ballot.add(survey, self.ids[i], self.c.pk, dt.date(2014, 9, 20))
            choice = ("satisfied", "basic")[n % 2] if n < good else "unsatisfied"
            self.answer.add(ballot, self.overall_question, choice)

    def _pledges(self, i: int) -> None:
        if self.rng.random() < 0.5:
            return
        public = self.rng.random() < 0.7
        for member, active in self.members_of.get(i, []):
            if active:
                self.pledge.add(
                    member,
                    self.ids[i],
                    self.c.pk,
                    "立足岗位作贡献，带头遵守制度。",
                    "public" if public else "draft",
                    dt.date(2014, 8, 15) if public else None,
                )

    def routine(self, budget: int) -> None:
        """Routine meetings (with attendance) until the top-level records reach
        `budget`, spread evenly over the participating organizations."""
        record_rows = sum(
            t.next_id - t.first_id for name, t in self.w.tables.items() if name in RECORD_TABLES
        )
        missing = budget - record_rows
        hosts = [i for i, p in enumerate(self.participating) if p]
        if missing <= 0 or not hosts:
            return
        per_org, extra = divmod(missing, len(hosts))
        kinds = ["branch_general", "branch_committee", "themed_day", "study_session"]
        for n, i in enumerate(hosts):
            for k in range(per_org + (1 if n < extra else 0)):
                self._meeting(i, kinds[k % 4], phase=1 + k % 3)


REQUIREMENTS = (
    "plan_approved",
    "mobilization",
    "counseling",
    "study_exchanges",
    "opinions",
    "statements_approved",
    "special_meeting",
    "appraisal",
    "problem_list_published",
    "no_overdue",
    "items_closed",
    "eight_haves",
    "mechanisms",
    "funding",
    "satisfaction",
)

MEETING_TOPICS = {
    "mobilization": "教育实践活动动员大会",
    "study_session": "集中学习",
    "study_exchange": "学习交流会",
    "special": "专题组织生活会",
    "branch_general": "支部党员大会",
    "branch_committee": "支委会",
    "themed_day": "主题党日",
}
STUDY_MODES = ["self_study", "concentrated", "special_lecture", "online", "home_delivery"]


def _iter_org_rows(tree: Tree) -> Iterable[tuple[Any, ...]]:
    from organizations.models import OrgKind

    for k, path in enumerate(tree.paths):
        kind = tree.kinds[k]
        label = OrgKind(kind).label
        code = ROOT_CODE if k == 0 else f"BENCH-{k:07d}"
        yield (
            path,
            tree.depths[k],
            tree.numchild[k],
            f"中共基准单位{k}{label}",
            f"基准单位{k}",
            kind,
            code,
            tree.weak[k],
        )


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
        for row in _iter_org_rows(tree):
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
