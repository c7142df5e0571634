"""Pages of classifying and lifting organizations and of leadership terms: the
permission matrix, writes through the forms, and pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import OrgKind
from portal.reviews.services import review_transition
from tests.conftest import World
from tests.factories import add_org
from tests.utils import assert_constant_queries, check_matrix, client_for
from upgrading import services
from upgrading.models import Grade, Grading, LeadershipTerm, UpgradePlan
from upgrading.seed import ensure_grading_template

from .helpers import grade, lagging_plan, plan_fields, scores_for

pytestmark = pytest.mark.django_db

SEE = {
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
# Grading: a reviewer above or the instructor.
GRADE = {**SEE, "office": 403, "secretary": 403, "clerk": 403}
# Writing the organization's own records: its secretary and clerk.
RECORD = {**SEE, "office": 403, "reviewer": 403, "instructor": 403}


@pytest.mark.parametrize("name", ["upgrading:org", "upgrading:board"])
def test_reading_pages_matrix(world: World, name: str) -> None:
    check_matrix(world, reverse(name, args=[world.own.pk]), SEE)
    check_matrix(world, reverse(name, args=[world.child.pk]), SEE)
    # The parent: the organization's people do not see it; the reviewer sits there.
    check_matrix(
        world,
        reverse(name, args=[world.park_a.pk]),
        {"anonymous": 302, "secretary": 404, "instructor": 404, "reviewer": 200, "office": 200},
    )
    check_matrix(
        world,
        reverse(name, args=[world.far.pk]),
        {"anonymous": 302, "secretary": 404, "reviewer": 404, "office": 404, "admin": 200},
    )


def test_grade_matrix_get_and_post(world: World) -> None:
    check_matrix(world, reverse("upgrading:grade", args=[world.own.pk]), GRADE)
    check_matrix(world, reverse("upgrading:grade", args=[world.child.pk]), GRADE)
    # The reviewer sits at park_a: its own level is graded from above.
    check_matrix(
        world,
        reverse("upgrading:grade", args=[world.park_a.pk]),
        {"reviewer": 403, "office": 403, "secretary": 404, "admin": 200},
    )
    check_matrix(
        world,
        reverse("upgrading:grade", args=[world.sibling.pk]),
        {"reviewer": 200, "instructor": 404, "secretary": 404},
    )
    check_matrix(
        world,
        reverse("upgrading:grade", args=[world.own.pk]),
        {"anonymous": 302, "outsider": 404, "secretary": 403, "office": 403},
        method="post",
        data={"year": 2026},
    )
    assert not Grading.objects.exists()


def _grade_data(total: int, year: int = 2026) -> dict[str, object]:
    data: dict[str, object] = {"year": year, "note": "实地查看"}
    for pk, score in scores_for(total).items():
        data[f"item_{pk}"] = score
    return data


def test_the_reviewer_grades_through_the_form(world: World) -> None:
    client = client_for(world, "reviewer")
    url = reverse("upgrading:grade", args=[world.own.pk])
    response = client.post(url, _grade_data(55))
    assert response.status_code == 302
    grading = Grading.objects.get(organization=world.own, year=2026)
    assert grading.grade == Grade.LAGGING and grading.score == 55
    # Re-grading the same year: the year is fixed, a stale copy is refused.
    page = client.get(f"{url}?year=2026")
    assert page.status_code == 200
    data = _grade_data(90)
    data["seen"] = "2000-01-01T00:00:00+00:00"
    assert client.post(f"{url}?year=2026", data).status_code == 409
    data["seen"] = page.context["form"].initial["seen"]
    assert client.post(f"{url}?year=2026", data).status_code == 302
    grading.refresh_from_db()
    assert grading.grade == Grade.ADVANCED


def test_bad_scores_are_field_errors_not_500(world: World) -> None:
    client = client_for(world, "reviewer")
    data = _grade_data(55)
    first = next(k for k in data if k.startswith("item_"))
    data[first] = 500
    data["year"] = "abc"
    response = client.post(reverse("upgrading:grade", args=[world.own.pk]), data)
    assert response.status_code == 200
    assert first in response.context["form"].errors
    assert "year" in response.context["form"].errors


@pytest.mark.parametrize(
    "name", ["upgrading:plan_create", "upgrading:demonstration_create", "upgrading:term_create"]
)
def test_record_pages_matrix(world: World, name: str) -> None:
    check_matrix(world, reverse(name, args=[world.own.pk]), RECORD)
    check_matrix(world, reverse(name, args=[world.child.pk]), RECORD)
    check_matrix(
        world,
        reverse(name, args=[world.park_a.pk]),
        {"secretary": 404, "reviewer": 403, "office": 403},
    )
    check_matrix(
        world,
        reverse(name, args=[world.own.pk]),
        {"anonymous": 302, "outsider": 404, "reviewer": 403, "instructor": 403},
        method="post",
        data={},
    )


def test_the_secretary_writes_a_plan_and_an_unlisted_one_is_refused(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("upgrading:plan_create", args=[world.own.pk])
    data = plan_fields()
    data["deadline"] = data["deadline"].isoformat()
    response = client.post(url, data)
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    grade(world, world.own, timezone.localdate().year, 40)
    response = client.post(url, data)
    plan = UpgradePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()


def test_plan_pages_matrix(world: World) -> None:
    plan = lagging_plan(world)
    check_matrix(world, reverse("upgrading:plan_detail", args=[plan.pk]), SEE)
    check_matrix(world, reverse("upgrading:plan_edit", args=[plan.pk]), RECORD)
    # Notes and de-listing wait for the approval of the plan.
    response = client_for(world, "secretary").post(
        reverse("upgrading:note_add", args=[plan.pk]),
        {"noted_on": timezone.localdate().isoformat(), "text": "进展"},
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    review_transition(plan, action="submit", actor=world.secretary)
    # Locked while waiting: the edit page says so.
    assert client_for(world, "secretary").get(
        reverse("upgrading:plan_edit", args=[plan.pk])
    ).status_code in (403, 409)
    review_transition(plan, action="approve", actor=world.reviewer)
    check_matrix(
        world,
        reverse("upgrading:note_add", args=[plan.pk]),
        {"anonymous": 302, "outsider": 404, "reviewer": 403, "office": 403, "secretary": 302},
        method="post",
        data={"noted_on": timezone.localdate().isoformat(), "text": "召开支委会"},
    )
    check_matrix(world, reverse("upgrading:delisting_edit", args=[plan.pk]), RECORD)


def test_delisting_and_demonstration_pages_matrix(world: World) -> None:
    plan = lagging_plan(world, approve=True)
    delisting = services.delisting_save(actor=world.secretary, plan=plan, results="整改到位")
    check_matrix(world, reverse("upgrading:delisting_detail", args=[delisting.pk]), SEE)
    demo = services.demonstration_save(
        actor=world.secretary, organization=world.own, year=2026, reasons="作用发挥好"
    )
    check_matrix(world, reverse("upgrading:demonstration_detail", args=[demo.pk]), SEE)
    check_matrix(world, reverse("upgrading:demonstration_edit", args=[demo.pk]), RECORD)
    assert client_for(world, "secretary").get("/upgrading/plans/abc/").status_code == 404


def test_the_secretary_records_an_election_with_the_default_term(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("upgrading:term_create", args=[world.child.pk])
    assert client.get(url).context["form"].initial["term_years"] == 3
    assert (
        client.get(reverse("upgrading:term_create", args=[world.own.pk]))
        .context["form"]
        .initial["term_years"]
        == 5
    )
    response = client.post(url, {"elected_on": "2025-03-01", "term_years": 3, "note": ""})
    assert response.status_code == 302
    assert LeadershipTerm.objects.get().due_on == dt.date(2028, 3, 1)
    response = client.post(url, {"elected_on": "2999-01-01", "term_years": 3})
    assert response.status_code == 200 and "elected_on" in response.context["form"].errors


def test_the_board_counts_classes_per_level_and_moves(world: World) -> None:
    grade(world, world.own, 2025, 50)
    grade(world, world.own, 2026, 90)  # up
    grade(world, world.child, 2025, 90)
    grade(world, world.child, 2026, 70)  # down
    grade(world, world.sibling, 2026, 30)  # new
    grade(world, world.other, 2026, 70, actor=world.admin)  # under park_b
    response = client_for(world, "office").get(
        reverse("upgrading:board", args=[world.working.pk]) + "?year=2026"
    )
    total = response.context["total"]
    rows = {row.organization.pk: row for row in response.context["rows"]}
    assert (total.advanced, total.middle, total.lagging) == (1, 2, 1)
    assert (total.up, total.down, total.same) == (1, 1, 0)
    park_a = rows[world.park_a.pk]
    assert (park_a.advanced, park_a.middle, park_a.lagging, park_a.up, park_a.down) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert rows[world.park_b.pk].middle == 1


def test_org_page_runs_a_fixed_number_of_queries(world: World) -> None:
    lagging_plan(world)

    def grow() -> None:
        for year in range(2010, 2020):
            grade(world, world.own, year, 50 + year - 2010)
        for year in range(2000, 2010):
            LeadershipTerm.objects.create(
                organization=world.own, elected_on=dt.date(year, 1, 1), term_years=3
            )
            services.demonstration_save(
                actor=world.secretary, organization=world.own, year=year, reasons="示范"
            )

    # session, user, organization, grants, roles, the organization with its current
    # term, classes, elections, plans, demonstrations, the navigation's unread count
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("upgrading:org", args=[world.own.pk]),
        grow,
        expected=11,
    )


def test_plan_detail_runs_a_fixed_number_of_queries(world: World) -> None:
    plan = lagging_plan(world, approve=True)

    def grow() -> None:
        for i in range(10):
            services.note_add(
                actor=world.secretary, plan=plan, noted_on=timezone.localdate(), text=f"进展{i}"
            )

    # session, user, plan + organization, grants, roles, notes, de-listing request,
    # review events, the note form's secretary posts, the navigation's unread count
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("upgrading:plan_detail", args=[plan.pk]),
        grow,
        expected=10,
    )


def test_board_runs_a_fixed_number_of_queries(world: World) -> None:
    ensure_grading_template()

    def grow() -> None:
        for i in range(10):
            org = add_org(world.park_a, kind=OrgKind.BRANCH)
            grade(world, org, 2025, 40 + i)
            grade(world, org, 2026, 50 + i)
            LeadershipTerm.objects.create(
                organization=org, elected_on=dt.date(2020, 1, 1), term_years=3
            )
            services.plan_create(actor=None, organization=org, fields=plan_fields(2026))
            demo = services.demonstration_save(
                actor=None, organization=org, year=2026, reasons="示范"
            )
            review_transition(demo, action="submit", actor=world.admin)
            review_transition(demo, action="approve", actor=world.reviewer)

    # session, user, organization, grants, roles, children, gradings of both years,
    # terms due, open plans, demonstrations, the navigation's unread count
    assert_constant_queries(
        client_for(world, "office"),
        reverse("upgrading:board", args=[world.working.pk]) + "?year=2026",
        grow,
        expected=11,
    )


def test_dashboard_panel_matrix_and_content(world: World) -> None:
    url = reverse("upgrading:dashboard_panel", args=[world.park_a.pk])
    check_matrix(
        world,
        url,
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "secretary": 404,
            "reviewer": 200,
            "office": 200,
        },
    )
    grade(world, world.own, 2025, 90)
    grade(world, world.own, 2026, 40)
    LeadershipTerm.objects.create(
        organization=world.own, elected_on=dt.date(2020, 1, 1), term_years=5
    )
    response = client_for(world, "reviewer").get(url)
    assert response.context["year"] == 2026
    assert (response.context["total"].lagging, response.context["total"].down) == (1, 1)
    assert [t.pk for t in response.context["terms"]] == [world.own.pk]
    # The dashboard loads it after the page.
    page = client_for(world, "reviewer").get(
        reverse("progress:dashboard_org", args=[world.park_a.pk])
    )
    assert url in page.content.decode()


def test_dashboard_panel_runs_a_fixed_number_of_queries(world: World) -> None:
    def grow() -> None:
        for i in range(10):
            org = add_org(world.park_a, kind=OrgKind.BRANCH)
            grade(world, org, 2026, 40 + 5 * i)
            LeadershipTerm.objects.create(
                organization=org, elected_on=dt.date(2020, 1, 1), term_years=3
            )

    # session, user, organization, grants, roles, latest year, children, gradings,
    # terms due
    assert_constant_queries(
        client_for(world, "office"),
        reverse("upgrading:dashboard_panel", args=[world.working.pk]),
        grow,
        expected=9,
    )


def test_instructor_panel_lists_terms_and_open_plans_of_assigned_organizations(
    world: World,
) -> None:
    url = reverse("upgrading:instructor_panel")
    check_matrix(
        world, url, {"anonymous": 302, "secretary": 403, "reviewer": 403, "instructor": 200}
    )
    plan = lagging_plan(world)
    LeadershipTerm.objects.create(
        organization=world.child, elected_on=dt.date(2020, 1, 1), term_years=3
    )
    LeadershipTerm.objects.create(
        organization=world.sibling, elected_on=dt.date(2020, 1, 1), term_years=3
    )
    response = client_for(world, "instructor").get(url)
    assert [t.pk for t in response.context["terms"]] == [world.child.pk]  # not the sibling
    assert response.context["plans"] == [plan]
    home = client_for(world, "instructor").get(reverse("core:home"))
    assert url in home.content.decode()


def test_instructor_panel_runs_a_fixed_number_of_queries(world: World) -> None:
    def grow() -> None:
        for _ in range(10):
            org = add_org(world.own, kind=OrgKind.BRANCH)
            LeadershipTerm.objects.create(
                organization=org, elected_on=dt.date(2020, 1, 1), term_years=3
            )
            grade(world, org, 2026, 30)
            services.plan_create(actor=None, organization=org, fields=plan_fields(2026))

    # session, user, roles, open plans, terms due, grants
    assert_constant_queries(
        client_for(world, "instructor"), reverse("upgrading:instructor_panel"), grow, expected=6
    )


def test_exports_of_classes_and_terms_are_limited_to_the_scope(world: World) -> None:
    import csv
    import io

    grade(world, world.own, 2026, 90)
    grade(world, world.other, 2026, 40, actor=world.admin)
    LeadershipTerm.objects.create(
        organization=world.own, elected_on=dt.date(2024, 1, 1), term_years=5
    )
    LeadershipTerm.objects.create(
        organization=world.other, elected_on=dt.date(2024, 1, 1), term_years=3
    )
    client = client_for(world, "reviewer")
    for kind in ("gradings", "terms"):
        response = client.get(reverse("io:export", args=[kind, "csv"]))
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        names = [row[0] for row in rows[1:]]
        assert names == [world.own.full_name], (kind, rows)
    response = client.get(
        reverse("io:export", args=["gradings", "csv"]) + "?org=" + world.other.code
    )
    assert response.status_code == 404
