"""The instructor's page and the guidance visit log: who reads and writes what, the
figures shown, bad input, constant query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import MeetingKind
from guidance.models import GuidanceVisit
from organizations.models import OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from tests.activities import factories as af
from tests.conftest import World
from tests.factories import UserFactory, add_org
from tests.guidance.factories import overdue_visit, visit
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

HOME = reverse("guidance:home")
LIST = reverse("guidance:visit_list")

# The readers of a visit at `own`: whoever may VIEW it (see guidance/views.py).
READERS = {
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


def _org_url(world: World, name: str, view: str = "guidance:org_visits") -> str:
    return reverse(view, args=[getattr(world, name).pk])


def _second_instructor(world: World) -> Any:
    other = UserFactory(username="instructor2")
    role_assign(actor=None, user=other, role=Role.INSTRUCTOR, organization=world.own)
    return other


# --- permissions ---------------------------------------------------------------------------


def test_instructor_page_matrix(world: World) -> None:
    check_matrix(
        world,
        HOME,
        {
            "anonymous": 302,
            "nobody": 403,
            "outsider": 403,
            "member_user": 403,
            "office": 403,
            "reviewer": 403,
            "secretary": 403,
            "clerk": 403,
            "instructor": 200,
            "admin": 200,
        },
    )


def test_visit_list_matrix(world: World) -> None:
    check_matrix(
        world,
        LIST,
        {
            "anonymous": 302,
            "nobody": 403,
            "member_user": 403,
            "outsider": 200,
            "office": 200,
            "reviewer": 200,
            "instructor": 200,
            "secretary": 200,
            "clerk": 200,
            "admin": 200,
        },
    )


def test_visit_list_shows_only_visits_in_the_users_scope(world: World) -> None:
    mine = visit(world.instructor, world.own)
    far = visit(world.admin, world.far)
    for persona, expected in (
        ("outsider", []),
        ("secretary", [mine.pk]),
        ("reviewer", [mine.pk]),
        ("office", [mine.pk]),
        ("admin", [mine.pk, far.pk]),
    ):
        page = client_for(world, persona).get(LIST).context["page"]
        assert sorted(v.pk for v in page.object_list) == sorted(expected), persona


def test_org_visit_log_matrix_own_child_parent_sibling_other_county(world: World) -> None:
    check_matrix(world, _org_url(world, "own"), READERS)
    check_matrix(world, _org_url(world, "child"), {"instructor": 200, "secretary": 200})
    check_matrix(
        world,
        _org_url(world, "park_a"),
        {"instructor": 404, "secretary": 404, "reviewer": 200, "office": 200},
    )
    check_matrix(world, _org_url(world, "sibling"), {"instructor": 404, "reviewer": 200})
    check_matrix(
        world,
        _org_url(world, "far"),
        {"instructor": 404, "reviewer": 404, "office": 404, "admin": 200},
    )


def test_log_visit_matrix(world: World) -> None:
    create = "guidance:visit_create"
    check_matrix(
        world,
        _org_url(world, "own", create),
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "member_user": 404,
            "office": 403,
            "reviewer": 403,
            "secretary": 403,
            "clerk": 403,
            "instructor": 200,
            "admin": 200,
        },
    )
    # The instructor acts on the organizations below theirs, not above or beside it.
    check_matrix(world, _org_url(world, "child", create), {"instructor": 200, "secretary": 403})
    check_matrix(world, _org_url(world, "park_a", create), {"instructor": 404, "reviewer": 403})
    check_matrix(world, _org_url(world, "sibling", create), {"instructor": 404, "reviewer": 403})
    check_matrix(world, _org_url(world, "far", create), {"instructor": 404, "admin": 200})


def test_visit_detail_and_edit_matrix(world: World) -> None:
    v = visit(world.instructor, world.own)
    detail = reverse("guidance:visit_detail", args=[v.pk])
    edit = reverse("guidance:visit_edit", args=[v.pk])
    check_matrix(world, detail, READERS)
    check_matrix(
        world,
        edit,
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "member_user": 404,
            "office": 403,
            "reviewer": 403,
            "secretary": 403,
            "clerk": 403,
            "instructor": 200,
            "admin": 200,
        },
    )
    # Another instructor of the same organization reads it but may not edit it.
    other = _second_instructor(world)
    client = client_for(world, "anonymous")
    client.force_login(other)
    assert client.get(detail).status_code == 200
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"advice": "改写"}).status_code == 403


def test_visits_in_the_child_parent_sibling_and_other_county(world: World) -> None:
    """A visit's page follows its organization: the secretary of `own` reads the visit
    to its child branch, the reviewer reads the sibling's, nobody but the
    administrator reads the other county's."""
    child = visit(world.instructor, world.child)
    sibling = visit(world.admin, world.sibling)
    far = visit(world.admin, world.far)
    detail = "guidance:visit_detail"
    check_matrix(
        world, reverse(detail, args=[child.pk]), {"secretary": 200, "clerk": 200, "outsider": 404}
    )
    check_matrix(
        world,
        reverse(detail, args=[sibling.pk]),
        {"reviewer": 200, "instructor": 404, "secretary": 404},
    )
    check_matrix(
        world,
        reverse(detail, args=[far.pk]),
        {"reviewer": 404, "office": 404, "instructor": 404, "admin": 200},
    )
    assert client_for(world, "admin").get("/guidance/visits/999999/").status_code == 404


# --- writing -------------------------------------------------------------------------------


def _form(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "visited_on": (today - dt.timedelta(days=2)).isoformat(),
        "checked": "查看了学习记录。",
        "advice": "补齐记录。",
        "follow_up_due": (today + dt.timedelta(days=14)).isoformat(),
    }
    data.update(overrides)
    return data


def test_instructor_logs_a_visit_and_it_records_who_and_history(world: World) -> None:
    client = client_for(world, "instructor")
    response = client.post(_org_url(world, "own", "guidance:visit_create"), _form())
    v = GuidanceVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == v.get_absolute_url()
    assert (v.organization, v.instructor) == (world.own, world.instructor)
    assert v.history.count() == 1 and v.history.first().history_user == world.instructor


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_on": ""}, "visited_on"),
        ({"visited_on": "not a date"}, "visited_on"),
        ({"checked": "  "}, "checked"),
        ({"advice": ""}, "advice"),
        ({"visited_on": "2099-01-01", "follow_up_due": ""}, "visited_on"),
        ({"follow_up_due": "2000-01-01"}, "follow_up_due"),
    ],
)
def test_bad_input_shows_field_errors_not_500(
    world: World, overrides: dict[str, str], field: str
) -> None:
    client = client_for(world, "instructor")
    response = client.post(_org_url(world, "own", "guidance:visit_create"), _form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not GuidanceVisit.objects.exists()


def test_edit_marks_the_follow_up_done_and_bad_done_dates_are_refused(world: World) -> None:
    v = overdue_visit(world.instructor, world.own)
    client = client_for(world, "instructor")
    edit = reverse("guidance:visit_edit", args=[v.pk])
    seen = client.get(edit).context["form"].initial["seen"]
    base = {
        "visited_on": v.visited_on.isoformat(),
        "checked": v.checked,
        "advice": v.advice,
        "follow_up_due": v.follow_up_due.isoformat(),
        "seen": seen,
    }
    too_early = (v.visited_on - dt.timedelta(days=1)).isoformat()
    response = client.post(edit, {**base, "follow_up_done_on": too_early})
    assert response.status_code == 200
    assert response.context["form"].errors["follow_up_done_on"]
    response = client.post(edit, {**base, "follow_up_done_on": "2099-01-01"})
    assert response.context["form"].errors["follow_up_done_on"]
    today = timezone.localdate().isoformat()
    response = client.post(edit, {**base, "follow_up_done_on": today})
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.follow_up_done_on == timezone.localdate() and not v.overdue
    assert v.history.count() == 2


def test_edit_on_a_stale_copy_is_refused_with_409(world: World) -> None:
    v = visit(world.instructor, world.own)
    client = client_for(world, "instructor")
    edit = reverse("guidance:visit_edit", args=[v.pk])
    seen = client.get(edit).context["form"].initial["seen"]
    GuidanceVisit.objects.filter(pk=v.pk).update(updated_at=timezone.now())
    data = {
        "visited_on": v.visited_on.isoformat(),
        "checked": "另一个版本",
        "advice": v.advice,
        "seen": seen,
    }
    response = client.post(edit, data)
    assert response.status_code == 409
    v.refresh_from_db()
    assert v.checked != "另一个版本"


# --- the instructor's page and home --------------------------------------------------------


def test_instructor_page_shows_checklist_status_visits_and_overdue_follow_ups(
    world: World,
) -> None:
    campaign = af.campaign_for(world)
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.other)
    af.members(world.own, 2)
    af.meeting(world.own, campaign, kind=MeetingKind.MOBILIZATION)
    late = overdue_visit(world.instructor, world.own)
    upcoming = visit(world.instructor, world.own, days_ago=3, follow_up_in=20)
    response = client_for(world, "instructor").get(HOME)
    statuses = {s.organization.pk: s for s in response.context["statuses"]}
    assert set(statuses) == {world.own.pk, world.other.pk}
    own = statuses[world.own.pk]
    assert own.total > 0 and own.met >= 1  # the mobilization meeting
    assert own.met + len(own.failing) == own.total
    assert "mobilization" not in [req.code for req, _r in own.failing]
    assert own.last_visit == timezone.localdate() - dt.timedelta(days=3)
    assert own.next_follow_up == upcoming.follow_up_due  # the overdue one is counted apart
    assert own.overdue_follow_ups == 1
    assert statuses[world.other.pk].last_visit is None
    assert [v.pk for v in response.context["overdue"]] == [late.pk]
    body = response.content.decode()
    assert "1 follow-up overdue" in body and 'class="assigned assigned-overdue"' in body


def test_instructor_home_shows_overdue_follow_ups_and_links_to_the_guidance_page(
    world: World,
) -> None:
    overdue_visit(world.instructor, world.own)
    overdue_visit(world.instructor, world.child)  # below an assigned organization
    visit(world.instructor, world.own, follow_up_in=30)  # not yet due
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.child)
    response = client_for(world, "instructor").get(reverse("core:home"))
    # own's subtree holds both; child is assigned too but counted once.
    assert response.context["overdue_follow_ups"] == 2
    body = response.content.decode()
    assert "2 follow-ups overdue" in body
    assert f'href="{HOME}"' in body


def test_organization_page_links_to_its_visit_log(world: World) -> None:
    body = client_for(world, "secretary").get(world.own.get_absolute_url()).content.decode()
    assert f'href="{_org_url(world, "own")}"' in body


# --- query counts --------------------------------------------------------------------------


def _grow(world: World) -> None:
    """About ten times the visits and organizations."""
    for i in range(8):
        branch = add_org(world.own, kind=OrgKind.BRANCH, short_name=f"支部{i}")
        overdue_visit(world.instructor, branch)
        visit(world.instructor, world.own, follow_up_in=40)
        visit(world.admin, world.sibling)


def test_visit_list_query_counts_are_constant(world: World) -> None:
    visit(world.instructor, world.own)
    # session, user, grants, roles (visit rows: may the user edit them), COUNT, one page
    # with organizations and instructors, the navigation's unread count.
    assert_constant_queries(client_for(world, "reviewer"), LIST, lambda: _grow(world), 7)


def test_org_visit_log_query_count_is_constant(world: World) -> None:
    visit(world.instructor, world.own)
    # session, user, organization, grants, roles, COUNT, one page, unread count.
    url = _org_url(world, "own")
    assert_constant_queries(client_for(world, "instructor"), url, lambda: _grow(world), 8)


def test_visit_detail_query_count_is_constant(world: World) -> None:
    v = visit(world.instructor, world.own)
    url = reverse("guidance:visit_detail", args=[v.pk])
    # session, user, visit with organization and instructor, grants, roles, unread count.
    assert_constant_queries(client_for(world, "instructor"), url, lambda: _grow(world), 6)


def test_instructor_page_query_count_is_constant(world: World) -> None:
    campaign = af.campaign_for(world)
    visit(world.instructor, world.own)
    client = client_for(world, "instructor")
    client.get(HOME)  # warm the content-type cache (the mechanisms requirement)

    def grow() -> None:
        _grow(world)
        for org in (world.child, world.sibling):
            role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=org)
            af.meeting(org, campaign, kind=MeetingKind.MOBILIZATION)

    # session, user, roles; campaigns and phases (2); the scope (1) and the
    # requirements' grouped queries (19: mobilization and study exchanges share their
    # two); visit figures (1); overdue follow-ups (1);
    # latest visits (1); the enterprises without an organization assigned (1, none
    # here: no members query); satisfaction below the threshold (1 per campaign); the
    # navigation's grants and unread count (2).
    assert_constant_queries(client, HOME, grow, 32)


def test_instructor_page_lists_organizations_under_the_satisfaction_threshold(
    world: World,
) -> None:
    from tests.rectification.satisfaction_factories import cast_many

    cast_many(world, world.own, satisfied=9, unsatisfied=1)  # 90 %: not listed
    cast_many(world, world.child, satisfied=1, unsatisfied=3)  # 25 %: listed
    cast_many(world, world.other, unsatisfied=2)  # not assigned: not listed
    text = client_for(world, "instructor").get(HOME).content.decode()
    assert "Satisfaction below the threshold" in text
    section = text[text.index("Satisfaction below the threshold") :]
    assert world.child.short_name in section and "25.0%" in section
    assert world.own.short_name not in section.split("</section>")[0]
    assert world.other.short_name not in section
