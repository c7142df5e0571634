"""Property: the satisfaction rates rolled up per level (the organization's page, the
county roll-up report) equal a brute-force count over the ballots, for random trees and
random ballots: a subtree's rate is its summed ballots' rate (docs/product.md §6.5), never an
average of rates."""

from __future__ import annotations

import os
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.seed import ensure_campaign_2014
from organizations.models import Organization, OrgKind
from rectification.models import (
    SatisfactionAnswer,
    SatisfactionBallot,
    SatisfactionChoice,
    SatisfactionSurvey,
)
from rectification.seed_satisfaction import ensure_satisfaction_questions
from rectification.selectors_satisfaction import organization_results, rollup_by_level
from tests.factories import add_org

pytestmark = pytest.mark.django_db

# Per organization: the index of its parent among those before it (-1: the county), and
# its ballots' overall answers.
TREES = st.integers(1, 7).flatmap(
    lambda n: st.tuples(
        *[
            st.tuples(
                st.integers(-1, i - 1),
                st.lists(st.sampled_from(SatisfactionChoice.values), max_size=5),
            )
            for i in range(n)
        ]
    )
)


def _brute(org: Organization, campaign: Any) -> tuple[int, int, int, Decimal | None]:
    answers = [
        a
        for a in SatisfactionAnswer.objects.select_related("ballot__organization", "question")
        if a.question.is_overall
        and a.ballot.campaign_id == campaign.pk
        and a.ballot.organization.path.startswith(org.path)
    ]
    good = sum(1 for a in answers if a.choice in ("satisfied", "basic"))
    counts = tuple(
        sum(1 for a in answers if a.choice == c) for c in ("satisfied", "basic", "unsatisfied")
    )
    rate = (
        (Decimal(100 * good) / Decimal(len(answers))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        if answers
        else None
    )
    return (*counts, rate)  # type: ignore[return-value]


def _brute_own(org: Organization, campaign: Any) -> tuple[int, int]:
    """(ballots, satisfied or basically satisfied) of the organization itself."""
    choices = [
        a.choice
        for a in SatisfactionAnswer.objects.filter(
            ballot__organization=org, ballot__campaign=campaign, question__is_overall=True
        )
    ]
    return len(choices), sum(1 for c in choices if c != "unsatisfied")


@settings(
    max_examples=int(os.environ.get("SATISFACTION_PROPERTY_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=TREES)
def test_rates_per_level_equal_a_brute_force_count(db: Any, tree: Any) -> None:
    with transaction.atomic():
        county = add_org(None, kind=OrgKind.COUNTY_COMMITTEE)
        campaign = ensure_campaign_2014(county)
        overall = next(q for q in ensure_satisfaction_questions(campaign) if q.is_overall)
        orgs: list[Organization] = []
        for parent_index, ballots in tree:
            parent = county if parent_index < 0 else orgs[parent_index]
            org = add_org(parent, kind=OrgKind.BRANCH)
            orgs.append(org)
            survey = SatisfactionSurvey.objects.create(organization=org, campaign=campaign)
            for choice in ballots:
                ballot = SatisfactionBallot.objects.create(
                    survey=survey, organization=org, campaign=campaign
                )
                SatisfactionAnswer.objects.create(ballot=ballot, question=overall, choice=choice)
        everyone = [county, *[Organization.objects.get(pk=o.pk) for o in orgs]]
        for org in everyone:
            results = organization_results(org, campaign)
            tally = results["subtree"]
            assert (tally.satisfied, tally.basic, tally.unsatisfied, tally.rate) == _brute(
                org, campaign
            )
            for row in results["children"]:
                got = (row.subtree.satisfied, row.subtree.basic, row.subtree.unsatisfied)
                assert (*got, row.subtree.rate) == _brute(row.organization, campaign)
        rows, below = rollup_by_level(county, campaign)
        for row in rows:
            got = (row.subtree.satisfied, row.subtree.basic, row.subtree.unsatisfied)
            assert (*got, row.subtree.rate) == _brute(row.organization, campaign)
        # The levels listed: the county and every organization with one under it.
        parents = {o.path[: -Organization.steplen] for o in everyone}
        assert {r.organization.pk for r in rows} == {
            o.pk for o in everyone if o == county or o.path in parents
        }
        threshold = campaign.satisfaction_threshold
        assert {r.organization.pk for r in below} == {
            o.pk
            for o in everyone
            if (t := _brute_own(o, campaign))[0] and 100 * t[1] < threshold * t[0]
        }
        transaction.set_rollback(True)
