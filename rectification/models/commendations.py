"""Commendations (docs/product.md §6.3): typical investors (典型出资人) and model organizations
(先进基层党组织) recorded and shown.

`organization` is the organization the commendation is about, which is also its scope
for permissions: for a model organization it is the commended organization itself;
for a typical investor it is the organization whose roster the investor member is on.

A commendation is conferred by a higher level, so it goes through the review workflow
(portal.reviews): the RECORD holders (secretary, clerk) of an organization propose one
for the organization itself, an organization below it, or one of their investor
members (services_commendations.py, `may_commend`); the secretary submits it; a
reviewer above the organization (or its instructor) confirms it (approves) or returns
it. Only confirmed commendations are shown as conferred; a proposal is locked while
it waits and once confirmed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint
from portal.reviews.models import Reviewable, ReviewStatus


class CommendationKind(models.TextChoices):
    TYPICAL_INVESTOR = "investor", _("typical investor")
    MODEL_ORGANIZATION = "model_org", _("model organization")


class CommendationQuerySet(models.QuerySet["Commendation"]):
    def in_subtree(self, organization: Any) -> CommendationQuerySet:
        """Commendations of the organization and every organization below it (one
        indexed path prefix)."""
        return self.filter(organization__path__startswith=organization.path)

    def confirmed(self) -> CommendationQuerySet:
        """Conferred: confirmed by the higher level."""
        return self.filter(review_status=ReviewStatus.APPROVED)

    def for_list(self) -> CommendationQuerySet:
        return self.select_related("organization", "campaign", "member").order_by(
            "-commended_on", "-pk"
        )


def of_kind(commendations: Any, raw: str | None) -> tuple[Any, str]:
    """The list's `?kind=` filter, read the same way by the page and its export
    (rectification/resources.py): (the commendations of that kind, the kind), or all of
    them and "" for a missing or unknown kind."""
    kind = raw or ""
    if kind in CommendationKind.values:
        return commendations.filter(kind=kind), kind
    return commendations, ""


class Commendation(Reviewable):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CommendationKind.choices)
    member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("investor member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
        help_text=_("For a typical investor: an investor member on the roster."),
    )
    title = models.CharField(
        _("title of the honour"),
        max_length=200,
        help_text=_("For example 优秀共产党员 or 先进基层党组织."),
    )
    citation = models.TextField(
        _("citation"), max_length=4000, blank=True, help_text=_("Why they were commended.")
    )
    commended_on = models.DateField(_("commended on"))
    commended_by = models.CharField(
        _("commended by"),
        max_length=200,
        help_text=_("The body that gave the honour, e.g. 中共青山县委."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Also the version token of the edit form.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_by", "created_at", "updated_at"])
    objects = CommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-commended_on", "-pk"]
        constraints = [
            CheckConstraint(
                condition=(Q(kind="investor") & Q(member__isnull=False))
                | (Q(kind="model_org") & Q(member__isnull=True)),
                name="commendation_member_matches_kind",
                violation_error_message=_(
                    "A typical investor names a member; a model organization names none."
                ),
            ),
        ]
        indexes = [
            # The lists: commendations of a subtree (organization path join), newest first.
            models.Index(
                fields=["organization", "-commended_on"], name="commendation_org_date_idx"
            ),
        ]

    review_fields = ("kind", "title", "citation", "commended_on", "commended_by")
    review_labels = {"subject": _("commended")}

    def __str__(self) -> str:
        return f"{self.subject_name}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("rectification:commendation_detail", args=[self.pk])

    def review_snapshot(self) -> dict[str, str]:
        return {"subject": self.subject_name, **super().review_snapshot()}

    @property
    def is_confirmed(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @property
    def subject_name(self) -> str:
        """Who was commended. Needs `member` / `organization` loaded."""
        if self.kind == CommendationKind.TYPICAL_INVESTOR and self.member is not None:
            return self.member.name
        return str(self.organization) if self.organization_id else ""

    def clean(self) -> None:
        """A typical investor is an investor member; the date is not in the future."""
        self.title = (self.title or "").strip()
        self.commended_by = (self.commended_by or "").strip()
        errors: dict[str, Any] = {}
        if self.kind == CommendationKind.TYPICAL_INVESTOR:
            member = self.member if self.member_id else None
            if member is None:
                errors["member"] = _("Pick the investor member.")
            elif not member.is_investor:
                errors["member"] = _(
                    "%(name)s is not marked as an investor member on the roster."
                ) % {"name": member.name}
            elif self.organization_id and member.organization_id != self.organization_id:
                errors["member"] = _("Pick a member of this organization.")
        elif self.kind == CommendationKind.MODEL_ORGANIZATION:
            self.member = None
        if self.commended_on and self.commended_on > timezone.localdate():
            errors["commended_on"] = _("The date of a commendation cannot be in the future.")
        if errors:
            raise ValidationError(errors)
