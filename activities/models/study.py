"""Study counseling per member (docs/product.md §6.1): every member at least the campaign's
minimum number of sessions. Members may record their own sessions and upload study
notes or experience essays (portal.attachments, kind "study notes")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.constraints import CheckConstraint

from .campaigns import Campaign


class StudyMode(models.TextChoices):
    SELF_STUDY = "self_study", _("self-study")
    CONCENTRATED = "concentrated", _("concentrated presentation")
    SPECIAL_LECTURE = "special_lecture", _("special lecture")
    ONLINE = "online", _("online study")
    HOME_DELIVERY = "home_delivery", _("study delivered to the home")


class CounselingRecordQuerySet(models.QuerySet["CounselingRecord"]):
    def in_campaign(self, campaign: Campaign) -> CounselingRecordQuerySet:
        return self.filter(campaign=campaign)

    def of_member(self, member: Any) -> CounselingRecordQuerySet:
        return self.filter(member=member)


class CounselingRecord(models.Model):
    member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="counseling_records",
    )
    # The member's organization when the session was recorded: a later transfer does
    # not move the record out of the scope it was written in.
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="counseling_records",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="counseling_records",
    )
    date = models.DateField(_("date"))
    mode = models.CharField(_("form"), max_length=20, choices=StudyMode.choices)
    topic = models.CharField(_("topic"), max_length=200)
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    attachments = GenericRelation("attachments.Attachment")
    objects = CounselingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("study counseling record")
        verbose_name_plural = _("study counseling records")
        ordering = ["-date", "-pk"]
        indexes = [
            # Coverage: sessions per member in one campaign (activities.study.selectors).
            models.Index(fields=["campaign", "member"], name="counseling_campaign_member"),
            # The organization's list and the checklist scoped by organization.
            models.Index(fields=["organization", "campaign"], name="counseling_org_campaign"),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="counseling_hours_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.member} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("activities:counseling_detail", args=[self.pk])

    def attachments_open_to(self, user: Any) -> bool:
        """The member may see and manage the notes on their own record
        (portal.attachments.models.owner_opens_to). Costs a query unless `member`
        is loaded."""
        return bool(user.is_authenticated and self.member.user_id == user.pk)
