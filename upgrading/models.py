"""Classifying and lifting organizations, and leadership terms (docs/product.md §6.4).

The campaign plan asks to "deepen … 'three classifications and three promotions',
promote the upgrading of party organizations and cultivate … demonstration party
organizations", and to "rectify weak and lax party organizations and promptly equip the
leaders of strong party organizations" first; it names "long-term non-reform" (failure
to re-elect) among the problems of leading bodies.

* `Grading`: each year the higher level (a reviewer above, or the assigned instructor:
  `can_review`) grades an organization advanced / middle / lagging (先进 / 中间 / 后进)
  against a scored checklist. The checklist is a `rectification.StandardTemplate` (code
  GRADING_TEMPLATE, pass rule "star levels": 2 stars = advanced, 1 = middle, 0 =
  lagging), so the criteria are data like the standards checklists; the scores per item
  are `GradingScore` rows. One grading per organization and year: the years are its
  history.
* `UpgradePlan`: a lagging or weak-and-lax organization's upgrade plan (causes, measures,
  the responsible leading cadre as contact point, deadline), written by its secretary
  and reviewed upward (portal.reviews). Once approved, the secretary adds progress notes
  (`UpgradeNote`), one of which may record the appointment of a new secretary (linked
  to the committee post of organizations/). A `Delisting` request (申请销号), reviewed
  by the higher level, closes the plan; approving it clears the weak-and-lax flag.
* `Demonstration`: a demonstration organization (示范党组织) proposed by the
  organization and confirmed by the higher level, the same way.
* `LeadershipTerm`: an election of the organization's committee (elected on, term in
  years; the latest one is the current term). The term is due for re-election on
  elected_on + term_years; selectors_terms flags terms overdue and due within
  TERM_DUE_SOON_DAYS, and the daily reminders remind the secretary once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models import OrgKind
from portal.core.constraints import CheckConstraint
from portal.reviews.models import Reviewable, ReviewStatus

GRADING_TEMPLATE = "three_classes"
# The grading template's star levels: two stars advanced, one middle, none lagging.
STARS_ADVANCED = 2
STARS_MIDDLE = 1

# docs/product.md §6.4: a basic-level committee serves five years; a general branch and
# a branch three.
TERM_YEARS_BY_KIND: dict[str, int] = {
    OrgKind.COUNTY_COMMITTEE: 5,
    OrgKind.WORKING_COMMITTEE: 5,
    OrgKind.INDUSTRY_COMMITTEE: 5,
    OrgKind.PARK_COMMITTEE: 5,
    OrgKind.COMMUNITY: 5,
    OrgKind.COMMITTEE: 5,
    OrgKind.GENERAL_BRANCH: 3,
    OrgKind.BRANCH: 3,
    OrgKind.JOINT_BRANCH: 3,
}
TERM_DUE_SOON_DAYS = 90


def default_term_years(kind: str) -> int:
    return TERM_YEARS_BY_KIND.get(kind, 3)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Grade(models.TextChoices):
    ADVANCED = "advanced", _("advanced")
    MIDDLE = "middle", _("middle")
    LAGGING = "lagging", _("lagging")


def grade_for_stars(stars: int | None) -> str:
    if stars is not None and stars >= STARS_ADVANCED:
        return Grade.ADVANCED
    if stars is not None and stars >= STARS_MIDDLE:
        return Grade.MIDDLE
    return Grade.LAGGING


GRADE_RANK = {Grade.LAGGING: 0, Grade.MIDDLE: 1, Grade.ADVANCED: 2}


class Grading(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="gradings",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    template = models.ForeignKey(
        "rectification.StandardTemplate",
        verbose_name=_("criteria"),
        on_delete=models.PROTECT,
        related_name="gradings",
    )
    grade = models.CharField(_("class"), max_length=20, choices=Grade.choices, editable=False)
    score = models.PositiveIntegerField(_("score"), default=0, editable=False)
    max_score = models.PositiveIntegerField(_("out of"), default=0, editable=False)
    note = models.TextField(_("remarks"), max_length=2000, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("graded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("annual classification")
        verbose_name_plural = _("annual classifications")
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="grading_one_per_year",
                violation_error_message=_("The organization is already graded for this year."),
            )
        ]
        indexes = [models.Index(fields=["year", "organization"], name="grading_year_org_idx")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.year} · {self.get_grade_display()}"

    def get_absolute_url(self) -> str:
        return reverse("upgrading:org", args=[self.organization_id])


class GradingScore(models.Model):
    grading = models.ForeignKey(
        Grading, verbose_name=_("classification"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        "rectification.StandardItem",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("classification score")
        verbose_name_plural = _("classification scores")
        ordering = ["grading", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["grading", "item"], name="grading_score_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"

    def clean(self) -> None:
        if self.item_id and self.score is not None and self.score > self.item.points:
            raise ValidationError(
                {"score": _("At most %(points)d points.") % {"points": self.item.points}}
            )


class PlanReason(models.TextChoices):
    LAGGING = "lagging", _("graded lagging")
    WEAK = "weak", _("weak and lax")


class UpgradePlanQuerySet(models.QuerySet["UpgradePlan"]):
    def in_subtree(self, organization: Any) -> UpgradePlanQuerySet:
        return self.filter(organization__path__startswith=organization.path)

    def open(self) -> UpgradePlanQuerySet:
        return self.filter(delisted_on__isnull=True)


class UpgradePlan(Reviewable):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="upgrade_plans",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    reason = models.CharField(_("listed as"), max_length=20, choices=PlanReason.choices)
    causes = models.TextField(_("causes"), max_length=4000)
    measures = models.TextField(_("measures"), max_length=4000)
    contact_cadre = models.CharField(
        _("responsible leading cadre"),
        max_length=60,
        help_text=_("The leading cadre who takes the organization as a contact point."),
    )
    contact_post = models.CharField(_("cadre's post"), max_length=100, blank=True)
    deadline = models.DateField(_("deadline"))
    delisted_on = models.DateField(_("de-listed on"), null=True, blank=True, editable=False)
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_by", "created_at", "updated_at"])
    objects = UpgradePlanQuerySet.as_manager()

    review_fields = ("year", "reason", "causes", "measures", "contact_cadre", "contact_post")
    review_labels = {"deadline": _("deadline")}

    class Meta:
        verbose_name = _("upgrade plan")
        verbose_name_plural = _("upgrade plans")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="upgrade_plan_one_per_year",
                violation_error_message=_("The organization already has a plan for this year."),
            )
        ]

    def __str__(self) -> str:
        return str(_("Upgrade plan %(year)s · %(org)s") % {"year": self.year, "org": self.org})

    @property
    def org(self) -> str:
        return self.organization.short_name if self.organization_id else ""

    def get_absolute_url(self) -> str:
        return reverse("upgrading:plan_detail", args=[self.pk])

    def review_snapshot(self) -> dict[str, Any]:
        return {**super().review_snapshot(), "deadline": self.deadline.isoformat()}

    @property
    def is_approved(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @property
    def is_delisted(self) -> bool:
        return self.delisted_on is not None

    def clean(self) -> None:
        for name in ("causes", "measures", "contact_cadre", "contact_post"):
            setattr(self, name, (getattr(self, name) or "").strip())
        if self.deadline and self.year and self.deadline.year < self.year:
            raise ValidationError({"deadline": _("The deadline cannot be before the plan's year.")})


class UpgradeNote(models.Model):
    plan = models.ForeignKey(
        UpgradePlan, verbose_name=_("upgrade plan"), on_delete=models.CASCADE, related_name="notes"
    )
    noted_on = models.DateField(_("date"))
    text = models.TextField(_("progress"), max_length=4000)
    new_secretary = models.ForeignKey(
        "organizations.CommitteePost",
        verbose_name=_("new secretary appointed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("When this step is the appointment of a new secretary: the committee post."),
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

    history = HistoricalRecords(excluded_fields=["created_by", "created_at"])

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["plan", "noted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.text[:40]}"

    def clean(self) -> None:
        self.text = (self.text or "").strip()
        if self.noted_on and self.noted_on > timezone.localdate():
            raise ValidationError({"noted_on": _("The date cannot be in the future.")})


class Delisting(Reviewable):
    """A request to de-list (销号) an upgrade plan's organization: reviewed by the higher
    level; approving it closes the plan and clears the weak-and-lax flag."""

    plan = models.OneToOneField(
        UpgradePlan,
        verbose_name=_("upgrade plan"),
        on_delete=models.CASCADE,
        related_name="delisting",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="delistings",
    )
    results = models.TextField(_("results achieved"), max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    review_fields = ("results",)

    class Meta:
        verbose_name = _("de-listing request")
        verbose_name_plural = _("de-listing requests")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return str(_("De-listing · %(org)s") % {"org": self.organization.short_name})

    def get_absolute_url(self) -> str:
        return reverse("upgrading:delisting_detail", args=[self.pk])

    def clean(self) -> None:
        self.results = (self.results or "").strip()

    def after_review_transition(self, event: Any) -> None:
        """Approved: the plan is closed (de-listed today) and the organization is no
        longer flagged weak and lax (its history keeps who changed it)."""
        if event.to_status != ReviewStatus.APPROVED:
            return
        today = timezone.localdate()
        UpgradePlan.objects.filter(pk=self.plan_id).update(delisted_on=today)
        org = self.organization
        if org.is_weak:
            org.is_weak = False
            if getattr(event.actor, "pk", None):
                org._history_user = event.actor
            org.save(update_fields=["is_weak", "updated_at"])


class DemonstrationQuerySet(models.QuerySet["Demonstration"]):
    def confirmed(self) -> DemonstrationQuerySet:
        return self.filter(review_status=ReviewStatus.APPROVED)


class Demonstration(Reviewable):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="demonstrations",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    reasons = models.TextField(_("reasons"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_by", "created_at", "updated_at"])
    objects = DemonstrationQuerySet.as_manager()
    review_fields = ("year", "reasons")

    class Meta:
        verbose_name = _("demonstration organization")
        verbose_name_plural = _("demonstration organizations")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="demonstration_one_per_year",
                violation_error_message=_("The organization is already proposed for this year."),
            )
        ]

    def __str__(self) -> str:
        return str(
            _("Demonstration organization %(year)s · %(org)s")
            % {"year": self.year, "org": self.organization.short_name}
        )

    def get_absolute_url(self) -> str:
        return reverse("upgrading:demonstration_detail", args=[self.pk])

    def clean(self) -> None:
        self.reasons = (self.reasons or "").strip()


class LeadershipTerm(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="leadership_terms",
    )
    elected_on = models.DateField(_("elected on"))
    term_years = models.PositiveSmallIntegerField(
        _("term (years)"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # elected_on + term_years, kept by save() so that lists filter on it.
    due_on = models.DateField(_("re-election due on"), editable=False)
    note = models.CharField(_("remarks"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("leadership term")
        verbose_name_plural = _("leadership terms")
        ordering = ["organization", "-elected_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "elected_on"],
                name="term_one_election_per_day",
                violation_error_message=_("An election on this day is already recorded."),
            ),
            CheckConstraint(
                condition=Q(term_years__gte=1) & Q(term_years__lte=10), name="term_years_range"
            ),
        ]
        indexes = [models.Index(fields=["organization", "-elected_on"], name="term_org_idx")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.elected_on:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.due_on = add_years(self.elected_on, self.term_years)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.elected_on and self.term_years:
            self.due_on = add_years(self.elected_on, self.term_years)
        if self.elected_on and self.elected_on > timezone.localdate():
            raise ValidationError({"elected_on": _("The election date cannot be in the future.")})
