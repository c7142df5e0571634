"""Reads of the satisfaction evaluation (docs/product.md §6.5): tallies per organization and
question, the satisfaction rate, and the totals rolled up per subtree.

The rate of a set of ballots is (satisfied + basically satisfied) / answers to the
overall question. A subtree's rate is computed from the subtree's summed counts (every
ballot weighs the same), never as an average of its organizations' rates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q

from organizations.models import Organization

from .models import SatisfactionAnswer, SatisfactionChoice, SatisfactionQuestion


@dataclass(frozen=True)
class Tally:
    """Answers to one question (or the overall question of a set of ballots)."""

    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def good(self) -> int:
        return self.satisfied + self.basic

    @property
    def rate(self) -> Decimal | None:
        """Percent, one decimal place (rounded half up); None without ballots."""
        if not self.total:
            return None
        return (Decimal(100 * self.good) / Decimal(self.total)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def meets(self, threshold: int) -> bool:
        """At least `threshold` percent, compared exactly (no rounding)."""
        return self.total > 0 and 100 * self.good >= threshold * self.total

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.satisfied + other.satisfied,
            self.basic + other.basic,
            self.unsatisfied + other.unsatisfied,
        )


EMPTY = Tally()


def _tally(counts: dict[str, int]) -> Tally:
    return Tally(
        counts.get(SatisfactionChoice.SATISFIED, 0),
        counts.get(SatisfactionChoice.BASIC, 0),
        counts.get(SatisfactionChoice.UNSATISFIED, 0),
    )


def overall_tallies_in(campaign: Any, where: Q) -> dict[int, Tally]:
    """{organization id: tally of its own ballots on the overall question} for the
    organizations `where` selects (a Q over the ballot's organization, e.g.
    Scope.q("ballot__organization")). ONE grouped query."""
    rows = (
        SatisfactionAnswer.objects.filter(
            where, ballot__campaign=campaign, question__is_overall=True
        )
        .order_by()
        .values_list("ballot__organization_id", "choice")
        .annotate(n=Count("pk"))
    )
    grouped: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, choice, n in rows:
        grouped[org_id][choice] = n
    return {org_id: _tally(counts) for org_id, counts in grouped.items()}


@dataclass
class RateRow:
    organization: Organization
    own: Tally
    subtree: Tally
    depth: int = 0


def subtree_tallies(paths: dict[int, str], own: dict[int, Tally]) -> dict[int, Tally]:
    """{organization id: summed tally of its own ballots and those of every
    organization under it}, for the organizations of `paths` ({id: path}); `own` holds
    the own tallies of the same set (and may hold more). No query: the sums are made
    here from the paths, each organization once per ancestor."""
    by_path = {path: org_id for org_id, path in paths.items()}
    totals: dict[int, Tally] = {org_id: EMPTY for org_id in paths}
    step = Organization.steplen
    for org_id, tally in own.items():
        path = paths.get(org_id)
        if path is None:
            continue
        for end in range(step, len(path) + 1, step):
            ancestor = by_path.get(path[:end])
            if ancestor is not None:
                totals[ancestor] = totals[ancestor] + tally
    return totals


def organization_results(org: Organization, campaign: Any) -> dict[str, Any]:
    """The organization's page: per question the tally of its own ballots, the overall
    tally of its subtree and of each direct child's subtree. Queries: the questions,
    the answers grouped per question, the subtree's organizations, the subtree's overall
    answers grouped per organization (4)."""
    questions = list(SatisfactionQuestion.objects.filter(campaign=campaign))
    per_question: dict[int, dict[str, int]] = defaultdict(dict)
    for question_id, choice, n in (
        SatisfactionAnswer.objects.filter(ballot__organization=org, ballot__campaign=campaign)
        .order_by()
        .values_list("question_id", "choice")
        .annotate(n=Count("pk"))
    ):
        per_question[question_id][choice] = n
    rows = [(q, _tally(per_question.get(q.pk, {}))) for q in questions]
    overall = next((t for q, t in rows if q.is_overall), EMPTY)
    below = list(
        Organization.objects.filter(path__startswith=org.path, is_active=True)
        .exclude(pk=org.pk)
        .only("pk", "path", "depth", "short_name", "full_name")
        .order_by("path")
    )
    paths = {org.pk: org.path, **{o.pk: o.path for o in below}}
    own = overall_tallies_in(campaign, Q(ballot__organization__path__startswith=org.path))
    totals = subtree_tallies(paths, own)
    children = [
        RateRow(o, own.get(o.pk, EMPTY), totals[o.pk]) for o in below if o.depth == org.depth + 1
    ]
    return {
        "questions": rows,
        "overall": overall,
        "meets": overall.meets(campaign.satisfaction_threshold),
        "subtree": totals[org.pk],
        "has_below": bool(below),
        "children": children,
    }


def below_threshold_in(campaign: Any, roots: Iterable[Organization]) -> list[RateRow]:
    """Active organizations under the roots (and the roots) whose own ballots fall short
    of the campaign's threshold, lowest rate first. ONE query (the overall answers
    grouped per organization, with the organizations' names)."""
    where = Q()
    for root in roots:
        where |= Q(ballot__organization__path__startswith=root.path)
    if not where:
        return []
    rows = (
        SatisfactionAnswer.objects.filter(
            where,
            ballot__campaign=campaign,
            ballot__organization__is_active=True,
            question__is_overall=True,
        )
        .order_by()
        .values_list(
            "ballot__organization_id",
            "ballot__organization__path",
            "ballot__organization__short_name",
            "ballot__organization__full_name",
            "choice",
        )
        .annotate(n=Count("pk"))
    )
    orgs: dict[int, Organization] = {}
    grouped: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, path, short_name, full_name, choice, n in rows:
        orgs.setdefault(
            org_id, Organization(pk=org_id, path=path, short_name=short_name, full_name=full_name)
        )
        grouped[org_id][choice] = n
    threshold = campaign.satisfaction_threshold
    short = [
        RateRow(orgs[org_id], tally, tally)
        for org_id, counts in grouped.items()
        if not (tally := _tally(counts)).meets(threshold)
    ]
    short.sort(key=lambda r: (r.own.rate or Decimal(0), r.organization.path))
    return short


def rollup_by_level(root: Organization, campaign: Any) -> tuple[list[RateRow], list[RateRow]]:
    """For the roll-up report: (levels, below). `levels`: the subtree totals of `root`
    and of every active organization under it that has organizations under it (the
    county, the working committees, the parks, the enterprises' committees), in tree
    order; `below`: the organizations whose own ballots fall short of the campaign's
    threshold, lowest rate first. TWO queries (the subtree's active organizations, its
    overall answers grouped per organization)."""
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(path__startswith=root.path, is_active=True).only(
            "pk", "path", "depth", "short_name", "full_name"
        )
    }
    orgs[root.pk] = root
    paths = {pk: o.path for pk, o in orgs.items()}
    own = overall_tallies_in(campaign, Q(ballot__organization__path__startswith=root.path))
    totals = subtree_tallies(paths, own)
    parents = {path[: -Organization.steplen] for path in paths.values()}
    levels = [
        RateRow(
            o,
            own.get(pk, EMPTY),
            totals[pk],
            depth=(len(o.path) - len(root.path)) // Organization.steplen,
        )
        for pk, o in orgs.items()
        if pk == root.pk or o.path in parents
    ]
    levels.sort(key=lambda r: r.organization.path)
    threshold = campaign.satisfaction_threshold
    below = [
        RateRow(orgs[pk], tally, tally)
        for pk, tally in own.items()
        if pk in orgs and tally.total and not tally.meets(threshold)
    ]
    below.sort(key=lambda r: (r.own.rate or Decimal(0), r.organization.path))
    return levels, below
