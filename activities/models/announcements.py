"""Meetings announced before they are held, and the expected members' replies
(docs/product.md §6.1, "Announcing a meeting").

An announcement carries what the members need to know (kind, topic, time, place,
agenda); when it is made, the members the meeting's kind expects
(activities.meetings.services.expected_roster) each get an Invitation row, and those
with a login a notice. A member answers on their invitation (will attend / cannot
attend, with a reason) until the meeting starts. Recording the meeting afterwards
links the Meeting to its announcement; the replies are only suggestions on the
attendance form — the recorded attendance stays the recorder's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.constraints import CheckConstraint

from .campaigns import Campaign
from .meetings import Meeting, MeetingKind


class MeetingAnnouncement(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="meeting_announcements",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="meeting_announcements",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    party_group = models.ForeignKey(
        "organizations.PartyGroup",
        verbose_name=_("Party group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_announcements",
        help_text=_("For a Party group meeting: the group whose members are expected."),
    )
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    # The meeting as recorded afterwards (activities.announcements.services).
    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("meeting record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcement",
    )
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("announced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    announced_at = models.DateTimeField(_("announced at"), default=timezone.now)
    # The last change of time or place announced again (None: never changed).
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    # Also the edit token: the edit form carries it and the service refuses a stale one.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting announcement")
        verbose_name_plural = _("meeting announcements")
        ordering = ["starts_at", "pk"]
        indexes = [
            # The organization's announcements by date; the reminder's "starts tomorrow".
            models.Index(fields=["organization", "starts_at"], name="announcement_org_starts"),
            models.Index(fields=["starts_at"], name="announcement_starts"),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="announcement_ends_after_start",
                violation_error_message=_("A meeting cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("activities:announcement_detail", args=[self.pk])

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("A meeting cannot end before it starts.")})

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_recorded(self) -> bool:
        return self.meeting_id is not None

    @property
    def open_for_replies(self) -> bool:
        """Members may answer, or change their answer, until the meeting starts."""
        return not self.has_started and not self.is_recorded


class Reply(models.TextChoices):
    PENDING = "", _("no answer yet")
    ATTEND = "attend", _("will attend")
    ABSENT = "absent", _("cannot attend")


class Invitation(models.Model):
    """One expected member of an announced meeting, with their answer."""

    announcement = models.ForeignKey(
        MeetingAnnouncement,
        verbose_name=_("meeting announcement"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
    )
    reply = models.CharField(
        _("answer"), max_length=10, choices=Reply.choices, blank=True, default=Reply.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    replied_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting invitation")
        verbose_name_plural = _("meeting invitations")
        ordering = ["announcement", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "member"], name="invitation_once_per_member"
            ),
            CheckConstraint(
                condition=~Q(reply="absent") | ~Q(reason=""),
                name="invitation_absence_needs_reason",
                violation_error_message=_("Say why you cannot attend."),
            ),
        ]
        indexes = [
            # A member's upcoming meetings on their home page.
            models.Index(fields=["member", "announcement"], name="invitation_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.announcement}"

    def suggestion(self) -> dict[str, Any] | None:
        """The answer as the attendance form suggests it (None: no answer)."""
        if self.reply == Reply.ATTEND:
            return {"present": True, "reason": "", "label": self.get_reply_display()}
        if self.reply == Reply.ABSENT:
            return {"present": False, "reason": self.reason, "label": self.get_reply_display()}
        return None
