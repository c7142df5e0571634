"""Funding of the organization's work in a campaign (docs/product.md §6.3, "funds" of the eight
haves).

The required minimum is not stored: it is computed live as the members on the roster
(active members of the organization itself) × the campaign's `funding_standard` (50
yuan in 2014), so a roster change or a corrected standard shows at once
(`required_funding`; the batch form is selectors_funding.funding_in). Each
`FundingReceipt` records money received from one source with its evidence (a receipt,
a transfer slip: portal.attachments rows of kind "evidence"). The norm is met by county
finance or by retained Party dues (COUNTING_SOURCES), and a receipt counts toward it
only once its evidence is attached; money from the enterprise or elsewhere is recorded
and shown but does not count. The shortfall is the required minimum less the receipts
that count, when positive.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint

# The attachment kind of a receipt's evidence (portal.attachments).
EVIDENCE_KIND = "evidence"


class FundingSource(models.TextChoices):
    COUNTY_FINANCE = "county_finance", _("county finance")
    RETAINED_DUES = "retained_dues", _("retained Party dues")
    ENTERPRISE = "enterprise", _("enterprise")
    OTHER = "other", _("other")


# The sources that meet the funding norm (county finance, retained Party dues).
COUNTING_SOURCES = (FundingSource.COUNTY_FINANCE, FundingSource.RETAINED_DUES)


def required_funding(members: int, standard: Decimal) -> Decimal:
    """The required minimum: members on the roster × the campaign's standard."""
    return (Decimal(members) * standard).quantize(Decimal("0.01"))


def shortfall(received: Decimal, required: Decimal) -> Decimal:
    """How much is missing to reach the required minimum (0 when reached)."""
    return max(required - received, Decimal("0.00"))


class FundingReceiptQuerySet(models.QuerySet["FundingReceipt"]):
    def for_campaign(self, organization: Any, campaign: Any) -> FundingReceiptQuerySet:
        """One organization's receipts in a campaign (index funding_campaign_org_idx)."""
        return self.filter(organization=organization, campaign=campaign)

    def totals_by_source(self) -> dict[str, Decimal]:
        """{source: total} over this queryset; sources without receipts are 0. One
        grouped query."""
        totals = {value: Decimal("0.00") for value in FundingSource.values}
        rows = self.order_by().values_list("source").annotate(total=Sum("amount"))
        for source, total in rows:
            totals[source] = total or Decimal("0.00")
        return totals

    def counting(self) -> FundingReceiptQuerySet:
        """Receipts that count toward the norm: from a counting source, with at least
        one evidence file attached (an EXISTS in the same query)."""
        from django.contrib.contenttypes.models import ContentType

        from portal.attachments.models import Attachment

        evidence = Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(FundingReceipt),
            object_id=models.OuterRef("pk"),
            kind=EVIDENCE_KIND,
        )
        return self.filter(models.Exists(evidence), source__in=COUNTING_SOURCES)

    def with_evidence_count(self) -> FundingReceiptQuerySet:
        """Annotate `evidence_count` in the same query."""
        return self.annotate(
            evidence_count=models.Count(
                "attachments", filter=Q(attachments__kind=EVIDENCE_KIND), distinct=True
            )
        )


class FundingReceipt(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="funding_receipts",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="funding_receipts",
    )
    source = models.CharField(_("source"), max_length=20, choices=FundingSource.choices)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    received_on = models.DateField(_("received on"))
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("For example the document or voucher number, or what the money is for."),
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

    attachments = GenericRelation("attachments.Attachment")
    history = HistoricalRecords(excluded_fields=["created_by", "created_at", "updated_at"])
    objects = FundingReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding receipt")
        verbose_name_plural = _("funding receipts")
        ordering = ["organization__path", "-received_on", "-pk"]
        constraints = [
            CheckConstraint(
                condition=Q(amount__gt=0),
                name="funding_receipt_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]
        indexes = [
            # One organization's receipts and the checklist's batch sum (funding_in).
            models.Index(fields=["campaign", "organization"], name="funding_campaign_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount} ({self.received_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("rectification:funding_receipt_detail", args=[self.pk])

    def clean(self) -> None:
        self.note = (self.note or "").strip()
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError(
                {"received_on": _("Money cannot be received in the future: check the date.")}
            )

    @property
    def counts(self) -> bool:
        """Counts toward the norm: from a counting source, with evidence. Reads
        `evidence_count` (FundingReceiptQuerySet.with_evidence_count)."""
        return self.source in COUNTING_SOURCES and bool(getattr(self, "evidence_count", 0))
