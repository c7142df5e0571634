"""Commendations (typical investors and model organizations): who may propose them
(RECORD holders), how a reviewer above confirms them (portal.reviews), the
permission matrix of every view for own / child / parent / sibling / other /
other-county organizations, the scoped list, pinned query counts and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from organizations.models import Member
from rectification import services_commendations as services
from rectification.models import Commendation, CommendationKind
from tests.factories import MemberFactory
from tests.rectification.records_factories import (
    TARGETS,
    campaign_for,
    expect_record,
    expect_view,
    make_investor,
    make_model_org,
    org_of,
)
from tests.utils import assert_constant_queries, check_matrix, client_for


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English whatever the catalogue: the assertions read English text."""
    settings.LANGUAGE_CODE = "en"


MODEL_ORG = CommendationKind.MODEL_ORGANIZATION
INVESTOR = CommendationKind.TYPICAL_INVESTOR


def investor(org: object, name: str = "王出资") -> Member:
    return MemberFactory(organization=org, is_investor=True, name=name)


def expect_model_org(target: str, *, page: bool = False) -> dict[str, int]:
    """Proposing a model organization: the RECORD holders, as for a typical investor
    (the higher level confirms through the review workflow, it does not record)."""
    return expect_record(target)


def _commended(world: object, target: str) -> tuple[Commendation, Commendation]:
    org = org_of(world, target)
    return make_model_org(world, org), make_investor(world, investor(org))


def test_every_page_matrix(world):
    for target in TARGETS:
        org = org_of(world, target)
        model_org, typical_investor = _commended(world, target)
        check_matrix(
            world, reverse("rectification:commendation_list", args=[org.pk]), expect_view(target)
        )
        check_matrix(
            world,
            reverse("rectification:commendation_create", args=[org.pk, INVESTOR]),
            expect_record(target),
        )
        check_matrix(
            world,
            reverse("rectification:commendation_create", args=[org.pk, MODEL_ORG]),
            expect_model_org(target, page=True),
        )
        for commendation, expected in (
            (model_org, expect_model_org(target)),
            (typical_investor, expect_record(target)),
        ):
            check_matrix(
                world,
                reverse("rectification:commendation_detail", args=[commendation.pk]),
                expect_view(target),
            )
            for name in ("commendation_edit", "commendation_delete"):
                check_matrix(
                    world, reverse(f"rectification:{name}", args=[commendation.pk]), expected
                )


def test_create_posts_matrix(world):
    for target in TARGETS:
        org = org_of(world, target)
        campaign_for(world, org)
        url = reverse("rectification:commendation_create", args=[org.pk, MODEL_ORG])
        data = {"subject": org.pk, "title": f"先进-{target}", "commended_on": "2014-07-01",
                "commended_by": "县委", "citation": ""}  # fmt: skip
        if target == "parent":
            data["subject"] = world.own.pk  # the reviewer at park_a commends below it
        expected = expect_model_org(target, page=True)
        check_matrix(world, url, {k: (302 if v == 200 else v) for k, v in expected.items()},
                     method="post", data=data)  # fmt: skip
        subject = org if target != "parent" else world.own
        made = Commendation.objects.filter(organization=subject, title=f"先进-{target}")
        assert made.count() == sum(1 for v in expected.values() if v == 200)


def test_delete_posts_matrix(world):
    for target in TARGETS:
        model_org, typical_investor = _commended(world, target)
        for commendation, expected in (
            (model_org, expect_model_org(target)),
            (typical_investor, expect_record(target)),
        ):
            refused = {k: v for k, v in expected.items() if v != 200}
            check_matrix(
                world,
                reverse("rectification:commendation_delete", args=[commendation.pk]),
                refused,
                method="post",
            )
            assert Commendation.objects.filter(pk=commendation.pk).exists()
    # Allowed: the clerk deletes a proposal of her organization.
    model_org = Commendation.objects.get(organization=world.own, kind=MODEL_ORG)
    response = client_for(world, "clerk").post(
        reverse("rectification:commendation_delete", args=[model_org.pk])
    )
    assert response.status_code == 302
    assert not Commendation.objects.filter(pk=model_org.pk).exists()


def test_scope_list_shows_what_each_user_can_see(world):
    for target in TARGETS:
        _commended(world, target)
    url = reverse("rectification:commendation_scope_list")
    check_matrix(world, url, {"anonymous": 302, "nobody": 403, "member_user": 403,
                              "office": 200, "reviewer": 200, "admin": 200})  # fmt: skip

    def seen(persona: str, query: str = "") -> set[str]:
        response = client_for(world, persona).get(url + query)
        return {c.organization.short_name for c, _ in response.context["rows"]}

    names = {t: org_of(world, t).short_name for t in TARGETS}
    assert seen("reviewer") == {names[t] for t in ("own", "child", "parent", "sibling")}
    assert seen("outsider") == {names["other"]}
    assert seen("office") == {names[t] for t in TARGETS if t != "far"}
    assert seen("admin") == set(names.values())
    assert seen("secretary") == {names["own"], names["child"]}
    rows = client_for(world, "office").get(url + "?kind=investor").context["rows"]
    assert {c.kind for c, _ in rows} == {INVESTOR}
    # Bad filters and pages do not fail.
    assert client_for(world, "office").get(url + "?kind=zzz&page=abc").status_code == 200


def test_list_shows_the_subtree_with_edit_links_where_allowed(world):
    campaign = campaign_for(world)
    make_model_org(world, world.own, title="五好党组织")
    make_investor(world, investor(world.child, "李出资"), title="优秀出资人")
    make_model_org(world, world.sibling, title="兄弟支部表彰")
    response = client_for(world, "secretary").get(
        reverse("rectification:commendation_list", args=[world.own.pk])
    )
    text = response.content.decode()
    assert "五好党组织" in text and "李出资" in text and "兄弟支部表彰" not in text
    assert f"?campaign={campaign.pk}" in text
    assert "Propose a typical investor" in text and "Propose a model organization" in text
    assert all(can for _, can in response.context["rows"])
    # The office reads only.
    response = client_for(world, "office").get(
        reverse("rectification:commendation_list", args=[world.own.pk])
    )
    assert not any(can for _, can in response.context["rows"])
    assert "Propose a" not in response.content.decode()
    # The reviewer confirms; they do not edit.
    rows = (
        client_for(world, "reviewer")
        .get(reverse("rectification:commendation_list", args=[world.own.pk]))
        .context["rows"]
    )
    assert not any(can for _, can in rows)


def test_investor_form_offers_investor_members_of_the_subtree(world):
    campaign_for(world)
    chosen = investor(world.child, "赵出资")
    MemberFactory(organization=world.own, name="普通党员")  # not an investor
    investor(world.sibling, "外部出资")  # not below own
    client = client_for(world, "secretary")
    url = reverse("rectification:commendation_create", args=[world.own.pk, INVESTOR])
    text = client.get(url).content.decode()
    assert "赵出资" in text and "普通党员" not in text and "外部出资" not in text
    response = client.post(url, {"member": chosen.pk, "title": "优秀出资人党员",
                                 "commended_on": "2014-07-01", "commended_by": "园区党委"})  # fmt: skip
    assert response.status_code == 302
    commendation = Commendation.objects.get(kind=INVESTOR)
    assert commendation.member == chosen and commendation.organization == world.child


def test_a_secretary_proposes_and_a_reviewer_above_confirms(world):
    """Commendations are conferred by a higher level: the proposal is locked once
    submitted, shown as waiting, then confirmed by the reviewer through the one review
    engine (the generic transition view and the inbox)."""
    campaign_for(world)
    secretary = client_for(world, "secretary")
    url = reverse("rectification:commendation_create", args=[world.own.pk, MODEL_ORG])
    response = secretary.post(url, {"subject": world.own.pk, "title": "先进基层党组织",
                                    "commended_on": "2014-07-01", "commended_by": "县委"})  # fmt: skip
    made = Commendation.objects.get()
    assert response["Location"] == made.get_absolute_url()
    assert made.review_status == "draft" and not made.is_confirmed
    assert "proposed" in secretary.get(made.get_absolute_url()).content.decode()
    assert (
        client_for(world, "reviewer")
        .get(reverse("rectification:commendation_create", args=[world.park_a.pk, MODEL_ORG]))
        .status_code
        == 403
    )  # the higher level confirms, it does not record
    transition = reverse("reviews:transition", args=["rectification.commendation", made.pk])
    secretary.post(transition, {"action": "submit"})
    made.refresh_from_db()
    assert made.review_status == "submitted"
    edit = reverse("rectification:commendation_edit", args=[made.pk])
    assert secretary.get(edit).status_code == 403  # locked while it waits
    reviewer = client_for(world, "reviewer")
    inbox = reviewer.get(reverse("reviews:inbox")).content.decode()
    assert "先进基层党组织" in inbox
    assert client_for(world, "clerk").post(transition, {"action": "approve"}).status_code == 403
    reviewer.post(transition, {"action": "approve"})
    made.refresh_from_db()
    assert made.is_confirmed and made.decided_by == world.reviewer
    page = secretary.get(made.get_absolute_url()).content.decode()
    assert "confirmed" in page
    assert list(Commendation.objects.confirmed()) == [made]
    assert (
        secretary.post(reverse("rectification:commendation_delete", args=[made.pk])).status_code
        == 403
    )


def test_edit_changes_the_honour_not_the_subject(world):
    commendation = make_model_org(world, world.own)
    client = client_for(world, "secretary")
    url = reverse("rectification:commendation_edit", args=[commendation.pk])
    response = client.post(url, {"title": "先进党组织（更正）", "commended_on": "2014-07-02",
                                 "commended_by": "中共测试县委", "citation": "a\r\nb",
                                 "subject": world.sibling.pk,
                                 "seen": commendation.updated_at.isoformat()})  # fmt: skip
    assert response.status_code == 302
    commendation.refresh_from_db()
    assert commendation.title == "先进党组织（更正）"
    assert commendation.citation == "a\nb"
    assert commendation.organization == world.own
    stale = client.post(url, {"title": "again", "commended_on": "2014-07-02",
                              "commended_by": "x", "seen": "2000-01-01T00:00:00+00:00"})  # fmt: skip
    assert stale.status_code == 409


def test_services_enforce_who_may_commend(world):
    campaign = campaign_for(world)
    values = {
        "title": "t",
        "citation": "",
        "commended_on": dt.date(2014, 7, 1),
        "commended_by": "县委",
    }
    member = investor(world.own)
    with pytest.raises(PermissionDenied):  # reviewers do not record typical investors
        services.commendation_create(actor=world.reviewer, organization=world.own,
                                     campaign=campaign, kind=INVESTOR, subject=member,
                                     fields=values)  # fmt: skip
    with pytest.raises(PermissionDenied):  # the office only reads
        services.commendation_create(actor=world.office, organization=world.own,
                                     campaign=campaign, kind=MODEL_ORG, subject=world.own,
                                     fields=values)  # fmt: skip
    for higher in (world.reviewer, world.instructor):  # they confirm, they do not record
        with pytest.raises(PermissionDenied):
            services.commendation_create(actor=higher, organization=world.own,
                                         campaign=campaign, kind=MODEL_ORG, subject=world.child,
                                         fields=values)  # fmt: skip
    with pytest.raises(ValidationError):  # the subject must lie below the page's organization
        services.commendation_create(actor=world.admin, organization=world.own,
                                     campaign=campaign, kind=MODEL_ORG, subject=world.sibling,
                                     fields=values)  # fmt: skip
    made = services.commendation_create(actor=world.secretary, organization=world.own,
                                        campaign=campaign, kind=MODEL_ORG, subject=world.child,
                                        fields=values)  # fmt: skip
    assert made.organization == world.child and made.created_by == world.secretary


def test_a_typical_investor_must_be_an_investor_member(world):
    campaign = campaign_for(world)
    plain = MemberFactory(organization=world.own, is_investor=False)
    with pytest.raises(ValidationError) as exc:
        services.commendation_create(
            actor=world.secretary, organization=world.own, campaign=campaign, kind=INVESTOR,
            subject=plain,
            fields={"title": "t", "commended_on": dt.date(2014, 7, 1), "commended_by": "县委"},
        )  # fmt: skip
    assert "member" in exc.value.error_dict


@pytest.mark.parametrize(
    "data",
    [
        {"subject": "abc", "title": "t", "commended_on": "2014-07-01", "commended_by": "x"},
        {"subject": "999999", "title": "t", "commended_on": "2014-07-01", "commended_by": "x"},
        {"subject": "{own}", "title": "", "commended_on": "2014-07-01", "commended_by": "x"},
        {"subject": "{own}", "title": "t", "commended_on": "2014-02-30", "commended_by": "x"},
        {"subject": "{own}", "title": "t", "commended_on": "2999-01-01", "commended_by": "x"},
        {"subject": "{own}", "title": "t" * 300, "commended_on": "2014-07-01", "commended_by": "x"},
        {"subject": "{own}", "title": "t", "commended_on": "2014-07-01", "commended_by": ""},
        {},
    ],
)
def test_bad_input_answers_with_the_form(world, data):
    campaign_for(world)
    data = {k: (str(world.own.pk) if v == "{own}" else v) for k, v in data.items()}
    response = client_for(world, "secretary").post(
        reverse("rectification:commendation_create", args=[world.own.pk, MODEL_ORG]), data
    )
    assert response.status_code == 200
    assert not Commendation.objects.exists()


def test_bad_addresses_are_404_not_500(world):
    campaign_for(world)
    client = client_for(world, "secretary")
    assert (
        client.get(
            reverse("rectification:commendation_create", args=[world.own.pk, "hero"])
        ).status_code
        == 404
    )
    assert client.get(reverse("rectification:commendation_edit", args=[999999])).status_code == 404
    assert (
        client.get(
            reverse("rectification:commendation_list", args=[world.own.pk]) + "?page=zz&campaign=q"
        ).status_code
        == 200
    )
    bad_member = client.post(
        reverse("rectification:commendation_create", args=[world.own.pk, INVESTOR]),
        {"member": "x", "title": "t", "commended_on": "2014-07-01", "commended_by": "x"},
    )
    assert bad_member.status_code == 200


# --- query counts --------------------------------------------------------------------------


def test_list_runs_a_fixed_number_of_queries(world):
    make_model_org(world, world.own)
    make_investor(world, investor(world.own))

    def grow() -> None:
        for i in range(10):
            make_model_org(world, world.child, title=f"表彰{i}")
            make_investor(world, investor(world.child, f"出资人{i}"))

    # session, user, organization, grants, campaigns, roles, COUNT, one page with
    # organization, campaign and member, the navigation's unread count
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("rectification:commendation_list", args=[world.own.pk]),
        grow,
        expected=9,
    )


def test_scope_list_runs_a_fixed_number_of_queries(world):
    make_model_org(world, world.own)

    def grow() -> None:
        for i in range(10):
            make_model_org(world, world.sibling, title=f"表彰{i}")
            make_investor(world, investor(world.child, f"出资人{i}"))

    # session, user, grants, COUNT, one page with organization, campaign and member,
    # roles (may commend), the navigation's unread count
    assert_constant_queries(
        client_for(world, "office"),
        reverse("rectification:commendation_scope_list"),
        grow,
        expected=7,
    )


def test_detail_runs_a_fixed_number_of_queries(world):
    from django.contrib.contenttypes.models import ContentType

    commendation = make_model_org(world, world.own)
    # The review timeline names the record's content type: cached for the process
    # after its first lookup, as on a running server.
    ContentType.objects.get_for_model(Commendation)

    def grow() -> None:
        from portal.reviews.models import ReviewAction
        from portal.reviews.services import review_transition

        for action, actor in ((ReviewAction.SUBMIT, world.secretary),
                              (ReviewAction.RETURN, world.reviewer),
                              (ReviewAction.RESUBMIT, world.secretary)):  # fmt: skip
            review_transition(commendation, action=action, actor=actor, comment="补充事迹")

    # session, user, the commendation with organization, campaign and member, grants,
    # the review events with their actors, roles (the reviewer's buttons), the
    # navigation's unread count
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("rectification:commendation_detail", args=[commendation.pk]),
        grow,
        expected=7,
    )
