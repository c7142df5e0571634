"""Standards checklists (docs/product.md §6.3): templates as data, assessed per organization.

A `StandardTemplate` ("eight haves", "two strong, eight good", or any later one) is
data: its items with points, the check method and the evidence required, and the pass
rule that turns item scores into a result. A campaign lists the templates it uses
(`StandardTemplate.campaigns`). Templates carry a code and a version: once assessments
use a version, a changed standard is a new version, so old results keep their meaning.

A `StandardAssessment` is one organization's checklist for one template in one
campaign, reviewed upward through portal.reviews: the organization self-assesses each
item (`AssessmentEntry.self_*`) with evidence files (portal.attachments, kind
"evidence", attached to the entry), submits; the reviewer scores each item
(`reviewer_*`) while it waits and approves ("accepted") or returns it. The result (met,
score, stars) is recomputed and stored on the assessment whenever an entry changes,
from the reviewer's values where the reviewer scored an item and the self-assessment
otherwise (approving without re-scoring accepts the self-assessment as it stands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from activities.models import BilingualName, Campaign
from portal.core.constraints import CheckConstraint
from portal.reviews.models import Reviewable, ReviewStatus, is_editable

# Codes of the seeded templates (rectification/seed.py); the live checklist's
# "eight haves accepted" looks the template up by this code.
EIGHT_HAVES = "eight_haves"
TWO_STRONG_EIGHT_GOOD = "two_strong_eight_good"


def _pick(zh: str, en: str) -> str:
    """The English text in the English UI (when there is one), the Chinese otherwise."""
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


class PassRule(models.TextChoices):
    ALL_ITEMS = "all_items", _("every item met")
    MIN_SCORE = "min_score", _("a minimum total score")
    STARS = "stars", _("star levels by total score")


class CheckMethod(models.TextChoices):
    SITE = "site", _("inspect the site")
    WALL = "wall", _("inspect the wall displays")
    RECORDS = "records", _("inspect the records")


@dataclass(frozen=True)
class StandardResult:
    """What a template's pass rule makes of the item values."""

    met: bool
    score: int
    max_score: int
    stars: int | None  # None unless the rule is STARS; 0 = below the lowest level


class StandardTemplateQuerySet(models.QuerySet["StandardTemplate"]):
    def active(self) -> StandardTemplateQuerySet:
        return self.filter(is_active=True)

    def for_campaign(self, campaign: Campaign) -> StandardTemplateQuerySet:
        return self.filter(campaigns=campaign)


class StandardTemplate(BilingualName):
    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    pass_rule = models.CharField(_("pass rule"), max_length=20, choices=PassRule.choices)
    pass_score = models.PositiveSmallIntegerField(
        _("pass score"),
        null=True,
        blank=True,
        help_text=_("For the rule “a minimum total score”: the lowest total that passes."),
    )
    star_thresholds = models.JSONField(
        _("star thresholds"),
        default=dict,
        blank=True,
        help_text=_(
            "For the rule “star levels”: the lowest total for each level, e.g. "
            '{"3": 90, "2": 75, "1": 60}. One star or more passes.'
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    campaigns = models.ManyToManyField(
        Campaign,
        verbose_name=_("campaigns"),
        blank=True,
        related_name="standard_templates",
        help_text=_("The campaigns whose organizations assess themselves against it."),
    )

    objects = StandardTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("standards checklist template")
        verbose_name_plural = _("standards checklist templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="standard_template_version")
        ]

    @property
    def description(self) -> str:
        return _pick(self.description_zh, self.description_en)

    def thresholds(self) -> list[tuple[int, int]]:
        """[(stars, lowest total)], the highest level first. Empty unless valid."""
        levels: list[tuple[int, int]] = []
        for key, value in (self.star_thresholds or {}).items():
            try:
                levels.append((int(key), int(value)))
            except (TypeError, ValueError):
                return []
        return sorted(levels, reverse=True)

    @property
    def max_stars(self) -> int:
        levels = self.thresholds()
        return levels[0][0] if levels else 0

    @property
    def is_scored(self) -> bool:
        """Items take a score (not only met / not met)."""
        return self.pass_rule != PassRule.ALL_ITEMS

    def clean(self) -> None:
        if self.pass_rule == PassRule.MIN_SCORE and self.pass_score is None:
            raise ValidationError({"pass_score": _("Give the lowest total that passes.")})
        if self.pass_rule == PassRule.STARS:
            raw = self.star_thresholds
            valid = (
                isinstance(raw, dict)
                and raw
                and all(str(k).isdigit() and int(k) > 0 for k in raw)
                and all(isinstance(v, int) and v >= 0 for v in raw.values())
            )
            if not valid:
                raise ValidationError(
                    {
                        "star_thresholds": _(
                            'Give each star level its lowest total, e.g. {"3": 90, "2": 75, "1": 60}.'
                        )
                    }
                )
            levels = self.thresholds()
            totals = [total for _stars, total in levels]
            if totals != sorted(totals, reverse=True) or len(set(totals)) != len(totals):
                raise ValidationError({"star_thresholds": _("More stars need a higher total.")})

    def evaluate(self, values: list[tuple[int, bool, int]]) -> StandardResult:
        """Apply the pass rule to [(points, met, score)] per item."""
        max_score = sum(points for points, _met, _score in values)
        score = sum(score for _points, _met, score in values)
        stars: int | None = None
        if self.pass_rule == PassRule.ALL_ITEMS:
            met = bool(values) and all(item_met for _points, item_met, _score in values)
        elif self.pass_rule == PassRule.MIN_SCORE:
            met = self.pass_score is not None and score >= self.pass_score
        else:
            stars = next((level for level, total in self.thresholds() if score >= total), 0)
            met = stars >= 1
        return StandardResult(met=met, score=score, max_score=max_score, stars=stars)


class StandardItem(BilingualName):
    template = models.ForeignKey(
        StandardTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    order = models.PositiveSmallIntegerField(_("order"))
    points = models.PositiveSmallIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    check_method = models.CharField(_("check method"), max_length=20, choices=CheckMethod.choices)
    evidence_required_zh = models.TextField(_("evidence required (Chinese)"), blank=True)
    evidence_required_en = models.TextField(_("evidence required (English)"), blank=True)

    class Meta:
        verbose_name = _("standards checklist item")
        verbose_name_plural = _("standards checklist items")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="standard_item_order"),
            CheckConstraint(condition=Q(points__gte=1), name="standard_item_points"),
        ]

    @property
    def evidence_required(self) -> str:
        return _pick(self.evidence_required_zh, self.evidence_required_en)


class StandardAssessmentQuerySet(models.QuerySet["StandardAssessment"]):
    def approved(self) -> StandardAssessmentQuerySet:
        return self.filter(review_status=ReviewStatus.APPROVED)

    def for_campaign(self, campaign: Campaign) -> StandardAssessmentQuerySet:
        return self.filter(campaign=campaign)


ITEM_KEY = re.compile(r"^item-(\d+)$")


class StandardAssessment(Reviewable):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="standard_assessments",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="standard_assessments",
    )
    template = models.ForeignKey(
        StandardTemplate,
        verbose_name=_("standard"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    # The result by the template's pass rule, kept in step with the entries by the
    # services (rectification/services_standards.py) so that lists, the organization
    # page and the live checklist read it without loading entries.
    result_met = models.BooleanField(_("met"), default=False, editable=False)
    result_score = models.PositiveIntegerField(_("score"), default=0, editable=False)
    result_max_score = models.PositiveIntegerField(_("out of"), default=0, editable=False)
    result_stars = models.PositiveSmallIntegerField(
        _("stars"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StandardAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("standards checklist result")
        verbose_name_plural = _("standards checklist results")
        ordering = ["organization__path", "-campaign__starts_on", "template__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign", "template"],
                name="standard_assessment_one_per_template",
                violation_error_message=_(
                    "The organization already assesses itself against this standard "
                    "in this campaign."
                ),
            )
        ]
        indexes = [
            # The live checklist (selectors_standards.eight_haves_accepted_in): one
            # campaign's assessments of one template, then by organization.
            models.Index(fields=["campaign", "template"], name="standard_campaign_tpl_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} · {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("rectification:assessment_detail", args=[self.pk])

    def review_title(self) -> str:
        return str(_("%(standard)s self-assessment") % {"standard": self.template.name})

    review_labels = {"items": _("items"), "self": _("self-assessment")}

    @classmethod
    def review_label(cls, key: str) -> str:
        match = ITEM_KEY.match(key)
        if match:
            return str(_("Item %(n)s") % {"n": int(match.group(1))})
        return super().review_label(key)

    @classmethod
    def review_upgrade_snapshot(cls, snapshot: dict[str, Any]) -> dict[str, Any]:
        """Snapshots stored before the items were listed had one key per item
        ("item-<order>": the self-assessment line): read them as items."""
        if "items" in snapshot:
            return snapshot
        items = []
        rest: dict[str, Any] = {}
        for key, text in snapshot.items():
            match = ITEM_KEY.match(key)
            if match:
                n = int(match.group(1))
                items.append({"key": n, "n": n, "fields": {"self": text}})
            else:
                rest[key] = text
        return {**rest, "items": sorted(items, key=lambda i: i["n"])}

    def snapshot_entries(self) -> list[AssessmentEntry]:
        """The entries with their items and evidence counts, in item order: the
        prefetched ones when a page loaded them (see views_standards), else one query."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "entries" in cache:
            return list(cache["entries"])
        return list(
            self.entries.select_related("item")
            .annotate(evidence_count=Count("attachments"))
            .order_by("item__order", "pk")
        )

    def review_snapshot(self) -> dict[str, Any]:
        """The self-assessment per item, as the reviewer judges it: the items keyed by
        their order in the standard (fixed by the template), each with its
        self-assessment line. Written in the site's default language so that snapshots
        taken in different UI languages compare equal. One query (see
        snapshot_entries)."""
        with translation.override(settings.LANGUAGE_CODE):
            scored = self.template.is_scored
            return {
                "items": [
                    {
                        "key": entry.item.order,
                        "n": entry.item.order,
                        "fields": {"self": entry.self_summary(scored=scored)},
                    }
                    for entry in self.snapshot_entries()
                ]
            }

    def review_validate_submission(self) -> None:
        """Goes up for review only with every item self-assessed, and with at least one
        evidence file for each item claimed (marked met or given a score above zero).
        Called by portal.reviews on submit and resubmit. One query."""
        errors: list[str] = []
        for entry in self.snapshot_entries():
            label = f"{entry.item.order}. {entry.item.name}"
            if not entry.self_assessed:
                errors.append(str(_("%(item)s: assess this item.") % {"item": label}))
            elif entry.self_claimed and not getattr(entry, "evidence_count", 0):
                errors.append(
                    str(_("%(item)s: attach at least one evidence file.") % {"item": label})
                )
        if errors:
            raise ValidationError(errors)

    def is_editable(self) -> bool:
        return is_editable(self)

    @property
    def result(self) -> StandardResult:
        return StandardResult(
            met=self.result_met,
            score=self.result_score,
            max_score=self.result_max_score,
            stars=self.result_stars,
        )


class AssessmentEntry(models.Model):
    """One item of one assessment: the organization's self-assessment and, once
    submitted, the reviewer's score. Evidence files are attachments of the entry."""

    assessment = models.ForeignKey(
        StandardAssessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    item = models.ForeignKey(
        StandardItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="entries"
    )
    self_met = models.BooleanField(_("met (self-assessed)"), default=False)
    # None until the organization has assessed the item.
    self_score = models.PositiveSmallIntegerField(_("score (self-assessed)"), null=True, blank=True)
    self_note = models.TextField(_("note"), blank=True, max_length=2000)
    reviewer_met = models.BooleanField(_("met (reviewer)"), null=True, blank=True)
    # None until the reviewer scores the item.
    reviewer_score = models.PositiveSmallIntegerField(_("score (reviewer)"), null=True, blank=True)
    reviewer_note = models.TextField(_("reviewer's note"), blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scored by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    attachments = GenericRelation("attachments.Attachment")

    class Meta:
        verbose_name = _("checklist entry")
        verbose_name_plural = _("checklist entries")
        ordering = ["assessment", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="assessment_entry_item"),
            CheckConstraint(
                condition=Q(reviewer_score__isnull=True) | Q(reviewer_met__isnull=False),
                name="assessment_entry_reviewed_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.order}. {self.item.name}"

    def get_absolute_url(self) -> str:
        return f"{self.assessment.get_absolute_url()}#item-{self.item.order}"

    def is_editable(self) -> bool:
        """Evidence may be added or removed only while the assessment is a draft or
        returned (portal.attachments asks). Loads the assessment unless it is."""
        return is_editable(self.assessment)

    def clean(self) -> None:
        item = getattr(self, "item", None)
        if item is None:
            return
        errors: dict[str, Any] = {}
        if self.self_score is not None and self.self_score > item.points:
            errors["self_score"] = _("At most %(n)d points.") % {"n": item.points}
        if self.reviewer_score is not None and self.reviewer_score > item.points:
            errors["reviewer_score"] = _("At most %(n)d points.") % {"n": item.points}
        if errors:
            raise ValidationError(errors)

    @property
    def self_assessed(self) -> bool:
        return self.self_score is not None

    @property
    def self_claimed(self) -> bool:
        """The organization says the item is (at least partly) there: evidence needed."""
        return self.self_met or bool(self.self_score)

    @property
    def reviewed(self) -> bool:
        return self.reviewer_score is not None

    @property
    def final_met(self) -> bool:
        return bool(self.reviewer_met) if self.reviewed else self.self_met

    @property
    def final_score(self) -> int:
        if self.reviewed:
            return int(self.reviewer_score or 0)
        return int(self.self_score or 0)

    def self_summary(self, *, scored: bool) -> str:
        """One line of the self-assessment for the review snapshot (`scored`: the
        template's items take scores)."""
        item = self.item
        if not self.self_assessed:
            state = str(_("not assessed"))
        elif scored:
            state = str(
                _("%(score)d of %(points)d points")
                % {"score": self.self_score or 0, "points": item.points}
            )
        else:
            state = str(_("met") if self.self_met else _("not met"))
        parts = [item.name_zh, state]
        count = getattr(self, "evidence_count", None)
        if count is not None:
            parts.append(str(_("evidence files: %(n)d") % {"n": count}))
        if self.self_note.strip():
            parts.append(self.self_note.strip())
        return " · ".join(parts)
