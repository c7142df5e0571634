"""Meetings with their attendance (docs/product.md §6.1), shared attendance at another
organization's meeting, and the extras of the special organizational-life meeting
(docs/product.md §6.2), with its record reviewed upward (SpecialMeetingReview, docs/product.md §7).

Counts are never typed: `expected_count` is the holder's active roster when the
attendance is taken, and `present_count` / `absent_count` are derived from the
Attendance rows by activities.meetings.services (the only writer). They are stored so
that list pages and the live checklist read them without counting rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint
from portal.reviews.models import Reviewable, is_editable

from .campaigns import Campaign, Phase


class MeetingKind(models.TextChoices):
    MOBILIZATION = "mobilization", _("mobilization meeting")
    INVESTOR_FORUM = "investor_forum", _("investor forum")
    STUDY_SESSION = "study_session", _("study session")
    STUDY_EXCHANGE = "study_exchange", _("study exchange")
    OPINION_FORUM = "opinion_forum", _("opinion forum")
    SPECIAL = "special", _("special organizational-life meeting")
    BRANCH_GENERAL = "branch_general", _("branch general meeting")
    BRANCH_COMMITTEE = "branch_committee", _("branch committee meeting")
    PARTY_GROUP = "party_group", _("Party group meeting")
    THEMED_DAY = "themed_day", _("themed Party day")


class MeetingSubkind(models.TextChoices):
    CONCENTRATED = "concentrated", _("concentrated presentation")
    SPECIAL_LECTURE = "special_lecture", _("special lecture")
    PARTY_LECTURE = "party_lecture", _("Party lecture")
    KNOWLEDGE_CONTEST = "knowledge_contest", _("knowledge contest")
    SPEECHES = "speeches", _("speeches")
    ESSAYS = "essays", _("essays")
    BLACKBOARD = "blackboard", _("blackboard column")
    DISCUSSION = "discussion", _("discussion")


# The forms a kind may take; kinds not listed have none.
SUBKINDS: dict[str, tuple[str, ...]] = {
    MeetingKind.STUDY_SESSION: (
        MeetingSubkind.CONCENTRATED,
        MeetingSubkind.SPECIAL_LECTURE,
        MeetingSubkind.PARTY_LECTURE,
    ),
    MeetingKind.STUDY_EXCHANGE: (
        MeetingSubkind.KNOWLEDGE_CONTEST,
        MeetingSubkind.SPEECHES,
        MeetingSubkind.ESSAYS,
        MeetingSubkind.BLACKBOARD,
        MeetingSubkind.DISCUSSION,
    ),
}


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def held_or_attended_by(self, org: Any) -> MeetingQuerySet:
        """Meetings the organization held, and meetings of others its members attended
        (a MeetingParticipation). A subquery, not a join, so no row is duplicated."""
        attended = MeetingParticipation.objects.filter(organization=org).values("meeting_id")
        return self.filter(Q(organization=org) | Q(pk__in=attended))

    def in_campaign(self, campaign: Campaign) -> MeetingQuerySet:
        return self.filter(campaign=campaign)

    def special_with_guide(self) -> MeetingQuerySet:
        """Special organizational-life meetings with a higher-level guide recorded: the
        ones that count for the live checklist (docs/product.md §6.2, §8)."""
        return self.filter(kind=MeetingKind.SPECIAL).exclude(guide_name="")


class Meeting(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="meetings"
    )
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        help_text=_("Set from the date."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    subkind = models.CharField(
        _("form"), max_length=20, choices=MeetingSubkind.choices, blank=True, default=""
    )
    party_group = models.ForeignKey(
        "organizations.PartyGroup",
        verbose_name=_("Party group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text=_("For a Party group meeting: the group whose members are expected."),
    )
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    chair = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chair_name = models.CharField(_("chair (if not a member here)"), max_length=50, blank=True)
    minute_taker = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("minute-taker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    minute_taker_name = models.CharField(
        _("minute-taker (if not a member here)"), max_length=50, blank=True
    )
    agenda = models.TextField(_("agenda"), blank=True)
    content = models.TextField(_("minutes"), blank=True)
    resolutions = models.TextField(_("resolutions"), blank=True)
    non_voting_attendees = models.TextField(
        _("non-voting attendees"), blank=True, help_text=_("Names and units, one per line.")
    )
    expected_count = models.PositiveIntegerField(_("expected"), default=0, editable=False)
    present_count = models.PositiveIntegerField(_("present"), default=0, editable=False)
    absent_count = models.PositiveIntegerField(_("absent"), default=0, editable=False)
    # Special organizational-life meeting (docs/product.md §6.2); blank for other kinds.
    guide_name = models.CharField(
        _("higher-level guide who attended"),
        max_length=50,
        blank=True,
        help_text=_("Required for the special meeting to count."),
    )
    guide_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("guide's organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    guide_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("guide's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    secretary_report = models.TextField(_("secretary's report on behalf of the team"), blank=True)
    improvement_measures = models.TextField(_("improvement measures agreed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Also the edit token: the edit form carries it and the service refuses a stale one.
    updated_at = models.DateTimeField(auto_now=True)

    attachments = GenericRelation("attachments.Attachment")
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            # The live checklist: "mobilization held", "study exchanges", "special
            # meeting with a guide" per organization and campaign (activities.meetings.selectors).
            models.Index(
                fields=["organization", "campaign", "kind"], name="meeting_org_campaign_kind"
            ),
            # The meeting list of one organization, newest first.
            models.Index(fields=["organization", "-starts_at"], name="meeting_org_starts"),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("A meeting cannot end before it starts."),
            ),
            CheckConstraint(
                condition=Q(present_count__lte=F("expected_count"))
                & Q(absent_count__lte=F("expected_count")),
                name="meeting_counts_within_expected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("activities:meeting_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("A meeting cannot end before it starts.")
        allowed = SUBKINDS.get(self.kind, ())
        if self.subkind and self.subkind not in allowed:
            errors["subkind"] = _("This form does not belong to the kind of meeting chosen.")
        if self.chair_id and self.chair_name:
            errors["chair_name"] = _("Pick a member or type a name, not both.")
        if self.minute_taker_id and self.minute_taker_name:
            errors["minute_taker_name"] = _("Pick a member or type a name, not both.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_special(self) -> bool:
        return self.kind == MeetingKind.SPECIAL

    @property
    def chair_display(self) -> str:
        return str(self.chair) if self.chair_id else self.chair_name

    @property
    def minute_taker_display(self) -> str:
        return str(self.minute_taker) if self.minute_taker_id else self.minute_taker_name

    @property
    def quorum_applies(self) -> bool:
        """Were any of the holder's own members expected? Not when it has no members of
        its own (e.g. a park committee whose mobilization meeting is attended by the
        enterprises' organizations, each counted in its participation): then there is
        no quorum to check."""
        return self.expected_count > 0

    @property
    def quorum_met(self) -> bool:
        """More than half of those expected were present (docs/product.md §6.1). A warning only;
        never warned when the quorum does not apply (see quorum_applies)."""
        return not self.quorum_applies or self.present_count * 2 > self.expected_count

    @property
    def has_guide(self) -> bool:
        return bool(self.guide_name.strip())

    @property
    def review(self) -> SpecialMeetingReview | None:
        """The special meeting's review record, or None (never submitted, or not a
        special meeting). Free when the meeting was loaded with
        select_related("special_review"); one query otherwise."""
        if not self.is_special:
            return None
        try:
            return self.special_review
        except SpecialMeetingReview.DoesNotExist:
            return None

    def is_editable(self) -> bool:
        """May its authors change the meeting, its attendance, criticism entries and
        files? Not while its review record is submitted or approved (docs/product.md §7). Called by
        the meeting services, the pages and portal.attachments (owner_is_editable)."""
        review = self.review
        return review is None or is_editable(review)


class MeetingParticipation(models.Model):
    """Members of `organization` attended a meeting held by one of its ancestors (a
    higher-level, industry, park or community organization): the meeting counts as
    held or attended for this organization too (docs/product.md §6.1, shared attendance)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participations"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("attending organization"),
        on_delete=models.PROTECT,
        related_name="meeting_participations",
    )
    expected_count = models.PositiveIntegerField(_("expected"), default=0, editable=False)
    present_count = models.PositiveIntegerField(_("present"), default=0, editable=False)
    absent_count = models.PositiveIntegerField(_("absent"), default=0, editable=False)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance at another organization's meeting")
        verbose_name_plural = _("attendance at other organizations' meetings")
        ordering = ["meeting", "organization__path"]
        constraints = [
            # Also the index for held_or_attended_by() and the checklist selectors,
            # which filter on the organization first.
            models.UniqueConstraint(
                fields=["organization", "meeting"], name="participation_unique"
            ),
            CheckConstraint(
                condition=Q(present_count__lte=F("expected_count"))
                & Q(absent_count__lte=F("expected_count")),
                name="participation_counts_within_expected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.meeting}"

    def get_absolute_url(self) -> str:
        return reverse("activities:participation_detail", args=[self.pk])

    @property
    def quorum_met(self) -> bool:
        return self.present_count * 2 > self.expected_count


class Attendance(models.Model):
    """One member at one meeting. Rows with a participation belong to the attending
    organization's list; rows without one to the holder's own list."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    participation = models.ForeignKey(
        MeetingParticipation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    present = models.BooleanField(_("present"), default=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique"),
            CheckConstraint(
                condition=Q(present=True) | ~Q(absence_reason=""),
                name="attendance_absence_needs_reason",
                violation_error_message=_("Give the reason for the absence."),
            ),
        ]
        indexes = [
            # The attending organization's list on the participation page.
            models.Index(fields=["participation"], name="attendance_participation"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.meeting}"


class CriticismKind(models.TextChoices):
    CRITICISM = "criticism", _("criticism")
    SELF_CRITICISM = "self", _("self-criticism")


class CriticismEntry(models.Model):
    """Criticism and self-criticism at a special organizational-life meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="criticisms")
    kind = models.CharField(
        _("kind"), max_length=10, choices=CriticismKind.choices, default=CriticismKind.CRITICISM
    )
    by_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=pgettext_lazy("criticism speaker", "by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    about_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for criticism of the team as a whole."),
    )
    points = models.TextField(_("points raised"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("criticism entry")
        verbose_name_plural = _("criticism entries")
        ordering = ["meeting", "pk"]
        constraints = [
            CheckConstraint(
                condition=Q(kind="criticism") | Q(about_member__isnull=True),
                name="self_criticism_is_about_oneself",
            ),
            CheckConstraint(
                condition=~Q(about_member=F("by_member")),
                name="criticism_not_of_oneself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.by_member}"

    def get_absolute_url(self) -> str:
        return reverse("activities:meeting_detail", args=[self.meeting_id])

    def clean(self) -> None:
        if self.kind == CriticismKind.SELF_CRITICISM and self.about_member_id:
            raise ValidationError(
                {"about_member": _("A self-criticism is about the member who makes it.")}
            )
        if self.about_member_id and self.about_member_id == self.by_member_id:
            raise ValidationError(
                {"about_member": _("Criticism of oneself is recorded as self-criticism.")}
            )


class SpecialMeetingReview(Reviewable):
    """The record of a special organizational-life meeting as reviewed upward (docs/product.md
    §6.2, §7): it bundles the meeting, with its criticism entries, for review, the way
    AppraisalApproval bundles an appraisal's determinations. Created on demand by the
    "Submit for review" action of the meeting's page
    (activities.meetings.services.special_meeting_submit); the review state machine
    lives in portal.reviews. While it is submitted or approved the meeting is locked
    (Meeting.is_editable). Its page is the meeting's page, which shows the panel."""

    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="special_review",
    )
    # Always the meeting's holder (a meeting never changes organization): the scope of
    # the review, as the engine requires.
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="special_meeting_reviews",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    review_labels = {
        "topic": _("topic"),
        "date": _("date"),
        "guide": _("higher-level guide who attended"),
        "secretary_report": _("secretary's report on behalf of the team"),
        "criticism": _("criticism and self-criticism"),
        "improvement_measures": _("improvement measures agreed"),
        "attendance": _("attendance"),
        "attendees": _("the organization's own members"),
        # The fields of criticism entries and attendees (see _snapshot).
        "who": _("who, about whom"),
        "points": _("points raised"),
        "member": _("member"),
        "present": _("present or absent"),
        "reason": _("reason for absence"),
    }

    review_campaign_path = "meeting__campaign"

    class Meta:
        verbose_name = _("special-meeting record")
        verbose_name_plural = _("special-meeting records")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The live checklist reaches reviews through the meeting (special_meeting
            # requirement); the inbox goes through ReviewTask. This one serves the admin
            # list filtered by status.
            models.Index(fields=["review_status"], name="special_review_status_idx"),
        ]

    def __str__(self) -> str:
        return str(self.meeting)

    def get_absolute_url(self) -> str:
        return reverse("activities:meeting_detail", args=[self.meeting_id])

    def review_title(self) -> str:
        return _("Special organizational-life meeting: %(meeting)s") % {"meeting": self.meeting}

    def review_validate_submission(self) -> None:
        """Only a complete record goes up: still a special meeting, with the guide and
        the secretary's report recorded (called by portal.reviews on submit and
        resubmit)."""
        meeting = self.meeting
        errors: dict[str, Any] = {}
        if not meeting.is_special:
            errors["kind"] = _("Only a special organizational-life meeting is reviewed.")
        if not meeting.has_guide:
            errors["guide_name"] = _(
                "Record the higher-level guide who attended before submitting."
            )
        if not meeting.secretary_report.strip():
            errors["secretary_report"] = _(
                "Write the secretary's report on behalf of the team before submitting."
            )
        if errors:
            raise ValidationError(errors)

    def review_snapshot(self) -> dict[str, Any]:
        """The meeting as the reviewer judges it, its criticism entries (keyed by their
        primary key) and its own members' attendance (keyed by member) as items. Reads
        the meeting, its guide's organization, its criticism entries and its own
        attendance list with their members (four queries at most; none for what the
        caller already loaded: prefetched criticisms, `snapshot_attendances`). Rendered
        in the site's language whoever acts, so that snapshots compare equal across
        users."""
        with translation.override(settings.LANGUAGE_CODE):
            return self._snapshot()

    @classmethod
    def review_items_text(cls, key: str, items: list[dict[str, Any]]) -> str:
        """Criticism entries as snapshots stored them before they were listed one by
        one ("who: points", a line each)."""
        if key == "criticism":
            return "\n".join(
                f"{item['fields'].get('who', '')}: {item['fields'].get('points', '')}"
                for item in items
            )
        return super().review_items_text(key, items)

    def _snapshot(self) -> dict[str, Any]:
        meeting = self.meeting
        guide = meeting.guide_name.strip()
        if guide and meeting.guide_organization is not None:
            guide = f"{guide} ({meeting.guide_organization.short_name})"
        start = timezone.localtime(meeting.starts_at)
        end = timezone.localtime(meeting.ends_at)
        return {
            "topic": meeting.topic,
            "date": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
            "guide": guide,
            "secretary_report": meeting.secretary_report,
            "criticism": [
                {"key": e.pk, "n": n, "title": who, "fields": {"who": who, "points": points}}
                for n, e in enumerate(meeting_criticisms(meeting), start=1)
                for who, points in [_criticism_parts(e)]
            ],
            "improvement_measures": meeting.improvement_measures,
            "attendance": str(
                _("present %(present)d of %(expected)d expected; %(absent)d absent")
                % {
                    "present": meeting.present_count,
                    "expected": meeting.expected_count,
                    "absent": meeting.absent_count,
                }
            ),
            "attendees": [
                {
                    "key": row.member_id,
                    "n": n,
                    "title": row.member.name,
                    "fields": {
                        "present": str(
                            pgettext("attendee", "present")
                            if row.present
                            else pgettext("attendee", "absent")
                        ),
                        "reason": row.absence_reason,
                    },
                }
                for n, row in enumerate(meeting_own_attendance(meeting), start=1)
            ],
        }


def meeting_criticisms(meeting: Meeting) -> list[CriticismEntry]:
    """The meeting's criticism entries with their members, in order: the prefetched
    ones when the caller prefetched "criticisms", else one query."""
    if "criticisms" in getattr(meeting, "_prefetched_objects_cache", {}):
        return list(meeting.criticisms.all())
    return list(meeting.criticisms.select_related("by_member", "about_member"))


def meeting_own_attendance(meeting: Meeting) -> list[Attendance]:
    """The holder's own attendance list (not the attending organizations'), by member
    name: the rows a page already loaded (`meeting.snapshot_attendances`), else one
    query."""
    rows = getattr(meeting, "snapshot_attendances", None)
    if rows is not None:
        return list(rows)
    return list(
        meeting.attendances.filter(participation__isnull=True)
        .select_related("member")
        .order_by("-present", "member__name", "member__pk")
    )


def _criticism_parts(entry: CriticismEntry) -> tuple[str, str]:
    """(who criticized whom, the points on one line) for the review snapshot."""
    if entry.kind == CriticismKind.SELF_CRITICISM:
        who = _("%(by)s (self-criticism)") % {"by": entry.by_member.name}
    else:
        about = entry.about_member.name if entry.about_member is not None else _("the team")
        who = _("%(by)s → %(about)s") % {"by": entry.by_member.name, "about": about}
    return str(who), " ".join(entry.points.split())
