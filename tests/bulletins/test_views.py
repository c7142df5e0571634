"""The pages of reporting upward: the permission matrix of every page and method, and
fixed query counts (docs/product.md §6.6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bulletins.models import Bulletin, Selection, UpwardReport
from bulletins.services import report_select
from portal.attachments.models import Attachment
from tests.activities.factories import RECORD_MATRIX, VIEW_MATRIX
from tests.utils import assert_constant_queries, check_matrix, client_for

from .factories import campaign_for, compile_from, make_report, photo

pytestmark = pytest.mark.django_db

TARGETS = {"own": "own", "child": "child", "parent": "park_a", "sibling": "sibling", "far": "far"}

# Selecting and compiling for a level: COMPILE_BULLETINS (reviewers and the office).
COMPILE_MATRIX: dict[str, dict[str, int]] = {
    "own": {**VIEW_MATRIX["own"], "instructor": 403, "secretary": 403, "clerk": 403},
    "parent": VIEW_MATRIX["parent"],
    "far": VIEW_MATRIX["far"],
}
COMPILE_MATRIX["child"] = COMPILE_MATRIX["own"]
COMPILE_MATRIX["sibling"] = COMPILE_MATRIX["parent"]


@pytest.mark.parametrize("target", TARGETS)
def test_feed_matrix(world, target):
    org = getattr(world, TARGETS[target])
    check_matrix(world, reverse("bulletins:feed", args=[org.pk]), VIEW_MATRIX[target])


@pytest.mark.parametrize("target", TARGETS)
def test_report_form_matrix(world, target):
    org = getattr(world, TARGETS[target])
    check_matrix(world, reverse("bulletins:report_create", args=[org.pk]), RECORD_MATRIX[target])


@pytest.mark.parametrize("target", TARGETS)
def test_compile_form_matrix(world, target):
    org = getattr(world, TARGETS[target])
    check_matrix(world, reverse("bulletins:compile", args=[org.pk]), COMPILE_MATRIX[target])


@pytest.mark.parametrize("target", ["own", "parent", "far"])
def test_compile_post_matrix(world, media_root, target):
    """A POST without valid items: the form again (200) for those who may compile."""
    org = getattr(world, TARGETS[target])
    check_matrix(
        world,
        reverse("bulletins:compile", args=[org.pk]),
        COMPILE_MATRIX[target],
        method="post",
        data={"title": "x", "issuer": "y", "issued_on": "2014-05-20", "items": ["999"]},
    )
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize("target", ["own", "parent", "far"])
def test_select_matrix(world, media_root, target):
    """Selecting for the level: a redirect back to the feed for those who may."""
    org = getattr(world, TARGETS[target])
    sender = world.far if target == "far" else world.child
    report = make_report(world, sender)
    expected = {k: (302 if v == 200 else v) for k, v in COMPILE_MATRIX[target].items()}
    check_matrix(
        world,
        reverse("bulletins:report_select", args=[org.pk, report.pk]),
        expected,
        method="post",
        data={"action": "select"},
    )
    assert Selection.objects.filter(organization=org, selected_by=world.office).exists() == (
        target != "far"
    )


def test_a_report_outside_the_level_is_404_for_selecting(world, media_root):
    report = make_report(world, world.other)
    client = client_for(world, "office")
    url = reverse("bulletins:report_select", args=[world.park_a.pk, report.pk])
    assert client.post(url, {"action": "select"}).status_code == 404


def test_select_goes_back_to_the_feed_and_unselect_undoes_it(world, media_root):
    report = make_report(world)
    client = client_for(world, "reviewer")
    url = reverse("bulletins:report_select", args=[world.park_a.pk, report.pk])
    feed = reverse("bulletins:feed", args=[world.park_a.pk]) + "?tag=&page=1"
    response = client.post(url, {"action": "select", "next": feed})
    assert response["Location"] == feed
    assert Selection.objects.filter(report=report, organization=world.park_a).exists()
    page = client.get(reverse("bulletins:feed", args=[world.park_a.pk])).content.decode()
    assert "Unselect" in page
    response = client.post(url, {"action": "unselect", "next": "https://evil.example/"})
    assert response["Location"] == reverse("bulletins:feed", args=[world.park_a.pk])
    assert not Selection.objects.exists()


@pytest.mark.parametrize("target", ["own", "child", "parent", "far"])
def test_report_detail_matrix(world, media_root, target):
    report = make_report(world, getattr(world, TARGETS[target]))
    check_matrix(world, report.get_absolute_url(), VIEW_MATRIX[target])


def test_bulletin_pages_matrix(world, media_root):
    """A bulletin of `own` (compiled by the park's reviewer, who holds the right there):
    its page and list for whoever sees `own`; the Word file with DOWNLOAD_REPORTS."""
    bulletin = compile_from(
        world, world.own, [make_report(world, world.child)], actor=world.reviewer
    )
    check_matrix(world, bulletin.get_absolute_url(), VIEW_MATRIX["own"])
    check_matrix(world, reverse("bulletins:bulletin_list", args=[world.own.pk]), VIEW_MATRIX["own"])
    check_matrix(
        world,
        reverse("bulletins:bulletin_docx", args=[bulletin.pk]),
        {**VIEW_MATRIX["own"], "clerk": 403},
    )


def test_bulletin_of_the_county_is_hidden_below(world, media_root):
    bulletin = compile_from(world, world.county, [make_report(world)])
    check_matrix(world, bulletin.get_absolute_url(), {**VIEW_MATRIX["parent"], "reviewer": 404})


def test_home_opens_the_feed_of_the_compilers_level(world):
    response = client_for(world, "office").get(reverse("bulletins:home"))
    assert response["Location"] == reverse("bulletins:feed", args=[world.county.pk])
    response = client_for(world, "reviewer").get(reverse("bulletins:home"))
    assert response["Location"] == reverse("bulletins:feed", args=[world.park_a.pk])
    check_matrix(
        world,
        reverse("bulletins:home"),
        {"anonymous": 302, "nobody": 403, "secretary": 403, "clerk": 403, "instructor": 403},
    )


def test_the_menus_link_the_pages(world):
    """The main menu's "Reports upward" for reviewers and the office; the
    organization's page offers the form to whoever may send."""
    home = reverse("bulletins:home")
    assert home in client_for(world, "office").get("/").content.decode()
    assert home not in client_for(world, "secretary").get("/").content.decode()
    page = client_for(world, "secretary").get(reverse("organizations:detail", args=[world.own.pk]))
    assert reverse("bulletins:report_create", args=[world.own.pk]) in page.content.decode()
    page = client_for(world, "reviewer").get(reverse("organizations:detail", args=[world.own.pk]))
    assert reverse("bulletins:report_create", args=[world.own.pk]) not in page.content.decode()


def test_sending_a_report_with_photos(world, media_root):
    client = client_for(world, "clerk")
    campaign = campaign_for(world)
    phase = campaign.phases.first()
    response = client.post(
        reverse("bulletins:report_create", args=[world.own.pk]),
        {
            "campaign": campaign.pk,
            "phase": phase.pk,
            "title": "开展集中学习",
            "body": "全体党员参加。\r\n第二段。",
            "tags": "学习, 动员",
            "photos": [photo("a.png"), photo("b.png")],
        },
    )
    report = UpwardReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert report.body == "全体党员参加。\n第二段。"
    assert report.tag_list == ["学习", "动员"]
    assert Attachment.objects.for_record(report).count() == 2


def test_bad_input_shows_errors_in_chinese(world, media_root):
    campaign_for(world)
    client = client_for(world, "secretary")
    response = client.post(
        reverse("bulletins:report_create", args=[world.own.pk]),
        {
            "campaign": "nonsense",
            "title": "",
            "body": "x",
            "tags": "一,二,三,四,五,六",
            "photos": [photo(f"{i}.png") for i in range(10)],
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"campaign", "title", "tags", "photos"}
    assert "最多" in str(form.errors["tags"])
    assert not UpwardReport.objects.exists()


def test_feed_filters(world, media_root):
    campaign = campaign_for(world)
    phase = campaign.phases.first()
    make_report(world, world.own, title="甲报告", tags="学习")
    make_report(world, world.sibling, title="乙报告", tags="整改", phase=phase)
    url = reverse("bulletins:feed", args=[world.park_a.pk])
    client = client_for(world, "reviewer")

    def titles(query):
        return [r.title for r, _p, _s in client.get(url, query).context["rows"]]

    assert titles({}) == ["乙报告", "甲报告"]
    assert titles({"tag": "学习"}) == ["甲报告"]
    assert titles({"phase": phase.pk}) == ["乙报告"]
    assert titles({"organization": world.own.pk}) == ["甲报告"]
    assert titles({"campaign": "x", "page": "x"}) == ["乙报告", "甲报告"]  # bad input: ignored
    report_select(
        actor=world.reviewer, level=world.park_a, report=UpwardReport.objects.get(title="甲报告")
    )
    assert titles({"selected": "on"}) == ["甲报告"]


def test_compile_through_the_page(world, media_root):
    reports = [make_report(world, title=f"报告{i}") for i in range(3)]
    for r in reports:
        report_select(actor=world.office, level=world.county, report=r)
    client = client_for(world, "office")
    url = reverse("bulletins:compile", args=[world.county.pk])
    page = client.get(url)
    assert "No. 1" in page.content.decode()
    ids = [c[0] for c in page.context["form"].fields["items"].choices]
    response = client.post(
        url,
        {"campaign": campaign_for(world).pk, "title": "测试县非公企业党组织教育实践活动简报",
         "issuer": "县委办", "issued_on": "2014-05-20", "items": ids[:2]},
    )  # fmt: skip
    bulletin = Bulletin.objects.get()
    assert response["Location"] == bulletin.get_absolute_url()
    assert bulletin.items.count() == 2
    page = client.get(bulletin.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "《测试县非公企业党组织教育实践活动简报》" in page
    assert "第 1 期" in page


def test_feed_runs_a_fixed_number_of_queries(world, media_root):
    make_report(world, photos=1, tags="学习")

    def grow() -> None:
        for i in range(10):
            r = make_report(world, world.sibling if i % 2 else world.child, photos=2, tags="整改")
            report_select(actor=world.office, level=world.park_a, report=r)

    # session, user, organization, grants, campaigns, phases, senders, COUNT, page,
    # photos, selections, roles, unread count
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("bulletins:feed", args=[world.park_a.pk]),
        grow,
        expected=13,
    )


def test_report_detail_runs_a_fixed_number_of_queries(world, media_root):
    report = make_report(world, photos=1)

    def grow() -> None:
        from portal.attachments.services import attachment_add

        for i in range(5):
            attachment_add(actor=world.admin, record=report, organization=world.own, kind="photo",
                           upload=photo(f"x{i}.png"), name=f"x{i}.png")  # fmt: skip
        for level in (world.county, world.park_a):
            compile_from(world, level, [report])

    # session, user, report, grants, photos, bulletins used in, roles, unread count
    assert_constant_queries(
        client_for(world, "office"), report.get_absolute_url(), grow, expected=8
    )


def test_bulletin_pages_run_a_fixed_number_of_queries(world, media_root):
    bulletin = compile_from(world, world.county, [make_report(world, photos=1)])

    def grow() -> None:
        reports = [make_report(world, title=f"r{i}", photos=2) for i in range(8)]
        bulletin.items.model.objects.filter(report__in=reports).delete()
        for i, r in enumerate(reports):
            Selection.objects.create(
                report=r, organization=world.county, bulletin=bulletin, position=i + 2
            )
        for _ in range(5):
            compile_from(world, world.county, [make_report(world)])

    client = client_for(world, "office")
    # session, user, bulletin, grants, items, photos, roles, unread count
    assert_constant_queries(client, bulletin.get_absolute_url(), grow, expected=8)
    # session, user, organization, grants, COUNT, page, roles, unread count
    assert_constant_queries(
        client, reverse("bulletins:bulletin_list", args=[world.county.pk]), lambda: None, expected=8
    )


def test_compile_page_runs_a_fixed_number_of_queries(world, media_root):
    report_select(actor=world.office, level=world.county, report=make_report(world))

    def grow() -> None:
        for i in range(8):
            report_select(
                actor=world.office, level=world.county, report=make_report(world, title=f"r{i}")
            )

    # session, user, organization, grants, campaigns, selections, last number, roles,
    # unread count
    assert_constant_queries(
        client_for(world, "office"),
        reverse("bulletins:compile", args=[world.county.pk]),
        grow,
        expected=9,
    )
