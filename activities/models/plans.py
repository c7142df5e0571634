"""Each organization's activity plan for a campaign (docs/product.md §5), reviewed upward through
the shared review workflow (portal.reviews): a plan is written as a draft, submitted,
and approved or returned by the higher level. Phase 1 work counts as on track only once
the plan is approved (the live checklist reads `review_status`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.reviews.models import Reviewable, ReviewStatus

from .campaigns import Campaign

# The plan's sections, in the order they are written and reviewed.
PLAN_SECTIONS = ("goals", "arrangements", "leadership", "measures")


class ActivityPlanQuerySet(models.QuerySet["ActivityPlan"]):
    def approved(self) -> ActivityPlanQuerySet:
        return self.filter(review_status=ReviewStatus.APPROVED)

    def for_campaign(self, campaign: Campaign) -> ActivityPlanQuerySet:
        return self.filter(campaign=campaign)


class ActivityPlan(Reviewable):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="activity_plans",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="activity_plans",
    )
    title = models.CharField(_("title"), max_length=200)
    goals = models.TextField(
        _("guiding ideas and goals"),
        blank=True,
        help_text=_("What the organization means to achieve in this campaign."),
    )
    arrangements = models.TextField(
        _("arrangements per phase"),
        blank=True,
        help_text=_("For each phase: what is done, when, and by whom."),
    )
    leadership = models.TextField(
        _("leadership and division of work"),
        blank=True,
        help_text=_("Who leads the campaign in the organization and who does what."),
    )
    measures = models.TextField(
        _("measures and requirements"),
        blank=True,
        help_text=_("How the plan is carried out and checked."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Also the version token of the edit form: a save based on an older value is refused.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Content changes only: review state changes are the review events' business.
    history = HistoricalRecords(
        excluded_fields=[
            "review_status",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "created_by",
            "created_at",
            "updated_at",
        ]
    )
    objects = ActivityPlanQuerySet.as_manager()

    review_fields = ("title", *PLAN_SECTIONS)

    class Meta:
        verbose_name = _("activity plan")
        verbose_name_plural = _("activity plans")
        ordering = ["organization__path", "-campaign__starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign"], name="activity_plan_one_per_campaign"
            )
        ]
        indexes = [
            # The live checklist: approved plans of one campaign (then by organization).
            models.Index(fields=["campaign", "review_status"], name="plan_campaign_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:plan_detail", args=[self.pk])

    def review_title(self) -> str:
        return self.title

    def review_validate_submission(self) -> None:
        """A plan goes up for review only with every section written."""
        missing = {
            name: _("Write this section before submitting the plan.")
            for name in PLAN_SECTIONS
            if not getattr(self, name).strip()
        }
        if missing:
            raise ValidationError(missing)
