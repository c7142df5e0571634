"""Reporting upward (信息报送) and bulletins (简报), docs/product.md §6.6.

An organization sends short reports upward (UpwardReport: title, text, up to nine
photos kept as attachments, the campaign and phase, tags). A higher level that may
compile bulletins (Action.COMPILE_BULLETINS: reviewers and the campaign office) reads
them in a feed of its subtree and selects some (Selection, one per report and selecting
organization). A bulletin (Bulletin) of that level gathers its selections not used yet,
numbered 第 1 期, 第 2 期 … per campaign and compiling organization, without gaps: the
number is taken under a lock on the compiling organization's row and a unique constraint
guards it. Bulletins are never deleted, so the numbers stay contiguous.

Every model is scoped by an `organization` column: the report's sender, the selecting
level, the compiling level.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MAX_PHOTOS = 9
MAX_TAGS = 5
TAG_LENGTH = 20


def parse_tags(raw: str) -> list[str]:
    """Tags typed as "学习, 整改" (either comma, 、 or spaces): distinct, in order."""
    text = (raw or "").replace("，", ",").replace("、", ",").replace(";", ",")
    tags: list[str] = []
    for part in text.replace(" ", ",").split(","):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


class UpwardReportQuerySet(models.QuerySet["UpwardReport"]):
    def in_subtree(self, organization: Any) -> UpwardReportQuerySet:
        """Reports of the organization and every organization below it."""
        return self.filter(organization__path__startswith=organization.path)

    def with_tag(self, tag: str) -> UpwardReportQuerySet:
        return self.filter(tags__contains=f",{tag},")

    def for_feed(self) -> UpwardReportQuerySet:
        return self.select_related("organization", "phase", "submitted_by").order_by(
            "-submitted_at", "-pk"
        )


class UpwardReport(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="upward_reports",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="upward_reports",
    )
    phase = models.ForeignKey(
        "activities.Phase",
        verbose_name=_("phase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upward_reports",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=5000)
    # Stored as ",学习,整改," so that one tag is one indexed-free `LIKE '%,tag,%'` on
    # every database (tag_list gives them back).
    tags = models.CharField(_("tags"), max_length=200, blank=True, default="")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)

    history = HistoricalRecords()
    objects = UpwardReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report sent upward")
        verbose_name_plural = _("reports sent upward")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            # The feed of a subtree, newest first, per campaign.
            models.Index(fields=["campaign", "-submitted_at"], name="upward_report_feed_idx"),
            models.Index(fields=["organization", "-submitted_at"], name="upward_report_org_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("bulletins:report_detail", args=[self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    def set_tags(self, tags: list[str]) -> None:
        self.tags = f",{','.join(tags)}," if tags else ""

    def is_editable(self) -> bool:
        """The attachments app asks before adding or removing a photo: not once a
        higher level has selected the report, so what it chose does not change under
        it. One query."""
        return not self.pk or not self.selections.exists()

    def clean(self) -> None:
        self.title = (self.title or "").strip()
        self.body = (self.body or "").replace("\r\n", "\n").strip()
        errors: dict[str, Any] = {}
        tags = self.tag_list
        if len(tags) > MAX_TAGS:
            errors["tags"] = _("At most %(n)d tags.") % {"n": MAX_TAGS}
        elif any(len(t) > TAG_LENGTH for t in tags):
            errors["tags"] = _("A tag has at most %(n)d characters.") % {"n": TAG_LENGTH}
        campaign_id = self.campaign_id
        phase = self.phase if self.phase_id else None
        if phase is not None and campaign_id and phase.campaign_id != campaign_id:
            errors["phase"] = _("Choose a phase of the report's campaign.")
        if errors:
            raise ValidationError(errors)


class Bulletin(models.Model):
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="bulletins",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("compiled by organization"),
        on_delete=models.PROTECT,
        related_name="bulletins",
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    title = models.CharField(
        _("title"),
        max_length=120,
        help_text=_("The name of the bulletin, without its number."),
    )
    issuer = models.CharField(
        _("issuing office"), max_length=120, help_text=_("Printed under the title.")
    )
    issued_on = models.DateField(_("date of issue"))
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compiled by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization", "number"],
                name="bulletin_number_unique",
                violation_error_message=_("This bulletin number is already taken."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number_label}"

    def get_absolute_url(self) -> str:
        return reverse("bulletins:bulletin_detail", args=[self.pk])

    @property
    def number_label(self) -> str:
        """第 N 期."""
        from django.utils.translation import gettext

        return gettext("No. %(n)d") % {"n": self.number}

    @property
    def heading(self) -> str:
        """The title in title marks: 《…简报》."""
        from django.utils.translation import gettext

        return gettext("“%(title)s”") % {"title": self.title}


class SelectionQuerySet(models.QuerySet["Selection"]):
    def unused(self) -> SelectionQuerySet:
        return self.filter(bulletin__isnull=True)


class Selection(models.Model):
    """A report selected (采用) by a higher level; `bulletin` is set once a bulletin of
    that level uses it (then it can no longer be unselected)."""

    report = models.ForeignKey(
        UpwardReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="selections",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("selected by organization"),
        on_delete=models.PROTECT,
        related_name="report_selections",
    )
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("selected by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    selected_at = models.DateTimeField(_("selected at"), default=timezone.now)
    bulletin = models.ForeignKey(
        Bulletin,
        verbose_name=_("bulletin"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()
    objects = SelectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("selected report")
        verbose_name_plural = _("selected reports")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "organization"],
                name="selection_once_per_level",
                violation_error_message=_("This report is already selected."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "bulletin"], name="selection_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ← {self.report}"
