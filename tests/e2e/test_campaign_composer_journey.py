"""Issue #18 in a browser, in Chinese at phone width (375 px): the county's campaign office
(docs/product.md §5.3: it composes the campaigns of its level) copies the 2014 campaign, renames it, sets two phases with new dates, removes four
requirements (and moves the other requirements of the dropped phase into phase 2, as
the check asks), adds "at least two study sessions in phase 1" (the counseling kind with
N = 2), builds a standards template of three items in the portal's editor (points, check
method and evidence per item, a pass score; docs/product.md §6.3) and adds "standards
template T accepted" naming it, picked by its name (§5.3), checks and opens the
campaign; a secretary's home then shows the new checklist, the county's grid the new
columns, and her organization's standards checklists the new template's three items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Campaign, CampaignStatus
from activities.seed import ensure_campaign_2014
from portal.progress.models import RequirementInstance
from rectification.models import StandardTemplate
from rectification.seed import ensure_standard_templates
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_NAME = "二〇二六年党员教育主题活动"
NEW_REQUIREMENT = "第一阶段至少两次学习研讨"
REMOVED = ["群众满意率达到标准", "六项工作机制落实到位", "活动经费达到标准", "“八有”验收通过"]
MOVED = ["问题清单审核通过并公示", "无逾期事项", "活动结束前所有事项全部销号"]
TEMPLATE_NAME = "党员学习阵地“三有”"
TEMPLATE_CODE = "study_three_haves"
# (name, points, check method, evidence needed)
ITEMS = [
    ("有固定学习场所", "40", "site", "学习场所照片"),
    ("有学习制度并上墙", "30", "wall", "制度上墙照片"),
    ("有学习记录台账", "30", "records", "学习记录台账"),
]
STANDARD_REQUIREMENT = "党员学习阵地“三有”达标验收通过"


def row_of(page: Any, label: str) -> Any:
    return page.locator("li.requirement-row").filter(has=page.locator("strong", has_text=label))


def go(page: Any, click: Any) -> None:
    with page.expect_navigation(wait_until="domcontentloaded"):
        click()


def checked(page: Any, name: str) -> None:
    assert_fits_phone(page)
    assert axe_violations(page) == [], name
    screenshot(page, f"composer-{name}-phone")


def test_office_copies_2014_composes_opens_and_the_secretary_sees_the_new_checklist(
    world: Any, live_server: Any, new_page: Any
) -> None:
    source = ensure_campaign_2014(world.county)
    ensure_standard_templates(source)
    MemberFactory.create_batch(3, organization=world.own)
    today = timezone.localdate()
    start = today - dt.timedelta(days=20)
    split = start + dt.timedelta(days=60)

    admin = new_page(locale="zh-CN", width=375, height=800)
    login(admin, live_server, "office")  # the county's office, not the administrator
    admin.goto(f"{live_server.url}{reverse('activities:campaign_list')}")
    go(admin, lambda: admin.get_by_role("link", name="从模板或已有活动新建").click())
    admin.locator("#id_source").select_option(f"campaign:{source.pk}")
    admin.locator("#id_name_zh").fill(NEW_NAME)
    admin.locator("#id_name_en").fill("Party members' education campaign 2026")
    admin.locator("#id_starts_on").fill(start.isoformat())
    checked(admin, "compose")
    go(admin, lambda: admin.get_by_role("button", name="生成草稿").click())
    campaign = Campaign.all_objects.get(name_zh=NEW_NAME)
    assert campaign.status == CampaignStatus.DRAFT
    assert admin.get_by_text("活动草稿已生成").is_visible()

    # Two phases with new dates: the third goes.
    go(admin, lambda: admin.locator("main").get_by_role("link", name="编辑", exact=True).click())
    admin.locator("[name=phases-0-starts_on]").fill(start.isoformat())
    admin.locator("[name=phases-0-ends_on]").fill((split - dt.timedelta(days=1)).isoformat())
    admin.locator("[name=phases-1-starts_on]").fill(split.isoformat())
    admin.locator("[name=phases-1-ends_on]").fill(campaign.ends_on.isoformat())
    admin.locator("[name=phases-2-DELETE]").check()
    go(admin, lambda: admin.get_by_role("button", name="保存").click())
    assert list(campaign.phases.values_list("number", flat=True)) == [1, 2]

    # The check lists the requirements of the phase that is gone.
    admin.goto(f"{live_server.url}{reverse('activities:campaign_check', args=[campaign.pk])}")
    problems = admin.locator(".check-problems li")
    assert problems.count() == 7
    assert "所属第 3 阶段，本活动没有这一阶段。" in problems.first.inner_text()
    checked(admin, "check-problems")

    go(admin, lambda: admin.get_by_role("link", name="修改任务").click())
    for label in REMOVED:
        go(admin, lambda label=label: row_of(admin, label).get_by_role("link", name="删除").click())
        go(admin, lambda: admin.locator("main form").get_by_role("button", name="删除").click())
        assert admin.get_by_text("任务已删除。").is_visible()
    for label in MOVED:
        go(admin, lambda label=label: row_of(admin, label).get_by_role("link", name="编辑").click())
        admin.locator("#id_phase").select_option("2")
        go(admin, lambda: admin.get_by_role("button", name="保存").click())
    checked(admin, "requirements")

    # At least two study sessions in phase 1: the counseling kind with N = 2.
    go(admin, lambda: admin.get_by_role("link", name="添加任务").click())
    go(admin, lambda: admin.locator("a[href$='?kind=members_counseled']").click())
    admin.locator("#id_label_zh").fill(NEW_REQUIREMENT)
    admin.locator("#id_label_en").fill("At least two study sessions in phase 1")
    admin.locator("#id_phase").select_option("1")
    admin.locator("#id_params-minimum").fill("2")
    checked(admin, "requirement-form")
    go(admin, lambda: admin.get_by_role("button", name="保存").click())
    assert row_of(admin, NEW_REQUIREMENT).is_visible()
    assert RequirementInstance.objects.filter(campaign=campaign).count() == 15 - 4 + 1

    # A standards template of three items, in the portal's editor under the campaign.
    admin.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    go(admin, lambda: admin.get_by_role("link", name="达标检查表模板").click())
    checked(admin, "standards-templates")
    go(admin, lambda: admin.get_by_role("link", name="新建达标检查表模板").click())
    admin.get_by_label("代码").fill(TEMPLATE_CODE)
    admin.locator("#id_name_zh").fill(TEMPLATE_NAME)
    admin.locator("#id_name_en").fill("Three haves of the members' study place")
    admin.locator("#id_pass_rule").select_option("min_score")
    admin.locator("#id_pass_score").fill("80")
    checked(admin, "standards-template-form")
    go(admin, lambda: admin.get_by_role("button", name="保存").click())
    assert admin.get_by_role("heading", name=TEMPLATE_NAME).is_visible()
    for name, points, method, evidence in ITEMS:
        admin.locator("#id_name_zh").fill(name)
        admin.locator("#id_name_en").fill(f"item: {method}")
        admin.locator("#id_points").fill(points)
        admin.locator("#id_check_method").select_option(method)
        admin.locator("#id_evidence_required_zh").fill(evidence)
        go(admin, lambda: admin.get_by_role("button", name="添加该项目").click())
    template = StandardTemplate.objects.get(code=TEMPLATE_CODE)
    assert campaign.standard_templates.filter(pk=template.pk).exists()
    assert (template.pass_rule, template.pass_score) == ("min_score", 80)
    assert [
        (i.name_zh, str(i.points), i.check_method, i.evidence_required_zh)
        for i in template.items.order_by("order")
    ] == ITEMS
    assert admin.locator(".template-items > li").count() == 3
    checked(admin, "standards-template-items")

    # "Standards template T accepted", T picked by its name among the campaign's.
    admin.goto(f"{live_server.url}{reverse('activities:requirement_list', args=[campaign.pk])}")
    go(admin, lambda: admin.get_by_role("link", name="添加任务").click())
    go(admin, lambda: admin.get_by_role("link", name="达标检查验收通过", exact=True).click())
    admin.locator("#id_label_zh").fill(STANDARD_REQUIREMENT)
    admin.locator("#id_label_en").fill("Three haves of the members' study place accepted")
    admin.locator("#id_phase").select_option("2")
    template_field = admin.locator("#id_params-template")
    template_field.select_option(label=TEMPLATE_NAME)
    checked(admin, "standards-requirement-form")
    go(admin, lambda: admin.get_by_role("button", name="保存").click())
    added = row_of(admin, STANDARD_REQUIREMENT)
    assert added.is_visible()
    assert TEMPLATE_NAME in added.inner_text()  # the template by its name
    made = RequirementInstance.objects.get(campaign=campaign, label_zh=STANDARD_REQUIREMENT)
    assert (made.kind, made.params, made.phase) == (
        "standards_accepted",
        {"template": TEMPLATE_CODE},
        2,
    )
    assert RequirementInstance.objects.filter(campaign=campaign).count() == 15 - 4 + 2
    checked(admin, "requirements-with-standards")

    go(admin, lambda: admin.get_by_role("link", name="检查并启动").click())
    assert admin.locator(".check-problems").count() == 0
    go(admin, lambda: admin.get_by_role("button", name="标记为已检查").click())
    go(admin, lambda: admin.get_by_role("button", name="启动活动").click())
    assert admin.get_by_text("活动已启动，所属各党组织现在可以看到。").is_visible()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    admin.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    assert admin.locator(".badge", has_text="已启动").first.is_visible()
    checked(admin, "campaign-open")

    # The secretary's home: the new campaign's checklist.
    secretary = new_page(locale="zh-CN", width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/")
    panel = secretary.locator(".campaign-panel").first
    assert NEW_NAME in panel.inner_text()
    labels = panel.locator(".check-label").all_inner_texts()
    assert NEW_REQUIREMENT in labels
    assert not set(REMOVED) & set(labels)
    assert_fits_phone(secretary)
    screenshot(secretary, "composer-secretary-home-phone")
    # Its full checklist: the standards requirement in phase 2, the removed ones gone.
    go(secretary, lambda: panel.get_by_role("link", name="完整进度表").click())
    phase2 = secretary.locator("section.card").filter(has=secretary.locator("h2#phase-2"))
    assert STANDARD_REQUIREMENT in phase2.locator(".check-label").all_inner_texts()
    labels = secretary.locator(".check-label").all_inner_texts()
    assert len(labels) == 13
    assert not set(REMOVED) & set(labels)
    checked(secretary, "secretary-checklist")

    # Her organization's page leads to the new template's self-assessment: three items.
    secretary.goto(f"{live_server.url}{reverse('organizations:detail', args=[world.own.pk])}")
    go(
        secretary,
        lambda: secretary.get_by_role("link", name="达标检查表", exact=True).first.click(),
    )
    checked(secretary, "secretary-standards")
    go(
        secretary,
        lambda: secretary.get_by_role("button", name=f"开始自评：{TEMPLATE_NAME}").click(),
    )
    assert secretary.get_by_role("heading", name=TEMPLATE_NAME, exact=True).is_visible()
    items = secretary.locator("li.standard-item")
    assert items.count() == 3
    for (name, points, _method, evidence), item in zip(ITEMS, items.all(), strict=True):
        text = item.inner_text()
        assert name in text and f"{points} 分" in text and evidence in text
    checked(secretary, "secretary-standards-assessment")

    # The county's grid: the new columns.
    office = new_page(locale="zh-CN", width=375, height=800)
    login(office, live_server, "office")
    office.goto(f"{live_server.url}{reverse('progress:grid', args=[world.county.pk])}")
    columns = office.locator("th.req-head").all_inner_texts()
    assert NEW_REQUIREMENT in columns
    assert STANDARD_REQUIREMENT in columns
    assert len(columns) == 13
    assert not set(REMOVED) & set(columns)
    screenshot(office, "composer-county-grid-phone")
