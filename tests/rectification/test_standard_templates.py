"""The office edits a campaign's standards checklist templates in the portal
(rectification/services_standard_templates.py, views_standard_templates.py;
docs/product.md §6.3, "Standards templates")."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activities.models import Campaign
from activities.seed import ensure_campaign_2014
from portal.accounts.models import Role
from rectification import services_standard_templates as services
from rectification.models import (
    CheckMethod,
    PassRule,
    StandardAssessment,
    StandardItem,
    StandardTemplate,
)
from rectification.services_standards import standard_assessment_start
from tests.conftest import World
from tests.utils import add_office, add_role, assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "code": "three_haves",
    "name_zh": "三有",
    "name_en": "Three haves",
    "description_zh": "",
    "description_en": "",
    "pass_rule": PassRule.MIN_SCORE,
    "pass_score": 20,
    "star_thresholds": {},
}


def _item(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "name_zh": f"有活动场所{n}",
        "name_en": f"A meeting place {n}",
        "points": 10,
        "check_method": CheckMethod.SITE,
        "evidence_required_zh": "照片",
        "evidence_required_en": "photos",
        **extra,
    }


def _template(world: World, items: int = 3) -> tuple[Any, StandardTemplate]:
    campaign = ensure_campaign_2014(world.county)
    template = services.template_create(actor=world.admin, campaign=campaign, fields=TEMPLATE)
    for n in range(items):
        services.item_create(actor=world.admin, template=template, fields=_item(n + 1))
    return campaign, template


def _orders(template: StandardTemplate) -> list[str]:
    return list(template.items.order_by("order").values_list("name_en", flat=True))


def _start(world: World, campaign: Any, template: StandardTemplate) -> StandardAssessment:
    return standard_assessment_start(
        actor=None, organization=world.own, campaign=campaign, template=template
    )


# --- services ------------------------------------------------------------------------------


def test_create_add_reorder_and_remove_items(world: World) -> None:
    campaign, template = _template(world)
    assert template.version == 1
    assert list(template.campaigns.all()) == [campaign]
    assert _orders(template) == ["A meeting place 1", "A meeting place 2", "A meeting place 3"]
    third = template.items.get(order=3)
    services.item_move(actor=world.admin, item=third, up=True)
    assert _orders(template) == ["A meeting place 1", "A meeting place 3", "A meeting place 2"]
    first = template.items.get(order=1)
    services.item_move(actor=world.admin, item=first, up=True)  # already first: nothing
    services.item_delete(actor=world.admin, item=first)
    assert list(template.items.order_by("order").values_list("order", flat=True)) == [1, 2]
    assert _orders(template) == ["A meeting place 3", "A meeting place 2"]


def test_a_code_already_used_makes_the_next_version(world: World) -> None:
    campaign, template = _template(world, items=0)
    again = services.template_create(actor=world.admin, campaign=campaign, fields=TEMPLATE)
    assert (again.code, again.version) == (template.code, 2)


def test_bad_values_are_field_errors(world: World) -> None:
    campaign, template = _template(world, items=0)
    with pytest.raises(ValidationError) as exc:
        services.template_create(
            actor=world.admin,
            campaign=campaign,
            fields={**TEMPLATE, "code": "x", "pass_rule": PassRule.MIN_SCORE, "pass_score": None},
        )
    assert "pass_score" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.item_create(actor=world.admin, template=template, fields=_item(1, points=0))
    assert "points" in exc.value.message_dict


@pytest.mark.parametrize("persona", ["reviewer", "secretary", "office_b"])
def test_only_those_composing_the_campaign_edit_its_templates(world: World, persona: str) -> None:
    add_office(world, world.park_b, "office_b")  # the office of another park
    campaign, template = _template(world, items=1)
    actor = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.template_create(actor=actor, campaign=campaign, fields=TEMPLATE)
    with pytest.raises(PermissionDenied):
        services.item_create(actor=actor, template=template, fields=_item(2))
    with pytest.raises(PermissionDenied):
        services.item_delete(actor=actor, item=template.items.get())
    with pytest.raises(PermissionDenied):
        services.template_new_version(actor=actor, campaign=campaign, template=template)


def test_the_county_office_edits_the_templates_of_its_campaigns(world: World) -> None:
    campaign = ensure_campaign_2014(world.county)
    template = services.template_create(actor=world.office, campaign=campaign, fields=TEMPLATE)
    for n in (1, 2, 3):
        services.item_create(actor=world.office, template=template, fields=_item(n))
    services.item_move(actor=world.office, item=template.items.get(order=3), up=True)
    assert template.items.count() == 3


def test_a_template_other_offices_campaigns_use_changes_only_through_a_new_version(
    world: World,
) -> None:
    """The park's office composes the park's campaign; the county's campaign uses the
    same template: the park's office may not change it for both, only make a new
    version for its own campaign."""
    add_office(world, world.park_a, "office_a")
    county_campaign, template = _template(world, items=2)
    park_campaign = Campaign.objects.create(
        lead_organization=world.park_a,
        name_zh="园区活动",
        starts_on="2015-01-01",
        ends_on="2015-06-30",
    )
    template.campaigns.add(park_campaign)
    item = template.items.get(order=1)
    for change in (
        lambda: services.item_update(actor=world.office_a, item=item, fields=_item(1, points=5)),
        lambda: services.item_create(actor=world.office_a, template=template, fields=_item(3)),
        lambda: services.template_update(
            actor=world.office_a, template=template, fields={**TEMPLATE, "name_en": "Mine"}
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            change()
        assert "make a new version" in exc.value.messages[0]
    # Not the county's campaign at all.
    with pytest.raises(PermissionDenied):
        services.template_remove(actor=world.office_a, campaign=county_campaign, template=template)
    mine = services.template_new_version(
        actor=world.office_a, campaign=park_campaign, template=template
    )
    services.item_create(actor=world.office_a, template=mine, fields=_item(3))
    assert list(park_campaign.standard_templates.all()) == [mine]
    assert template.items.count() == 2 and mine.items.count() == 3
    # The county's office composes both campaigns: it may change the shared one.
    services.item_update(actor=world.office, item=item, fields=_item(1, points=5))


def test_a_template_in_use_cannot_lose_gain_or_reweigh_items(world: World) -> None:
    campaign, template = _template(world)
    _start(world, campaign, template)
    item = template.items.get(order=2)
    for change in (
        lambda: services.item_delete(actor=world.admin, item=item),
        lambda: services.item_create(actor=world.admin, template=template, fields=_item(4)),
        lambda: services.item_move(actor=world.admin, item=item, up=True),
        lambda: services.item_update(actor=world.admin, item=item, fields=_item(2, points=20)),
        lambda: services.template_update(
            actor=world.admin, template=template, fields={**TEMPLATE, "pass_score": 25}
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            change()
        assert "new version" in exc.value.messages[0]
    assert template.items.count() == 3
    # Wording may still be corrected.
    services.item_update(
        actor=world.admin, item=item, fields=_item(2, name_en="A meeting room of its own")
    )
    assert template.items.get(order=2).name_en == "A meeting room of its own"
    services.template_update(
        actor=world.admin, template=template, fields={**TEMPLATE, "name_en": "The three haves"}
    )


def test_a_new_version_copies_the_items_and_takes_the_old_ones_place(world: World) -> None:
    campaign, template = _template(world)
    copy = services.template_new_version(actor=world.admin, campaign=campaign, template=template)
    assert (copy.code, copy.version) == (template.code, 2)
    assert _orders(copy) == _orders(template)
    # Nobody had started on version 1: the campaign uses version 2 only.
    assert list(campaign.standard_templates.filter(code=template.code)) == [copy]
    # Once started on, the old version stays with the campaign beside the new one.
    _start(world, campaign, copy)
    third = services.template_new_version(actor=world.admin, campaign=campaign, template=copy)
    assert set(campaign.standard_templates.filter(code=template.code)) == {copy, third}
    services.item_create(actor=world.admin, template=third, fields=_item(9))
    assert third.items.count() == 4


def test_a_campaign_keeps_a_template_its_organizations_assessed(world: World) -> None:
    campaign, template = _template(world)
    _start(world, campaign, template)
    with pytest.raises(ValidationError):
        services.template_remove(actor=world.admin, campaign=campaign, template=template)
    unused = services.template_create(
        actor=world.admin, campaign=campaign, fields={**TEMPLATE, "code": "other"}
    )
    services.template_remove(actor=world.admin, campaign=campaign, template=unused)
    assert not campaign.standard_templates.filter(pk=unused.pk).exists()
    assert StandardTemplate.objects.filter(pk=unused.pk).exists()


# --- pages ---------------------------------------------------------------------------------

# The campaign is led by the county: its office composes it (docs/product.md §5.3), the
# office of a park below does not see the county (404), nor do the others.
EXPECTED = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "secretary": 404,
    "reviewer": 404,
    "office_b": 404,
    "office": 200,
    "admin": 200,
}
REFUSED = {k: v for k, v in EXPECTED.items() if k not in ("office", "admin")}


def _urls(campaign: Any, template: StandardTemplate) -> dict[str, str]:
    item = template.items.order_by("order").first()
    assert item is not None
    args = [campaign.pk, template.pk]
    return {
        "list": reverse("rectification:template_list", args=[campaign.pk]),
        "create": reverse("rectification:template_create", args=[campaign.pk]),
        "detail": reverse("rectification:template_detail", args=args),
        "edit": reverse("rectification:template_edit", args=args),
        "item_create": reverse("rectification:template_item_create", args=args),
        "item_edit": reverse("rectification:template_item_edit", args=[*args, item.pk]),
    }


def test_pages_matrix(world: World) -> None:
    add_office(world, world.park_b, "office_b")
    campaign, template = _template(world)
    for name, url in _urls(campaign, template).items():
        check_matrix(world, url, EXPECTED)
        if name not in ("list", "detail"):
            check_matrix(world, url, EXPECTED, method="post", data={})  # 200: field errors
    item = template.items.get(order=2)
    args = [campaign.pk, template.pk, item.pk]
    for name in ("template_item_move", "template_item_delete"):
        url = reverse(f"rectification:{name}", args=args)
        check_matrix(world, url, REFUSED, method="post")
        assert client_for(world, "admin").get(url).status_code == 405
    for name in ("template_new_version", "template_remove"):
        url = reverse(f"rectification:{name}", args=[campaign.pk, template.pk])
        check_matrix(world, url, REFUSED, method="post")
    assert template.items.count() == 3
    assert list(campaign.standard_templates.all()) == [template]
    # A reviewer at the county sees the lead organization: 403.
    add_role(world, world.county, "county_reviewer", Role.REVIEWER)
    check_matrix(world, _urls(campaign, template)["list"], {"county_reviewer": 403})


def test_a_template_of_another_campaign_is_404(world: World) -> None:
    campaign, template = _template(world)
    other = ensure_campaign_2014(world.other_county)
    admin = client_for(world, "admin")
    url = reverse("rectification:template_detail", args=[other.pk, template.pk])
    assert admin.get(url).status_code == 404
    item = template.items.get(order=1)
    url = reverse("rectification:template_item_edit", args=[campaign.pk, template.pk, item.pk + 99])
    assert admin.get(url).status_code == 404


def test_the_office_builds_a_template_through_the_pages(world: World) -> None:
    campaign = ensure_campaign_2014(world.county)
    admin = client_for(world, "admin")
    response = admin.post(
        reverse("rectification:template_create", args=[campaign.pk]),
        {**TEMPLATE, "star_thresholds": "{}"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = StandardTemplate.objects.get(code="three_haves")
    add = reverse("rectification:template_item_create", args=[campaign.pk, template.pk])
    for n in (1, 2, 3):
        assert admin.post(add, _item(n)).status_code == 302
    # Bad input: field errors in the user's language, no 500.
    response = admin.post(add, _item(4, points="0"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "points" in response.context["form"].errors
    assert template.items.count() == 3
    second = template.items.get(order=2)
    move = reverse("rectification:template_item_move", args=[campaign.pk, template.pk, second.pk])
    assert admin.post(move, {"direction": "down"}).status_code == 302
    assert _orders(template)[-1] == "A meeting place 2"
    edit = reverse("rectification:template_item_edit", args=[campaign.pk, template.pk, second.pk])
    assert admin.post(edit, _item(2, name_en="Renamed")).status_code == 302
    assert StandardItem.objects.get(pk=second.pk).name_en == "Renamed"
    # In use: removing is refused with a message on the page, nothing lost.
    _start(world, campaign, template)
    delete = reverse(
        "rectification:template_item_delete", args=[campaign.pk, template.pk, second.pk]
    )
    response = admin.post(delete, follow=True)
    assert template.items.count() == 3
    assert "new version" in response.content.decode()
    detail = admin.get(reverse("rectification:template_detail", args=[campaign.pk, template.pk]))
    assert 'name="direction"' not in detail.content.decode()  # no reordering offered


def test_pages_in_chinese(world: World) -> None:
    campaign, template = _template(world)
    admin = client_for(world, "admin")
    for url in _urls(campaign, template).values():
        html = admin.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "达标检查表" in html, url


def test_list_and_detail_run_a_fixed_number_of_queries(world: World) -> None:
    campaign, template = _template(world)

    def grow() -> None:
        for n in range(10):
            services.item_create(actor=world.admin, template=template, fields=_item(10 + n))
            services.template_create(
                actor=world.admin, campaign=campaign, fields={**TEMPLATE, "code": f"t{n}"}
            )

    admin = client_for(world, "admin")
    # session, user, campaign (with its lead organization), templates with their counts,
    # the navigation's roles and unread count
    assert_constant_queries(
        admin, reverse("rectification:template_list", args=[campaign.pk]), grow, expected=6
    )
    # session, user, campaign, template, items, in use, roles, unread count
    assert_constant_queries(
        admin,
        reverse("rectification:template_detail", args=[campaign.pk, template.pk]),
        grow,
        expected=8,
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"star_thresholds": "not json"},
        {"pass_rule": "stars", "star_thresholds": "{}"},
        {"pass_rule": "stars", "star_thresholds": '{"1": 90, "2": 60}'},
        {"pass_rule": "min_score", "pass_score": ""},
        {"code": "has spaces"},
        {"pass_rule": "nonsense"},
        {"name_zh": ""},
    ],
)
def test_bad_template_input_gives_field_errors_never_a_500(world: World, bad: dict) -> None:
    campaign = ensure_campaign_2014(world.county)
    response = client_for(world, "admin").post(
        reverse("rectification:template_create", args=[campaign.pk]),
        {**TEMPLATE, "star_thresholds": "{}", **bad},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not StandardTemplate.objects.filter(code=TEMPLATE["code"]).exists()


@pytest.mark.parametrize("bad", [{"points": "abc"}, {"points": "1001"}, {"check_method": "x"}])
def test_bad_item_input_gives_field_errors(world: World, bad: dict) -> None:
    campaign, template = _template(world, items=0)
    response = client_for(world, "admin").post(
        reverse("rectification:template_item_create", args=[campaign.pk, template.pk]),
        {**_item(1), **bad},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert template.items.count() == 0
