"""The instructor's visit log (docs/product.md §1: an instructor "keeps a visit log"; issue #7
item 3): one row per visit of an instructor to an organization — what was checked,
the advice given, and an optional follow-up with its due date and when it was done.

`organization` is the scope for permissions (see views.py for who reads and who
writes). A follow-up past its due date and not done is overdue: the instructor's home
page and their guidance page show it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint


class GuidanceVisitQuerySet(models.QuerySet["GuidanceVisit"]):
    def in_subtree(self, organization: Any) -> GuidanceVisitQuerySet:
        """Visits to the organization and every organization below it (one indexed
        path prefix)."""
        return self.filter(organization__path__startswith=organization.path)

    def open_follow_ups(self) -> GuidanceVisitQuerySet:
        return self.filter(follow_up_due__isnull=False, follow_up_done_on__isnull=True)

    def overdue(self, today: dt.date | None = None) -> GuidanceVisitQuerySet:
        """Follow-ups past their due date and not done (index guidance_open_follow_up_idx)."""
        today = today or timezone.localdate()
        return self.open_follow_ups().filter(follow_up_due__lt=today)

    def for_list(self) -> GuidanceVisitQuerySet:
        return self.select_related("organization", "instructor").order_by("-visited_on", "-pk")


class GuidanceVisit(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="guidance_visits",
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.PROTECT,
        related_name="guidance_visits",
        editable=False,
    )
    visited_on = models.DateField(_("visited on"))
    checked = models.TextField(
        _("what was checked"),
        max_length=4000,
        help_text=_("Records, materials or places looked at, and what they showed."),
    )
    advice = models.TextField(
        _("advice given"), max_length=4000, help_text=_("What the organization was advised to do.")
    )
    follow_up_due = models.DateField(
        _("follow-up due"),
        null=True,
        blank=True,
        help_text=_("When to check again that the advice was followed (optional)."),
    )
    follow_up_done_on = models.DateField(
        _("follow-up done on"),
        null=True,
        blank=True,
        help_text=_("Fill in once the follow-up has been done."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Also the version token of the edit form (concurrent edits are refused).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    objects = GuidanceVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("guidance visit")
        verbose_name_plural = _("guidance visits")
        ordering = ["-visited_on", "-pk"]
        constraints = [
            CheckConstraint(
                condition=Q(follow_up_due__isnull=True)
                | Q(follow_up_due__gte=models.F("visited_on")),
                name="guidance_follow_up_after_visit",
                violation_error_message=_("The follow-up cannot be due before the visit."),
            ),
            CheckConstraint(
                condition=Q(follow_up_done_on__isnull=True)
                | (
                    Q(follow_up_due__isnull=False)
                    & Q(follow_up_done_on__gte=models.F("visited_on"))
                ),
                name="guidance_follow_up_done_needs_due",
                violation_error_message=_(
                    "A follow-up is done after the visit, and only when one was planned."
                ),
            ),
        ]
        indexes = [
            # The visit log of an organization (and its subtree), newest first.
            models.Index(fields=["organization", "-visited_on"], name="guidance_org_date_idx"),
            # Overdue follow-ups of one instructor (their home page and guidance page).
            models.Index(
                fields=["instructor", "follow_up_due"],
                condition=Q(follow_up_done_on__isnull=True),
                name="guidance_open_follow_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.organization}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("guidance:visit_detail", args=[self.pk])

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(
            self.follow_up_due and not self.follow_up_done_on and self.follow_up_due < today
        )

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def clean(self) -> None:
        """Dates in order, none in the future; text without surrounding blanks."""
        self.checked = (self.checked or "").strip()
        self.advice = (self.advice or "").strip()
        today = timezone.localdate()
        errors: dict[str, Any] = {}
        if self.visited_on and self.visited_on > today:
            errors["visited_on"] = _("A visit cannot be logged before it happens.")
        if self.visited_on and self.follow_up_due and self.follow_up_due < self.visited_on:
            errors["follow_up_due"] = _("The follow-up cannot be due before the visit.")
        if self.follow_up_done_on:
            if not self.follow_up_due:
                errors["follow_up_done_on"] = _("Set the follow-up's due date first.")
            elif self.follow_up_done_on > today:
                errors["follow_up_done_on"] = _("This date is in the future.")
            elif self.visited_on and self.follow_up_done_on < self.visited_on:
                errors["follow_up_done_on"] = _("The follow-up cannot be done before the visit.")
        if errors:
            raise ValidationError(errors)


class EnterpriseAssignmentQuerySet(models.QuerySet["EnterpriseAssignment"]):
    def for_instructor(self, user: Any) -> EnterpriseAssignmentQuerySet:
        return self.filter(instructor=user).select_related("enterprise__attached_to")


class EnterpriseAssignment(models.Model):
    """An instructor (党建工作指导员) assigned to an enterprise that has no Party
    organization of its own (docs/product.md §3, "Members in enterprises without a Party
    organization"). The enterprise is attached to a park, village/community or industry
    organization, whose roster carries its members; the instructor's page lists the
    enterprise with them. Written by guidance.services_enterprises only."""

    enterprise = models.ForeignKey(
        "organizations.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="instructor_assignments",
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.CASCADE,
        related_name="enterprise_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = EnterpriseAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("instructor of an enterprise")
        verbose_name_plural = _("instructors of enterprises")
        ordering = ["enterprise__name", "instructor__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "instructor"],
                name="enterprise_assignment_unique",
                violation_error_message=_("This instructor is already assigned here."),
            )
        ]
        indexes = [
            # The instructor's page: their enterprises.
            models.Index(fields=["instructor"], name="enterprise_assign_instr_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.instructor} → {self.enterprise}"
