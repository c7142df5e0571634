"""The tables the scale data fills and the record writers every phase shares (meetings
and their attendance, review-inbox rows): the base of scale/seeder.py."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType

from .tree import Tree
from .writer import UTC, Table, Writer

if TYPE_CHECKING:
    from activities.models import AppraisalGrade, Campaign, Phase
    from rectification.models import StandardTemplate

# Top-level record tables (what `records` counts); the others are detail rows.
RECORD_TABLES = (
    "Meeting",
    "MeetingParticipation",
    "CounselingRecord",
    "Opinion",
    "ActivityPlan",
    "SelfExamination",
    "AppraisalSession",
    "ProblemList",
    "ProblemItem",
    "StandardAssessment",
    "Mechanism",
    "FundingReceipt",
    "Pledge",
    "SpecialMeetingReview",
)


class ScaleError(Exception):
    """The database holds data this module did not write, or a scale tree of another
    size: it is left alone."""


MEETING_TOPICS = {
    "mobilization": "教育实践活动动员大会",
    "study_session": "集中学习",
    "study_exchange": "学习交流会",
    "special": "专题组织生活会",
    "branch_general": "支部党员大会",
    "branch_committee": "支委会",
    "themed_day": "主题党日",
}
STUDY_MODES = ["self_study", "concentrated", "special_lecture", "online", "home_delivery"]


def _link(name: str) -> str:
    """The address of a record's page by its route name, as a template with `{pk}`:
    review tasks link to it (reversed once per route, not once per record)."""
    from django.urls import reverse

    marker = 987654321
    return reverse(name, args=[marker]).replace(str(marker), "{pk}")


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _day(start: dt.date, end: dt.date, rng: random.Random) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


class SeederBase:
    """The tables of one seed (scale/seeder.py's Seeder) and the record writers the
    phases share."""

    # The campaign and what the records point at: set by Seeder.campaign() before any
    # record is written.
    c: Campaign
    phases: dict[int, Phase]
    grades: list[AppraisalGrade]
    categories: list[int]
    eight: StandardTemplate
    eight_items: list[tuple[int, int]]
    kinds: list[int]
    overall_question: int

    def __init__(self, tree: Tree, org_ids: list[int], writer: Writer, rng: random.Random):
        from activities import models as am
        from activities.models.meetings import SpecialMeetingReview
        from activities.requirements import PARTICIPATING_KINDS
        from organizations.models import Member
        from portal.attachments.models import Attachment
        from portal.reviews.models import ReviewTask
        from rectification import models as rm

        self.t = tree
        self.ids = org_ids
        self.w = writer
        self.rng = rng
        self.participating = [k in PARTICIPATING_KINDS for k in tree.kinds]
        w = writer
        self.member = w.table(
            Member,
            [
                "name",
                "sex",
                "birth_date",
                "id_number",
                "education",
                "joined_on",
                "full_member_on",
                "status",
                "organization_id",
                "phone",
                "party_post",
                "is_active",
            ],
        )
        self.meeting = w.table(
            am.Meeting,
            [
                "organization_id",
                "campaign_id",
                "phase_id",
                "kind",
                "subkind",
                "topic",
                "starts_at",
                "ends_at",
                "place",
                "expected_count",
                "present_count",
                "absent_count",
                "guide_name",
                "guide_organization_id",
                "secretary_report",
            ],
        )
        self.participation = w.table(
            am.MeetingParticipation,
            ["meeting_id", "organization_id", "expected_count", "present_count", "absent_count"],
        )
        self.attendance = w.table(
            am.Attendance,
            ["meeting_id", "participation_id", "member_id", "present", "absence_reason"],
        )
        self.criticism = w.table(
            am.CriticismEntry, ["meeting_id", "kind", "by_member_id", "about_member_id", "points"]
        )
        self.special_review = w.table(
            SpecialMeetingReview,
            ["meeting_id", "organization_id", "review_status", "submitted_at", "decided_at"],
        )
        self.counseling = w.table(
            am.CounselingRecord,
            ["member_id", "organization_id", "campaign_id", "date", "mode", "topic", "hours"],
        )
        self.opinion = w.table(
            am.Opinion,
            [
                "organization_id",
                "campaign_id",
                "source",
                "channel",
                "content",
                "category_id",
                "received_on",
                "status",
                "answer_text",
                "answered_at",
                "adopted_item_label",
                "adopted_item_url",
                "adopted_at",
            ],
        )
        self.plan = w.table(
            am.ActivityPlan,
            [
                "organization_id",
                "campaign_id",
                "title",
                "goals",
                "arrangements",
                "leadership",
                "measures",
                "review_status",
                "submitted_at",
                "decided_at",
            ],
        )
        self.statement = w.table(
            am.SelfExamination,
            [
                "organization_id",
                "campaign_id",
                "subject",
                "problems",
                "causes",
                "rectification",
                "methods",
                "review_status",
                "submitted_at",
                "decided_at",
            ],
        )
        self.session = w.table(
            am.AppraisalSession,
            [
                "organization_id",
                "campaign_id",
                "starts_on",
                "ends_on",
                "expected",
                "present",
                "unable_count",
                "status",
                "closed_at",
            ],
        )
        self.result = w.table(
            am.AppraisalResult,
            ["session_id", "member_id", "votes", "determination_id", "absent", "feedback_given"],
        )
        self.problem_list = w.table(
            rm.ProblemList,
            [
                "organization_id",
                "campaign_id",
                "title",
                "review_status",
                "submitted_at",
                "decided_at",
                "published_on",
                "notice_ends_on",
                "audience",
                "published_at",
                "public_token",
            ],
        )
        self.item = w.table(
            rm.ProblemItem,
            [
                "problem_list_id",
                "number",
                "description",
                "category_id",
                "source_kind",
                "source_opinion_id",
                "measures",
                "responsible_name",
                "deadline",
                "status",
                "closed_at",
            ],
        )
        self.assessment = w.table(
            rm.StandardAssessment,
            [
                "organization_id",
                "campaign_id",
                "template_id",
                "result_met",
                "result_score",
                "result_max_score",
                "review_status",
                "submitted_at",
                "decided_at",
            ],
        )
        self.entry = w.table(
            rm.AssessmentEntry, ["assessment_id", "item_id", "self_met", "self_score", "self_note"]
        )
        self.mechanism = w.table(
            rm.Mechanism,
            ["organization_id", "campaign_id", "kind_id", "title", "established_on", "summary"],
        )
        self.receipt = w.table(
            rm.FundingReceipt,
            ["organization_id", "campaign_id", "source", "amount", "received_on", "note"],
        )
        self.pledge = w.table(
            rm.Pledge,
            [
                "member_id",
                "organization_id",
                "campaign_id",
                "commitments",
                "status",
                "made_public_on",
            ],
        )
        # The masses' verdict (docs/product.md §6.5): a survey per organization that
        # voted, its ballots, and each ballot's answer to the overall question.
        self.survey = w.table(rm.SatisfactionSurvey, ["organization_id", "campaign_id", "token"])
        self.ballot = w.table(
            rm.SatisfactionBallot, ["survey_id", "organization_id", "campaign_id", "cast_on"]
        )
        self.answer = w.table(rm.SatisfactionAnswer, ["ballot_id", "question_id", "choice"])
        self.attachment = w.table(
            Attachment,
            [
                "content_type_id",
                "object_id",
                "organization_id",
                "kind",
                "file",
                "original_name",
                "size",
                "mime_type",
                "extension",
                "sha256",
                "uploaded_at",
            ],
        )
        self.task = w.table(
            ReviewTask,
            [
                "content_type_id",
                "object_id",
                "organization_id",
                "status",
                "title",
                "url",
                "submitted_at",
                "decided_at",
            ],
        )
        ct = ContentType.objects.db_manager(w.using).get_for_model
        self.ct = {
            "plan": ct(am.ActivityPlan).pk,
            "statement": ct(am.SelfExamination).pk,
            "special": ct(SpecialMeetingReview).pk,
            "list": ct(rm.ProblemList).pk,
            "assessment": ct(rm.StandardAssessment).pk,
            "mechanism": ct(rm.Mechanism).pk,
            "receipt": ct(rm.FundingReceipt).pk,
        }
        self.members_of: dict[int, list[tuple[int, bool]]] = {}  # org index: [(id, active)]
        self.mobilization_of: dict[int, int] = {}  # org index: its mobilization meeting

    def _review(self, i: int, what: str, pk: int, status: str, title: str, url: str) -> tuple:
        """(submitted_at, decided_at) for a reviewable in `status`, and its inbox row."""
        if status == "draft":
            return None, None
        submitted = _at(_day(dt.date(2014, 4, 5), dt.date(2014, 9, 20), self.rng), 10)
        decided = None if status == "submitted" else submitted + dt.timedelta(days=3)
        self.task.add(self.ct[what], pk, self.ids[i], status, title, url, submitted, decided)
        return submitted, decided

    def _reviewable(
        self, table: Table, i: int, what: str, status: str, title: str, url: str, *fields: Any
    ) -> int:
        pk = table.next_id
        submitted, decided = self._review(i, what, pk, status, title, url.format(pk=pk))
        return table.add(*fields, status, submitted, decided)

    def _attend(self, meeting: int, members: list[tuple[int, bool]], participation=None):
        present = absent = 0
        for n, (member, active) in enumerate(members):
            if not active:
                continue
            here = n % 9 != 4
            self.attendance.add(meeting, participation, member, here, "" if here else "出差")
            present += here
            absent += not here
        return present, absent

    def _meeting(
        self,
        i: int,
        kind: str,
        *,
        attendance: bool = True,
        phase: int = 1,
        guide: str = "",
        report: str = "",
    ) -> int:
        members = self.members_of.get(i, [])
        start = _at(_day(self.phases[phase].starts_on, self.phases[phase].ends_on, self.rng), 14)
        subkind = {"study_exchange": "discussion", "study_session": "concentrated"}.get(kind, "")
        pk = self.meeting.next_id
        present = absent = 0
        if attendance:
            present, absent = self._attend(pk, members)
        return self.meeting.add(
            self.ids[i],
            self.c.pk,
            self.phases[phase].pk,
            kind,
            subkind,
            MEETING_TOPICS[kind],
            start,
            start + dt.timedelta(hours=2),
            "党员活动室",
            present + absent,
            present,
            absent,
            guide,
            self.ids[self.t.parents[i]] if guide else None,
            report,
        )
