"""Builders for the satisfaction evaluation's tests (test_satisfaction*.py)."""

from __future__ import annotations

from typing import Any

from rectification import services_satisfaction as services
from rectification.models import SatisfactionQuestion, SatisfactionSurvey, SurveyMode
from tests.conftest import World
from tests.rectification.records_factories import campaign_for


def make_survey(
    world: World, org: Any = None, *, mode: str = SurveyMode.CODES
) -> SatisfactionSurvey:
    org = org or world.own
    return services.survey_create(
        actor=None, organization=org, campaign=campaign_for(world, org), mode=mode
    )


def survey_of(world: World, org: Any) -> SatisfactionSurvey:
    existing = SatisfactionSurvey.objects.filter(organization=org).first()
    return existing or make_survey(world, org, mode=SurveyMode.DEVICE)


def cast(
    survey: SatisfactionSurvey, overall: str, aspects: str = "satisfied", code: str = ""
) -> Any:
    """One ballot: `overall` on the overall question, `aspects` on every other one."""
    questions = list(SatisfactionQuestion.objects.filter(campaign_id=survey.campaign_id))
    answers = {q.pk: overall if q.is_overall else aspects for q in questions}
    if survey.mode == SurveyMode.CODES and not code:
        batch = services.batch_create(actor=None, survey=survey, label="大会", size=1)
        code = batch.codes.get().code
    return services.ballot_cast(survey=survey, questions=questions, answers=answers, code=code)


def cast_many(
    world: World, org: Any, satisfied: int = 0, basic: int = 0, unsatisfied: int = 0
) -> SatisfactionSurvey:
    survey = survey_of(world, org)
    for choice, n in (("satisfied", satisfied), ("basic", basic), ("unsatisfied", unsatisfied)):
        for _ in range(n):
            cast(survey, choice)
    return survey
