"""The organization tree of the scale data (scale/seeding.py): treebeard paths, depths,
kinds and child counts computed up front, and the organization rows written from them."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

ROOT_CODE = "BENCH-ROOT"  # marks a database seeded here (bench/ may drop and rebuild it)
COUNTY_SIZE = 2000
WEAK_RATE = 0.06


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


def org_rows(tree: Tree) -> Iterable[tuple[Any, ...]]:
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
