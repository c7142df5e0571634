"""Composing a campaign (#18, docs/product.md §5.3): from the 2014 template or by copying
an earlier campaign, its requirements edited in the portal, the check, the opening, the
history of an open campaign and the roll-up rebuilt on the worker."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activities.campaigns import services
from activities.campaigns.selectors import campaign_history, campaign_problems
from activities.models import Campaign, CampaignStatus, Phase
from activities.models.campaigns import campaigns_newest_first
from activities.seed import ensure_campaign_2014
from portal.progress.engine import requirements
from portal.progress.models import RequirementInstance, Rollup
from portal.progress.presets import TEMPLATE_2014
from rectification.seed import ensure_standard_templates
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

D = dt.date


def _source(world: Any) -> Campaign:
    campaign = ensure_campaign_2014(world.county)
    ensure_standard_templates(campaign)
    # Something of its own, to see it copied.
    row = RequirementInstance.objects.get(campaign=campaign, code="counseling")
    row.params = {"minimum": 3}
    row.label_en = "Every member counseled three times"
    row.save()
    campaign.funding_standard = Decimal("65.50")
    campaign.satisfaction_threshold = 85
    campaign.save()
    return campaign


def _copy(world: Any, source: Campaign | None = None, **kwargs: Any) -> Campaign:
    return services.campaign_copy(
        actor=kwargs.pop("actor", world.admin),
        source=source or _source(world),
        name_zh=kwargs.pop("name_zh", "不忘初心、牢记使命主题教育"),
        name_en=kwargs.pop("name_en", "Stay true to the founding mission"),
        starts_on=kwargs.pop("starts_on", D(2019, 6, 1)),
        **kwargs,
    )


def _rows(campaign: Campaign) -> list[tuple[Any, ...]]:
    return sorted(
        RequirementInstance.objects.filter(campaign=campaign).values_list(
            "code",
            "kind",
            "params",
            "phase",
            "label_zh",
            "label_en",
            "org_kinds",
            "org_kinds_with_members",
            "order",
        )
    )


# --- services ------------------------------------------------------------------------


def test_a_copy_reproduces_every_row_of_the_campaign_as_a_draft(world: Any) -> None:
    source = _source(world)
    copy = _copy(world, source)
    assert copy.status == CampaignStatus.DRAFT
    assert copy.copied_from == source
    assert copy.lead_organization == source.lead_organization
    assert (copy.starts_on, copy.ends_on) == (D(2019, 6, 1), D(2019, 11, 30))
    assert _rows(copy) == _rows(source)
    shift = dt.timedelta(days=(D(2019, 6, 1) - D(2014, 4, 1)).days)
    assert list(
        copy.phases.values_list("number", "name_zh", "name_en", "starts_on", "ends_on")
    ) == [
        (p.number, p.name_zh, p.name_en, p.starts_on + shift, p.ends_on + shift)
        for p in source.phases.all()
    ]
    grade = ("code", "name_zh", "name_en", "order", "max_share", "needs_approval")
    assert list(copy.grades.values_list(*grade)) == list(source.grades.values_list(*grade))
    category = ("code", "name_zh", "name_en", "order")
    assert list(copy.problem_categories.values_list(*category)) == list(
        source.problem_categories.values_list(*category)
    )
    for name in services.COPIED_SETTINGS:
        assert getattr(copy, name) == getattr(source, name), name
    assert set(copy.standard_templates.all()) == set(source.standard_templates.all())
    # The process reads the copy's own requirements (its token is its own).
    assert copy.requirements_token != source.requirements_token
    assert [r.code for r in requirements(copy)] == [r.code for r in requirements(source)]
    assert campaign_problems(copy) == []


def test_a_copy_may_have_another_lead_organization(world: Any) -> None:
    copy = _copy(world, lead_organization=world.working)
    assert copy.lead_organization == world.working


def test_a_campaign_from_the_2014_template(world: Any) -> None:
    ensure_standard_templates()
    campaign = services.campaign_from_template(
        actor=world.admin,
        lead_organization=world.county,
        name_zh="二〇二〇年教育活动",
        name_en="Education campaign 2020",
        starts_on=D(2020, 3, 2),
    )
    assert campaign.status == CampaignStatus.DRAFT
    assert list(campaign.phases.values_list("starts_on", "ends_on")) == [
        (D(2020, 3, 2), D(2020, 5, 1)),
        (D(2020, 5, 2), D(2020, 7, 1)),
        (D(2020, 7, 2), D(2020, 8, 31)),
    ]
    assert campaign.ends_on == D(2020, 8, 31)
    assert sorted(r[0] for r in _rows(campaign)) == sorted(row["code"] for row in TEMPLATE_2014)
    assert [g.code for g in campaign.grades.all()] == ["good", "fair", "poor"]
    assert campaign.problem_categories.count() == 9
    assert [t.code for t in campaign.standard_templates.all()] == ["eight_haves"]
    assert campaign_problems(campaign) == []


def test_only_those_composing_at_the_lead_organization_compose(world: Any) -> None:
    source = _source(world)
    for persona in ("reviewer", "secretary", "instructor"):
        with pytest.raises(PermissionDenied):
            services.campaign_copy(
                actor=getattr(world, persona),
                source=source,
                name_zh="x",
                name_en="x",
                starts_on=D(2019, 1, 1),
            )
    # The county's office composes at the county; not in another county.
    copy = _copy(world, source, actor=world.office)
    assert copy.lead_organization == world.county
    with pytest.raises(PermissionDenied):
        _copy(world, source, actor=world.office, lead_organization=world.other_county)
    with pytest.raises(PermissionDenied):
        services.campaign_from_template(
            actor=world.office,
            lead_organization=world.other_county,
            name_zh="x",
            name_en="x",
            starts_on=D(2019, 1, 1),
        )


def _messages(campaign: Campaign) -> list[str]:
    campaign = Campaign.all_objects.get(pk=campaign.pk)
    return [p.message for p in campaign_problems(campaign)]


def test_the_check_finds_each_kind_of_problem(world: Any) -> None:
    campaign = _copy(world)
    phases = {p.number: p for p in campaign.phases.all()}
    # A phase outside the campaign, two that overlap.
    Phase.objects.filter(pk=phases[3].pk).update(ends_on=campaign.ends_on + dt.timedelta(days=5))
    Phase.objects.filter(pk=phases[2].pk).update(starts_on=phases[1].ends_on)
    rows = {r.code: r for r in RequirementInstance.objects.filter(campaign=campaign)}
    RequirementInstance.objects.filter(pk=rows["plan_approved"].pk).update(kind="gone")
    RequirementInstance.objects.filter(pk=rows["mobilization"].pk).update(
        params={"meeting_kinds": ["no_such_kind"], "minimum": 1}
    )
    RequirementInstance.objects.filter(pk=rows["opinions"].pk).update(phase=7)
    RequirementInstance.objects.filter(pk=rows["eight_haves"].pk).update(
        params={"template": "nine_haves"}
    )
    RequirementInstance.objects.filter(pk=rows["study_exchanges"].pk).update(
        params={"meeting_kinds": ["study_exchange"], "within_phase": 5}
    )
    RequirementInstance.objects.filter(pk=rows["funding"].pk).update(org_kinds=[])
    campaign.standard_templates.filter(code="ten_haves").delete()
    found = _messages(campaign)
    expected = [
        "Phase 3 (Rectification and establishing rules) lies outside the campaign's dates.",
        "Phases 1 and 2 overlap.",
        "Requirement “Activity plan approved”: its kind “gone” is unknown.",
        "Requirement “Mobilization meeting held or attended”: meeting_kinds:",
        "Requirement “Opinions solicited and every opinion answered or adopted”: it belongs "
        "to phase 7, which the campaign does not have.",
        "Requirement “‘Eight haves’ accepted”: It names the standards checklist "
        "“nine_haves”, which does not exist.",
        "Requirement “Study exchanges held”: It counts meetings within phase 5, which the "
        "campaign does not have.",
        "Requirement “Funding at least the standard”: it applies to no kind of organization.",
    ]
    for text in expected:
        assert any(m.startswith(text) for m in found), (text, found)
    assert len(found) == len(expected)


def test_the_check_finds_a_template_the_campaign_does_not_use_no_phases_no_requirements(
    world: Any,
) -> None:
    campaign = _copy(world)
    campaign.standard_templates.clear()
    assert _messages(campaign) == [
        "Requirement “‘Eight haves’ accepted”: It names the standards checklist "
        "“eight_haves”, which the campaign does not use."
    ]
    campaign.phases.all().delete()
    RequirementInstance.objects.filter(campaign=campaign).delete()
    assert _messages(campaign) == [
        "The campaign has no phases.",
        "The campaign has no requirements.",
    ]


def test_opening_is_refused_while_the_check_finds_anything_and_before_the_check(
    world: Any,
) -> None:
    campaign = _copy(world)
    with pytest.raises(ValidationError, match="Check the campaign"):
        services.campaign_open(actor=world.admin, campaign=campaign)
    RequirementInstance.objects.filter(campaign=campaign).delete()
    with pytest.raises(ValidationError, match="no requirements"):
        services.campaign_mark_checked(actor=world.admin, campaign=campaign)
    assert Campaign.all_objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    # Checked, then broken (outside the services): opening checks again.
    Campaign.all_objects.filter(pk=campaign.pk).update(status=CampaignStatus.CHECKED)
    campaign.refresh_from_db()
    with pytest.raises(ValidationError, match="no requirements"):
        services.campaign_open(actor=world.admin, campaign=campaign)
    assert Campaign.all_objects.get(pk=campaign.pk).status == CampaignStatus.CHECKED


def test_a_draft_reaches_no_page_of_the_organizations_until_it_opens(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    source = _source(world)
    copy = _copy(world, source, starts_on=D(2019, 6, 1))
    assert list(Campaign.objects.filter(pk=copy.pk)) == []
    assert copy not in campaigns_newest_first(world.own)
    services.campaign_mark_checked(actor=world.admin, campaign=copy)
    assert copy.status == CampaignStatus.CHECKED
    assert copy not in campaigns_newest_first(world.own)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_open(actor=world.admin, campaign=copy)
    copy.refresh_from_db()
    assert copy.status == CampaignStatus.OPEN and copy.opened_at is not None
    assert copy in campaigns_newest_first(world.own)
    # The roll-up was built by the task (eager in tests), its progress complete.
    assert Rollup.objects.filter(campaign=copy).exists()
    assert copy.rebuild_total > 0 and copy.rebuild_done == copy.rebuild_total
    assert not copy.rebuilding


def test_a_change_to_a_checked_campaign_sends_it_back_to_draft(world: Any) -> None:
    campaign = _copy(world)
    services.campaign_mark_checked(actor=world.admin, campaign=campaign)
    row = RequirementInstance.objects.filter(campaign=campaign).first()
    assert row is not None
    services.requirement_delete(actor=world.admin, campaign=campaign, instance=row)
    assert Campaign.all_objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT


def _open(world: Any, campaign: Campaign, capture: Any) -> Campaign:
    services.campaign_mark_checked(actor=world.admin, campaign=campaign)
    with capture(execute=True):
        services.campaign_open(actor=world.admin, campaign=campaign)
    return Campaign.objects.get(pk=campaign.pk)


def test_moving_a_requirement_renumbers_its_phase(world: Any) -> None:
    campaign = _copy(world)
    phase1 = lambda: list(  # noqa: E731
        RequirementInstance.objects.filter(campaign=campaign, phase=1)
        .order_by("order")
        .values_list("code", flat=True)
    )
    assert phase1() == [
        "plan_approved",
        "mobilization",
        "counseling",
        "study_exchanges",
        "opinions",
    ]
    row = RequirementInstance.objects.get(campaign=campaign, code="counseling")
    services.requirement_move(actor=world.admin, campaign=campaign, instance=row, up=True)
    assert phase1() == [
        "plan_approved",
        "counseling",
        "mobilization",
        "study_exchanges",
        "opinions",
    ]
    row = RequirementInstance.objects.get(campaign=campaign, code="opinions")
    services.requirement_move(actor=world.admin, campaign=campaign, instance=row, up=False)
    assert phase1()[-1] == "opinions"  # the last stays last


# --- pages -----------------------------------------------------------------------------


def test_requirement_pages_add_edit_move_and_remove(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _open(world, _copy(world), django_capture_on_commit_callbacks)
    token = campaign.requirements_token
    client = client_for(world, "admin")
    add = reverse("activities:requirement_add", args=[campaign.pk])
    kinds_page = client.get(add)
    assert "Every member has at least N study counseling records" in kinds_page.content.decode()
    form = client.get(f"{add}?kind=members_counseled")
    assert "records per member at least" in form.content.decode()  # the kind's own form
    data = {
        "label_zh": "至少两次学习研讨",
        "label_en": "At least two study sessions",
        "phase": "1",
        "org_kinds": ["branch", "committee"],
        "order": "15",
        "params-minimum": "-1",
    }
    refused = client.post(f"{add}?kind=members_counseled", data)
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{add}?kind=members_counseled", {**data, "params-minimum": "2"})
    assert response.status_code == 302
    made = RequirementInstance.objects.get(campaign=campaign, label_zh="至少两次学习研讨")
    assert (made.code, made.kind, made.params, made.phase) == (
        "members_counseled_1",
        "members_counseled",
        {"minimum": 2},
        1,
    )
    campaign.refresh_from_db()
    assert campaign.requirements_token != token
    assert "members_counseled_1" in {r.code for r in requirements(campaign)}
    assert "members_counseled_1" in Rollup.objects.get(campaign=campaign).layout
    assert campaign.rebuild_done == campaign.rebuild_total > 0

    edit = reverse("activities:requirement_edit", args=[campaign.pk, made.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {**data, "label_zh": "至少两次集中学习", "params-minimum": "2"})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.label_zh == "至少两次集中学习"

    move = reverse("activities:requirement_move", args=[campaign.pk, made.pk])
    assert client.post(move, {"direction": "up"}).status_code == 302

    delete = reverse("activities:requirement_delete", args=[campaign.pk, made.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not RequirementInstance.objects.filter(pk=made.pk).exists()

    history = campaign_history(Campaign.objects.get(pk=campaign.pk))
    described = [(c.action, c.subject) for c in history]
    assert ("+", "requirement “至少两次学习研讨”") in described
    assert ("-", "requirement “至少两次集中学习”") in described
    fields = [f for c in history if c.action == "~" for f in c.fields]
    assert ("label (Chinese)", "至少两次学习研讨", "至少两次集中学习") in fields
    assert ("order", "15", "10") in fields  # moved up
    assert all(c.user == world.admin for c in history)
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "至少两次学习研讨" in page and "至少两次集中学习" in page


STUDY_PLACE = {
    "code": "study_three_haves",
    "name_zh": "党员学习阵地“三有”",
    "name_en": "Three haves of the study place",
    "description_zh": "",
    "description_en": "",
    "pass_rule": "all_items",
    "pass_score": None,
    "star_thresholds": {},
}


def test_a_standards_requirement_picks_one_of_the_campaigns_templates_by_name(
    world: Any,
) -> None:
    """The office picks the template of a "standards checklist accepted" requirement
    by its name among the campaign's own (docs/product.md §5.3): no code to remember,
    none the campaign does not use; the requirement list names it too."""
    from rectification import services_standard_templates as templates

    campaign = _copy(world)
    templates.template_create(actor=world.admin, campaign=campaign, fields=STUDY_PLACE)
    client = client_for(world, "office")
    add = f"{reverse('activities:requirement_add', args=[campaign.pk])}?kind=standards_accepted"
    form = client.get(add).content.decode()
    assert '<select name="params-template"' in form
    assert '<option value="study_three_haves">Three haves of the study place</option>' in form
    assert '<option value="eight_haves">' in form  # the copied campaign's own
    zh = client.get(add, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<option value="study_three_haves">党员学习阵地“三有”</option>' in zh
    assert "从本活动使用的达标检查表模板中选择" in zh

    data = {
        "label_zh": "党员学习阵地“三有”达标验收通过",
        "phase": "3",
        "org_kinds": ["branch"],
        "order": "200",
    }
    for bad in ("other_checklist", "", "<script>"):
        refused = client.post(add, {**data, "params-template": bad})
        assert refused.status_code == 200, bad
        assert "errorlist" in refused.content.decode()
    assert client.post(add, {**data, "params-template": "study_three_haves"}).status_code == 302
    made = RequirementInstance.objects.get(campaign=campaign, label_zh=data["label_zh"])
    assert made.params == {"template": "study_three_haves"}
    assert not [p for p in campaign_problems(campaign) if "study_three_haves" in str(p)]
    listed = client.get(reverse("activities:requirement_list", args=[campaign.pk]))
    assert "Three haves of the study place" in listed.content.decode()

    # An instance naming a template the campaign does not use (saved before) keeps it
    # on its edit page, so that saving its other fields does not lose it.
    RequirementInstance.objects.filter(pk=made.pk).update(params={"template": "gone"})
    edit = reverse("activities:requirement_edit", args=[campaign.pk, made.pk])
    assert '<option value="gone" selected>gone</option>' in client.get(edit).content.decode()


def test_a_standards_requirement_names_its_template_by_name_to_the_organizations(
    world: Any,
) -> None:
    """The checklist's reason names the template as the office named it, never by its
    code (a Party secretary does not know the codes)."""
    from django.utils import translation

    from portal.progress.scopes import scope_for_subtree
    from rectification import services_standard_templates as templates
    from rectification.requirements import standards_kind

    campaign = ensure_campaign_2014(world.county)
    templates.template_create(actor=world.admin, campaign=campaign, fields=STUDY_PLACE)
    scope = scope_for_subtree(world.county, campaign)
    with translation.override("zh-hans"):
        reason = standards_kind(scope, {"template": "study_three_haves"}, 3)[world.own.pk].reason
    assert "党员学习阵地‘三有’" in reason
    assert "study_three_haves" not in reason


def test_the_history_shows_settings_and_phases_before_and_after(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _open(world, _copy(world), django_capture_on_commit_callbacks)
    assert campaign_history(campaign)[-1].fields == [("status", "checked", "open")]
    campaign.satisfaction_threshold = 90
    campaign.save()
    phase = campaign.phases.get(number=2)
    phase.name_zh = "查摆问题"
    phase.save()
    history = campaign_history(campaign)
    assert history[0].fields == [("name (Chinese)", "查摆问题、开展批评", "查摆问题")]
    assert ("satisfaction threshold (%)", "85", "90") in history[1].fields


def test_the_history_shows_who_was_left_out_and_taken_back(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _open(world, _copy(world), django_capture_on_commit_callbacks)
    campaign.excluded_organizations.add(world.park_b, world.sibling)
    campaign.excluded_organizations.remove(world.park_b)
    history = campaign_history(campaign)
    label = "organizations left out"
    assert history[0].fields == [(label, "乙公司支部、园区B党委", "乙公司支部")]
    assert history[1].fields == [(label, "—", "乙公司支部、园区B党委")]


def test_compose_page_makes_a_draft_copy_or_from_the_template(world: Any) -> None:
    source = _source(world)
    client = client_for(world, "admin")
    url = reverse("activities:campaign_compose")
    page = client.get(url).content.decode()
    assert "2014 mass line education practice campaign (template)" in page
    refused = client.post(
        url,
        {"source": "template:2014", "name_zh": "新", "name_en": "New", "starts_on": "2021-01-04"},
    )
    assert "Choose the lead organization" in refused.content.decode()
    response = client.post(
        url,
        {
            "source": f"campaign:{source.pk}",
            "name_zh": "复制的活动",
            "name_en": "Copied",
            "starts_on": "2021-01-04",
        },
    )
    copy = Campaign.all_objects.get(name_zh="复制的活动")
    assert response["Location"] == copy.get_absolute_url()
    assert copy.status == CampaignStatus.DRAFT and copy.copied_from == source
    response = client.post(
        url,
        {
            "source": "template:2014",
            "name_zh": "模板活动",
            "name_en": "From the template",
            "starts_on": "2021-01-04",
            "lead_organization": str(world.county.pk),
        },
    )
    assert Campaign.all_objects.get(name_zh="模板活动").status == CampaignStatus.DRAFT


def test_check_page_marks_checked_then_opens(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _copy(world)
    client = client_for(world, "admin")
    url = reverse("activities:campaign_check", args=[campaign.pk])
    assert "Mark as checked" in client.get(url).content.decode()
    client.post(url, {"step": "open"})  # not checked yet: refused
    assert Campaign.all_objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    client.post(url, {"step": "check"})
    assert Campaign.all_objects.get(pk=campaign.pk).status == CampaignStatus.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"step": "open"}, follow=True)
    assert "The campaign is open" in response.content.decode()
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    again = client.post(url, {"step": "open"}, follow=True)
    assert "The campaign is open already." in again.content.decode()


def test_rebuild_status_polls_while_the_worker_rebuilds(world: Any) -> None:
    campaign = _copy(world)
    Campaign.all_objects.filter(pk=campaign.pk).update(rebuild_total=40, rebuild_done=12)
    client = client_for(world, "admin")
    page = client.get(reverse("activities:campaign_rebuild", args=[campaign.pk])).content.decode()
    assert "12 of 40 organizations done" in page and "hx-trigger" in page
    Campaign.all_objects.filter(pk=campaign.pk).update(rebuild_done=40)
    page = client.get(reverse("activities:campaign_rebuild", args=[campaign.pk])).content.decode()
    assert "hx-trigger" not in page and "Up to date" in page


def test_pages_speak_chinese(world: Any) -> None:
    campaign = _copy(world)
    client = client_for(world, "admin")
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    for name, args, text in (
        ("campaign_compose", [], "从模板或已有活动新建"),
        ("campaign_check", [campaign.pk], "检查并启动"),
        ("requirement_list", [campaign.pk], "添加任务"),
        ("requirement_add", [campaign.pk], "先选择任务类型"),
        ("campaign_detail", [campaign.pk], "草稿"),
    ):
        page = client.get(reverse(f"activities:{name}", args=args), **zh).content.decode()
        assert text in page, name


# --- permissions -----------------------------------------------------------------------

# Site administrators and the county's office compose a campaign led by the county
# (docs/product.md §5.3); the others do not see the county (404).
ON_A_CAMPAIGN = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "secretary": 404,
    "reviewer": 404,
    "office": 200,
    "admin": 200,
}


def test_permission_matrix_of_every_new_page(world: Any) -> None:
    campaign = _copy(world)
    row = RequirementInstance.objects.filter(campaign=campaign).first()
    assert row is not None
    check_matrix(
        world,
        reverse("activities:campaign_compose"),
        {"anonymous": 302, "nobody": 403, "outsider": 403, "office": 200, "admin": 200},
    )
    for name, args in (
        ("campaign_check", [campaign.pk]),
        ("campaign_rebuild", [campaign.pk]),
        ("requirement_list", [campaign.pk]),
        ("requirement_add", [campaign.pk]),
        ("requirement_edit", [campaign.pk, row.pk]),
        ("requirement_delete", [campaign.pk, row.pk]),
    ):
        check_matrix(world, reverse(f"activities:{name}", args=args), ON_A_CAMPAIGN)
    posts = {k: v for k, v in ON_A_CAMPAIGN.items() if k not in ("admin", "office")}
    # The administrator's and the office's POSTs are tested above and in
    # test_campaign_office.py.
    for name, args in (
        ("campaign_check", [campaign.pk]),
        ("requirement_add", [campaign.pk]),
        ("requirement_edit", [campaign.pk, row.pk]),
        ("requirement_delete", [campaign.pk, row.pk]),
        ("requirement_move", [campaign.pk, row.pk]),
    ):
        check_matrix(world, reverse(f"activities:{name}", args=args), posts, method="post")
    assert RequirementInstance.objects.filter(pk=row.pk).exists()
    assert Campaign.all_objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    # Another campaign's requirement through this campaign's address: 404.
    other = _copy(world, Campaign.all_objects.get(pk=campaign.pk), name_zh="另一个")
    foreign = RequirementInstance.objects.filter(campaign=other).first()
    assert foreign is not None
    url = reverse("activities:requirement_edit", args=[campaign.pk, foreign.pk])
    assert client_for(world, "admin").get(url).status_code == 404


# --- query counts ----------------------------------------------------------------------


def _more_requirements(campaign: Campaign, n: int = 25) -> None:
    for i in range(n):
        RequirementInstance.objects.create(
            campaign=campaign,
            code=f"extra_{i}",
            kind="standards_accepted" if i % 2 else "meetings",
            params={"template": "eight_haves"}
            if i % 2
            else {"meeting_kinds": ["study_exchange"], "within_phase": 1},
            phase=1 + i % 3,
            label_zh=f"附加要求{i}",
            org_kinds=["branch"],
            order=100 + i,
        )


def test_composing_pages_run_a_fixed_number_of_queries(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _copy(world)
    client = client_for(world, "admin")

    def grow() -> None:
        _more_requirements(campaign)

    # session, user, campaign, phases, requirements, the names of the campaign's
    # standards templates (one query, whatever the number of requirements naming them),
    # navigation roles, unread count
    assert_constant_queries(
        client, reverse("activities:requirement_list", args=[campaign.pk]), grow, expected=8
    )
    # session, user, campaign, phases, requirements, the standards templates known and
    # used (one query each), navigation roles, unread count
    assert_constant_queries(
        client,
        reverse("activities:campaign_check", args=[campaign.pk]),
        lambda: _more_requirements(campaign, 0),
        expected=9,
    )
    row = RequirementInstance.objects.filter(campaign=campaign, kind="meetings").first()
    assert row is not None
    # session, user, campaign, requirement, phases, navigation roles, unread count
    assert_constant_queries(
        client,
        reverse("activities:requirement_edit", args=[campaign.pk, row.pk]),
        lambda: None,
        expected=7,
    )
    # a standards requirement: and the campaign's templates to pick from (one query)
    from rectification import services_standard_templates as templates

    def more_templates() -> None:
        for i in range(10):
            fields = {**STUDY_PLACE, "code": f"place_{i}", "name_zh": f"阵地{i}"}
            templates.template_create(actor=world.admin, campaign=campaign, fields=fields)

    standards = RequirementInstance.objects.filter(campaign=campaign, kind="standards_accepted")
    assert_constant_queries(
        client,
        reverse("activities:requirement_edit", args=[campaign.pk, standards[0].pk]),
        more_templates,
        expected=8,
    )
    # session, user, campaign, the user's roles (a partial: no navigation)
    assert_constant_queries(
        client,
        reverse("activities:campaign_rebuild", args=[campaign.pk]),
        lambda: None,
        expected=4,
    )
    # session, user, the campaigns to copy, the lead organizations, navigation roles,
    # unread count
    assert_constant_queries(
        client, reverse("activities:campaign_compose"), lambda: _copy(world), expected=6
    )


def test_the_detail_page_with_its_history_runs_a_fixed_number_of_queries(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _open(world, _copy(world), django_capture_on_commit_callbacks)

    def grow() -> None:
        _more_requirements(campaign)
        for row in RequirementInstance.objects.filter(campaign=campaign):
            row.label_en = f"{row.label_en} (changed)"
            row.save()

        campaign.excluded_organizations.add(world.park_b, world.sibling)
        campaign.excluded_organizations.remove(world.sibling)

    # session, user, campaign with lead organization, phases, grades, categories, the
    # organizations left out, requirement count, the three histories (the campaign's
    # with whom it left out at each change), navigation roles, unread count
    assert_constant_queries(
        client_for(world, "admin"), campaign.get_absolute_url(), grow, expected=14
    )


def test_a_quoted_label_nests_its_quotes_in_the_check() -> None:
    from activities.campaigns.selectors import nested_quotes

    assert f"任务“{nested_quotes('“八有”验收通过')}”" == "任务“‘八有’验收通过”"
