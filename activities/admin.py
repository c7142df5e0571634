"""The site administrator's view of the campaign records (docs/product.md §1): plans, meetings with
their attendance, counseling, opinions, talks, self-examination statements, special-
meeting records and democratic appraisal.

The admin never becomes a way around the workflows: review state (review_status,
submitted/decided by and at) is shown, never edited, and a record that is submitted or
approved is read-only and cannot be deleted here (docs/product.md §7: locked for its authors, and
the admin is no exception); opinion status and appraisal status, tallies and
determinations change only through the services, which write their timelines;
attendance counts come from the attendance rows, which only the meeting services write.
Every changelist loads its foreign keys with the rows (list_select_related).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.reviews.models import is_editable

from .models import (
    ActivityPlan,
    AppraisalApproval,
    AppraisalResult,
    AppraisalSession,
    Attendance,
    CounselingRecord,
    CriticismEntry,
    Invitation,
    Meeting,
    MeetingAnnouncement,
    OneToOneTalk,
    Opinion,
    SelfExamination,
)
from .models.meetings import SpecialMeetingReview

REVIEW_FIELDS = ("review_status", "submitted_at", "submitted_by", "decided_at", "decided_by")


def _all_fields(model_admin: admin.ModelAdmin) -> list[str]:
    return [f.name for f in model_admin.model._meta.concrete_fields]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to the site administrator, never changed here: the services own it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewableAdmin(admin.ModelAdmin):
    """A record reviewed through portal.reviews: the review fields are read-only, and
    the whole record once it is submitted or approved (no change, no delete)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and not is_editable(obj):
            return _all_fields(self)
        return [*REVIEW_FIELDS, *super().get_readonly_fields(request, obj)]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not is_editable(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ActivityPlan)
class ActivityPlanAdmin(ReviewableAdmin):
    list_display = ["title", "organization", "campaign", "review_status", "submitted_at"]
    list_filter = ["review_status", "campaign"]
    search_fields = ["title", "organization__short_name", "organization__full_name"]
    list_select_related = ["organization", "campaign"]
    raw_id_fields = ["organization"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


class AttendanceInline(ReadOnlyInline):
    """The attendance list; the meeting services write it with the counts."""

    model = Attendance
    fk_name = "meeting"
    readonly_fields = ("member", "participation", "present", "absence_reason")
    fields = readonly_fields


class CriticismInline(ReadOnlyInline):
    model = CriticismEntry
    readonly_fields = ("kind", "by_member", "about_member", "points")
    fields = readonly_fields


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Meetings with their attendance (read-only: the counts are derived from it). A
    special meeting whose record is submitted or approved is read-only here too."""

    list_display = [
        "topic",
        "kind",
        "organization",
        "campaign",
        "starts_at",
        "present_count",
        "expected_count",
    ]
    list_filter = ["kind", "campaign", "phase"]
    search_fields = ["topic", "organization__short_name", "organization__full_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["organization", "campaign"]
    raw_id_fields = [
        "organization",
        "chair",
        "minute_taker",
        "guide_organization",
        "guide_user",
        "created_by",
    ]
    readonly_fields = [
        "expected_count",
        "present_count",
        "absent_count",
        "created_at",
        "updated_at",
    ]
    inlines = [AttendanceInline, CriticismInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        # The change form asks Meeting.is_editable(): bring the review along.
        return super().get_queryset(request).select_related("special_review")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and not obj.is_editable():
            return _all_fields(self)
        return list(super().get_readonly_fields(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not obj.is_editable():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SpecialMeetingReview)
class SpecialMeetingReviewAdmin(ReadOnlyAdmin):
    """Created and moved only by the "Submit for review" action and portal.reviews."""

    list_display = ["meeting", "organization", "review_status", "submitted_at", "decided_at"]
    list_filter = ["review_status"]
    search_fields = ["meeting__topic", "organization__short_name"]
    list_select_related = ["meeting", "organization"]


@admin.register(CounselingRecord)
class CounselingRecordAdmin(admin.ModelAdmin):
    list_display = ["member", "organization", "campaign", "date", "mode", "hours"]
    list_filter = ["mode", "campaign"]
    search_fields = ["member__name", "topic", "organization__short_name"]
    date_hierarchy = "date"
    list_select_related = ["member", "organization", "campaign"]
    raw_id_fields = ["member", "organization", "recorded_by"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    """Read-only: sorting, answering and adoption go through the opinion services,
    which keep the opinion's timeline."""

    list_display = ["receipt_code", "organization", "channel", "source", "status", "received_on"]
    list_filter = ["status", "channel", "source", "campaign"]
    search_fields = ["receipt_code", "content", "organization__short_name"]
    date_hierarchy = "received_on"
    list_select_related = ["organization"]


@admin.register(OneToOneTalk)
class OneToOneTalkAdmin(admin.ModelAdmin):
    list_display = ["talked_on", "organization", "initiator_display", "partner_display", "form"]
    list_filter = ["form", "campaign"]
    search_fields = [
        "initiator_member__name",
        "initiator_name",
        "partner_member__name",
        "partner_name",
        "organization__short_name",
    ]
    date_hierarchy = "talked_on"
    list_select_related = ["organization", "initiator_member", "partner_member"]
    raw_id_fields = ["organization", "initiator_member", "partner_member", "recorded_by"]

    @admin.display(description=OneToOneTalk._meta.get_field("initiator_member").verbose_name)
    def initiator_display(self, obj: OneToOneTalk) -> str:
        return str(obj.initiator_member) if obj.initiator_member_id else obj.initiator_name

    @admin.display(description=OneToOneTalk._meta.get_field("partner_member").verbose_name)
    def partner_display(self, obj: OneToOneTalk) -> str:
        return str(obj.partner_member) if obj.partner_member_id else obj.partner_name


@admin.register(SelfExamination)
class SelfExaminationAdmin(ReviewableAdmin):
    list_display = ["organization", "campaign", "subject", "review_status", "submitted_at"]
    list_filter = ["review_status", "subject", "campaign"]
    search_fields = ["organization__short_name", "organization__full_name", "problems"]
    list_select_related = ["organization", "campaign"]
    raw_id_fields = ["organization", "created_by"]
    readonly_fields = ["created_at", "updated_at"]


class AppraisalResultInline(ReadOnlyInline):
    model = AppraisalResult
    readonly_fields = ("member", "votes", "determination", "absent", "feedback_given", "handling")
    fields = readonly_fields


@admin.register(AppraisalSession)
class AppraisalSessionAdmin(ReadOnlyAdmin):
    """Read-only: opening, tallies, closing and redo go through the appraisal services
    (the approval of top and bottom grades depends on them)."""

    list_display = ["organization", "campaign", "starts_on", "ends_on", "status", "closed_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["organization__short_name", "organization__full_name"]
    list_select_related = ["organization", "campaign"]
    inlines = [AppraisalResultInline]


@admin.register(AppraisalResult)
class AppraisalResultAdmin(ReadOnlyAdmin):
    list_display = ["member", "session", "determination", "absent", "feedback_given"]
    list_filter = ["determination", "feedback_given", "session__campaign"]
    search_fields = ["member__name", "session__organization__short_name"]
    list_select_related = ["member", "session__organization", "determination"]


@admin.register(AppraisalApproval)
class AppraisalApprovalAdmin(ReadOnlyAdmin):
    """Written when a session closes and moved only by portal.reviews."""

    list_display = ["session", "round", "organization", "review_status", "submitted_at"]
    list_filter = ["review_status"]
    search_fields = ["organization__short_name"]
    list_select_related = ["session__organization", "organization"]


class InvitationInline(ReadOnlyInline):
    model = Invitation
    readonly_fields = ("member", "reply", "reason", "replied_at")
    fields = readonly_fields


@admin.register(MeetingAnnouncement)
class MeetingAnnouncementAdmin(ReadOnlyAdmin):
    """Read-only: announcing, changing and answering go through
    activities.announcements.services, which notify the members (docs/product.md §6.1)."""

    list_display = ["topic", "organization", "kind", "starts_at", "place", "meeting"]
    list_filter = ["kind", "campaign"]
    search_fields = ["topic", "place", "organization__short_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["organization", "meeting"]
    inlines = [InvitationInline]
