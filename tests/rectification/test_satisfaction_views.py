"""Satisfaction evaluation pages (docs/product.md §6.5): the permission matrix of every view
for own / child / parent / sibling / other / other-county organizations, writes through
the forms, bad input, pinned query counts; and the public ballot with the suggestion
box's protections (honeypot, minimum fill time, rate limits, one ballot per code or
device) showing nobody's answers."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from rectification import views_satisfaction
from rectification.forms_satisfaction import form_started_token
from rectification.models import (
    BallotCode,
    BallotCodeBatch,
    SatisfactionBallot,
    SatisfactionQuestion,
    SatisfactionSurvey,
    SurveyMode,
)
from rectification.services_satisfaction import batch_create
from tests.rectification.records_factories import (
    TARGETS,
    campaign_for,
    expect_record,
    expect_view,
    org_of,
)
from tests.rectification.satisfaction_factories import cast_many, make_survey
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_empty_cache(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    yield
    cache.clear()


def _redirects(expected: dict[str, int]) -> dict[str, int]:
    return {k: (302 if v == 200 else v) for k, v in expected.items()}


def test_every_page_matrix(world):
    for target in TARGETS:
        org = org_of(world, target)
        campaign = campaign_for(world, org)
        survey = make_survey(world, org)
        batch = batch_create(actor=None, survey=survey, label="大会", size=2)
        query = f"?campaign={campaign.pk}"
        check_matrix(
            world, reverse("rectification:satisfaction", args=[org.pk]), expect_view(target)
        )
        check_matrix(
            world,
            reverse("rectification:satisfaction_summary", args=[org.pk]),
            expect_view(target),
        )
        check_matrix(
            world,
            reverse("rectification:satisfaction_poster", args=[org.pk]) + query,
            expect_record(target),
        )
        check_matrix(
            world,
            reverse("rectification:satisfaction_batch", args=[batch.pk]),
            expect_record(target),
        )


def test_write_posts_matrix(world):
    for target in TARGETS:
        org = org_of(world, target)
        campaign = campaign_for(world, org)
        query = f"?campaign={campaign.pk}"
        expected = expect_record(target)
        check_matrix(
            world,
            reverse("rectification:satisfaction_settings", args=[org.pk]) + query,
            _redirects(expected),
            method="post",
            data={"mode": "codes", "max_ballots": "50", "is_open": "on"},
        )
        assert SatisfactionSurvey.objects.filter(organization=org).count() == 1
        allowed = sum(1 for v in expected.values() if v == 200)
        check_matrix(
            world,
            reverse("rectification:satisfaction_batch_create", args=[org.pk]) + query,
            _redirects(expected),
            method="post",
            data={"label": "党员大会", "size": "3"},
        )
        assert BallotCodeBatch.objects.filter(survey__organization=org).count() == allowed
        # GET is not allowed on the write views.
        check_matrix(
            world,
            reverse("rectification:satisfaction_settings", args=[org.pk]) + query,
            {"anonymous": 302, "admin": 405},
        )


def test_bad_input_gives_field_errors(world):
    campaign = campaign_for(world)
    client = client_for(world, "secretary")
    query = f"?campaign={campaign.pk}"
    response = client.post(
        reverse("rectification:satisfaction_settings", args=[world.own.pk]) + query,
        {"mode": "maybe", "max_ballots": "-3"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"mode", "max_ballots"}
    make_survey(world)
    response = client.post(
        reverse("rectification:satisfaction_batch_create", args=[world.own.pk]) + query,
        {"label": "", "size": "100000"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"label", "size"}
    # A batch for an organization that has not started: 404, not a 500.
    response = client.post(
        reverse("rectification:satisfaction_batch_create", args=[world.child.pk]) + query,
        {"label": "x", "size": "3"},
    )
    assert response.status_code == 404
    response = client.get(reverse("rectification:satisfaction_batch", args=[99999]))
    assert response.status_code == 404


def test_the_page_shows_the_rate_the_subtree_and_the_codes(world):
    campaign = campaign_for(world)
    cast_many(world, world.own, satisfied=3, basic=1, unsatisfied=1)
    cast_many(world, world.child, unsatisfied=2)
    text = (
        client_for(world, "secretary")
        .get(reverse("rectification:satisfaction", args=[world.own.pk]))
        .content.decode()
    )
    assert "80.0%" in text and "threshold reached" in text
    assert "57.1%" in text  # 4 of 7 in the subtree
    assert "Generate the codes" in text and "Public link" in text
    office = client_for(world, "office").get(
        reverse("rectification:satisfaction", args=[world.child.pk]) + f"?campaign={campaign.pk}"
    )
    text = office.content.decode()
    assert "below the threshold" in text
    assert "Public link" not in text  # the office reads only
    summary = client_for(world, "reviewer").get(
        reverse("rectification:satisfaction_summary", args=[world.own.pk])
    )
    assert "80.0%" in summary.content.decode()


def test_the_batch_sheet_lists_the_codes_and_marks_used_ones(world):
    survey = make_survey(world)
    batch = batch_create(actor=None, survey=survey, label="职工大会", size=3)
    BallotCode.objects.filter(pk=batch.codes.first().pk).update(used=True)
    response = client_for(world, "clerk").get(
        reverse("rectification:satisfaction_batch", args=[batch.pk])
    )
    text = response.content.decode()
    assert "svg" in text and survey.get_public_url() in text
    for code in batch.codes.all():
        assert code.display in text
    assert text.count('class="ballot-slip used"') == 1


def test_page_runs_a_fixed_number_of_queries(world):
    campaign = campaign_for(world)
    survey = make_survey(world)
    batch_create(actor=None, survey=survey, label="a", size=2)
    cast_many(world, world.own, satisfied=1)

    def grow() -> None:
        cast_many(world, world.own, satisfied=5, basic=3, unsatisfied=2)
        cast_many(world, world.child, satisfied=4, unsatisfied=6)
        for i in range(5):
            batch_create(actor=None, survey=survey, label=f"b{i}", size=3)

    # session, user, organization, grants, campaigns, survey, questions, answers per
    # question, organizations below, overall answers below, batches, the navigation's
    # unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("rectification:satisfaction", args=[world.own.pk]) + f"?campaign={campaign.pk}",
        grow,
        expected=13,
    )


def test_summary_and_sheet_run_a_fixed_number_of_queries(world):
    survey = make_survey(world)
    batch = batch_create(actor=None, survey=survey, label="a", size=2)

    def grow() -> None:
        cast_many(world, world.own, satisfied=5, unsatisfied=2)
        cast_many(world, world.child, satisfied=4)
        batch_create(actor=None, survey=survey, label="b", size=20)
        BallotCode.objects.filter(batch=batch).update(used=True)

    # session, user, organization, grants, campaigns, questions, answers per question,
    # organizations below, overall answers below, roles (the fragment's context)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("rectification:satisfaction_summary", args=[world.own.pk]),
        grow,
        expected=10,
    )
    # session, user, batch, grants, codes, the navigation's unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("rectification:satisfaction_batch", args=[batch.pk]),
        lambda: batch_create(actor=None, survey=survey, label="c", size=30),
        expected=7,
    )


# --- the public ballot -------------------------------------------------------------------------


def _ballot_data(survey, choice="satisfied", code="", started_ago=10, **extra):
    data = {
        f"q{q.pk}": choice
        for q in SatisfactionQuestion.objects.filter(campaign_id=survey.campaign_id)
    }
    data["started"] = form_started_token(survey.pk, at=time.time() - started_ago)
    data["website"] = ""
    if code:
        data["code"] = code
    data.update(extra)
    return data


def _url(survey):
    return reverse("vote:ballot", args=[survey.token])


def test_a_code_votes_once_and_the_thanks_page_shows_no_answers(world):
    survey = make_survey(world)
    batch = batch_create(actor=None, survey=survey, label="大会", size=2)
    code = batch.codes.first().code
    client = Client()
    page = client.get(_url(survey))
    assert page.status_code == 200 and "Your ballot code" in page.content.decode()
    response = client.post(_url(survey), _ballot_data(survey, code=code.lower()))
    assert response.status_code == 302
    assert response["Location"] == reverse("vote:thanks", args=[survey.token])
    thanks = client.get(response["Location"]).content.decode()
    assert "Your ballot has been received" in thanks
    assert "satisfied" not in thanks and "%" not in thanks
    again = client.post(_url(survey), _ballot_data(survey, code=code))
    assert again.status_code == 200
    assert "not valid or has already been used" in again.content.decode()
    assert SatisfactionBallot.objects.count() == 1


def test_honeypot_fill_time_and_missing_answers_are_refused(world):
    survey = make_survey(world, mode=SurveyMode.DEVICE)
    client = Client()
    for data in (
        _ballot_data(survey, website="http://spam"),
        _ballot_data(survey, started_ago=0),
        _ballot_data(survey, started="forged"),
        {"website": "", "started": form_started_token(survey.pk, at=time.time() - 10)},
    ):
        response = client.post(_url(survey), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not SatisfactionBallot.objects.exists()


def test_one_ballot_per_device_and_per_served_form(world):
    survey = make_survey(world, mode=SurveyMode.DEVICE)
    client = Client()
    data = _ballot_data(survey)
    assert client.post(_url(survey), data).status_code == 302
    # The same form again (a double click) files nothing more, on any device.
    assert Client().post(_url(survey), data).status_code == 302
    assert SatisfactionBallot.objects.count() == 1
    # This device has voted.
    page = client.get(_url(survey)).content.decode()
    assert "You have already voted" in page
    assert client.post(_url(survey), _ballot_data(survey)).status_code == 200
    assert SatisfactionBallot.objects.count() == 1
    # Another device may.
    assert Client().post(_url(survey), _ballot_data(survey)).status_code == 302
    assert SatisfactionBallot.objects.count() == 2


def test_wrong_codes_and_floods_are_rate_limited(world, monkeypatch):
    survey = make_survey(world)
    client = Client()
    limit = views_satisfaction.BAD_CODE_PER_ADDRESS[0]
    for i in range(limit):
        response = client.post(_url(survey), _ballot_data(survey, code=f"ABCD{i:04d}"))
        assert response.status_code == 200
    response = client.post(_url(survey), _ballot_data(survey, code="ABCDEFGH"))
    assert response.status_code == 429
    monkeypatch.setattr(views_satisfaction, "VOTE_PER_ADDRESS", (2, 600))
    cache.clear()
    other = make_survey(world, world.sibling, mode=SurveyMode.DEVICE)
    assert Client().post(_url(other), _ballot_data(other)).status_code == 302
    assert Client().post(_url(other), _ballot_data(other)).status_code == 302
    assert Client().post(_url(other), _ballot_data(other)).status_code == 429
    assert SatisfactionBallot.objects.count() == 2


def test_closed_unknown_and_public_pages_need_no_login(world):
    survey = make_survey(world)
    survey.is_open = False
    survey.save()
    text = Client().get(_url(survey)).content.decode()
    assert "closed" in text
    assert Client().get(reverse("vote:ballot", args=["no-such-token"])).status_code == 404
    assert Client().get(reverse("vote:thanks", args=["no-such-token"])).status_code == 404


def test_public_ballot_runs_a_fixed_number_of_queries(world):
    survey = make_survey(world)
    client = Client()
    # the survey, the questions (no session, no user)
    assert_constant_queries(
        client,
        _url(survey),
        lambda: cast_many(world, world.own, satisfied=10),
        expected=2,
    )
