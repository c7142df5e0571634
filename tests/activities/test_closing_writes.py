"""A closed campaign refuses every write (#18, docs/product.md §5.2): one test per kind
of write (record form, edit, delete, review, bulk review, bulk insert, public box, public
ballot, a member's own entry, attachment upload, an item's move), each answering with
the reason and writing nothing; its pages show the banner and no create or edit
button; an open campaign is unaffected."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from activities.campaigns import services as campaign_services
from activities.models import Campaign, CounselingRecord, Opinion
from activities.study import services as study_services
from portal.attachments.models import Attachment
from portal.core.closed import CampaignClosed, ClosedCampaignMiddleware
from portal.reviews.models import ReviewStatus, ReviewTask
from portal.reviews.services import review_batch_create, review_batch_run, review_transition
from rectification.models import FundingReceipt, ItemStatus, SatisfactionBallot
from tests.activities.factories import members
from tests.activities.opinions_factories import make_box
from tests.activities.plans_factories import plan_at, submitted_plan
from tests.factories import MemberFactory
from tests.rectification.records_factories import campaign_for, make_receipt, pdf
from tests.utils import client_for

pytestmark = pytest.mark.django_db

REFUSED = "This campaign is closed: its records are read-only"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def close(world: Any, campaign: Campaign | None = None) -> Campaign:
    campaign = campaign or campaign_for(world)
    campaign_services.campaign_close(actor=world.admin, campaign=campaign)
    return campaign


def _receipt_data(receipt: FundingReceipt | None = None) -> dict[str, Any]:
    data = {"source": "enterprise", "amount": "12.50", "received_on": "2014-08-01"}
    if receipt is not None:
        data["seen"] = receipt.updated_at.isoformat()
    return data


# --- record pages ----------------------------------------------------------------------------


def test_a_record_form_is_refused_with_409_and_writes_nothing(world: Any) -> None:
    campaign = close(world)
    url = reverse("rectification:funding_receipt_create", args=[world.own.pk])
    response = client_for(world, "secretary").post(f"{url}?campaign={campaign.pk}", _receipt_data())
    assert response.status_code == 409
    assert REFUSED in response.content.decode()
    assert not FundingReceipt.objects.exists()


def test_an_edit_is_refused_and_the_record_stays_as_it_was(world: Any) -> None:
    receipt = make_receipt(world)
    close(world)
    response = client_for(world, "secretary").post(
        reverse("rectification:funding_receipt_edit", args=[receipt.pk]), _receipt_data(receipt)
    )
    assert response.status_code == 409 and REFUSED in response.content.decode()
    receipt.refresh_from_db()
    assert receipt.amount == Decimal("100.00")


def test_a_delete_is_refused_and_the_record_is_kept(world: Any) -> None:
    receipt = make_receipt(world)
    close(world)
    response = client_for(world, "secretary").post(
        reverse("rectification:funding_receipt_delete", args=[receipt.pk])
    )
    assert response.status_code == 409 and REFUSED in response.content.decode()
    assert FundingReceipt.objects.filter(pk=receipt.pk).exists()


def test_an_attachment_upload_is_refused(world: Any, media_root: Any) -> None:
    receipt = make_receipt(world)
    close(world)
    response = client_for(world, "secretary").post(
        receipt.get_absolute_url(), {"att-kind": "evidence", "att-files": [pdf()]}
    )
    assert response.status_code == 409 and REFUSED in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_closed_campaigns_page_shows_the_banner_and_no_create_button(world: Any) -> None:
    campaign = campaign_for(world)
    client = client_for(world, "secretary")
    url = f"{reverse('rectification:funding_overview', args=[world.own.pk])}?campaign={campaign.pk}"
    page = client.get(url).content.decode()
    assert "Record a receipt" in page and "closed-banner" not in page
    close(world, campaign)
    page = client.get(url).content.decode()
    assert "closed-banner" in page and "is closed: its records are read-only" in page
    assert "Record a receipt" not in page


def test_an_open_campaign_is_unaffected_and_reopening_accepts_writes_again(world: Any) -> None:
    campaign = close(world)
    campaign_services.campaign_reopen(actor=world.admin, campaign=campaign)
    url = reverse("rectification:funding_receipt_create", args=[world.own.pk])
    response = client_for(world, "secretary").post(f"{url}?campaign={campaign.pk}", _receipt_data())
    assert response.status_code == 302
    assert FundingReceipt.objects.count() == 1


def test_an_item_move_is_refused(world: Any) -> None:
    from tests.rectification.problems_factories import approved_list

    plist = approved_list(world)
    item = plist.items.get()
    close(world, plist.campaign)
    response = client_for(world, "secretary").post(
        reverse("rectification:item_start", args=[item.pk]), follow=True
    )
    assert REFUSED in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


# --- reviews ---------------------------------------------------------------------------------


def test_a_submission_and_a_decision_are_refused(world: Any) -> None:
    draft = plan_at(world, world.own)
    waiting = submitted_plan(world, world.child)
    close(world)
    response = client_for(world, "secretary").post(
        reverse("reviews:transition", args=["activities.activityplan", draft.pk]),
        {"action": "submit"},
        follow=True,
    )
    assert REFUSED in response.content.decode()
    draft.refresh_from_db()
    assert draft.review_status == ReviewStatus.DRAFT
    with pytest.raises(CampaignClosed):
        review_transition(waiting, action="approve", actor=world.reviewer)
    waiting.refresh_from_db()
    assert waiting.review_status == ReviewStatus.SUBMITTED
    # The record's page offers no decision.
    page = client_for(world, "reviewer").get(waiting.get_absolute_url()).content.decode()
    assert 'value="approve"' not in page


def test_a_bulk_decision_skips_a_closed_campaigns_records_with_the_reason(world: Any) -> None:
    plan = submitted_plan(world, world.child)
    close(world)
    tasks = list(ReviewTask.objects.filter(object_id=plan.pk))
    batch = review_batch_create(actor=world.reviewer, action="approve", comment="", tasks=tasks)
    review_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.decided == []
    assert [entry["reason"] for entry in batch.skipped] == [str(CampaignClosed().messages[0])]
    plan.refresh_from_db()
    assert plan.review_status == ReviewStatus.SUBMITTED


# --- bulk inserts and a member's own entries ----------------------------------------------------


def test_one_session_for_many_members_is_refused(world: Any) -> None:
    campaign = close(world)
    a, b = members(world.child, 2)
    import datetime as dt

    with pytest.raises(CampaignClosed):
        study_services.counseling_add(
            actor=world.clerk,
            campaign=campaign,
            members=[a, b],
            date=dt.date(2014, 4, 18),
            mode="concentrated",
            topic="集中宣讲",
            hours=Decimal("3"),
        )
    response = client_for(world, "clerk").post(
        reverse("activities:counseling_add", args=[world.child.pk]),
        {
            "members": [a.pk, b.pk],
            "campaign": campaign.pk,
            "date": "2014-04-18",
            "mode": "concentrated",
            "topic": "集中宣讲",
            "hours": "3",
        },
    )
    assert response.status_code == 409 and REFUSED in response.content.decode()
    assert not CounselingRecord.objects.exists()


def test_a_members_own_counseling_is_refused(world: Any) -> None:
    campaign = close(world)
    response = client_for(world, "member_user").post(
        reverse("activities:my_study_add"),
        {
            "campaign": campaign.pk,
            "date": "2014-04-20",
            "mode": "self_study",
            "topic": "自学党章",
            "hours": "1.5",
        },
    )
    assert response.status_code == 409 and REFUSED in response.content.decode()
    assert not CounselingRecord.objects.exists()


# --- the public pages ----------------------------------------------------------------------------


def test_the_suggestion_box_of_a_closed_campaign_takes_no_opinion(world: Any) -> None:
    from activities.opinions.forms import form_started_token

    cache.clear()
    close(world)
    ensure_other = campaign_for(world, world.far)  # another county's campaign: unrelated
    assert ensure_other.is_open
    box = make_box(world.own)
    url = reverse("public:box", args=[box.token])
    assert "This suggestion box is closed" in Client().get(url).content.decode()
    Client().post(
        url,
        {
            "content": "食堂饭菜太贵",
            "addressed_to": "team",
            "website": "",
            "started": form_started_token(box.pk, at=time.time() - 10),
        },
    )
    assert not Opinion.objects.exists()
    cache.clear()


def test_a_ballot_is_refused_once_the_campaign_is_closed(world: Any) -> None:
    from rectification.forms_satisfaction import form_started_token
    from rectification.models import SatisfactionQuestion, SurveyMode
    from tests.rectification.satisfaction_factories import make_survey

    cache.clear()
    survey = make_survey(world, mode=SurveyMode.DEVICE)
    close(world, survey.campaign)
    data = {
        f"q{q.pk}": "satisfied"
        for q in SatisfactionQuestion.objects.filter(campaign_id=survey.campaign_id)
    }
    data.update(website="", started=form_started_token(survey.pk, at=time.time() - 10))
    response = Client().post(reverse("vote:ballot", args=[survey.token]), data)
    assert "closed" in response.content.decode()
    assert not SatisfactionBallot.objects.exists()
    cache.clear()


# --- the safety net ------------------------------------------------------------------------------


def test_a_refusal_a_page_does_not_handle_answers_409_not_500(world: Any) -> None:
    campaign = close(world)

    def view(request: Any) -> HttpResponse:
        raise CampaignClosed(campaign)

    request = RequestFactory().post("/anything/")
    request.user = world.secretary
    middleware = ClosedCampaignMiddleware(view)
    response = middleware.process_exception(request, CampaignClosed(campaign))
    assert response is not None and response.status_code == 409
    assert "is closed" in response.content.decode()
    assert middleware.process_exception(request, ValueError("other")) is None


def test_the_model_guard_refuses_any_save_or_delete(world: Any) -> None:
    receipt = make_receipt(world)
    MemberFactory(organization=world.own)
    close(world)
    receipt = FundingReceipt.objects.get(pk=receipt.pk)  # the campaign not loaded
    receipt.note = "改"
    with pytest.raises(CampaignClosed):
        receipt.save()
    with pytest.raises(ValidationError), transaction.atomic():
        receipt.delete()
    assert FundingReceipt.objects.filter(pk=receipt.pk, note="").exists()


def test_a_closed_campaigns_meeting_offers_no_upload(world: Any) -> None:
    """What a secretary would try on a record of a closed campaign is not offered: the
    file upload (refused anyway)."""
    from tests.activities.factories import meeting

    campaign = campaign_for(world)
    held = meeting(world.own, campaign)
    client = client_for(world, "secretary")
    upload = reverse("activities:meeting_attachments", args=[held.pk])
    page = client.get(held.get_absolute_url()).content.decode()
    assert f'action="{upload}"' in page
    close(world, campaign)
    page = client.get(held.get_absolute_url()).content.decode()
    assert "closed-banner" in page
    assert f'action="{upload}"' not in page


# --- forms asked for (GET) ------------------------------------------------------------------


def test_an_edit_form_of_a_closed_campaign_leads_to_the_record_with_the_reason(
    world: Any, settings: Any
) -> None:
    """A secretary who opens an old bookmark to change a receipt (or a meeting) of a
    closed campaign is not handed a form every save would refuse: she lands on the
    record's page, told why, in her language."""
    from tests.activities.factories import meeting

    receipt = make_receipt(world)
    held = meeting(world.own, receipt.campaign)
    client = client_for(world, "secretary")
    edits = {
        reverse("rectification:funding_receipt_edit", args=[receipt.pk]): receipt,
        reverse("activities:meeting_edit", args=[held.pk]): held,
    }
    for url in edits:
        assert client.get(url).status_code == 200
    close(world, receipt.campaign)
    for url, record in edits.items():
        response = client.get(url, headers={"accept-language": "zh-hans"})
        assert response.status_code == 302, url
        assert response["Location"] == record.get_absolute_url()
        page = client.get(response["Location"], headers={"accept-language": "zh-hans"})
        text = page.content.decode()
        assert "本活动已结束，记录只读，不能再新增、修改、删除、提交或审核。" in text
        assert 'name="seen"' not in text and "<textarea" not in text


def test_a_new_record_or_delete_form_of_a_closed_campaign_says_it_is_read_only(
    world: Any,
) -> None:
    receipt = make_receipt(world)
    campaign = close(world, receipt.campaign)
    client = client_for(world, "secretary")
    create = reverse("rectification:funding_receipt_create", args=[world.own.pk])
    for url in (
        f"{create}?campaign={campaign.pk}",
        reverse("rectification:funding_receipt_delete", args=[receipt.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 409, url
        text = response.content.decode()
        assert "is closed: its records are read-only" in text
        assert "Nothing was saved" not in text  # nothing was sent
        assert 'name="amount"' not in text and 'method="post"' not in text.split("<main")[1]
    text = client.get(f"{create}?campaign={campaign.pk}", headers={"accept-language": "zh-hans"})
    assert f"“{campaign.name_zh}”已结束，记录只读" in text.content.decode()
    assert "本次操作未保存任何内容" not in text.content.decode()
    assert FundingReceipt.objects.filter(pk=receipt.pk).exists()


def test_a_form_of_an_open_campaign_is_shown_as_before(world: Any) -> None:
    receipt = make_receipt(world)
    client = client_for(world, "secretary")
    response = client.get(reverse("rectification:funding_receipt_edit", args=[receipt.pk]))
    assert response.status_code == 200 and 'name="amount"' in response.content.decode()
