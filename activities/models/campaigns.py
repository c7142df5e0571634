"""Campaigns and their phases. Everything that varies between campaigns is data here
(docs/product.md §5): minimum counseling sessions, study exchanges, funding standard, the
appraisal grade scale and the problem categories."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint

if TYPE_CHECKING:
    from organizations.models import Organization


class BilingualName(models.Model):
    """Data-driven labels shown in both UI languages."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_organization(self, org: Organization) -> CampaignQuerySet:
        """Campaigns the organization takes part in: led at the node or one of its
        ancestors, and leaving out neither the node nor any ancestor of it
        (docs/product.md §5, "Organizations taking part"). One query."""
        paths = [org.path[:i] for i in range(4, len(org.path) + 1, 4)]
        return self.filter(lead_organization__path__in=paths).exclude(
            excluded_organizations__path__in=paths
        )

    def for_scope(self, paths: Iterable[str] | None) -> CampaignQuerySet:
        """Campaigns reaching any organization under the grant `paths` (None: every
        campaign): led at one of those nodes or below one, or led above one without
        leaving that node out (an excluded ancestor leaves its whole subtree out)."""
        if paths is None:
            return self.all()
        paths = list(paths)
        if not paths:
            return self.none()
        q = Q()
        for p in paths:
            above = [p[:i] for i in range(4, len(p) + 1, 4)]
            q |= Q(lead_organization__path__startswith=p) | (
                Q(lead_organization__path__in=above) & ~Q(excluded_organizations__path__in=above)
            )
        return self.filter(q)

    def reaching(self, orgs: Iterable[Organization]) -> CampaignQuerySet:
        """Campaigns led at one of the organizations or above, each annotated with
        whether it leaves out each of them (`takes_part(campaign, org)` reads it): one
        query, whatever the number of campaigns and exclusions."""
        orgs = list(orgs)
        paths = {p for org in orgs for p in org.ancestor_paths}
        through = Campaign.excluded_organizations.through
        marks = {
            f"_left_out_{org.pk}": Exists(
                through.objects.filter(
                    campaign_id=OuterRef("pk"), organization__path__in=org.ancestor_paths
                )
            )
            for org in orgs
        }
        return self.filter(lead_organization__path__in=paths).annotate(**marks)

    def running(self) -> CampaignQuerySet:
        """Open campaigns only: those whose records still change (a closed one is frozen,
        docs/product.md §5.2)."""
        return self.filter(status=CampaignStatus.OPEN)

    def current(self, today: dt.date | None = None) -> CampaignQuerySet:
        today = today or timezone.localdate()
        return self.filter(starts_on__lte=today, ends_on__gte=today)


class CampaignStatus(models.TextChoices):
    """A campaign's lifecycle (docs/product.md §5.3): composed as a draft, checked, then
    opened. Only an open campaign reaches the organizations' pages."""

    DRAFT = "draft", pgettext_lazy("campaign status", "in draft")
    CHECKED = "checked", pgettext_lazy("campaign status", "checked")
    OPEN = "open", pgettext_lazy("campaign status", "open")
    # Closed by the office once the campaign is over: still readable everywhere (its
    # figures frozen at its end), but no record, review or import writes into it.
    CLOSED = "closed", pgettext_lazy("campaign status", "closed")


_CampaignManager = models.Manager.from_queryset(CampaignQuerySet)


# The campaigns the organizations' pages show: open ones, and closed ones (read-only,
# docs/product.md §5.2).
PUBLISHED_STATUSES = (CampaignStatus.OPEN, CampaignStatus.CLOSED)


class OpenCampaignManager(_CampaignManager["Campaign"]):
    """`Campaign.objects`: open and closed campaigns, so that a draft or checked campaign
    reaches no checklist, home, grid, roll-up, reminder or record form, while a closed
    one stays readable everywhere (docs/product.md §5.2: its records refuse every
    write, activities/closing.py). The office's composing pages read
    `Campaign.all_objects`; a record's `campaign` (the base manager) reads any. What
    still runs (reminders, urging, the roll-up's refresh) filters `.running()`."""

    def get_queryset(self) -> CampaignQuerySet:
        return CampaignQuerySet(self.model, using=self._db).filter(status__in=PUBLISHED_STATUSES)


def campaigns_newest_first(org: Organization) -> list[Campaign]:
    """The campaigns the organization takes part in, newest first. One query."""
    return list(Campaign.objects.for_organization(org).order_by("-starts_on", "-pk"))


def takes_part(campaign: Campaign, org: Organization) -> bool:
    """Does the organization take part in the campaign: under its lead organization and
    not left out (docs/product.md §5)? For a campaign read through
    `CampaignQuerySet.reaching(orgs)` with `org` among them (lead organization
    selected): no query."""
    return org.path.startswith(campaign.lead_organization.path) and not getattr(
        campaign, f"_left_out_{org.pk}", False
    )


def left_out(campaign: Any, path: str = "path") -> Exists:
    """On Organization rows (or rows whose organization's path is `path`, e.g.
    "organization__path"): is the row left out of the campaign (a campaign or its id),
    being an organization it excludes or one below it? A subquery in the same query:
    `.exclude(left_out(campaign))` keeps those taking part."""
    through = Campaign.excluded_organizations.through
    return Exists(
        through.objects.filter(
            campaign_id=getattr(campaign, "pk", campaign),
            organization__path=Substr(OuterRef(path), 1, Length("organization__path")),
        )
    )


def preferred_campaign(
    campaigns: Iterable[Campaign], today: dt.date | None = None
) -> Campaign | None:
    """The campaign a page opens on when none is asked for: the running one (the one
    that started last, if several run), else the one that started last, else the first
    still to come. No query."""
    today = today or timezone.localdate()
    campaigns = list(campaigns)
    running = [c for c in campaigns if c.starts_on <= today <= c.ends_on]
    started = [c for c in campaigns if c.starts_on <= today]
    for group in (running, started):
        if group:
            return max(group, key=lambda c: (c.starts_on, c.pk))
    return min(campaigns, key=lambda c: (c.starts_on, c.pk), default=None)


def pick_campaign(campaigns: list[Campaign], raw: str | None) -> Campaign | None:
    """The campaign a page's ?campaign=<id> names among `campaigns`, else the running
    one (preferred_campaign); None when there is none. No query."""
    for campaign in campaigns:
        if str(campaign.pk) == (raw or ""):
            return campaign
    return preferred_campaign(campaigns)


def new_token() -> str:
    return uuid.uuid4().hex


class GradeScale(models.TextChoices):
    """The appraisal scales a campaign picks from (activities.seed.GRADE_PRESETS), or
    its own rows."""

    BALLOT_2014 = "2014", _("2014 ballot: good / fair / poor")
    STANDING = (
        "standing",
        _("standing rules: excellent / qualified / basically qualified / unqualified"),
    )
    CUSTOM = "custom", _("custom: the grades below")


class Campaign(BilingualName):
    lead_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("lead organization"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("The organization whose whole subtree takes part."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    min_counseling_per_member = models.PositiveSmallIntegerField(
        _("minimum study counseling sessions per member"), default=1
    )
    min_study_exchanges = models.PositiveSmallIntegerField(
        _("minimum study exchanges per branch"), default=1
    )
    funding_standard = models.DecimalField(
        _("funding standard per member (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("50.00"),
    )
    grade_scale = models.CharField(
        _("appraisal grade scale"),
        max_length=10,
        choices=GradeScale.choices,
        default=GradeScale.CUSTOM,
        help_text=_(
            "A preset replaces the grades with its own (the top and bottom grades go up "
            "for approval); pick custom to edit the grades below."
        ),
    )
    satisfaction_threshold = models.PositiveSmallIntegerField(
        _("satisfaction threshold (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "The checklist requires at least this share of satisfied or basically "
            "satisfied answers on the overall question of the satisfaction evaluation."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    excluded_organizations = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("organizations left out"),
        blank=True,
        related_name="+",
        help_text=_(
            "The lead organization's whole subtree takes part except these organizations "
            "and everything under them."
        ),
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The worker's rebuild of the campaign's roll-up after a change to the open campaign
    # (portal.progress.tasks.rebuild_standings): organizations done of the total; the
    # campaign page shows it while done < total.
    rebuild_total = models.PositiveIntegerField(default=0, editable=False)
    rebuild_done = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Changed whenever one of the campaign's requirement instances is written
    # (portal/progress/models.py RequirementInstance): each process keeps the campaign's
    # requirements under it (portal.progress.engine.requirements), so pages read them
    # without a query.
    requirements_token = models.CharField(max_length=32, default=new_token, editable=False)

    objects = OpenCampaignManager()
    all_objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["requirements_token", "created_at", "rebuild_total", "rebuild_done"],
        # Which organizations take part is a change to the campaign like any other: its
        # page lists who left out which (docs/product.md §5.3).
        m2m_fields=[excluded_organizations],
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "pk"]
        constraints = [
            CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_ordered"
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.status == CampaignStatus.OPEN and self.opened_at is None:
            # Made open (the blank form, the seeding): open since now.
            self.opened_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "opened_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("activities:campaign_detail", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})

    def as_of(self, today: dt.date | None = None) -> dt.date:
        """The day every figure of the campaign is judged on: today while it runs (or
        before it starts), its last day once it has ended (a finished campaign is
        frozen: its overdue items and its reviews' waits stop counting at its end). An
        item whose deadline lies after the campaign's end is judged against that
        deadline like any other: as of the end it was not overdue."""
        today = today or timezone.localdate()
        return min(today, self.ends_on)

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN

    @property
    def is_closed(self) -> bool:
        """Closed by the office once over: readable, and every write into it refused
        (docs/product.md §5.2)."""
        return self.status == CampaignStatus.CLOSED

    def may_close(self, today: dt.date | None = None) -> bool:
        """An open campaign may be closed once its last day has passed."""
        return self.is_open and self.has_ended(today)

    @property
    def rebuilding(self) -> bool:
        return self.rebuild_done < self.rebuild_total

    def has_ended(self, today: dt.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.ends_on

    def phase_on(self, day: dt.date) -> Phase | None:
        for phase in self.phases.all():
            if phase.starts_on <= day <= phase.ends_on:
                return phase
        return None


class Phase(BilingualName):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="phase_number_unique"),
            CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="phase_dates_ordered"
            ),
        ]

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A phase cannot end before it starts.")})
        campaign = getattr(self, "campaign", None)
        if (
            campaign
            and self.starts_on
            and self.ends_on
            and (self.starts_on < campaign.starts_on or self.ends_on > campaign.ends_on)
        ):
            raise ValidationError(_("A phase must lie within the campaign's dates."))


class AppraisalGrade(BilingualName):
    """One grade of the campaign's democratic-appraisal scale (docs/product.md §6.2)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="grades")
    code = models.SlugField(_("code"), max_length=30)
    order = models.PositiveSmallIntegerField(_("order"), help_text=_("1 = the top grade."))
    max_share = models.DecimalField(
        _("maximum share"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("For example 0.333 caps 'excellent' at one third of those appraised."),
    )
    needs_approval = models.BooleanField(
        _("determination needs higher-level approval"),
        default=False,
        help_text=_("Determinations of the top and bottom grades go to the higher level."),
    )

    class Meta:
        verbose_name = _("appraisal grade")
        verbose_name_plural = _("appraisal grades")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="grade_code_unique"),
            models.UniqueConstraint(fields=["campaign", "order"], name="grade_order_unique"),
        ]


class ProblemCategory(BilingualName):
    """A category of problem-list items (the plan's key tasks), per campaign."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="problem_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="category_code_unique")
        ]
