"""Standards checklist pages (rectification/views_standards.py): the permission matrix
of every view over own, child, parent, sibling, other-park and other-county objects;
the self-assessment with evidence, the lock, the reviewer's scores and acceptance, the
result on the organization's fragment; pinned query counts; bad input never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from activities.models import Campaign
from portal.attachments.models import Attachment
from portal.reviews.services import review_transition
from rectification.models import (
    EIGHT_HAVES,
    TWO_STRONG_EIGHT_GOOD,
    AssessmentEntry,
    StandardAssessment,
    StandardTemplate,
)
from rectification.seed import ensure_standard_templates
from rectification.services_standards import ItemValues, assessment_entry_save
from tests.rectification.standards_factories import (
    ORG_NAMES,
    campaign_for,
    fill,
    png_upload,
    start,
    submitted,
    template,
)
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

VIEW_OWN = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "member_user": 404,
    "office": 200,
    "reviewer": 200,
    "instructor": 200,
    "secretary": 200,
    "clerk": 200,
    "admin": 200,
}
VIEW_PARENT = {**VIEW_OWN, "instructor": 404, "secretary": 404, "clerk": 404}
VIEW_OTHER = {**VIEW_OWN, "outsider": 200, "reviewer": 404, "instructor": 404, "secretary": 404, "clerk": 404}  # fmt: skip
VIEW_FAR = {**{p: 404 for p in VIEW_OWN}, "anonymous": 302, "admin": 200}
VIEW_BY_ORG = {
    "own": VIEW_OWN,
    "child": VIEW_OWN,
    "park_a": VIEW_PARENT,
    "sibling": VIEW_PARENT,
    "other": VIEW_OTHER,
    "far": VIEW_FAR,
}


def _record(view: dict[str, int], ok: int = 200) -> dict[str, int]:
    """RECORD: secretary, clerk (where they sit) and the administrator; 403 for the
    others who see the organization."""
    result = {}
    for persona, code in view.items():
        if code == 200:
            code = ok if persona in ("secretary", "clerk", "admin", "outsider") else 403
        result[persona] = code
    return result


RECORD_BY_ORG = {name: _record(view) for name, view in VIEW_BY_ORG.items()}


def _review(name: str, ok: int = 302) -> dict[str, int]:
    """Scoring: a reviewer strictly above the organization, its instructor and the
    administrator; 403 for the others who see it."""
    result = {}
    for persona, code in VIEW_BY_ORG[name].items():
        if code == 200:
            code = 403
        result[persona] = code
    result["admin"] = ok
    if name in ("own", "child"):
        result.update(reviewer=ok, instructor=ok)
    elif name == "sibling":
        result.update(reviewer=ok)
    return result


def _org(world: Any, name: str) -> Any:
    return getattr(world, name)


# --- permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ORG_NAMES)
def test_organization_pages_matrix(world: Any, name: str) -> None:
    org = _org(world, name)
    campaign_for(world, org)
    check_matrix(
        world, reverse("rectification:standard_overview", args=[org.pk]), VIEW_BY_ORG[name]
    )
    check_matrix(world, reverse("rectification:standard_results", args=[org.pk]), VIEW_BY_ORG[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_start_matrix(world: Any, name: str) -> None:
    org = _org(world, name)
    campaign = campaign_for(world, org)
    url = reverse(
        "rectification:standard_start", args=[org.pk, campaign.pk, template(EIGHT_HAVES).pk]
    )
    check_matrix(world, url, _record(VIEW_BY_ORG[name], ok=302), method="post")
    assert StandardAssessment.objects.filter(organization=org).count() == 1


@pytest.mark.parametrize("name", ORG_NAMES)
def test_checklist_pages_matrix(world: Any, name: str) -> None:
    assessment = start(world, _org(world, name))
    entry = assessment.entries.first()
    check_matrix(world, assessment.get_absolute_url(), VIEW_BY_ORG[name])
    edit = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    check_matrix(world, edit, RECORD_BY_ORG[name])
    check_matrix(world, edit, _record(VIEW_BY_ORG[name], ok=302), method="post", data={"note": "x"})


@pytest.mark.parametrize("name", ORG_NAMES)
def test_score_matrix(world: Any, name: str, media_root: Any) -> None:
    assessment = submitted(world, _org(world, name))
    url = reverse("rectification:assessment_score", args=[assessment.pk])
    check_matrix(world, url, _review(name), method="post")


def test_get_is_not_allowed_on_post_only_views(world: Any) -> None:
    assessment = start(world)
    client = client_for(world, "admin")
    assert (
        client.get(reverse("rectification:assessment_score", args=[assessment.pk])).status_code
        == 405
    )
    url = reverse(
        "rectification:standard_start",
        args=[world.own.pk, assessment.campaign_id, assessment.template_id],
    )
    assert client.get(url).status_code == 405


def test_missing_objects_are_404(world: Any) -> None:
    client = client_for(world, "admin")
    for name in ("assessment_detail", "assessment_entry_edit"):
        assert client.get(reverse(f"rectification:{name}", args=[99999])).status_code == 404
    assert client.post(reverse("rectification:assessment_score", args=[99999])).status_code == 404
    assert client.get(reverse("rectification:standard_overview", args=[99999])).status_code == 404


def test_start_with_a_campaign_or_standard_not_used_here_is_404(world: Any) -> None:
    campaign = campaign_for(world)
    far_campaign = campaign_for(world, world.far)
    client = client_for(world, "secretary")
    bad = [
        (world.own.pk, far_campaign.pk, template().pk),
        (world.own.pk, campaign.pk, 99999),
        (world.own.pk, 99999, template().pk),
    ]
    for args in bad:
        assert client.post(reverse("rectification:standard_start", args=args)).status_code == 404
    inactive = StandardTemplate.objects.create(
        code="old", name_zh="旧标准", name_en="old", pass_rule="all_items", is_active=False
    )
    inactive.campaigns.add(campaign)
    url = reverse("rectification:standard_start", args=[world.own.pk, campaign.pk, inactive.pk])
    assert client.post(url).status_code == 404
    assert not StandardAssessment.objects.exists()


# --- the secretary's self-assessment ---------------------------------------------------------


def test_overview_offers_to_start_each_standard_of_the_campaign(world: Any) -> None:
    campaign = campaign_for(world)
    response = client_for(world, "secretary").get(
        reverse("rectification:standard_overview", args=[world.own.pk])
    )
    body = response.content.decode()
    for code in (EIGHT_HAVES, TWO_STRONG_EIGHT_GOOD):
        url = reverse(
            "rectification:standard_start", args=[world.own.pk, campaign.pk, template(code).pk]
        )
        assert url in body
    office = client_for(world, "office").get(
        reverse("rectification:standard_overview", args=[world.own.pk])
    )
    assert "standards/start/" not in office.content.decode()


def test_starting_twice_opens_the_same_checklist(world: Any) -> None:
    campaign = campaign_for(world)
    url = reverse("rectification:standard_start", args=[world.own.pk, campaign.pk, template().pk])
    client = client_for(world, "clerk")
    first = client.post(url)
    second = client.post(url)
    assessment = StandardAssessment.objects.get()
    assert first["Location"] == second["Location"] == assessment.get_absolute_url()
    assert assessment.created_by == world.clerk


def test_secretary_assesses_an_item_with_evidence(world: Any, media_root: Any) -> None:
    assessment = start(world)
    entry = assessment.entries.get(item__order=1)
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    client = client_for(world, "secretary")
    form = client.get(url).context["form"]
    response = client.post(
        url,
        {
            "met": "on",
            "note": "三楼活动室\r\n60平方米",
            "version": form.initial["version"],
            "files": [png_upload("活动室.png"), png_upload("门牌.png")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == entry.get_absolute_url()
    entry.refresh_from_db()
    assert (entry.self_met, entry.self_score, entry.self_note) == (True, 10, "三楼活动室\n60平方米")
    files = Attachment.objects.for_record(entry)
    assert [a.kind for a in files] == ["evidence", "evidence"]
    detail = client.get(assessment.get_absolute_url())
    assert "活动室.png" in detail.content.decode()
    assert detail.context["can_edit"]
    assert not detail.context["can_score"]


def test_scored_item_takes_a_score_in_range(world: Any) -> None:
    entry = start(world, code=TWO_STRONG_EIGHT_GOOD).entries.get(item__order=1)
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    client = client_for(world, "secretary")
    for bad in ("11", "-1", "abc", ""):
        response = client.post(url, {"score": bad})
        assert response.status_code == 200
        assert response.context["form"].errors["score"]
    assert client.post(url, {"score": "7"}).status_code == 302
    entry.refresh_from_db()
    assert (entry.self_score, entry.self_met) == (7, False)


def test_bad_input_is_never_a_500(world: Any, media_root: Any) -> None:
    assessment = start(world)
    entry = assessment.entries.first()
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    client = client_for(world, "secretary")
    text_as_image = png_upload("x.jpg")
    text_as_image.file = __import__("io").BytesIO(b"hello, not an image")
    for data in (
        {"note": "x" * 5000},
        {"met": "maybe", "version": "garbage"},
        {"files": text_as_image},
    ):
        response = client.post(url, data)
        assert response.status_code in (200, 302, 409), response.status_code
    response = client.post(url, {"files": text_as_image})
    assert response.status_code == 200
    assert response.context["form"].errors["files"]
    assert not Attachment.objects.exists()
    submitted_one = submitted(world, world.child)
    score_url = reverse("rectification:assessment_score", args=[submitted_one.pk])
    response = client_for(world, "reviewer").post(
        score_url, {"item-1-met": "x", "item-1-note": "y" * 5000}
    )
    assert response.status_code == 200
    assert response.context["rows"][0]["review_form"].errors


def test_stale_edit_is_refused_with_409(world: Any) -> None:
    entry = start(world).entries.first()
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    client = client_for(world, "secretary")
    stale = client.get(url).context["form"].initial["version"]
    entry_full = AssessmentEntry.objects.select_related("item", "assessment__organization").get(
        pk=entry.pk
    )
    assessment_entry_save(actor=world.clerk, entry=entry_full, values=ItemValues(met=True))
    response = client.post(url, {"note": "mine", "version": stale})
    assert response.status_code == 409
    entry.refresh_from_db()
    assert entry.self_met and entry.self_note == ""


def test_submitted_checklist_is_locked_for_its_authors(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    entry = assessment.entries.first()
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    client = client_for(world, "secretary")
    response = client.get(url)
    assert response.status_code == 403
    assert "reviews/locked.html" in [t.name for t in response.templates]
    response = client.post(url, {"note": "偷偷改", "files": png_upload()})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.self_note != "偷偷改"
    assert Attachment.objects.for_record(entry).count() == 1
    attachment = Attachment.objects.for_record(entry).get()
    client.post(reverse("attachments:delete", args=[attachment.pk]))
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    detail = client.get(assessment.get_absolute_url())
    assert not detail.context["can_edit"]
    assert "assessment_entry_edit" not in detail.content.decode()


def test_submit_button_refuses_an_incomplete_checklist(world: Any, media_root: Any) -> None:
    assessment = fill(start(world), evidence=False, skip=(8,))
    client = client_for(world, "secretary")
    url = reverse("reviews:transition", args=["rectification.standardassessment", assessment.pk])
    response = client.post(url, {"action": "submit"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assessment.refresh_from_db()
    assert assessment.review_status == "draft"
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert message.count("attach at least one evidence file") == 7
    assert "8. files: assess this item." in message


# --- the reviewer -------------------------------------------------------------------------------


def test_reviewer_scores_accepts_and_the_result_is_shown(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    client = client_for(world, "reviewer")
    detail = client.get(assessment.get_absolute_url())
    assert detail.context["can_score"]
    assert [v for v, _l in detail.context["review"].actions] == ["approve", "return"]
    data = {f"item-{n}-met": "on" for n in range(1, 9)}
    del data["item-3-met"]
    data["item-3-note"] = "经费凭证不全"
    response = client.post(reverse("rectification:assessment_score", args=[assessment.pk]), data)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.result_met, assessment.result_score) == (False, 70)
    data["item-3-met"] = "on"
    client.post(reverse("rectification:assessment_score", args=[assessment.pk]), data)
    transition = reverse(
        "reviews:transition", args=["rectification.standardassessment", assessment.pk]
    )
    client.post(transition, {"action": "approve"})
    assessment.refresh_from_db()
    assert (assessment.review_status, assessment.result_met, assessment.result_score) == (
        "approved",
        True,
        80,
    )
    fragment = client_for(world, "secretary").get(
        reverse("rectification:standard_results", args=[world.own.pk])
    )
    text = fragment.content.decode()
    assert assessment.get_absolute_url() in text
    assert "80" in text
    assert fragment.context["standard_results"] == [assessment]
    # Accepted: no more scores.
    late = client.post(reverse("rectification:assessment_score", args=[assessment.pk]), {})
    assert late.status_code == 302
    assessment.refresh_from_db()
    assert assessment.result_score == 80


def test_stars_are_shown_for_a_star_rated_checklist(world: Any, media_root: Any) -> None:
    assessment = submitted(world, code=TWO_STRONG_EIGHT_GOOD, score=8)
    review_transition(assessment, action="approve", actor=world.reviewer)
    response = client_for(world, "office").get(assessment.get_absolute_url())
    text = response.content.decode()
    assert "★★☆" in text
    assert response.context["assessment"].result_stars == 2


def test_reviewer_returns_with_a_comment_and_sees_what_changed(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    transition = reverse(
        "reviews:transition", args=["rectification.standardassessment", assessment.pk]
    )
    reviewer = client_for(world, "reviewer")
    reviewer.post(transition, {"action": "return", "comment": ""})
    assessment.refresh_from_db()
    assert assessment.review_status == "submitted"  # a return needs a comment
    reviewer.post(transition, {"action": "return", "comment": "党旗照片看不清"})
    assessment.refresh_from_db()
    assert assessment.review_status == "returned"
    secretary = client_for(world, "secretary")
    entry = assessment.entries.get(item__order=7)
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])
    assert (
        secretary.post(url, {"met": "on", "note": "重新拍摄", "files": png_upload()}).status_code
        == 302
    )
    secretary.post(transition, {"action": "resubmit"})
    detail = reviewer.get(assessment.get_absolute_url())
    # One list compared item by item: only item 7 changed, the others are collapsed.
    [items] = detail.context["review"].changed
    assert items.key == "items"
    assert [(i.key, i.state) for i in items.items] == [("7", "changed")]
    [field] = items.items[0].changed_fields
    assert field.key == "self" and "重新拍摄" in field.new and "重新拍摄" not in field.old
    assert len(items.unchanged) >= 1
    assert "党旗照片看不清" in detail.content.decode()


def test_secretary_sees_no_scoring_form_while_waiting(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    response = client_for(world, "secretary").get(assessment.get_absolute_url())
    assert not response.context["can_score"]
    assert "assessment_score" not in response.content.decode()
    assert (
        reverse("rectification:assessment_score", args=[assessment.pk])
        not in response.content.decode()
    )


# --- query counts -------------------------------------------------------------------------------


def _more_campaigns(world: Any, n: int = 10) -> list[Campaign]:
    campaigns = []
    for i in range(n):
        campaign = Campaign.objects.create(
            lead_organization=world.county,
            name_zh=f"活动{i}",
            name_en=f"campaign {i}",
            starts_on="2015-01-01",
            ends_on="2015-12-31",
        )
        ensure_standard_templates(campaign)
        campaigns.append(campaign)
    return campaigns


def test_overview_query_count_is_constant(world: Any) -> None:
    start(world)

    def grow() -> None:
        for campaign in _more_campaigns(world):
            for code in (EIGHT_HAVES, TWO_STRONG_EIGHT_GOOD):
                StandardAssessment.objects.create(
                    organization=world.own, campaign=campaign, template=template(code)
                )

    # session, user, organization, grants, campaigns, their templates (prefetch), the
    # organization's checklists, navigation roles, unread count.
    url = reverse("rectification:standard_overview", args=[world.own.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=9)


def test_results_fragment_query_count_is_constant(world: Any) -> None:
    first = fill(start(world), met=False, evidence=False)
    review_transition(first, action="submit", actor=world.secretary)
    review_transition(first, action="approve", actor=world.reviewer)

    def grow() -> None:
        for campaign in _more_campaigns(world):
            StandardAssessment.objects.create(
                organization=world.own,
                campaign=campaign,
                template=template(TWO_STRONG_EIGHT_GOOD),
                review_status="approved",
                result_stars=1,
            )

    # session, user, organization, grants, accepted checklists with templates and
    # campaigns, navigation roles (context processor; the fragment has no bell).
    url = reverse("rectification:standard_results", args=[world.own.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=6)


def test_detail_query_count_is_constant(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    entries = list(assessment.entries.select_related("item", "assessment__organization"))

    def grow() -> None:
        for _i in range(5):
            review_transition(assessment, action="return", actor=world.reviewer, comment="再改")
            for entry in entries:
                entry.refresh_from_db()
                assessment_entry_save(
                    actor=world.secretary,
                    entry=entry,
                    values=ItemValues(met=True, note=f"第{_i}次"),
                    uploads=[png_upload()],
                )
            review_transition(assessment, action="resubmit", actor=world.secretary)

    # session, user, checklist (organization, campaign, template joined), entries with
    # items and evidence counts (prefetch), grants, evidence files, review events with
    # actors, roles (reviewer's buttons and scoring form), unread count.
    assert_constant_queries(
        client_for(world, "reviewer"), assessment.get_absolute_url(), grow, expected=9
    )


def test_entry_edit_query_count_is_constant(world: Any, media_root: Any) -> None:
    entry = start(world).entries.select_related("item", "assessment__organization").first()
    url = reverse("rectification:assessment_entry_edit", args=[entry.pk])

    def grow() -> None:
        for _i in range(10):
            entry.refresh_from_db()
            assessment_entry_save(
                actor=None, entry=entry, values=ItemValues(met=True), uploads=[png_upload()]
            )

    # session, user, entry (item, checklist, organization, campaign, template joined),
    # grants, evidence files, navigation roles, unread count.
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=7)
