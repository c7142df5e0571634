"""Working mechanisms (建章立制, docs/product.md §6.3): a register of the rules an organization
established in a campaign.

* `MechanismKind`: the kinds every organization is expected to have, as data. The six
  the 2014 plan names are seeded by rectification/seed_mechanisms.py (also run by the
  migration that creates this table), each with a stable `code`.
* `Mechanism`: one rule of one organization in one campaign, either of a kind (at most
  one per kind, organization and campaign) or custom (no kind, a title of its own).
  Its document(s) are portal.attachments rows of kind "document".

A mechanism is *in place* when it has an established date and at least one document
(`Mechanism.is_in_place`; the batch selector in selectors_mechanisms.py applies the same
rule in SQL). Writes go through rectification/services_mechanisms.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import BilingualName
from portal.core.constraints import CheckConstraint

# The attachment kind that counts as a mechanism's document (portal.attachments).
DOCUMENT_KIND = "document"


class MechanismKind(BilingualName):
    """A kind of working mechanism the plan asks for (the six are seeded)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(
        _("what it covers"),
        blank=True,
        help_text=_("A short explanation shown beside the kind in the register."),
    )

    class Meta:
        verbose_name = _("mechanism kind")
        verbose_name_plural = _("mechanism kinds")
        ordering = ["order", "pk"]


class MechanismQuerySet(models.QuerySet["Mechanism"]):
    def for_campaign(self, organization: Any, campaign: Any) -> MechanismQuerySet:
        """The organization's mechanisms in the campaign (index mechanism_campaign_org_idx)."""
        return self.filter(organization=organization, campaign=campaign)

    def with_document_count(self) -> MechanismQuerySet:
        """Annotate `document_count` (documents attached) in the same query."""
        return self.annotate(
            document_count=models.Count(
                "attachments", filter=Q(attachments__kind=DOCUMENT_KIND), distinct=True
            )
        )


class Mechanism(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="mechanisms",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="mechanisms",
    )
    kind = models.ForeignKey(
        MechanismKind,
        verbose_name=_("kind"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mechanisms",
        help_text=_("Leave empty for a mechanism of the organization's own."),
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("The rule's name as written in its document (required for your own)."),
    )
    established_on = models.DateField(
        _("established on"),
        null=True,
        blank=True,
        help_text=_("The date the rule was adopted; empty while it is being drafted."),
    )
    summary = models.TextField(
        _("summary"), max_length=4000, blank=True, help_text=_("What the rule says, briefly.")
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
    # Also the version token of the edit form: a save based on an older value is refused.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    attachments = GenericRelation("attachments.Attachment")
    history = HistoricalRecords(excluded_fields=["created_by", "created_at", "updated_at"])
    objects = MechanismQuerySet.as_manager()

    class Meta:
        verbose_name = _("working mechanism")
        verbose_name_plural = _("working mechanisms")
        ordering = ["organization__path", "kind__order", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign", "kind"],
                condition=Q(kind__isnull=False),
                name="mechanism_one_per_kind",
                violation_error_message=_(
                    "This kind of mechanism is already in the organization's register."
                ),
            ),
            CheckConstraint(
                condition=Q(kind__isnull=False) | ~Q(title=""),
                name="mechanism_custom_has_title",
                violation_error_message=_("Give your own mechanism a title."),
            ),
        ]
        indexes = [
            # The register of one organization and the checklist's batch selector
            # (mechanisms_in_place_in: the campaign's mechanisms of many organizations).
            models.Index(fields=["campaign", "organization"], name="mechanism_campaign_org_idx"),
        ]

    def __str__(self) -> str:
        if self.title:
            return self.title
        return str(self.kind) if self.kind_id else ""

    def get_absolute_url(self) -> str:
        return reverse("rectification:mechanism_detail", args=[self.pk])

    @property
    def is_custom(self) -> bool:
        return self.kind_id is None

    def is_in_place(self, document_count: int | None = None) -> bool:
        """Established (a date) and documented (at least one document). Pass the count
        when it is known (`with_document_count()`); otherwise one query."""
        if self.established_on is None:
            return False
        if document_count is None:
            document_count = getattr(self, "document_count", None)
        if document_count is None:
            document_count = self.attachments.filter(kind=DOCUMENT_KIND).count()
        return document_count > 0

    def clean(self) -> None:
        self.title = (self.title or "").strip()
        errors: dict[str, Any] = {}
        if self.kind_id is None and not self.title:
            errors["title"] = _("Give your own mechanism a title.")
        if self.established_on and self.established_on > timezone.localdate():
            errors["established_on"] = _("The date a rule was established cannot be in the future.")
        if errors:
            raise ValidationError(errors)
