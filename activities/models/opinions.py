"""Opinions solicited from employees and the public, and the online suggestion box
(docs/product.md §6.1).

An Opinion moves through an explicit transition table (received → sorted → answered or
adopted); `Opinion.transition()` is the only code that changes `status`, and it writes
one OpinionEvent per move in the same transaction, so the events are the opinion's
timeline. The rectification app adopts opinions into problem lists through
`activities.opinions.services.opinion_mark_adopted`; it is stored here only as a label
and a link, so this app does not depend on rectification.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from organizations.validators import mask_phone
from portal.core.constraints import CheckConstraint
from portal.core.fields import EncryptedCharField
from portal.core.text import labelled

# Receipt codes: Crockford's base32 alphabet (no I, L, O, U), 10 characters = 50 bits.
# Typed back by people from a slip of paper, so input is normalized (see normalize_receipt_code).
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 10
_RECEIPT_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalize_receipt_code(raw: str) -> str:
    """Upper-case, drop spaces and dashes, map look-alike letters; '' when malformed."""
    text = "".join(ch for ch in (raw or "").upper() if ch not in " -\t\r\n")
    text = text.translate(_RECEIPT_CONFUSABLES)
    if len(text) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in text):
        return ""
    return text


def format_receipt_code(code: str) -> str:
    """ABCDE-FGHJK: easier to copy by hand."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if code else ""


def new_box_token() -> str:
    """22 URL-safe characters, 128 bits: the box's public address cannot be guessed."""
    return secrets.token_urlsafe(16)


# Letters and digits nobody confuses when typing from a poster: no 0/O, no 1/I/L.
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 6


def new_short_code() -> str:
    """Six characters of SHORT_CODE_ALPHABET (31^6, about 887 million): the short
    address /b/ABC123 a person can type from the printed poster."""
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalize_short_code(value: str) -> str:
    return (value or "").strip().upper()


def mask_name(value: str) -> str:
    """王** — the first character only."""
    if not value:
        return ""
    return value[:1] + "*" * max(len(value) - 1, 2)


def mask_contact(value: str) -> str:
    """Phones like members' phones; e-mail keeps the first letter and the domain."""
    if not value:
        return ""
    if "@" in value:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(value)


class OpinionSource(models.TextChoices):
    INVESTOR = "investor", _("non-member investor or partner")
    MANAGER = "manager", _("manager")
    TECHNICAL = "technical", _("technical backbone")
    FRONTLINE = "frontline", _("front-line employee")
    OTHER = "other", _("other")


class OpinionChannel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("face-to-face")
    FORM = "form", _("opinion form")
    BOX = "box", _("suggestion box")
    ONLINE = "online", _("online box")


class AddressedTo(models.TextChoices):
    TEAM = "team", _("the organization's team")
    SECRETARY = "secretary", _("the secretary")
    MEMBER = "member", _("a named member")
    ORGANIZATION = "organization", _("the organization")


class OpinionStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    SORTED = "sorted", _("sorted")
    ANSWERED = "answered", _("answered")
    ADOPTED = "adopted", _("adopted as a problem")


# The whole life of an opinion. sorted → sorted is a re-categorization; an answered
# opinion may still be adopted into the problem list later (its answer stays).
OPINION_TRANSITIONS: dict[str, frozenset[str]] = {
    OpinionStatus.RECEIVED: frozenset({OpinionStatus.SORTED}),
    OpinionStatus.SORTED: frozenset(
        {OpinionStatus.SORTED, OpinionStatus.ANSWERED, OpinionStatus.ADOPTED}
    ),
    OpinionStatus.ANSWERED: frozenset({OpinionStatus.ADOPTED}),
    OpinionStatus.ADOPTED: frozenset(),
}
DONE_STATUSES = (OpinionStatus.ANSWERED, OpinionStatus.ADOPTED)


class IllegalTransition(ValidationError):
    """The move is not in OPINION_TRANSITIONS, or someone else moved the opinion first."""


class OpinionQuerySet(models.QuerySet["Opinion"]):
    def for_campaign(self, organization: Any, campaign: Any) -> OpinionQuerySet:
        return self.filter(organization=organization, campaign=campaign)

    def in_subtree(self, organization: Any) -> OpinionQuerySet:
        return self.filter(organization__path__startswith=organization.path)

    def unanswered(self) -> OpinionQuerySet:
        return self.exclude(status__in=DONE_STATUSES)

    def answered_or_adopted(self) -> OpinionQuerySet:
        return self.filter(status__in=DONE_STATUSES)

    def with_feedback(self) -> OpinionQuerySet:
        """Opinions with a written answer (shown to the organization's members)."""
        return self.filter(answered_at__isnull=False).exclude(answer_text="")

    def adoptable(self) -> OpinionQuerySet:
        """What the rectification app may adopt as a problem-list item."""
        return self.filter(status__in=[OpinionStatus.SORTED, OpinionStatus.ANSWERED])

    def for_list(self) -> OpinionQuerySet:
        return self.select_related("category", "addressed_member")


class Opinion(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=OpinionSource.choices, default=OpinionSource.OTHER
    )
    channel = models.CharField(_("channel"), max_length=20, choices=OpinionChannel.choices)
    addressed_to = models.CharField(
        _("addressed to"), max_length=20, choices=AddressedTo.choices, default=AddressedTo.TEAM
    )
    addressed_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("member addressed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions_addressed",
    )
    addressed_member_name = models.CharField(
        _("name of the member addressed"),
        max_length=50,
        blank=True,
        help_text=_("When the member is not picked from the roster (e.g. from the online box)."),
    )
    # A member of the organization who gave the opinion (docs/product.md §6.1): they read
    # its answer on their home page. Not shown on the opinion's pages.
    given_by_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("given by a member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions_given",
    )
    content = models.TextField(_("opinion"), max_length=5000)
    suggested_category = models.ForeignKey(
        "activities.ProblemCategory",
        verbose_name=_("category suggested by the submitter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.ForeignKey(
        "activities.ProblemCategory",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=True)
    # Personal data: shown masked to users without the PERSONAL_DATA right.
    submitter_name = models.CharField(_("submitter's name"), max_length=50, blank=True)
    # A phone number or an e-mail address: encrypted at rest (portal/core/crypto.py).
    submitter_contact = EncryptedCharField(_("submitter's contact"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OpinionStatus.choices,
        default=OpinionStatus.RECEIVED,
        editable=False,
    )
    answer_text = models.TextField(_("answer"), max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Set by the rectification app through opinion_mark_adopted().
    adopted_item_label = models.CharField(_("problem-list item"), max_length=200, blank=True)
    adopted_item_url = models.CharField(_("link to the item"), max_length=300, blank=True)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    # Only online-box opinions have one; the submitter reads the reply with it.
    receipt_code = models.CharField(
        _("receipt code"), max_length=RECEIPT_LENGTH, null=True, blank=True, unique=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["-received_on", "-pk"]
        indexes = [
            # The organization's opinion list in a campaign (newest first), its counts
            # per status and activities.opinions.selectors.opinion_stats.
            models.Index(
                fields=["organization", "campaign", "status"], name="opinion_org_campaign_idx"
            ),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(status=OpinionStatus.RECEIVED) | Q(category__isnull=False),
                name="opinion_sorted_has_category",
            ),
            CheckConstraint(
                condition=~Q(status=OpinionStatus.ANSWERED)
                | (Q(answered_at__isnull=False) & ~Q(answer_text="")),
                name="opinion_answered_has_answer",
            ),
            CheckConstraint(
                condition=~Q(status=OpinionStatus.ADOPTED)
                | (Q(adopted_at__isnull=False) & ~Q(adopted_item_label="")),
                name="opinion_adopted_has_item",
            ),
            CheckConstraint(
                condition=Q(is_anonymous=False) | (Q(submitter_name="") & Q(submitter_contact="")),
                name="opinion_anonymous_has_no_name",
            ),
        ]

    def __str__(self) -> str:
        text = self.content.strip().replace("\n", " ")
        return text[:40] + ("…" if len(text) > 40 else "")

    def get_absolute_url(self) -> str:
        return reverse("activities:opinion_detail", args=[self.pk])

    @property
    def masked_submitter_name(self) -> str:
        return mask_name(self.submitter_name)

    @property
    def masked_submitter_contact(self) -> str:
        return mask_contact(self.submitter_contact)

    @property
    def receipt_code_display(self) -> str:
        return format_receipt_code(self.receipt_code or "")

    @property
    def addressed_display(self) -> str:
        if self.addressed_to == AddressedTo.MEMBER:
            name = self.addressed_member.name if self.addressed_member else ""
            name = name or self.addressed_member_name
            if name:
                return labelled(self.get_addressed_to_display(), name)
        return str(self.get_addressed_to_display())

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    def allowed_transitions(self) -> frozenset[str]:
        return OPINION_TRANSITIONS[self.status]

    def can_transition(self, to: str) -> bool:
        return to in OPINION_TRANSITIONS[self.status]

    def clean(self) -> None:
        # Anonymous means no name and no contact: derived, so the two never disagree.
        self.submitter_name = (self.submitter_name or "").strip()
        self.submitter_contact = (self.submitter_contact or "").strip()
        self.is_anonymous = not (self.submitter_name or self.submitter_contact)
        errors: dict[str, Any] = {}
        if (
            self.category_id
            and self.campaign_id
            and self.category is not None
            and self.category.campaign_id != self.campaign_id
        ):
            errors["category"] = _("Pick a category of this opinion's campaign.")
        if (
            self.suggested_category_id
            and self.campaign_id
            and self.suggested_category is not None
            and self.suggested_category.campaign_id != self.campaign_id
        ):
            self.suggested_category = None
        if self.addressed_to == AddressedTo.MEMBER:
            if not self.addressed_member_id and not self.addressed_member_name.strip():
                errors["addressed_member"] = _("Name the member the opinion is addressed to.")
            if (
                self.addressed_member_id
                and self.organization_id
                and self.addressed_member is not None
                and self.addressed_member.organization_id != self.organization_id
            ):
                errors["addressed_member"] = _("Pick a member of this organization.")
        else:
            self.addressed_member = None
            self.addressed_member_name = ""
        if (
            self.given_by_member_id
            and self.organization_id
            and self.given_by_member is not None
            and self.given_by_member.organization_id != self.organization_id
        ):
            errors["given_by_member"] = _("Pick a member of this organization.")
        if self.status != OpinionStatus.RECEIVED and not self.category_id:
            errors["category"] = _("A sorted opinion needs a category.")
        if self.status == OpinionStatus.ANSWERED and not (self.answer_text or "").strip():
            errors["answer_text"] = _("Write the answer.")
        if self.status == OpinionStatus.ADOPTED and not self.adopted_item_label.strip():
            errors["adopted_item_label"] = _("Name the problem-list item.")
        if errors:
            raise ValidationError(errors)

    def transition(self, to: str, *, actor: Any, note: str = "") -> OpinionEvent:
        """Move to `to` and write one OpinionEvent, atomically.

        Raises IllegalTransition (writing nothing) when the move is not in
        OPINION_TRANSITIONS or when the stored status no longer matches this instance
        (a concurrent change); ValidationError when the fields the target status needs
        are missing. The caller sets those fields (category, answer, adopted item)
        before calling. Queries: a locking read of the status, the update, the history
        row and the event insert.
        """
        from_status = self.status
        if to not in OPINION_TRANSITIONS.get(from_status, frozenset()):
            raise IllegalTransition(
                _("An opinion cannot go from “%(from)s” to “%(to)s”.")
                % {"from": OpinionStatus(from_status).label, "to": _status_label(to)},
                code="illegal_transition",
            )
        with transaction.atomic():
            stored = (
                type(self)
                .objects.select_for_update()
                .filter(pk=self.pk)
                .values_list("status", flat=True)
                .first()
            )
            if stored != from_status:
                raise IllegalTransition(
                    _("Someone else changed this opinion meanwhile. Reload the page."),
                    code="stale",
                )
            self.status = to
            if actor is not None and actor.is_authenticated:
                self._history_user = actor  # simple-history's author of this change
            try:
                # The database enforces uniqueness and the check constraints; clean()
                # repeats those rules with messages a person can act on.
                self.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError:
                self.status = from_status
                raise
            self.save()
            return OpinionEvent.objects.create(
                opinion=self,
                from_status=from_status,
                to_status=to,
                actor=actor if actor is not None and actor.is_authenticated else None,
                note=note[:500],
            )


def _status_label(value: str) -> str:
    try:
        return str(OpinionStatus(value).label)
    except ValueError:
        return value


class OpinionEvent(models.Model):
    """One row per status change (and one for receipt): the opinion's timeline."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        pgettext_lazy("status change", "from"),
        max_length=20,
        choices=OpinionStatus.choices,
        blank=True,
    )
    to_status = models.CharField(
        pgettext_lazy("status change", "to"), max_length=20, choices=OpinionStatus.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("event actor", "by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("opinion event")
        verbose_name_plural = _("opinion events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.opinion_id}: {self.from_status or '-'} → {self.to_status}"


class SuggestionBox(models.Model):
    """An organization's public online suggestion box at /box/<token>/ (no login)."""

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="suggestion_box",
    )
    token = models.CharField(_("address token"), max_length=40, unique=True, default=new_box_token)
    short_code = models.CharField(
        _("short address"), max_length=SHORT_CODE_LENGTH, unique=True, default=new_short_code
    )
    is_open = models.BooleanField(pgettext_lazy("suggestion box", "open"), default=True)
    intro = models.TextField(
        _("introduction"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Shown above the form, e.g. who reads the opinions and when to expect a reply."
        ),
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
    token_rotated_at = models.DateTimeField(_("address changed at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("online suggestion box")
        verbose_name_plural = _("online suggestion boxes")

    def __str__(self) -> str:
        return str(_("Suggestion box of %(org)s") % {"org": self.organization})

    def get_public_path(self) -> str:
        return reverse("public:box", args=[self.token])

    def get_public_url(self) -> str:
        return settings.SITE_URL + self.get_public_path()

    def get_short_path(self) -> str:
        return reverse("short_box", args=[self.short_code])

    def get_short_url(self) -> str:
        """The address printed on the poster for typing: SITE_URL/b/ABC123/."""
        return settings.SITE_URL + self.get_short_path()
