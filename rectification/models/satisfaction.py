"""The masses' verdict: the satisfaction evaluation (群众满意度测评, docs/product.md §6.5).

At the end of phase 3 an organization runs one `SatisfactionSurvey` per campaign: a
public ballot at /vote/<token>/ (no login). In "codes" mode every ballot needs a code
from a printed batch (`BallotCodeBatch`, e.g. one per meeting), each code usable once;
in "device" mode one ballot per browser, up to the survey's `max_ballots`.

The questions are data of the campaign (`SatisfactionQuestion`: one overall question and
one per aspect, seeded by rectification.seed_satisfaction, editable in the admin). A
`SatisfactionBallot` holds only the organization, the campaign and the day; its
`SatisfactionAnswer` rows the choices. Nothing links a ballot to the code it used (the
code keeps only "used") or to the voter's address: nobody can see who voted how.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models.campaigns import BilingualName


class SatisfactionChoice(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASIC = "basic", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


# The choices counted as satisfied in the rate (docs/product.md §6.5).
SATISFIED_CHOICES = (SatisfactionChoice.SATISFIED, SatisfactionChoice.BASIC)


class SurveyMode(models.TextChoices):
    CODES = "codes", _("one ballot per printed code")
    DEVICE = "device", _("one ballot per device")


# Ballot codes: letters and digits nobody confuses (no 0/O, no 1/I/L), 8 characters,
# 31^8 (about 8.5 × 10^11): not guessable at the public page's rate limits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_BATCH_SIZE = 500


def new_ballot_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_ballot_code(raw: str) -> str:
    """Upper-case, drop spaces and dashes; '' when malformed."""
    text = "".join(ch for ch in (raw or "").upper() if ch not in " -\t\r\n")
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return ""
    return text


def format_ballot_code(code: str) -> str:
    """ABCD-EFGH: easier to type from the slip."""
    return f"{code[:4]}-{code[4:]}" if code else ""


def new_survey_token() -> str:
    return secrets.token_urlsafe(16)


class SatisfactionQuestion(BilingualName):
    """One question of a campaign's ballot; exactly one is the overall question, whose
    answers give the satisfaction rate."""

    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="satisfaction_questions",
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_overall = models.BooleanField(
        _("overall question"),
        default=False,
        help_text=_("Its answers give the satisfaction rate. One per campaign."),
    )

    class Meta:
        verbose_name = _("satisfaction question")
        verbose_name_plural = _("satisfaction questions")
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"], name="satisfaction_question_code_unique"
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(is_overall=True),
                name="satisfaction_one_overall_question",
            ),
        ]


class SatisfactionSurvey(models.Model):
    """An organization's satisfaction ballot in a campaign and its public address."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="satisfaction_surveys",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="satisfaction_surveys",
    )
    token = models.CharField(
        _("address token"), max_length=40, unique=True, default=new_survey_token
    )
    mode = models.CharField(
        _("who may vote"), max_length=10, choices=SurveyMode.choices, default=SurveyMode.CODES
    )
    max_ballots = models.PositiveIntegerField(
        _("most ballots"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text=_("One per device mode: the ballot closes after this many ballots."),
    )
    is_open = models.BooleanField(_("open for voting"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("satisfaction evaluation")
        verbose_name_plural = _("satisfaction evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign"], name="satisfaction_survey_unique"
            )
        ]

    def __str__(self) -> str:
        return str(_("Satisfaction evaluation of %(org)s") % {"org": self.organization})

    def get_absolute_url(self) -> str:
        return (
            reverse("rectification:satisfaction", args=[self.organization_id])
            + f"?campaign={self.campaign_id}"
        )

    def get_public_path(self) -> str:
        return reverse("vote:ballot", args=[self.token])

    def get_public_url(self) -> str:
        return settings.SITE_URL + self.get_public_path()


class BallotCodeBatchQuerySet(models.QuerySet["BallotCodeBatch"]):
    def with_used(self) -> BallotCodeBatchQuerySet:
        """Annotated with `used`: how many of the batch's codes have been used."""
        return self.annotate(used=models.Count("codes", filter=Q(codes__used=True)))


class BallotCodeBatch(models.Model):
    """Codes printed for one meeting or round of the evaluation."""

    survey = models.ForeignKey(
        SatisfactionSurvey,
        verbose_name=_("satisfaction evaluation"),
        on_delete=models.CASCADE,
        related_name="batches",
    )
    label = models.CharField(
        _("handed out at"),
        max_length=100,
        help_text=_("For example the meeting the codes are handed out at."),
    )
    size = models.PositiveSmallIntegerField(
        _("number of codes"), validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH_SIZE)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = BallotCodeBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch of ballot codes")
        verbose_name_plural = _("batches of ballot codes")
        ordering = ["survey", "pk"]

    def __str__(self) -> str:
        return self.label


class BallotCode(models.Model):
    """One code of a batch: usable once. Only "used" is kept, never which ballot."""

    batch = models.ForeignKey(BallotCodeBatch, on_delete=models.CASCADE, related_name="codes")
    survey = models.ForeignKey(SatisfactionSurvey, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=CODE_LENGTH)
    used = models.BooleanField(_("used"), default=False)

    class Meta:
        verbose_name = _("ballot code")
        verbose_name_plural = _("ballot codes")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="ballot_code_unique")
        ]

    def __str__(self) -> str:
        return format_ballot_code(self.code)

    @property
    def display(self) -> str:
        return format_ballot_code(self.code)


class SatisfactionBallotQuerySet(models.QuerySet["SatisfactionBallot"]):
    def in_subtree(self, organization: Any) -> SatisfactionBallotQuerySet:
        return self.filter(organization__path__startswith=organization.path)


class SatisfactionBallot(models.Model):
    """One ballot cast. No code, no address, no time of day: the day only."""

    survey = models.ForeignKey(SatisfactionSurvey, on_delete=models.CASCADE, related_name="ballots")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="satisfaction_ballots",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="satisfaction_ballots",
    )
    cast_on = models.DateField(_("cast on"), default=timezone.localdate)

    objects = SatisfactionBallotQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction ballot")
        verbose_name_plural = _("satisfaction ballots")
        indexes = [
            models.Index(fields=["campaign", "organization"], name="ballot_campaign_org_idx")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.pk}"


class SatisfactionAnswer(models.Model):
    ballot = models.ForeignKey(SatisfactionBallot, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        SatisfactionQuestion, on_delete=models.PROTECT, related_name="answers"
    )
    choice = models.CharField(_("answer"), max_length=12, choices=SatisfactionChoice.choices)

    class Meta:
        verbose_name = _("satisfaction answer")
        verbose_name_plural = _("satisfaction answers")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "question"], name="satisfaction_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice}"
