"""The masses' verdict in the demo campaign (docs/product.md §6.5): satisfaction evaluations
at the end of phase 3 in several states — with printed codes and most ballots
satisfied (above the threshold), one per device with many unsatisfied (below it),
started with codes printed and no ballot yet, and none at all — written through the
services the pages and the public ballot use."""

from __future__ import annotations

from demo.activities.kit import Demo, date
from organizations.models import Organization
from rectification.models import (
    SatisfactionBallot,
    SatisfactionChoice,
    SatisfactionQuestion,
    SurveyMode,
)
from rectification.services_satisfaction import ballot_cast, batch_create, survey_create

# The state of each organization's evaluation, in turn over the participating ones.
STATES = ("above", "below", "started", "none")
# (satisfied, basically satisfied, unsatisfied) on the overall question.
ABOVE = (19, 5, 2)  # 24 of 26: 92.3 %
BELOW = (6, 4, 6)  # 10 of 16: 62.5 %
MEETING = "党员职工大会"


def build(demo: Demo, orgs: list[Organization]) -> None:
    for i, org in enumerate(orgs):
        state = STATES[i % len(STATES)]
        if state != "none":
            evaluation(demo, org, state)


def evaluation(demo: Demo, org: Organization, state: str) -> None:
    code, cast = org.code, demo.cast
    day = demo.day("2014-09-15", 6)
    secretary = cast.secretaries[code]
    with demo.step(day, hour=9):
        survey = survey_create(
            actor=secretary,
            organization=org,
            campaign=demo.campaign,
            mode=SurveyMode.DEVICE if state == "below" else SurveyMode.CODES,
            max_ballots=40,
        )
        questions = list(SatisfactionQuestion.objects.filter(campaign=demo.campaign))
        if state == "below":
            counts = BELOW
            codes: list[str] = []
        else:
            size = sum(ABOVE) + 4
            batch = batch_create(actor=secretary, survey=survey, label=MEETING, size=size)
            codes = list(batch.codes.values_list("code", flat=True))
            counts = ABOVE if state == "above" else (0, 0, 0)
    rng = demo.rng
    choices = [
        choice
        for choice, n in zip(SatisfactionChoice.values, counts, strict=True)
        for _ in range(n)
    ]
    rng.shuffle(choices)
    with demo.step(day, hour=15):
        for n, overall in enumerate(choices):
            answers = {
                q.pk: overall
                if q.is_overall
                else rng.choice([overall, overall, SatisfactionChoice.BASIC])
                for q in questions
            }
            ballot_cast(
                survey=survey,
                questions=questions,
                answers=answers,
                code=codes[n] if codes else "",
            )
    # The service dates a ballot today; the demo's were cast that day (a demo-builder
    # update, like the pledges' publication day).
    SatisfactionBallot.objects.filter(survey=survey).update(cast_on=date(day))
