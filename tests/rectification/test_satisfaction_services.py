"""The satisfaction evaluation's services (docs/product.md §6.5): starting it, codes used
once, one device mode's limit, closed evaluations, the anonymity of ballots, and the
rate's definition."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rectification import services_satisfaction as services
from rectification.models import (
    BallotCode,
    SatisfactionAnswer,
    SatisfactionBallot,
    SatisfactionQuestion,
    SurveyMode,
)
from rectification.selectors_satisfaction import Tally, organization_results
from tests.rectification.records_factories import campaign_for
from tests.rectification.satisfaction_factories import cast, cast_many, make_survey

pytestmark = pytest.mark.django_db


def _answers(survey, choice="satisfied"):
    questions = list(SatisfactionQuestion.objects.filter(campaign_id=survey.campaign_id))
    return questions, {q.pk: choice for q in questions}


def test_starting_seeds_the_default_questions_once(world):
    survey = make_survey(world)
    questions = SatisfactionQuestion.objects.filter(campaign=survey.campaign)
    assert [q.code for q in questions] == [
        "overall",
        "study",
        "finding_problems",
        "rectification",
        "work_style",
    ]
    assert [q.is_overall for q in questions] == [True, False, False, False, False]
    make_survey(world, world.sibling)
    assert SatisfactionQuestion.objects.filter(campaign=survey.campaign).count() == 5
    with pytest.raises(ValidationError):
        make_survey(world)  # one per organization and campaign


def test_only_recorders_of_the_organization_start_and_change_it(world):
    campaign = campaign_for(world)
    with pytest.raises(PermissionDenied):
        services.survey_create(
            actor=world.reviewer, organization=world.own, campaign=campaign, mode="codes"
        )
    with pytest.raises(PermissionDenied):
        services.survey_create(
            actor=world.outsider, organization=world.own, campaign=campaign, mode="codes"
        )
    survey = services.survey_create(
        actor=world.secretary, organization=world.own, campaign=campaign, mode="codes"
    )
    assert survey.created_by == world.secretary and survey.is_open
    with pytest.raises(PermissionDenied):
        services.batch_create(actor=world.office, survey=survey, label="大会", size=3)
    with pytest.raises(ValidationError) as err:
        services.survey_update(
            actor=world.clerk, survey=survey, mode="nonsense", max_ballots=0, is_open=True
        )
    assert {"mode", "max_ballots"} <= set(err.value.error_dict)
    services.survey_update(
        actor=world.clerk, survey=survey, mode="device", max_ballots=30, is_open=False
    )
    survey.refresh_from_db()
    assert (survey.mode, survey.max_ballots, survey.is_open) == ("device", 30, False)


def test_a_batch_has_distinct_codes_and_a_bounded_size(world):
    survey = make_survey(world)
    batch = services.batch_create(actor=world.secretary, survey=survey, label="党员大会", size=40)
    codes = list(BallotCode.objects.filter(batch=batch).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 40
    with pytest.raises(ValidationError) as err:
        services.batch_create(actor=world.secretary, survey=survey, label=" ", size=501)
    assert {"label", "size"} <= set(err.value.error_dict)


def test_a_code_gives_one_ballot_and_keeps_only_used(world):
    survey = make_survey(world)
    batch = services.batch_create(actor=None, survey=survey, label="大会", size=2)
    code = batch.codes.first().code
    questions, answers = _answers(survey)
    ballot = services.ballot_cast(survey=survey, questions=questions, answers=answers, code=code)
    assert BallotCode.objects.get(code=code).used
    with pytest.raises(services.BallotRefused):
        services.ballot_cast(survey=survey, questions=questions, answers=answers, code=code)
    with pytest.raises(services.BallotRefused):
        services.ballot_cast(survey=survey, questions=questions, answers=answers, code="")
    with pytest.raises(services.BallotRefused):  # another evaluation's code
        other = make_survey(world, world.sibling)
        foreign = services.batch_create(actor=None, survey=other, label="x", size=1)
        services.ballot_cast(
            survey=survey, questions=questions, answers=answers, code=foreign.codes.get().code
        )
    assert SatisfactionBallot.objects.count() == 1
    # Nothing links the ballot to its code or its voter: only these columns exist.
    assert {f.attname for f in SatisfactionBallot._meta.concrete_fields} == {
        "id",
        "survey_id",
        "organization_id",
        "campaign_id",
        "cast_on",
    }
    assert {f.attname for f in BallotCode._meta.concrete_fields} == {
        "id",
        "batch_id",
        "survey_id",
        "code",
        "used",
    }
    assert SatisfactionAnswer.objects.filter(ballot=ballot).count() == 5


def test_every_question_must_be_answered_with_a_known_choice(world):
    survey = make_survey(world, mode=SurveyMode.DEVICE)
    questions, answers = _answers(survey)
    answers.pop(questions[-1].pk)
    with pytest.raises(ValidationError):
        services.ballot_cast(survey=survey, questions=questions, answers=answers)
    _q, answers = _answers(survey, "very")
    with pytest.raises(ValidationError):
        services.ballot_cast(survey=survey, questions=questions, answers=answers)
    assert not SatisfactionBallot.objects.exists()


def test_device_mode_stops_at_its_limit_and_a_closed_one_takes_nothing(world):
    survey = make_survey(world, mode=SurveyMode.DEVICE)
    services.survey_update(actor=None, survey=survey, mode="device", max_ballots=2, is_open=True)
    cast(survey, "satisfied")
    cast(survey, "unsatisfied")
    with pytest.raises(services.BallotRefused):
        cast(survey, "satisfied")
    services.survey_update(actor=None, survey=survey, mode="device", max_ballots=9, is_open=False)
    with pytest.raises(services.BallotRefused):
        cast(survey, "satisfied")
    assert SatisfactionBallot.objects.count() == 2


def test_the_rate_counts_satisfied_and_basically_satisfied_on_the_overall_question(world):
    campaign = campaign_for(world)
    cast_many(world, world.own, satisfied=5, basic=2, unsatisfied=3)
    survey = cast_many(world, world.child, satisfied=1, unsatisfied=1)
    # The aspects do not count in the rate.
    cast(survey, "satisfied", aspects="unsatisfied")
    results = organization_results(world.own, campaign)
    assert results["overall"] == Tally(5, 2, 3)
    assert results["overall"].rate == Decimal("70.0")
    assert not results["meets"]  # 70 % < 80 %, the default threshold
    # The subtree sums the ballots (7 + 2 of 13), it does not average the rates.
    assert results["subtree"] == Tally(7, 2, 4)
    assert results["subtree"].rate == Decimal("69.2")
    [child] = results["children"]
    assert child.own == Tally(2, 0, 1)
    aspects = {q.code: t for q, t in results["questions"]}
    assert aspects["study"] == Tally(10, 0, 0)


def test_meets_compares_exactly():
    assert Tally(4, 0, 1).meets(80)
    assert not Tally(3, 1, 1).meets(81)
    assert not Tally().meets(0)
    assert Tally(2, 0, 1).rate == Decimal("66.7")
