"""The campaign office composes the campaigns of its level (#18, docs/product.md §5.3),
and a campaign leaves organizations out: its lead organization's subtree takes part
except those organizations and everything under them (docs/product.md §5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from activities.campaigns import services
from activities.models import Campaign, CampaignStatus
from activities.models.campaigns import campaigns_newest_first
from activities.seed import ensure_campaign_2014
from portal.accounts.models import Role
from portal.progress import rollup
from portal.progress.models import RequirementInstance, Standing
from rectification.models import StandardTemplate
from rectification.seed import ensure_standard_templates
from tests.utils import (
    add_office,
    add_role,
    assert_constant_queries,
    check_matrix,
    client_for,
    committed,
)

pytestmark = pytest.mark.django_db

D = dt.date


def _copy(world: Any, actor: Any, source: Campaign, **kwargs: Any) -> Campaign:
    return services.campaign_copy(
        actor=actor,
        source=source,
        name_zh=kwargs.pop("name_zh", "二〇二六年主题教育"),
        name_en=kwargs.pop("name_en", "Campaign 2026"),
        starts_on=kwargs.pop("starts_on", D(2026, 3, 2)),
        **kwargs,
    )


def _source(world: Any) -> Campaign:
    campaign = ensure_campaign_2014(world.county)
    ensure_standard_templates(campaign)
    return campaign


def _edit_data(response: Any, **overrides: Any) -> dict[str, Any]:
    """The edit page's form and formsets as posted back unchanged, with `overrides`."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "excluded_organizations":
            data[name] = [getattr(v, "pk", v) for v in value or []]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(getattr(value, "pk", value))
    for prefix, formset in response.context["formsets"].items():
        forms = formset.initial_forms
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(forms)),
                f"{prefix}-INITIAL_FORMS": str(len(forms)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, sub in enumerate(forms):
            for name, field in sub.fields.items():
                value = sub.instance.pk if name == "id" else sub.initial.get(name)
                if name == "DELETE" or value is None:
                    continue
                if field.widget.input_type == "checkbox":
                    if value:
                        data[f"{prefix}-{i}-{name}"] = "on"
                    continue
                data[f"{prefix}-{i}-{name}"] = str(getattr(value, "pk", value))
    data.update(overrides)
    return data


# --- the office composes at its level --------------------------------------------------------


def test_the_county_office_copies_edits_checks_and_opens_a_campaign(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    source = _source(world)
    elsewhere = ensure_campaign_2014(world.other_county)
    client = client_for(world, "office")
    listing = client.get(reverse("activities:campaign_list")).content.decode()
    assert source.get_absolute_url() in listing
    assert elsewhere.get_absolute_url() not in listing  # another county's
    assert reverse("activities:campaign_create") not in listing  # the blank form: admins'
    compose = client.get(reverse("activities:campaign_compose"))
    assert set(compose.context["form"].campaigns.values()) == {source}
    leads = set(compose.context["form"].fields["lead_organization"].queryset)
    assert leads == {world.county, world.working, world.park_a, world.park_b}
    response = client.post(
        reverse("activities:campaign_compose"),
        {
            "source": f"campaign:{source.pk}",
            "name_zh": "二〇二六年主题教育",
            "name_en": "Campaign 2026",
            "starts_on": "2026-03-02",
            "lead_organization": str(world.working.pk),
        },
    )
    copy = Campaign.all_objects.get(name_zh="二〇二六年主题教育")
    assert response["Location"] == copy.get_absolute_url()
    assert copy.lead_organization == world.working and copy.status == CampaignStatus.DRAFT

    # The edit page: the organizations left out, among those under the lead.
    edit = reverse("activities:campaign_edit", args=[copy.pk])
    page = client.get(edit)
    offered = set(page.context["form"].fields["excluded_organizations"].queryset)
    assert offered == {
        world.park_a,
        world.own,
        world.child,
        world.sibling,
        world.park_b,
        world.other,
    }
    assert "data-option-filter" in page.content.decode()
    response = client.post(edit, _edit_data(page, excluded_organizations=[world.park_b.pk]))
    assert response.status_code == 302, response.context["form"].errors
    assert list(copy.excluded_organizations.all()) == [world.park_b]
    detail = client.get(copy.get_absolute_url()).content.decode()
    assert world.park_b.full_name in detail

    check = reverse("activities:campaign_check", args=[copy.pk])
    client.post(check, {"step": "check"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(check, {"step": "open"})
    copy.refresh_from_db()
    assert copy.status == CampaignStatus.OPEN
    # The rebuild counts the organizations taking part: the working committee, park A
    # and the three under it.
    assert copy.rebuild_total == copy.rebuild_done == 5
    assert not Standing.objects.filter(
        campaign=copy, organization__in=[world.park_b, world.other]
    ).exists()


def test_the_exclusions_must_lie_under_the_lead_organization(world: Any) -> None:
    copy = _copy(world, world.office, _source(world), lead_organization=world.park_a)
    client = client_for(world, "office")
    edit = reverse("activities:campaign_edit", args=[copy.pk])
    page = client.get(edit)
    # park B is not offered under park A: refused as a choice; the lead itself neither.
    for bad in ([world.park_b.pk], [world.park_a.pk], ["x"]):
        response = client.post(edit, _edit_data(page, excluded_organizations=bad))
        assert response.status_code == 200
        assert "excluded_organizations" in response.context["form"].errors
    # A lead moved down below an organization left out: refused on the field.
    response = client.post(
        edit,
        _edit_data(
            page, excluded_organizations=[world.sibling.pk], lead_organization=world.park_b.pk
        ),
    )
    assert response.status_code == 200
    assert "excluded_organizations" in response.context["form"].errors  # not under park B
    assert list(copy.excluded_organizations.all()) == []


def test_a_park_office_composes_its_park_only(world: Any) -> None:
    add_office(world, world.park_a, "office_a")
    county_campaign = _source(world)
    park_campaign = _copy(world, world.admin, county_campaign, lead_organization=world.park_a)
    client = client_for(world, "office_a")
    listing = client.get(reverse("activities:campaign_list")).content.decode()
    assert park_campaign.get_absolute_url() in listing
    assert county_campaign.get_absolute_url() not in listing
    url = reverse("activities:campaign_compose")
    form = client.get(url).context["form"]
    assert set(form.campaigns.values()) == {park_campaign}
    assert set(form.fields["lead_organization"].queryset) == {world.park_a}
    # Copying the county's campaign, or leading at the county: not offered.
    for data in (
        {"source": f"campaign:{county_campaign.pk}"},
        {"source": "template:2014", "lead_organization": str(world.county.pk)},
    ):
        response = client.post(
            url, {"name_zh": "园区活动", "name_en": "Park", "starts_on": "2026-01-05", **data}
        )
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Campaign.all_objects.filter(name_zh="园区活动").exists()
    response = client.post(
        url,
        {
            "source": "template:2014",
            "name_zh": "园区活动",
            "name_en": "Park",
            "starts_on": "2026-01-05",
            "lead_organization": str(world.park_a.pk),
        },
    )
    assert response.status_code == 302
    assert Campaign.all_objects.get(name_zh="园区活动").lead_organization == world.park_a


def test_permission_matrix_as_offices_and_other_roles(world: Any) -> None:
    add_office(world, world.park_a, "office_a")  # below the lead: cannot see the county
    add_office(world, world.other_county, "office_far")
    add_role(world, world.county, "county_reviewer", Role.REVIEWER)
    campaign = _copy(world, world.office, _source(world))
    row = RequirementInstance.objects.filter(campaign=campaign).first()
    assert row is not None
    expected = {
        "anonymous": 302,
        "office": 200,
        "admin": 200,
        "office_a": 404,
        "office_far": 404,
        "outsider": 404,
        "county_reviewer": 403,  # sees the county, does not compose
    }
    for name, args in (
        ("campaign_detail", [campaign.pk]),
        ("campaign_edit", [campaign.pk]),
        ("campaign_check", [campaign.pk]),
        ("campaign_rebuild", [campaign.pk]),
        ("requirement_list", [campaign.pk]),
        ("requirement_add", [campaign.pk]),
        ("requirement_edit", [campaign.pk, row.pk]),
        ("requirement_delete", [campaign.pk, row.pk]),
    ):
        check_matrix(world, reverse(f"activities:{name}", args=args), expected)
    refused = {k: v for k, v in expected.items() if k not in ("office", "admin")}
    for name, args in (
        ("campaign_edit", [campaign.pk]),
        ("campaign_check", [campaign.pk]),
        ("requirement_delete", [campaign.pk, row.pk]),
        ("requirement_move", [campaign.pk, row.pk]),
    ):
        check_matrix(world, reverse(f"activities:{name}", args=args), refused, method="post")
    assert RequirementInstance.objects.filter(pk=row.pk).exists()
    for name in ("campaign_list", "campaign_compose"):
        check_matrix(
            world,
            reverse(f"activities:{name}"),
            {"office_a": 200, "office_far": 200, "county_reviewer": 403, "secretary": 403},
        )
    # The office's POSTs on a requirement: as the administrator's.
    client = client_for(world, "office")
    delete = reverse("activities:requirement_delete", args=[campaign.pk, row.pk])
    assert client.post(delete).status_code == 302
    assert not RequirementInstance.objects.filter(pk=row.pk).exists()


def test_the_office_pages_run_a_fixed_number_of_queries(world: Any) -> None:
    source = _source(world)
    campaign = _copy(world, world.office, source)
    client = client_for(world, "office")

    def more_campaigns() -> None:
        for i in range(8):
            _copy(world, world.office, source, name_zh=f"活动{i}")

    # session, user, the office's roles (composing, then the navigation's), COUNT, page,
    # the grants (navigation), unread count
    assert_constant_queries(client, reverse("activities:campaign_list"), more_campaigns, expected=7)
    # session, user, roles, the campaigns to copy, the lead organizations, grants,
    # unread count
    assert_constant_queries(
        client, reverse("activities:campaign_compose"), more_campaigns, expected=7
    )

    def more_left_out() -> None:
        campaign.excluded_organizations.add(world.park_b, world.other, world.sibling)

    # session, user, campaign, roles, phases, grades, categories, the organizations left
    # out, requirement count, grants, unread count (a draft has no history to read)
    assert_constant_queries(client, campaign.get_absolute_url(), more_left_out, expected=11)
    # session, user, campaign, roles, the lead organizations, the organizations left out
    # (chosen, offered), phases, grades, categories, grants, unread count
    assert_constant_queries(
        client,
        reverse("activities:campaign_edit", args=[campaign.pk]),
        more_left_out,
        expected=12,
    )

    def more_templates() -> None:
        from rectification.models import StandardTemplate

        campaign.standard_templates.add(
            *[
                StandardTemplate.objects.create(code=f"extra_{i}", name_zh=f"检查表{i}", version=1)
                for i in range(3)
            ]
        )

    # session, user, campaign, roles, phases, requirements, the standards templates'
    # names, grants, unread count
    assert_constant_queries(
        client,
        reverse("activities:requirement_list", args=[campaign.pk]),
        more_templates,
        expected=9,
    )
    # session, user, campaign, roles, phases, requirements, the standards templates known
    # and used, grants, unread count
    assert_constant_queries(
        client, reverse("activities:campaign_check", args=[campaign.pk]), lambda: None, expected=10
    )
    # session, user, campaign, roles, templates with their counts, grants, unread count
    assert_constant_queries(
        client,
        reverse("rectification:template_list", args=[campaign.pk]),
        lambda: None,
        expected=7,
    )


# --- organizations left out -------------------------------------------------------------------


def test_a_campaign_reaches_its_subtree_minus_what_it_leaves_out(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    campaign.excluded_organizations.add(world.park_a)
    for org in (world.park_a, world.own, world.child, world.sibling):
        assert campaign not in campaigns_newest_first(org)
        assert not Campaign.objects.filter(pk=campaign.pk).for_organization(org).exists()
    for org in (world.county, world.working, world.park_b, world.other):
        assert campaign in campaigns_newest_first(org)
    reaching = Campaign.objects.filter(pk=campaign.pk)
    assert not reaching.for_scope([world.park_a.path]).exists()
    assert not reaching.for_scope([world.own.path]).exists()
    assert reaching.for_scope([world.county.path]).exists()
    assert reaching.for_scope([world.own.path, world.other.path]).exists()
    assert reaching.for_scope(None).exists()


def test_organizations_left_out_have_no_row_no_checklist_and_no_home_panel(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = ensure_campaign_2014(world.county)
    rollup.rebuild(campaign)
    assert Standing.objects.filter(campaign=campaign, organization=world.own).exists()
    with django_capture_on_commit_callbacks(execute=True):
        campaign.excluded_organizations.add(world.own)  # and its child with it
    grid = client_for(world, "office").get(
        reverse("progress:grid", args=[world.county.pk]) + f"?campaign={campaign.pk}"
    )
    assert grid.status_code == 200
    shown = {row.org_id for row in grid.context["table"].rows}
    assert world.sibling.pk in shown
    assert not {world.own.pk, world.child.pk} & shown
    assert not Standing.objects.filter(
        campaign=campaign, organization__in=[world.own, world.child]
    ).exists()
    secretary = client_for(world, "secretary")
    url = reverse("progress:checklist_campaign", args=[world.own.pk, campaign.pk])
    assert secretary.get(url).status_code == 404
    assert secretary.get(reverse("progress:checklist", args=[world.own.pk])).status_code == 404
    assert (
        campaign.name_zh not in secretary.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    # Taken back: the roll-up is built again with its rows.
    with django_capture_on_commit_callbacks(execute=True):
        campaign.excluded_organizations.remove(world.own)
    client_for(world, "office").get(reverse("progress:grid", args=[world.county.pk]))
    assert Standing.objects.filter(campaign=campaign, organization=world.child).exists()
    assert secretary.get(url).status_code == 200


def test_a_new_organization_under_one_left_out_gets_no_row(world: Any) -> None:
    from tests.factories import add_org

    campaign = ensure_campaign_2014(world.county)
    campaign.excluded_organizations.add(world.park_b)
    rollup.rebuild(campaign)
    newcomer = add_org(world.park_b)
    assert not Standing.objects.filter(campaign=campaign, organization=newcomer).exists()
    rollup.refresh(campaign, [newcomer.pk, world.other.pk])
    assert not Standing.objects.filter(
        campaign=campaign, organization__in=[newcomer, world.other]
    ).exists()


def test_the_grid_runs_as_many_queries_whatever_is_left_out(world: Any) -> None:
    from tests.factories import add_org

    campaign = ensure_campaign_2014(world.county)
    client = client_for(world, "office")
    url = reverse("progress:grid", args=[world.county.pk]) + f"?campaign={campaign.pk}"
    client.get(url)  # the campaign's roll-up is built by the first read

    def grow() -> None:
        for i in range(6):
            add_org(world.park_b, short_name=f"新支部{i}")
        campaign.excluded_organizations.add(world.park_b, world.sibling)

    # As for the reviewer's grid (tests/progress/test_grid.py), whatever is left out: the
    # organizations taking part are chosen in the roll-up's own queries.
    assert_constant_queries(client, url, committed(grow), expected=32)


def test_a_copy_takes_the_organizations_left_out_under_its_lead(world: Any) -> None:
    source = _source(world)
    source.excluded_organizations.add(world.park_b, world.sibling)
    same = _copy(world, world.admin, source)
    assert set(same.excluded_organizations.all()) == {world.park_b, world.sibling}
    lower = _copy(world, world.admin, source, lead_organization=world.park_a, name_zh="园区")
    assert list(lower.excluded_organizations.all()) == [world.sibling]


def test_phase_end_reminders_skip_the_organizations_left_out(world: Any) -> None:
    from rectification.reminders import _phase_events

    campaign = ensure_campaign_2014(world.county)
    phase = campaign.phases.get(number=1)

    def reminded() -> set[int]:
        return {event.organization_id for event, _users in _phase_events(phase.ends_on)}

    assert world.own.pk in reminded()
    campaign.excluded_organizations.add(world.park_a)
    assert world.own.pk not in reminded()


def test_the_admin_lists_and_keeps_every_campaign_of_a_standards_template(world: Any) -> None:
    source = _source(world)
    draft = _copy(world, world.admin, source)
    template = StandardTemplate.objects.get(code="eight_haves")
    assert set(Campaign.all_objects.filter(standard_templates=template)) == {source, draft}
    client = client_for(world, "admin")
    url = reverse("admin:rectification_standardtemplate_change", args=[template.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    assert draft in set(form.fields["campaigns"].queryset)
    assert set(form.initial["campaigns"]) == {source.pk, draft.pk}
    data = {
        name: value
        for name, value in form.initial.items()
        if name not in ("campaigns", "star_thresholds") and value is not None
    }
    data.update(
        {
            "star_thresholds": "{}",
            "campaigns": [draft.pk],  # the draft kept, the open one dropped
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        }
    )
    if data.get("is_active"):
        data["is_active"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Campaign.all_objects.filter(standard_templates=template)) == [draft]
