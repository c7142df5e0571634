"""The campaign pages (activities/campaigns/views.py): site administrators, and the
campaign office for the campaigns of its level (docs/product.md §5.3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from activities.models import AppraisalGrade, Campaign, Phase, ProblemCategory
from activities.seed import ensure_campaign_2014
from portal.accounts.models import AuditEvent
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {
    "anonymous": 302,
    "nobody": 403,
    "outsider": 403,
    "office": 403,
    "reviewer": 403,
    "instructor": 403,
    "secretary": 403,
    "clerk": 403,
    "member_user": 403,
    "admin": 200,
}


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _new_campaign_data(world: Any, **overrides: str) -> dict[str, str]:
    data = {
        "name_zh": "新活动",
        "name_en": "New campaign",
        "lead_organization": str(world.county.pk),
        "starts_on": "2016-03-01",
        "ends_on": "2016-10-31",
        "min_counseling_per_member": "2",
        "min_study_exchanges": "1",
        "funding_standard": "60.00",
        "satisfaction_threshold": "75",
        "grade_scale": "custom",
        "is_active": "on",
        **_management("phases", 2),
        "phases-0-number": "1",
        "phases-0-name_zh": "学习",
        "phases-0-name_en": "study",
        "phases-0-starts_on": "2016-03-01",
        "phases-0-ends_on": "2016-05-31",
        "phases-1-number": "2",
        "phases-1-name_zh": "整改",
        "phases-1-name_en": "rectify",
        "phases-1-starts_on": "2016-06-01",
        "phases-1-ends_on": "2016-10-31",
        **_management("grades", 2),
        "grades-0-order": "1",
        "grades-0-code": "excellent",
        "grades-0-name_zh": "优秀",
        "grades-0-name_en": "excellent",
        "grades-0-max_share": "0.333",
        "grades-0-needs_approval": "on",
        "grades-1-order": "2",
        "grades-1-code": "qualified",
        "grades-1-name_zh": "合格",
        "grades-1-name_en": "qualified",
        **_management("categories", 1),
        "categories-0-order": "0",
        "categories-0-code": "other",
        "categories-0-name_zh": "其他",
        "categories-0-name_en": "other",
    }
    data.update(overrides)
    return data


def test_the_list_is_for_administrators_and_the_office_the_blank_form_for_administrators(
    world: Any,
) -> None:
    check_matrix(world, reverse("activities:campaign_list"), {**ADMIN_ONLY, "office": 200})
    # The blank form makes an open campaign at once, unchecked: administrators only.
    check_matrix(world, reverse("activities:campaign_create"), ADMIN_ONLY)
    response = client_for(world, "office").post(
        reverse("activities:campaign_create"), _new_campaign_data(world)
    )
    assert response.status_code == 403
    assert not Campaign.all_objects.filter(name_zh="新活动").exists()


def test_campaign_pages_hide_campaigns_of_unseen_lead_organizations(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    # The county's office composes it; no other persona sees the county: 404.
    expected = {
        **ADMIN_ONLY,
        "office": 200,
        "nobody": 404,
        "outsider": 404,
        "reviewer": 404,
        "instructor": 404,
        "secretary": 404,
        "clerk": 404,
        "member_user": 404,
    }
    for name in ("campaign_detail", "campaign_edit"):
        check_matrix(world, reverse(f"activities:{name}", args=[campaign.pk]), expected)
    led_by_park = Campaign.objects.create(
        lead_organization=world.park_a,
        name_zh="园区活动",
        starts_on="2015-01-01",
        ends_on="2015-02-01",
    )
    check_matrix(
        world,
        reverse("activities:campaign_detail", args=[led_by_park.pk]),
        {"reviewer": 403, "office": 200, "secretary": 404, "outsider": 404, "admin": 200},
    )


def test_missing_campaign_is_404(world: Any) -> None:
    response = client_for(world, "admin").get(reverse("activities:campaign_detail", args=[999]))
    assert response.status_code == 404


def test_seeded_2014_campaign_shows_its_phases_grades_and_categories(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    response = client_for(world, "admin").get(campaign.get_absolute_url())
    assert [p.number for p in response.context["phases"]] == [1, 2, 3]
    assert [g.code for g in response.context["grades"]] == ["good", "fair", "poor"]
    assert len(response.context["categories"]) == 9
    assert "Study and education, listening to opinions" in response.content.decode()
    chinese = client_for(world, "admin").get(
        campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "学习教育、听取意见" in chinese.content.decode()


def test_administrator_creates_a_campaign_with_phases_grades_and_categories(world: Any) -> None:
    client = client_for(world, "admin")
    response = client.post(reverse("activities:campaign_create"), _new_campaign_data(world))
    campaign = Campaign.objects.get(name_zh="新活动")
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert list(campaign.phases.values_list("number", "name_zh")) == [(1, "学习"), (2, "整改")]
    assert list(campaign.grades.values_list("code", flat=True)) == ["excellent", "qualified"]
    assert list(campaign.problem_categories.values_list("code", flat=True)) == ["other"]
    assert campaign.min_counseling_per_member == 2
    assert campaign.satisfaction_threshold == 75  # docs/product.md §6.5: data, not code
    assert AuditEvent.objects.filter(action="campaign.create", actor=world.admin).exists()


def test_overlapping_phases_are_refused(world: Any) -> None:
    data = _new_campaign_data(world, **{"phases-1-starts_on": "2016-05-01"})
    response = client_for(world, "admin").post(reverse("activities:campaign_create"), data)
    assert response.status_code == 200
    assert response.context["formsets"]["phases"].non_form_errors()
    assert not Campaign.objects.filter(name_zh="新活动").exists()


def test_phase_outside_the_campaign_is_refused(world: Any) -> None:
    data = _new_campaign_data(world, **{"phases-1-ends_on": "2016-12-31"})
    response = client_for(world, "admin").post(reverse("activities:campaign_create"), data)
    assert response.status_code == 200
    assert not Campaign.objects.filter(name_zh="新活动").exists()


def test_duplicate_grade_codes_are_refused(world: Any) -> None:
    data = _new_campaign_data(world, **{"grades-1-code": "excellent"})
    response = client_for(world, "admin").post(reverse("activities:campaign_create"), data)
    assert response.status_code == 200
    assert not Campaign.objects.filter(name_zh="新活动").exists()


def test_edit_changes_settings_and_deletes_a_category(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    client = client_for(world, "admin")
    url = reverse("activities:campaign_edit", args=[campaign.pk])
    response = client.get(url)
    formsets = response.context["formsets"]
    data: dict[str, str] = {
        "name_zh": campaign.name_zh,
        "name_en": campaign.name_en,
        "lead_organization": str(world.county.pk),
        "starts_on": "2014-04-01",
        "ends_on": "2014-09-30",
        "min_counseling_per_member": "1",
        "min_study_exchanges": "3",
        "funding_standard": "50.00",
        "satisfaction_threshold": "80",
        "grade_scale": "2014",
        "is_active": "on",
    }
    for prefix, formset in formsets.items():
        forms = formset.initial_forms
        data.update(_management(prefix, len(forms), len(forms)))
        for i, form in enumerate(forms):
            for name, field in form.fields.items():
                value = form.instance.pk if name == "id" else form.initial.get(name)
                if name == "DELETE" or value is None:
                    continue
                if name == "campaign":
                    value = campaign.pk
                if field.widget.input_type == "checkbox":
                    if value:
                        data[f"{prefix}-{i}-{name}"] = "on"
                    continue
                data[f"{prefix}-{i}-{name}"] = str(getattr(value, "pk", value))
    data["categories-8-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    campaign.refresh_from_db()
    assert campaign.min_study_exchanges == 3
    assert ProblemCategory.objects.filter(campaign=campaign).count() == 8
    assert Phase.objects.filter(campaign=campaign).count() == 3
    assert AppraisalGrade.objects.filter(campaign=campaign).count() == 3


def test_list_query_count_is_constant(world: Any) -> None:
    ensure_campaign_2014(world.county)

    def grow() -> None:
        for i in range(10):
            Campaign.objects.create(
                lead_organization=world.county,
                name_zh=f"活动{i}",
                starts_on="2015-01-01",
                ends_on="2015-02-01",
            )

    # session, user, COUNT, page (lead organization joined, phases counted), navigation
    # roles, unread count (an administrator's grants need no query).
    url = reverse("activities:campaign_list")
    assert_constant_queries(client_for(world, "admin"), url, grow, expected=6)


def test_detail_query_count_is_constant(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)

    def grow() -> None:
        ProblemCategory.objects.bulk_create(
            ProblemCategory(
                campaign=campaign, code=f"c{i}", name_zh=f"类{i}", name_en="c", order=20 + i
            )
            for i in range(90)
        )

    # session, user, campaign with lead organization, phases, grades, categories, the
    # organizations left out, requirement count, the history of the campaign (with whom
    # it left out at each change), of its phases and of its requirements, navigation
    # roles, unread count (an administrator's grants need no query).
    url = reverse("activities:campaign_detail", args=[campaign.pk])
    assert_constant_queries(client_for(world, "admin"), url, grow, expected=14)


@pytest.mark.parametrize(
    ("scale", "grades"),
    [
        ("2014", [("好", True), ("一般", False), ("差", True)]),
        ("standing", [("优秀", True), ("合格", False), ("基本合格", True), ("不合格", True)]),
    ],
)
def test_a_campaign_picks_a_preset_grade_scale(world: Any, scale: str, grades: list) -> None:
    """A preset brings its own grades (the grade rows posted are not used) with the top
    and the bottom grade going up for approval; the standing rules cap 优秀 at a third."""
    data = _new_campaign_data(world, grade_scale=scale, **{"grades-1-code": "excellent"})
    response = client_for(world, "admin").post(reverse("activities:campaign_create"), data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(name_zh="新活动")
    assert campaign.grade_scale == scale
    assert [(g.name_zh, g.needs_approval) for g in campaign.grades.order_by("order")] == grades
    if scale == "standing":
        assert str(campaign.grades.get(code="excellent").max_share) == "0.333"


def test_the_2014_campaign_grades_good_fair_poor_with_top_and_bottom_for_approval(
    world: Any,
) -> None:
    campaign = ensure_campaign_2014(world.county)
    assert campaign.grade_scale == "2014"
    assert [(g.name_zh, g.needs_approval) for g in campaign.grades.order_by("order")] == [
        ("好", True),
        ("一般", False),
        ("差", True),
    ]


def test_switching_to_a_preset_keeps_grades_used_by_determinations(world: Any) -> None:
    from django.core.exceptions import ValidationError
    from django.forms.models import model_to_dict

    from activities.campaigns.forms import CampaignForm
    from activities.campaigns.services import campaign_save
    from tests.activities.phase2_factories import closed_session

    campaign = ensure_campaign_2014(world.county)
    closed_session(world.own, campaign, ["fair"])
    data = {k: v for k, v in model_to_dict(campaign).items() if v is not None}
    form = CampaignForm({**data, "grade_scale": "standing"}, instance=campaign, user=world.admin)
    assert form.is_valid(), form.errors
    with pytest.raises(ValidationError):
        campaign_save(actor=world.admin, form=form, formsets=[])
    campaign.refresh_from_db()
    assert campaign.grade_scale == "2014"
    assert [g.name_zh for g in campaign.grades.order_by("order")] == ["好", "一般", "差"]
