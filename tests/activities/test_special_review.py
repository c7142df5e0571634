"""The special organizational-life meeting's record reviewed upward (docs/product.md §6.2, §7):
submitted from the meeting's page, reviewed through portal.reviews, locked for its
authors while submitted or approved, and read by the live checklist."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from activities.meetings.services import (
    criticism_add,
    criticism_delete,
    meeting_delete,
    meeting_update,
    participation_create,
    special_meeting_submit,
)
from activities.models import Attendance, CriticismEntry, CriticismKind, Meeting, MeetingKind
from activities.models.meetings import SpecialMeetingReview
from organizations.models import Member, Organization
from portal.attachments.models import Attachment
from portal.attachments.services import attachment_add
from portal.progress import engine
from portal.progress.engine import Level
from portal.progress.scopes import scope_for_org
from portal.reviews.models import RecordLocked, ReviewEvent, ReviewStatus, ReviewTask
from portal.reviews.services import review_transition
from tests.activities.factories import POSITIONS, RECORD_MATRIX, campaign_for, meeting, members
from tests.activities.test_meetings_views import meeting_at
from tests.attachments.files import png_bytes, upload
from tests.conftest import World
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

AFTER = dt.date(2015, 1, 1)

# The submit action needs SUBMIT: secretaries (and the site administrator); clerks,
# reviewers, instructors and the office see the meeting but may not send it up. A
# permitted POST answers with a redirect back to the meeting.
SUBMIT_MATRIX: dict[str, dict[str, int]] = {
    position: {persona: 302 if code == 200 else code for persona, code in matrix.items()}
    for position, matrix in RECORD_MATRIX.items()
}
SUBMIT_MATRIX["own"] = {**SUBMIT_MATRIX["own"], "clerk": 403}
SUBMIT_MATRIX["child"] = SUBMIT_MATRIX["own"]


def special_meeting_of(
    world: World, org: Organization | None = None
) -> tuple[Meeting, list[Member]]:
    """A complete special meeting (guide and report recorded) of `org` (default: the
    secretary's own organization) with two members present and one criticism entry."""
    org = org or world.own
    people = members(org, 2)
    m = meeting(
        org,
        campaign_for(world),
        kind=MeetingKind.SPECIAL,
        day="2014-06-20",
        topic="专题组织生活会",
        guide_name="赵指导",
        secretary_report="班子对照检查报告",
        improvement_measures="建立学习制度",
    )
    criticism_add(
        actor=None, meeting=m, kind=CriticismKind.CRITICISM, by_member=people[0],
        about_member=people[1], points="工作作风不够扎实",
    )  # fmt: skip
    return m, people


def review_of(m: Meeting) -> SpecialMeetingReview:
    return SpecialMeetingReview.objects.select_related("organization").get(meeting=m)


def submit_url(m: Meeting) -> str:
    return reverse("activities:meeting_submit_review", args=[m.pk])


def transition_url(review: SpecialMeetingReview) -> str:
    return reverse("reviews:transition", args=["activities.specialmeetingreview", review.pk])


def locked_urls(m: Meeting) -> list[tuple[str, str]]:
    entry = m.criticisms.first()
    assert entry is not None
    return [
        ("get", reverse("activities:meeting_edit", args=[m.pk])),
        ("post", reverse("activities:meeting_edit", args=[m.pk])),
        ("get", reverse("activities:meeting_delete", args=[m.pk])),
        ("post", reverse("activities:meeting_delete", args=[m.pk])),
        ("get", reverse("activities:criticism_add", args=[m.pk])),
        ("post", reverse("activities:criticism_add", args=[m.pk])),
        ("post", reverse("activities:criticism_delete", args=[entry.pk])),
        ("post", reverse("activities:meeting_attachments", args=[m.pk])),
    ]


def assert_locked_for_authors(world: World, m: Meeting) -> None:
    """Every edit page and action answers 403 with the "locked" page, and nothing of
    the meeting changes."""
    entries_before = m.criticisms.count()
    for persona in ("secretary", "clerk"):
        client = client_for(world, persona)
        for method, url in locked_urls(m):
            response = getattr(client, method)(url, {})
            assert response.status_code == 403, (persona, method, url, response.status_code)
            assert "reviews/locked.html" in [t.name for t in response.templates], url
    assert Meeting.objects.filter(pk=m.pk).exists()
    assert m.criticisms.count() == entries_before


# --- permission matrix of the new view ------------------------------------------------


@pytest.mark.parametrize("position", list(POSITIONS))
def test_submit_for_review_needs_submit(world: World, position: str) -> None:
    m = meeting_at(
        world, position, kind=MeetingKind.SPECIAL, day="2014-06-20", guide_name="赵指导",
        secretary_report="报告",
    )  # fmt: skip
    check_matrix(world, submit_url(m), SUBMIT_MATRIX[position], method="post")


def test_submit_for_review_only_takes_posts_and_special_meetings(world: World) -> None:
    ordinary = meeting(world.own, campaign_for(world))
    m, _people = special_meeting_of(world)
    client = client_for(world, "secretary")
    assert client.post(submit_url(ordinary)).status_code == 404
    assert client.get(submit_url(m)).status_code == 405
    assert not SpecialMeetingReview.objects.exists()


# --- the whole round through the shared engine ---------------------------------------


def test_submit_return_edit_resubmit_approve_through_the_engine(
    world: World, media_root: Any
) -> None:
    m, people = special_meeting_of(world)
    secretary = client_for(world, "secretary")
    reviewer = client_for(world, "reviewer")

    # Nothing to review until the secretary submits: the page offers the button.
    page = secretary.get(m.get_absolute_url())
    assert page.context["can_submit_review"] and page.context["review"] is None
    assert not SpecialMeetingReview.objects.exists()

    response = secretary.post(submit_url(m))
    assert response.status_code == 302 and response["Location"] == m.get_absolute_url()
    review = review_of(m)
    assert review.review_status == ReviewStatus.SUBMITTED
    assert review.organization_id == world.own.pk
    assert review.submitted_by_id == world.secretary.pk
    task = ReviewTask.objects.get(object_id=review.pk, content_type__model="specialmeetingreview")
    assert task.status == ReviewStatus.SUBMITTED and task.url == m.get_absolute_url()
    snapshot = ReviewEvent.objects.for_record(review).get().snapshot
    assert snapshot["topic"] == "专题组织生活会"
    assert snapshot["guide"] == "赵指导"
    [entry] = snapshot["criticism"]
    assert "工作作风不够扎实" in entry["fields"]["points"]
    assert people[0].name in entry["title"] and people[1].name in entry["title"]
    # Its own members' attendance, one item per member, keyed by the member.
    assert {a["key"] for a in snapshot["attendees"]} >= {p.pk for p in people}
    assert snapshot["improvement_measures"] == "建立学习制度"
    # The roster: the two members and the member with a login (all present).
    assert re.findall(r"\d+", snapshot["attendance"]) == ["3", "3", "0"]

    # Locked for its authors while it waits.
    assert not Meeting.objects.get(pk=m.pk).is_editable()
    assert_locked_for_authors(world, m)
    page = secretary.get(m.get_absolute_url())
    assert not page.context["can_edit"] and not page.context["can_submit_review"]
    assert [a for a, _label in page.context["review"].actions] == ["withdraw"]

    # The reviewer returns it; a return needs a comment.
    assert reviewer.post(transition_url(review), {"action": "return"}).status_code == 302
    assert review_of(m).review_status == ReviewStatus.SUBMITTED
    reviewer.post(transition_url(review), {"action": "return", "comment": "请补充批评意见"})
    assert review_of(m).review_status == ReviewStatus.RETURNED

    # Editable again: the secretary changes the report and adds an entry.
    m = Meeting.objects.get(pk=m.pk)
    assert m.is_editable()
    meeting_update(
        actor=world.secretary, meeting=m, values={"secretary_report": "班子对照检查报告（修改稿）"},
        attendance={}, version=None,
    )  # fmt: skip
    criticism_add(
        actor=world.secretary, meeting=m, kind=CriticismKind.SELF_CRITICISM,
        by_member=people[1], about_member=None, points="学习不够深入",
    )  # fmt: skip
    assert secretary.get(reverse("activities:meeting_edit", args=[m.pk])).status_code == 200

    # Resubmitted with the panel's button; the reviewer sees what changed and the
    # earlier comment.
    secretary.post(transition_url(review), {"action": "resubmit"})
    assert review_of(m).review_status == ReviewStatus.SUBMITTED
    page = reviewer.get(m.get_absolute_url())
    panel = page.context["review"]
    changed = {c.key for c in panel.changed}
    assert changed == {"secretary_report", "criticism"}
    html = page.content.decode()
    assert "请补充批评意见" in html
    assert "<del>班子对照检查报告</del> → <ins>班子对照检查报告（修改稿）</ins>" in html
    assert "学习不够深入" in html
    assert {a for a, _label in panel.actions} == {"approve", "return"}
    assert_locked_for_authors(world, m)

    # Approved: still locked, for good.
    reviewer.post(transition_url(review), {"action": "approve"})
    assert review_of(m).review_status == ReviewStatus.APPROVED
    assert_locked_for_authors(world, m)
    assert not secretary.get(m.get_absolute_url()).context["review"].actions
    actions = [e.action for e in ReviewEvent.objects.for_record(review)]
    assert actions == ["submit", "return", "resubmit", "approve"]


def test_locked_meeting_refuses_writes_in_the_services_and_attachments(
    world: World, media_root: Any
) -> None:
    m, _people = special_meeting_of(world)
    special_meeting_submit(actor=world.secretary, meeting=m)
    entry = m.criticisms.get()
    with pytest.raises(RecordLocked):
        meeting_update(
            actor=world.secretary, meeting=m, values={"topic": "改"}, attendance={}, version=None
        )
    with pytest.raises(RecordLocked):
        meeting_delete(actor=world.secretary, meeting=m)
    with pytest.raises(RecordLocked):
        criticism_delete(actor=world.secretary, entry=entry)
    with pytest.raises(RecordLocked):
        criticism_add(
            actor=world.secretary, meeting=m, kind=CriticismKind.SELF_CRITICISM,
            by_member=entry.by_member, about_member=None, points="x",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        attachment_add(
            actor=world.secretary, record=m, organization=world.own, kind="photo",
            upload=upload("a.png", png_bytes()), name="a.png",
        )  # fmt: skip
    assert Meeting.objects.get(pk=m.pk).topic == "专题组织生活会"
    assert CriticismEntry.objects.filter(pk=entry.pk).exists()
    assert not Attachment.objects.exists()


def test_withdrawn_record_is_editable_and_goes_up_again_from_the_panel(world: World) -> None:
    m, _people = special_meeting_of(world)
    special_meeting_submit(actor=world.secretary, meeting=m)
    review = review_of(m)
    secretary = client_for(world, "secretary")
    secretary.post(transition_url(review), {"action": "withdraw"})
    assert review_of(m).review_status == ReviewStatus.DRAFT
    assert Meeting.objects.get(pk=m.pk).is_editable()
    page = secretary.get(m.get_absolute_url())
    assert page.context["can_edit"] and not page.context["can_submit_review"]
    assert [a for a, _label in page.context["review"].actions] == ["submit"]
    secretary.post(transition_url(review), {"action": "submit"})
    assert review_of(m).review_status == ReviewStatus.SUBMITTED


def test_an_incomplete_record_is_not_submitted_and_leaves_nothing_behind(world: World) -> None:
    campaign = campaign_for(world)
    members(world.own, 2)
    m = meeting(world.own, campaign, kind=MeetingKind.SPECIAL, day="2014-06-20")
    response = client_for(world, "secretary").post(submit_url(m), follow=True)
    assert response.status_code == 200
    assert not SpecialMeetingReview.objects.exists()
    assert not ReviewEvent.objects.exists()
    with pytest.raises(ValidationError) as exc:
        special_meeting_submit(actor=world.secretary, meeting=m)
    assert set(exc.value.message_dict) == {"guide_name", "secretary_report"}


def test_a_submitted_record_cannot_be_submitted_twice(world: World) -> None:
    m, _people = special_meeting_of(world)
    client = client_for(world, "secretary")
    client.post(submit_url(m))
    client.post(submit_url(m))
    assert SpecialMeetingReview.objects.count() == 1
    assert ReviewEvent.objects.count() == 1


def test_a_reviewed_meeting_stays_a_special_meeting(world: World) -> None:
    m, _people = special_meeting_of(world)
    review = special_meeting_submit(actor=world.secretary, meeting=m)
    review_transition(review, action="return", actor=world.reviewer, comment="改")
    m = Meeting.objects.get(pk=m.pk)
    with pytest.raises(ValidationError) as exc:
        meeting_update(
            actor=world.secretary, meeting=m, values={"kind": MeetingKind.BRANCH_GENERAL},
            attendance={}, version=None,
        )  # fmt: skip
    assert "kind" in exc.value.message_dict


def test_reviewer_of_a_child_organization_sees_it_in_the_inbox(world: World) -> None:
    m, _people = special_meeting_of(world, world.child)
    special_meeting_submit(actor=world.secretary, meeting=m)
    inbox = client_for(world, "reviewer").get(reverse("reviews:inbox"))
    assert m.get_absolute_url() in inbox.content.decode()


# --- the live checklist ---------------------------------------------------------------


def _special_result(world: World, org: Organization) -> engine.Result:
    campaign = campaign_for(world)
    with translation.override("en"):
        grid = engine.evaluate(scope_for_org(org, campaign, today=AFTER), only=["special_meeting"])
    return grid[org.pk]["special_meeting"]


def test_checklist_is_green_when_held_waiting_while_submitted_and_says_approved(
    world: World,
) -> None:
    m, _people = special_meeting_of(world)
    result = _special_result(world, world.own)
    assert result.level == Level.GREEN
    assert "approved" not in result.reason and "waiting" not in result.reason

    review = special_meeting_submit(actor=world.secretary, meeting=m)
    result = _special_result(world, world.own)
    # Submitted, waiting for review: still done, never a step back to "in progress".
    assert result.level == Level.WAITING
    assert "waiting for review" in result.reason

    review_transition(review, action="return", actor=world.reviewer, comment="改")
    assert _special_result(world, world.own).level == Level.GREEN

    review_transition(review, action="resubmit", actor=world.secretary)
    review_transition(review, action="approve", actor=world.reviewer)
    result = _special_result(world, world.own)
    assert result.level == Level.GREEN
    assert "approved" in result.reason


def test_checklist_without_a_guide_stays_unmet(world: World) -> None:
    members(world.own, 1)
    meeting(world.own, campaign_for(world), kind=MeetingKind.SPECIAL, day="2014-06-20")
    assert _special_result(world, world.own).level == Level.RED


# --- query counts ----------------------------------------------------------------------


def test_meeting_detail_with_a_resubmitted_record_runs_a_fixed_number_of_queries(
    world: World, media_root: Any
) -> None:
    m, people = special_meeting_of(world)
    review = special_meeting_submit(actor=world.secretary, meeting=m)
    review_transition(review, action="return", actor=world.reviewer, comment="改")
    review_transition(review, action="resubmit", actor=world.secretary)
    client = client_for(world, "reviewer")
    url = m.get_absolute_url()

    def grow() -> None:
        more = members(world.own, 20)
        Attendance.objects.bulk_create(
            Attendance(meeting=m, member=x, present=False, absence_reason="外出") for x in more
        )
        for i in range(10):
            org = __import__("tests.factories", fromlist=["add_org"]).add_org(world.own)
            members(org, 1)
            participation_create(actor=None, organization=org, meeting=m, attendance={})
            review_transition(review, action="return", actor=world.reviewer, comment=f"第{i}次")
            criticism_add(
                actor=None, meeting=m, kind=CriticismKind.SELF_CRITICISM,
                by_member=people[i % 2], about_member=None, points=f"第{i}条",
            )  # fmt: skip
            attachment_add(
                actor=None, record=Meeting.objects.get(pk=m.pk), organization=world.own,
                kind="photo", upload=upload(f"{i}.png", png_bytes()), name=f"{i}.png",
            )  # fmt: skip
            review_transition(review, action="resubmit", actor=world.secretary)

    client.get(url)
    # session, user, meeting (holder, campaign, phase, chair, minute-taker, guide's
    # organization and account, creator, review record), grants, attendance with
    # members, other organizations' attendance, attachments, criticism entries with
    # members (also the snapshot for "what changed"), review timeline with actors,
    # roles, unread notifications.
    assert_constant_queries(client, url, grow, expected=11)
