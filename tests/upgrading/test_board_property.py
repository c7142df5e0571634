"""The board's counts per level (three classes and year-on-year moves) equal a
brute-force count over random trees and random classes."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organizations.models import OrgKind
from tests.factories import add_org
from upgrading.models import GRADE_RANK, Grade, Grading
from upgrading.seed import ensure_grading_template
from upgrading.selectors import class_board

YEAR = 2026
CLASSES = st.sampled_from([None, Grade.ADVANCED, Grade.MIDDLE, Grade.LAGGING])
# Each node: (index of its parent among the nodes before it, last year's class, this year's).
NODES = st.lists(
    st.tuples(st.integers(min_value=0, max_value=50), CLASSES, CLASSES), min_size=1, max_size=14
)


def _move(before: str | None, now: str) -> str | None:
    if before is None:
        return None
    a, b = GRADE_RANK[Grade(before)], GRADE_RANK[Grade(now)]
    return "up" if b > a else "down" if b < a else "same"


@settings(
    max_examples=int(os.environ.get("BOARD_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(nodes=NODES, root_class=st.tuples(CLASSES, CLASSES))
def test_board_equals_brute_force(db: Any, nodes: list[Any], root_class: Any) -> None:
    with transaction.atomic():
        template = ensure_grading_template()
        root = add_org(None, kind=OrgKind.PARK_COMMITTEE)
        orgs = [root]
        classes = {root.pk: root_class}
        parent_of = {root.pk: None}
        for parent_index, before, now in nodes:
            parent = orgs[parent_index % len(orgs)]
            org = add_org(parent, kind=OrgKind.BRANCH)
            orgs.append(org)
            classes[org.pk] = (before, now)
            parent_of[org.pk] = parent.pk
        rows = []
        for org_id, (before, now) in classes.items():
            for year, grade in ((YEAR - 1, before), (YEAR, now)):
                if grade is not None:
                    rows.append(
                        Grading(organization_id=org_id, year=year, template=template, grade=grade)
                    )
        Grading.objects.bulk_create(rows)

        def top_child(org_id: int) -> int | None:
            """The child of the root whose subtree holds the organization."""
            while parent_of[org_id] is not None and parent_of[org_id] != root.pk:
                org_id = parent_of[org_id]
            return None if parent_of[org_id] is None else org_id

        want_classes: dict[int | None, Counter[str]] = {}
        want_moves: dict[int | None, Counter[str]] = {}
        for org_id, (before, now) in classes.items():
            if now is None:
                continue
            for key in {"total", top_child(org_id)} - {None}:
                want_classes.setdefault(key, Counter())[now] += 1
                step = _move(before, now)
                if step:
                    want_moves.setdefault(key, Counter())[step] += 1

        root.refresh_from_db()
        total, children = class_board(root, YEAR)
        assert total.classes == want_classes.get("total", Counter())
        assert total.moves == want_moves.get("total", Counter())
        assert {row.organization.pk for row in children} == {
            pk for pk, parent in parent_of.items() if parent == root.pk
        }
        for row in children:
            assert row.classes == want_classes.get(row.organization.pk, Counter())
            assert row.moves == want_moves.get(row.organization.pk, Counter())
        transaction.set_rollback(True)
