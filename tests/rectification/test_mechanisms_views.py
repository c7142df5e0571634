"""Pages of the working-mechanism register: the permission matrix of every view for
own / child / parent / sibling / other / other-county organizations, pinned query
counts, the forms, uploads and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.attachments.models import Attachment
from rectification.models import Mechanism, MechanismKind
from tests.rectification.records_factories import (
    TARGETS,
    campaign_for,
    expect_record,
    expect_view,
    kinds,
    make_mechanism,
    org_of,
    pdf,
)
from tests.utils import assert_constant_queries, check_matrix, client_for


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English whatever the catalogue: the assertions read English text."""
    settings.LANGUAGE_CODE = "en"


def _ok_to_302(expected: dict[str, int]) -> dict[str, int]:
    return {k: (302 if v == 200 else v) for k, v in expected.items()}


def test_every_page_matrix(world, media_root):
    for target in TARGETS:
        org = org_of(world, target)
        mechanism = make_mechanism(world, org, kind="org_life", documents=1)
        check_matrix(
            world, reverse("rectification:mechanism_register", args=[org.pk]), expect_view(target)
        )
        check_matrix(
            world, reverse("rectification:mechanism_create", args=[org.pk]), expect_record(target)
        )
        check_matrix(world, mechanism.get_absolute_url(), expect_view(target))
        check_matrix(
            world,
            reverse("rectification:mechanism_edit", args=[mechanism.pk]),
            expect_record(target),
        )
        check_matrix(
            world,
            reverse("rectification:mechanism_delete", args=[mechanism.pk]),
            expect_record(target),
        )
        # Uploading documents: an empty post answers with the form's errors.
        check_matrix(world, mechanism.get_absolute_url(), expect_record(target), method="post")


def test_create_and_delete_posts_matrix(world):
    campaign_for(world)
    kinds()
    for target in TARGETS:
        org = org_of(world, target)
        campaign_for(world, org)
        url = reverse("rectification:mechanism_create", args=[org.pk])
        # Everyone allowed creates their own custom mechanism (a new title each time).
        for persona, code in expect_record(target).items():
            client = client_for(world, persona)
            response = client.post(url, {"title": f"制度-{persona}", "summary": "内容"})
            assert response.status_code == (302 if code == 200 else code), (target, persona)
        mechanisms = {m.title: m for m in Mechanism.objects.filter(organization=org)}
        assert set(mechanisms) == {
            f"制度-{p}" for p, code in expect_record(target).items() if code == 200
        }
        victim = make_mechanism(world, org, title="待删除")
        check_matrix(
            world,
            reverse("rectification:mechanism_delete", args=[victim.pk]),
            {k: v for k, v in expect_record(target).items() if v != 200},
            method="post",
        )
        assert Mechanism.objects.filter(pk=victim.pk).exists()


def test_register_shows_each_kind_and_its_status(world, media_root):
    campaign = campaign_for(world)
    kinds()
    make_mechanism(world, kind="org_life", documents=1)
    make_mechanism(world, kind="two_way", established_on=None)
    make_mechanism(world, title="党员积分管理制度", documents=1)
    response = client_for(world, "secretary").get(
        reverse("rectification:mechanism_register", args=[world.own.pk])
    )
    text = response.content.decode()
    assert "1 of 6 in place" in text
    assert "党员积分管理制度" in text
    assert "not yet established" in text
    assert "missing" in text
    assert f"?campaign={campaign.pk}&amp;kind=volunteer_day" in text
    # The office sees the register without the record links.
    text = (
        client_for(world, "office")
        .get(reverse("rectification:mechanism_register", args=[world.own.pk]))
        .content.decode()
    )
    assert "Record it" not in text and "Add a mechanism" not in text


def test_create_with_a_kind_then_upload_puts_it_in_place(world, media_root):
    campaign = campaign_for(world)
    kind = MechanismKind.objects.get(code="volunteer_day")
    client = client_for(world, "clerk")
    url = reverse("rectification:mechanism_create", args=[world.own.pk])
    form = client.get(f"{url}?campaign={campaign.pk}&kind=volunteer_day")
    assert f'<option value="{kind.pk}" selected>' in form.content.decode()
    response = client.post(
        f"{url}?campaign={campaign.pk}",
        {"kind": kind.pk, "title": "", "established_on": "2014-08-01", "summary": "每月5日"},
    )
    mechanism = Mechanism.objects.get(organization=world.own, kind=kind)
    assert response.status_code == 302 and response["Location"] == mechanism.get_absolute_url()
    assert not mechanism.is_in_place()
    response = client.post(
        mechanism.get_absolute_url(), {"att-kind": "document", "att-files": [pdf()]}
    )
    assert response.status_code == 302
    assert Attachment.objects.for_record(mechanism).get().kind == "document"
    assert Mechanism.objects.get(pk=mechanism.pk).is_in_place()
    page = client.get(mechanism.get_absolute_url()).content.decode()
    assert "in place" in page


def test_a_kind_already_recorded_is_not_offered_again(world):
    campaign_for(world)
    make_mechanism(world, kind="org_life")
    kind = MechanismKind.objects.get(code="org_life")
    client = client_for(world, "secretary")
    url = reverse("rectification:mechanism_create", args=[world.own.pk])
    assert f'value="{kind.pk}"' not in client.get(url).content.decode()
    response = client.post(url, {"kind": kind.pk, "title": ""})
    assert response.status_code == 200
    assert Mechanism.objects.filter(organization=world.own, kind=kind).count() == 1


def test_edit_saves_and_refuses_a_stale_copy(world):
    mechanism = make_mechanism(world, kind="org_life", established_on=None)
    client = client_for(world, "secretary")
    url = reverse("rectification:mechanism_edit", args=[mechanism.pk])
    seen = mechanism.updated_at.isoformat()
    data = {"kind": mechanism.kind_id, "title": "组织生活会制度", "established_on": "2014-08-02",
            "summary": "", "seen": seen}  # fmt: skip
    assert client.post(url, data).status_code == 302
    mechanism.refresh_from_db()
    assert mechanism.title == "组织生活会制度"
    assert mechanism.established_on == dt.date(2014, 8, 2)
    data["title"] = "另一个标题"
    response = client.post(url, data)  # the old `seen`
    assert response.status_code == 409
    mechanism.refresh_from_db()
    assert mechanism.title == "组织生活会制度"


def test_delete_by_post_removes_it(world, media_root):
    mechanism = make_mechanism(world, kind="org_life", documents=1)
    response = client_for(world, "clerk").post(
        reverse("rectification:mechanism_delete", args=[mechanism.pk])
    )
    assert response.status_code == 302
    assert not Mechanism.objects.filter(pk=mechanism.pk).exists()
    assert not Attachment.objects.filter(object_id=mechanism.pk, kind="document").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "999999", "title": "x"},
        {"kind": "abc", "title": "x"},
        {"title": "", "kind": ""},
        {"title": "x" * 500},
        {"title": "x", "established_on": "2014-13-45"},
        {"title": "x", "established_on": "3000-01-01"},
        {"title": "x", "summary": "y" * 5000},
    ],
)
def test_bad_input_answers_with_the_form(world, data):
    campaign_for(world)
    kinds()
    response = client_for(world, "secretary").post(
        reverse("rectification:mechanism_create", args=[world.own.pk]), data
    )
    assert response.status_code == 200
    assert not Mechanism.objects.exists()


def test_bad_addresses_are_404_not_500(world, media_root):
    campaign_for(world)
    client = client_for(world, "secretary")
    mechanism = make_mechanism(world, kind="org_life")
    assert (
        client.get(
            reverse("rectification:mechanism_register", args=[world.own.pk]) + "?campaign=abc"
        ).status_code
        == 200
    )
    assert (
        client.get(
            reverse("rectification:mechanism_create", args=[world.own.pk]) + "?kind=nope"
        ).status_code
        == 200
    )
    assert client.get(reverse("rectification:mechanism_detail", args=[999999])).status_code == 404
    assert client.get(reverse("rectification:mechanism_register", args=[999999])).status_code == 404
    # A bad upload answers with the form.
    bad = client.post(mechanism.get_absolute_url(), {"att-kind": "photo", "att-files": [pdf()]})
    assert bad.status_code == 200
    # An edit form without its version token is refused, not a crash.
    edit = client.post(
        reverse("rectification:mechanism_edit", args=[mechanism.pk]),
        {"kind": mechanism.kind_id, "seen": "garbage"},
    )
    assert edit.status_code == 200


def test_a_organization_without_a_campaign(world):
    client = client_for(world, "admin")
    # No campaign exists at all: the register says so, the create form is 404.
    response = client.get(reverse("rectification:mechanism_register", args=[world.own.pk]))
    assert response.status_code == 200
    assert "takes part in no campaign" in response.content.decode()
    assert (
        client.get(reverse("rectification:mechanism_create", args=[world.own.pk])).status_code
        == 404
    )


# --- query counts --------------------------------------------------------------------------


def test_register_runs_a_fixed_number_of_queries(world, media_root):
    campaign_for(world)
    kinds()
    make_mechanism(world, kind="org_life", documents=1)
    make_mechanism(world, title="自定", documents=1)

    def grow() -> None:
        for code in ("two_way", "joint_activities", "volunteer_service", "volunteer_day"):
            make_mechanism(world, kind=code, documents=2)
        for i in range(10):
            make_mechanism(world, title=f"自定{i}", documents=1)
            make_mechanism(world, world.child, title=f"下级{i}")

    # session, user, organization, grants, campaigns, kinds, mechanisms with document
    # counts, the navigation's unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("rectification:mechanism_register", args=[world.own.pk]),
        grow,
        expected=9,
    )


def test_detail_runs_a_fixed_number_of_queries(world, media_root):
    mechanism = make_mechanism(world, kind="org_life", documents=1)

    def grow() -> None:
        services_add = __import__(
            "rectification.services_mechanisms", fromlist=["mechanism_add_documents"]
        ).mechanism_add_documents
        services_add(actor=None, mechanism=mechanism, uploads=[pdf(f"{i}.pdf") for i in range(10)])

    # session, user, mechanism (with organization, campaign, kind), grants, documents,
    # the navigation's unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"), mechanism.get_absolute_url(), grow, expected=7
    )


def test_campaign_switch_shows_the_register_of_the_campaign_picked(world):
    from activities.models import Campaign

    first = campaign_for(world)
    later = Campaign.objects.create(
        lead_organization=world.county,
        name_zh="第二批活动",
        name_en="Second campaign",
        starts_on=dt.date(2015, 1, 1),
        ends_on=dt.date(2015, 6, 30),
    )
    make_mechanism(world, title="2014年的制度")
    client = client_for(world, "secretary")
    url = reverse("rectification:mechanism_register", args=[world.own.pk])
    newest = client.get(url)
    assert newest.context["campaign"] == later
    assert "2014年的制度" not in newest.content.decode()
    assert 'id="campaign-select"' in newest.content.decode()
    older = client.get(f"{url}?campaign={first.pk}")
    assert older.context["campaign"] == first
    assert "2014年的制度" in older.content.decode()


def test_site_administrator_maintains_the_kinds_in_the_admin(world):
    kinds()
    admin = client_for(world, "admin")
    assert admin.get(reverse("admin:rectification_mechanismkind_changelist")).status_code == 200
    kind = MechanismKind.objects.get(code="org_life")
    page = admin.get(reverse("admin:rectification_mechanismkind_change", args=[kind.pk]))
    assert page.status_code == 200
    assert admin.get(reverse("admin:rectification_remindersent_changelist")).status_code == 200
    assert admin.get(reverse("admin:rectification_remindersent_add")).status_code == 403
    assert (
        client_for(world, "reviewer")
        .get(reverse("admin:rectification_mechanismkind_changelist"))
        .status_code
        == 302
    )  # not staff: the admin's own login page
