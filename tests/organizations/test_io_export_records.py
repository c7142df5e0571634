"""Exports of meetings, opinions and problem-list items (/io/export/<kind>.<fmt>,
registered by activities.resources and rectification.resources): scope, formula
neutralizing, headings in both languages, content types, the list pages' links and a
fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from organizations.resources import XLSX_MIME
from tests.activities.factories import campaign_for, meeting, members
from tests.activities.opinions_factories import OpinionFactory, answered_kwargs, campaigns_for
from tests.conftest import World
from tests.organizations.test_io_support import body, read_csv, read_xlsx
from tests.rectification.problems_factories import approve, force_deadline, make_item, make_list
from tests.utils import assert_constant_queries, client_for

pytestmark = pytest.mark.django_db

ORGS = ("own", "child", "sibling", "other", "far")


def download(client, url: str, **extra) -> list[list]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=extra.pop("lang", "zh-hans"), **extra)
    assert response.status_code == 200, response.status_code
    data = body(response)
    return read_xlsx(data) if url.split("?")[0].endswith(".xlsx") else read_csv(data)


def first_column(rows: list[list], col: int) -> set:
    return {row[col] for row in rows[1:]}


@pytest.fixture
def records(world: World) -> None:
    """One meeting, one opinion and one item (on a list) per organization, each naming
    its organization (topic / content / description)."""
    ours, theirs = campaigns_for(world)
    for name in ORGS:
        org = getattr(world, name)
        campaign = theirs if name == "far" else ours
        meeting(org, campaign, topic=f"会议-{name}")
        OpinionFactory(organization=org, campaign=campaign, content=f"意见-{name}")
        make_item(make_list(world, org), description=f"问题-{name}")


def test_each_export_holds_only_the_users_scope(world: World, records) -> None:
    expected = {
        "secretary": {"own", "child"},
        "reviewer": {"own", "child", "sibling"},  # the reviewer's subtree (park_a)
        "outsider": {"other"},
        "admin": set(ORGS),
    }
    for kind, col, prefix in (
        ("meetings", 4, "会议-"),
        ("opinions", 4, "意见-"),
        ("problem-items", 3, "问题-"),
    ):
        for persona, orgs in expected.items():
            client = client_for(world, persona)
            rows = download(client, f"/io/export/{kind}.csv")
            assert first_column(rows, col) == {prefix + o for o in orgs}, (kind, persona)


def test_an_organization_filter_outside_the_scope_is_a_404(world: World, records) -> None:
    client = client_for(world, "outsider")
    for kind in ("meetings", "opinions", "problem-items"):
        url = f"/io/export/{kind}.xlsx?org={world.own.code}"
        assert client.get(url).status_code == 404, kind
    plist = world.own.problem_lists.first()
    assert client.get(f"/io/export/problem-items.csv?list={plist.pk}").status_code == 404
    assert client_for(world, "nobody").get("/io/export/meetings.csv").status_code == 404


def test_the_org_filter_keeps_the_list_pages_rows(world: World, records) -> None:
    client = client_for(world, "reviewer")
    rows = download(client, f"/io/export/meetings.csv?org={world.child.code}")
    assert first_column(rows, 4) == {"会议-child"}
    rows = download(client, f"/io/export/opinions.csv?org={world.sibling.code}")
    assert first_column(rows, 4) == {"意见-sibling"}
    rows = download(client, f"/io/export/problem-items.csv?org={world.own.code}")
    assert first_column(rows, 3) == {"问题-own", "问题-child"}


def test_a_formula_cell_is_neutralized(world: World) -> None:
    ours, _theirs = campaigns_for(world)
    OpinionFactory(organization=world.own, campaign=ours, content='=HYPERLINK("x")')
    meeting(world.own, campaign_for(world), topic="+1+1")
    make_item(make_list(world, world.own), description="@SUM(A1)")
    client = client_for(world, "secretary")
    assert download(client, "/io/export/opinions.xlsx")[1][4] == '\'=HYPERLINK("x")'
    assert download(client, "/io/export/meetings.csv")[1][4] == "'+1+1"
    assert download(client, "/io/export/problem-items.xlsx")[1][3] == "'@SUM(A1)"


def test_headings_follow_the_language(world: World) -> None:
    client = client_for(world, "secretary")
    headings = {
        "meetings": (
            ["组织名称", "会议类型", "日期", "地点", "主题", "主持人", "实到人数", "应到人数"],
            ["organization", "kind", "date", "place", "topic", "chair", "present", "expected"],
        ),
        "opinions": (
            ["组织名称", "收到日期", "意见来源", "征求方式", "意见内容", "状态", "答复"],
            ["organization", "received on", "source", "channel", "opinion", "status", "answer"],
        ),
        "problem-items": (
            ["组织名称", "问题清单", "序号", "问题描述", "问题类别", "问题来源", "整改措施"],
            ["organization", "problem list", "number", "problem", "category", "source"],
        ),
    }
    for kind, (zh, en) in headings.items():
        assert download(client, f"/io/export/{kind}.csv")[0][: len(zh)] == zh
        assert download(client, f"/io/export/{kind}.xlsx", lang="en")[0][: len(en)] == en


def test_values_are_rendered_in_the_files_language(world: World) -> None:
    ours, _theirs = campaigns_for(world)
    OpinionFactory(
        organization=world.own, campaign=ours, content="意见", **answered_kwargs("已答复")
    )
    meeting(world.own, campaign_for(world), topic="动员", place="会议室")
    plist = make_list(world, world.own)
    item = make_item(plist, description="逾期问题")
    make_item(plist, description="未逾期问题")
    # Three days before the day the campaign is judged on (its last day once finished).
    force_deadline(item, plist.campaign.as_of() - dt.timedelta(days=3))
    client = client_for(world, "secretary")
    row = download(client, "/io/export/opinions.csv", lang="en")[1]
    assert row[5:7] == ["answered", "已答复"]
    row = download(client, "/io/export/meetings.xlsx", lang="en")[1]
    assert row[1] == "mobilization meeting" and row[2] == dt.datetime(2014, 4, 10)
    assert row[8] in ("yes", "")  # everyone present (or no roster: no quorum to check)
    rows = download(client, "/io/export/problem-items.csv")
    assert rows[0][-1] == "是否逾期"
    # A list not yet approved has nothing overdue, in the export as on the page.
    assert {row[3]: row[-1] for row in rows[1:]} == {"逾期问题": "否", "未逾期问题": "否"}
    assert download(client, "/io/export/problem-items.csv?overdue=1")[1:] == []
    approve(world, plist)
    rows = download(client, "/io/export/problem-items.csv")
    assert {row[3]: row[-1] for row in rows[1:]} == {"逾期问题": "是", "未逾期问题": "否"}
    rows = download(client, "/io/export/problem-items.csv?overdue=1")
    assert [row[3] for row in rows[1:]] == ["逾期问题"]


def test_content_types_and_file_names(world: World) -> None:
    client = client_for(world, "secretary")
    response = client.get("/io/export/meetings.xlsx")
    assert response["Content-Type"] == XLSX_MIME
    assert "attachment" in response["Content-Disposition"]
    response = client.get("/io/export/problem-items.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get("/io/export/opinions.pdf").status_code == 404


def test_the_list_pages_link_their_export_for_users_who_may_export(world: World) -> None:
    ours, _theirs = campaigns_for(world)
    OpinionFactory(organization=world.own, campaign=ours)
    plist = make_list(world, world.own)
    secretary = client_for(world, "secretary")
    pages = {
        reverse("activities:meeting_list", args=[world.own.pk]) + "?kind=mobilization": (
            f"/io/export/meetings.xlsx?kind=mobilization&amp;org={world.own.code}"
        ),
        reverse("activities:opinion_list", args=[world.own.pk]): (
            f"/io/export/opinions.csv?&amp;org={world.own.code}"
        ),
        plist.get_absolute_url(): f"/io/export/problem-items.xlsx?list={plist.pk}",
        reverse("rectification:overdue_items"): "/io/export/problem-items.csv?overdue=1",
    }
    for page, link in pages.items():
        response = secretary.get(page)
        assert response.status_code == 200, page
        assert link in response.content.decode(), page
    # Someone with no role sees neither the pages nor any export link.
    nobody = client_for(world, "nobody")
    for page in pages:
        response = nobody.get(page)
        assert response.status_code in (403, 404), page
        assert "/io/export/" not in response.content.decode()


def test_export_queries_do_not_grow_with_the_data(world: World) -> None:
    ours, _theirs = campaigns_for(world)
    client = client_for(world, "reviewer")
    plist = make_list(world, world.child)
    chair = members(world.child, 1)[0]

    def grow() -> None:
        for _i in range(10):
            meeting(world.child, ours, topic="会议", chair=chair)
            OpinionFactory(organization=world.child, campaign=ours)
            make_item(plist)

    grow()
    # Each also writes its audit row (file.download, portal/accounts/audit.py).
    # meetings: session, user, grants, meetings with organization and chair
    assert_constant_queries(client, "/io/export/meetings.xlsx", grow, expected=5)
    # opinions: session, user, grants, opinions with organization
    assert_constant_queries(client, "/io/export/opinions.csv", grow, expected=5)
    # items: session, user, grants, items with list, organization, category, member
    assert_constant_queries(client, "/io/export/problem-items.xlsx", grow, expected=5)
