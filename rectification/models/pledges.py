"""Member pledges of the "compare three, show three" action (三比三亮, docs/product.md §6.3).

The plan names three pairs, and each member writes, once per campaign, one text for
each: 比思想、亮身份 (compare thinking, show one's identity as a member), 比作风、亮承诺
(compare work style, show a commitment to serve the masses) and 比奉献、亮形象 (compare
dedication, show the vanguard's example). The organization makes pledges public (公开),
and a public page per organization (`PledgeBoard`, /pledges/<token>/, no login) shows
the public ones with the member's name and Party post and nothing else about them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from activities.models import Campaign
from portal.core.constraints import CheckConstraint

# The three pairs of the action, in the plan's order: 比思想、亮身份; 比作风、亮承诺;
# 比奉献、亮形象. Every one is written before a pledge is made public.
PAIR_FIELDS = ("identity", "commitments", "example")


class PledgeStatus(models.TextChoices):
    DRAFT = "draft", _("not public")
    PUBLIC = "public", _("public")


class PledgeQuerySet(models.QuerySet["Pledge"]):
    def public(self) -> PledgeQuerySet:
        return self.filter(status=PledgeStatus.PUBLIC)


def _verbose_name(instance: models.Model, name: str) -> str:
    """The label of one of the model's own fields."""
    field = instance._meta.get_field(name)
    assert isinstance(field, models.Field), name  # a column, not a relation's far side
    return str(field.verbose_name)


class Pledge(models.Model):
    member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="pledges",
    )
    # The organization the member belonged to when pledging: the scope of the pledge
    # and the board it appears on (a member who moves leaves it where it was made).
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="pledges"
    )
    identity = models.TextField(
        _("compare thinking, show identity"),
        max_length=1000,
        blank=True,
        help_text=_(
            "比思想、亮身份: how you hold to the Party's ideals and make it known at work "
            "that you are a member."
        ),
    )
    commitments = models.TextField(
        _("compare work style, show commitments"),
        max_length=3000,
        help_text=_(
            "比作风、亮承诺: your commitment to serve the workers and the masses, in a few "
            "concrete points."
        ),
    )
    example = models.TextField(
        _("compare dedication, show the example"),
        max_length=1000,
        blank=True,
        help_text=_(
            "比奉献、亮形象: what you give to the enterprise and the people, setting the "
            "vanguard's example (and, later, what you have done)."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PledgeStatus.choices,
        default=PledgeStatus.DRAFT,
        editable=False,
    )
    made_public_on = models.DateField(_("made public on"), null=True, blank=True, editable=False)
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
    # Also the version token of the edit form (concurrent edits are refused).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["organization", "campaign", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "campaign"],
                name="pledge_one_per_member_campaign",
                violation_error_message=_("This member already has a pledge in this campaign."),
            ),
            CheckConstraint(
                condition=Q(status=PledgeStatus.DRAFT) | Q(made_public_on__isnull=False),
                name="pledge_public_has_date",
            ),
        ]
        indexes = [
            # The organization's list and its public board: pledges of one organization
            # in one campaign (then by status).
            models.Index(fields=["organization", "campaign", "status"], name="pledge_org_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Pledge of %(name)s") % {"name": self.member.name})

    def get_absolute_url(self) -> str:
        return reverse("rectification:pledge_detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == PledgeStatus.PUBLIC

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """[(label, text)] of the three pairs, in the plan's order, written or not."""
        return [(_verbose_name(self, name), getattr(self, name)) for name in PAIR_FIELDS]


def new_board_token() -> str:
    """22 URL-safe characters, 128 bits: the board's address cannot be guessed."""
    return secrets.token_urlsafe(16)


class PledgeBoard(models.Model):
    """The public pledge page of an organization, at /pledges/<token>/ (no login).
    Created the first time the organization asks for it."""

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="pledge_board",
    )
    token = models.CharField(
        _("address token"), max_length=40, unique=True, default=new_board_token
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("public pledge board")
        verbose_name_plural = _("public pledge boards")

    def __str__(self) -> str:
        return str(_("Pledge board of %(org)s") % {"org": self.organization})

    def get_public_path(self) -> str:
        return reverse("pledges:board", args=[self.token])

    def get_public_url(self) -> str:
        return settings.SITE_URL + self.get_public_path()
