from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from activities.meetings.services import (
    Mark,
    criticism_add,
    meeting_delete,
    meeting_update,
    participation_create,
    participation_update,
)
from activities.models import Attendance, CriticismKind, Meeting, MeetingKind, MeetingSubkind
from portal.attachments.models import Attachment
from tests.activities.factories import at, campaign_for, meeting, members
from tests.attachments.files import png_bytes, upload
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_counts_come_from_the_attendance_list_taken_from_the_active_roster(world: World) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 5)
    roster[4].is_active = False
    roster[4].save()
    m = meeting(world.child, campaign, absent={roster[0]: "出差"})
    assert (m.expected_count, m.present_count, m.absent_count) == (4, 3, 1)
    rows = {a.member_id: a for a in m.attendances.all()}
    assert set(rows) == {r.pk for r in roster[:4]}
    assert rows[roster[0].pk].absence_reason == "出差"
    assert m.phase.number == 1  # inferred from 10 April 2014


def test_an_absence_needs_a_reason(world: World) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 2)
    with pytest.raises(ValidationError) as exc:
        meeting(world.child, campaign, absent={roster[0]: "  "})
    assert exc.value.code == "absence_reason"
    assert not Meeting.objects.exists()


def test_marks_for_people_off_the_roster_are_refused(world: World) -> None:
    campaign = campaign_for(world)
    members(world.child, 1)
    stranger = members(world.sibling, 1)[0]
    with pytest.raises(ValidationError):
        meeting(world.child, campaign, absent={stranger: "不是本支部"})


def test_quorum_is_more_than_half_and_only_warns(world: World) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 4)
    half = meeting(world.child, campaign, absent={roster[0]: "病假", roster[1]: "出差"})
    assert (half.present_count, half.quorum_met) == (2, False)
    more = meeting(world.child, campaign, absent={roster[0]: "病假"})
    assert more.quorum_met


def test_edit_keeps_the_list_it_was_taken_with_and_recounts(world: World) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 3)
    m = meeting(world.child, campaign)
    members(world.child, 2)  # joined after the meeting: not on its list
    m = meeting_update(
        actor=world.secretary,
        meeting=m,
        values={"topic": "更正后的议题"},
        attendance={roster[1].pk: Mark(False, "请假")},
        version=m.updated_at,
    )
    m.refresh_from_db()
    assert (m.topic, m.expected_count, m.present_count, m.absent_count) == (
        "更正后的议题",
        3,
        2,
        1,
    )


def test_a_stale_edit_is_refused_not_silently_overwritten(world: World) -> None:
    campaign = campaign_for(world)
    members(world.child, 1)
    m = meeting(world.child, campaign)
    loaded_at = m.updated_at
    meeting_update(actor=None, meeting=m, values={"topic": "A"}, attendance={}, version=loaded_at)
    stale = Meeting.objects.get(pk=m.pk)
    with pytest.raises(ValidationError) as exc:
        meeting_update(
            actor=None, meeting=stale, values={"topic": "B"}, attendance={}, version=loaded_at
        )
    assert exc.value.code == "stale"
    assert Meeting.objects.get(pk=m.pk).topic == "A"


def test_the_meeting_must_lie_in_the_campaign_and_forms_match_kinds(world: World) -> None:
    campaign = campaign_for(world)
    with pytest.raises(ValidationError) as exc:
        meeting(world.child, campaign, day="2015-01-05")
    assert "starts_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        meeting(world.child, campaign, kind=MeetingKind.MOBILIZATION, subkind=MeetingSubkind.ESSAYS)
    assert "subkind" in exc.value.message_dict
    exchange = meeting(
        world.child, campaign, kind=MeetingKind.STUDY_EXCHANGE, subkind=MeetingSubkind.ESSAYS
    )
    assert exchange.get_subkind_display() == "essays"


def test_an_organization_outside_the_campaign_cannot_hold_its_meetings(world: World) -> None:
    campaign = campaign_for(world)
    with pytest.raises(ValidationError) as exc:
        meeting(world.far, campaign)
    assert "campaign" in exc.value.message_dict


def test_ends_before_start_is_refused(world: World) -> None:
    campaign = campaign_for(world)
    with pytest.raises(ValidationError) as exc:
        meeting(world.child, campaign, ends_at=at("2014-04-10", 8))
    assert "ends_at" in exc.value.message_dict


def test_chair_must_be_a_member_of_the_holder(world: World) -> None:
    campaign = campaign_for(world)
    outsider_member = members(world.sibling, 1)[0]
    with pytest.raises(ValidationError) as exc:
        meeting(world.child, campaign, chair=outsider_member)
    assert "chair" in exc.value.message_dict


def test_shared_attendance_counts_the_attending_organizations_own_list(world: World) -> None:
    campaign = campaign_for(world)
    members(world.own, 2)
    held = meeting(world.own, campaign)
    child_roster = members(world.child, 3)
    participation = participation_create(
        actor=world.secretary,
        organization=world.child,
        meeting=held,
        attendance={child_roster[0].pk: Mark(False, "值班")},
    )
    assert (participation.expected_count, participation.present_count) == (3, 2)
    held.refresh_from_db()
    assert held.expected_count == 3  # own: the world's member and two more; untouched
    assert Attendance.objects.filter(participation=participation).count() == 3
    participation = participation_update(
        actor=world.secretary,
        participation=participation,
        attendance={child_roster[0].pk: Mark(True)},
        note="补记",
        version=participation.updated_at,
    )
    assert (participation.present_count, participation.absent_count, participation.note) == (
        3,
        0,
        "补记",
    )


def test_only_meetings_of_ancestors_can_be_attended_and_only_once(world: World) -> None:
    campaign = campaign_for(world)
    sibling_meeting = meeting(world.sibling, campaign)
    child_meeting = meeting(world.child, campaign)
    for held in (sibling_meeting, child_meeting):
        with pytest.raises(ValidationError) as exc:
            participation_create(actor=None, organization=world.own, meeting=held, attendance={})
        assert exc.value.code == "not_attendable"
    park_meeting = meeting(world.park_a, campaign)
    participation_create(actor=None, organization=world.child, meeting=park_meeting, attendance={})
    with pytest.raises(ValidationError) as exc:
        participation_create(
            actor=None, organization=world.child, meeting=park_meeting, attendance={}
        )
    assert exc.value.code == "duplicate"


def test_special_meeting_extras_and_criticism_entries(world: World) -> None:
    campaign = campaign_for(world)
    a, b = members(world.own, 2)
    stranger = members(world.sibling, 1)[0]
    special = meeting(
        world.own,
        campaign,
        kind=MeetingKind.SPECIAL,
        day="2014-06-20",
        guide_name="王指导",
        guide_organization=world.park_a,
        guide_user=world.reviewer,
        secretary_report="代表班子作对照检查",
        improvement_measures="每月学习一次",
    )
    assert special.has_guide and special.phase.number == 2
    entry = criticism_add(
        actor=None, meeting=special, kind=CriticismKind.CRITICISM, by_member=a,
        about_member=b, points="学习不够深入",
    )  # fmt: skip
    self_entry = criticism_add(
        actor=None, meeting=special, kind=CriticismKind.SELF_CRITICISM, by_member=b,
        about_member=a, points="自我批评",
    )  # fmt: skip
    assert self_entry.about_member is None
    assert list(special.criticisms.all()) == [entry, self_entry]
    with pytest.raises(ValidationError):
        criticism_add(
            actor=None, meeting=special, kind=CriticismKind.CRITICISM, by_member=a,
            about_member=a, points="x",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        criticism_add(
            actor=None, meeting=special, kind=CriticismKind.CRITICISM, by_member=stranger,
            about_member=None, points="x",
        )  # fmt: skip


def test_guide_must_come_from_above(world: World) -> None:
    campaign = campaign_for(world)
    for field, value in [
        ("guide_organization", world.child),
        ("guide_organization", world.sibling),
        ("guide_user", world.clerk),
    ]:
        with pytest.raises(ValidationError) as exc:
            meeting(world.own, campaign, kind=MeetingKind.SPECIAL, **{field: value})
        assert field in exc.value.message_dict


def test_criticism_only_on_special_meetings(world: World) -> None:
    campaign = campaign_for(world)
    a = members(world.own, 1)[0]
    ordinary = meeting(world.own, campaign)
    with pytest.raises(ValidationError):
        criticism_add(
            actor=None, meeting=ordinary, kind=CriticismKind.SELF_CRITICISM, by_member=a,
            about_member=None, points="x",
        )  # fmt: skip


def test_history_keeps_every_change(world: World) -> None:
    campaign = campaign_for(world)
    m = meeting(world.child, campaign, topic="第一稿")
    meeting_update(
        actor=world.secretary, meeting=m, values={"topic": "第二稿"}, attendance={}, version=None
    )
    assert [h.topic for h in m.history.all()] == ["第二稿", "第一稿"]


def test_delete_takes_attendance_participations_and_files(
    world: World, media_root, django_capture_on_commit_callbacks
) -> None:
    from portal.attachments.services import attachment_add

    campaign = campaign_for(world)
    members(world.own, 1)
    members(world.child, 1)
    held = meeting(world.own, campaign)
    participation_create(actor=None, organization=world.child, meeting=held, attendance={})
    attachment = attachment_add(
        actor=None, record=held, organization=world.own, kind="photo",
        upload=upload("a.png", png_bytes()), name="a.png",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        meeting_delete(actor=None, meeting=held)
    assert not Meeting.objects.exists()
    assert not Attendance.objects.exists()
    assert not Attachment.objects.exists()
    assert not (media_root / attachment.file.name).exists()
