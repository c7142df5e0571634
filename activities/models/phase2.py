"""Phase 2 records (docs/product.md §6.2): one-to-one talks, the self-examination statements of
the team and the secretary, and the democratic appraisal of members.

Writes go through activities/phase2/services.py; reads used by the live checklist
through activities/phase2/selectors.py. The appraisal session moves through an explicit
transition table (`AppraisalSession.transition`, the only code that changes its
`status`), writing one AppraisalEvent per move in the same transaction.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portal.core.constraints import CheckConstraint
from portal.core.text import join_list, labelled
from portal.reviews.models import Reviewable, ReviewStatus, is_editable

# --- one-to-one talks ----------------------------------------------------------------------


class TalkMode(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("face to face")
    PHONE = "phone", _("by phone")
    ONLINE = "online", _("online")
    HOME_VISIT = "home_visit", _("home visit")
    OTHER = "other", _("other")


class TalkQuerySet(models.QuerySet["OneToOneTalk"]):
    def for_campaign(self, organization: Any, campaign: Any) -> TalkQuerySet:
        """Talks of one organization in one campaign (index talk_org_campaign_date_idx)."""
        return self.filter(organization=organization, campaign=campaign)

    def involving(self, member: Any) -> TalkQuerySet:
        return self.filter(Q(initiator_member=member) | Q(partner_member=member))

    def for_list(self) -> TalkQuerySet:
        return self.select_related("initiator_member", "partner_member").order_by(
            "-talked_on", "-pk"
        )


class OneToOneTalk(models.Model):
    """A one-to-one talk (谈心谈话): who talked with whom, when, and what about. Either
    side is a member of the organization's roster or, for someone off the roster (an
    investor who is no member, a higher-level leader), a typed name."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="talks",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="talks",
    )
    talked_on = models.DateField(_("date"))
    initiator_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("who talked (member)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks_initiated",
    )
    initiator_name = models.CharField(
        _("who talked (name)"),
        max_length=50,
        blank=True,
        help_text=_("For someone not on the roster."),
    )
    partner_member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("with whom (member)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks_received",
    )
    partner_name = models.CharField(
        _("with whom (name)"),
        max_length=50,
        blank=True,
        help_text=_("For someone not on the roster."),
    )
    form = models.CharField(_("form"), max_length=20, choices=TalkMode.choices, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    summary = models.TextField(_("summary"), blank=True)
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

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = _("one-to-one talk")
        verbose_name_plural = _("one-to-one talks")
        ordering = ["-talked_on", "-pk"]
        indexes = [
            # The talk list of one organization in a campaign, newest first (talk_list).
            models.Index(
                fields=["organization", "campaign", "talked_on"],
                name="talk_org_campaign_date_idx",
            ),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(initiator_member__isnull=False) | ~Q(initiator_name=""),
                name="talk_initiator_given",
                violation_error_message=_("Say who talked: pick a member or type a name."),
            ),
            CheckConstraint(
                condition=Q(partner_member__isnull=False) | ~Q(partner_name=""),
                name="talk_partner_given",
                violation_error_message=_("Say with whom: pick a member or type a name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talked_on:%Y-%m-%d} {self.initiator_display} — {self.partner_display}"

    def get_absolute_url(self) -> str:
        return reverse("activities:talk_edit", args=[self.pk])

    @property
    def initiator_display(self) -> str:
        return self.initiator_member.name if self.initiator_member else self.initiator_name

    @property
    def partner_display(self) -> str:
        return self.partner_member.name if self.partner_member else self.partner_name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.initiator_member_id is None and not self.initiator_name.strip():
            errors["initiator_member"] = _("Say who talked: pick a member or type a name.")
        if self.partner_member_id is None and not self.partner_name.strip():
            errors["partner_member"] = _("Say with whom: pick a member or type a name.")
        if self.initiator_member_id is not None:
            self.initiator_name = ""
        if self.partner_member_id is not None:
            self.partner_name = ""
        for field in ("initiator_member", "partner_member"):
            member = getattr(self, field)
            if member is not None and member.organization_id != self.organization_id:
                errors[field] = _("Pick a member of this organization.")
        if (
            self.initiator_member_id is not None
            and self.initiator_member_id == self.partner_member_id
        ):
            errors["partner_member"] = _("A talk needs two different people.")
        campaign = getattr(self, "campaign", None) if self.campaign_id else None
        if (
            campaign is not None
            and self.talked_on
            and not (campaign.starts_on <= self.talked_on <= campaign.ends_on)
        ):
            errors["talked_on"] = _(
                "The date must lie within the campaign (%(start)s to %(end)s)."
            ) % {
                "start": campaign.starts_on,
                "end": campaign.ends_on,
            }
        if errors:
            raise ValidationError(errors)


# --- self-examination statements ---------------------------------------------------------


class StatementSubject(models.TextChoices):
    TEAM = "team", _("the organization's team")
    SECRETARY = "secretary", _("the secretary")


class ExaminationMethod(models.TextChoices):
    SELF_FINDING = "self_finding", _("self-finding")
    MASSES = "masses", _("raised by the masses")
    HIGHER_LEVEL = "higher_level", _("pointed out by the higher level")
    MUTUAL_HELP = "mutual_help", _("mutual help")
    COLLECTIVE = "collective", _("collective discussion")


def normalize_methods(value: Any) -> list[str]:
    """The methods as a list of known codes in the order of ExaminationMethod, without
    repeats. Raises ValidationError for anything else."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError({"methods": _("Pick methods from the list.")})
    unknown = sorted(set(value) - set(ExaminationMethod.values))
    if unknown:
        raise ValidationError(
            {"methods": _("Unknown method: %(codes)s.") % {"codes": join_list(unknown)}}
        )
    return [code for code in ExaminationMethod.values if code in value]


# The statement's free-text sections, in the order they are written and reviewed.
STATEMENT_SECTIONS = ("problems", "causes", "rectification")


class StatementQuerySet(models.QuerySet["SelfExamination"]):
    def for_campaign(self, organization: Any, campaign: Any) -> StatementQuerySet:
        return self.filter(organization=organization, campaign=campaign)


class SelfExamination(Reviewable):
    """The self-examination statement (对照检查材料) of the organization's team or of
    its secretary in a campaign: free text plus attachments, reviewed upward through
    portal.reviews. One per subject, organization and campaign."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="self_examinations",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="self_examinations",
    )
    subject = models.CharField(
        _("whose statement"), max_length=20, choices=StatementSubject.choices
    )
    problems = models.TextField(_("problems found"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    rectification = models.TextField(_("direction of rectification"), blank=True)
    methods = models.JSONField(
        _("methods used"),
        default=list,
        blank=True,
        help_text=_("How the problems were found."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Content changes only: review state changes are the review events' business.
    history = HistoricalRecords(
        excluded_fields=[
            "review_status",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "created_by",
            "created_at",
            "updated_at",
        ]
    )
    objects = StatementQuerySet.as_manager()

    review_fields = ("subject", *STATEMENT_SECTIONS)
    review_labels = {"methods": _("methods used")}

    class Meta:
        verbose_name = _("self-examination statement")
        verbose_name_plural = _("self-examination statements")
        ordering = ["organization", "campaign", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign", "subject"],
                name="self_examination_one_per_subject",
                violation_error_message=_(
                    "This statement already exists for the campaign; edit it instead."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} · {_('self-examination statement')}"

    def get_absolute_url(self) -> str:
        return reverse("activities:statement_detail", args=[self.pk])

    def review_title(self) -> str:
        return _("Self-examination statement of %(subject)s") % {
            "subject": self.get_subject_display()
        }

    def review_snapshot(self) -> dict[str, str]:
        snapshot = super().review_snapshot()
        snapshot["methods"] = ", ".join(self.method_labels)
        return snapshot

    @property
    def method_labels(self) -> list[str]:
        return [str(ExaminationMethod(code).label) for code in normalize_methods(self.methods)]

    def is_editable(self) -> bool:
        """Authors may change it only as a draft or when returned (portal.attachments
        asks this too before adding or removing files)."""
        return is_editable(self)

    def review_validate_submission(self) -> None:
        """A statement goes up for review only with its three sections written and at
        least one method named (called by portal.reviews on submit and resubmit)."""
        errors: dict[str, Any] = {
            name: _("Write this section before submitting the statement.")
            for name in STATEMENT_SECTIONS
            if not getattr(self, name).strip()
        }
        if not normalize_methods(self.methods):
            errors["methods"] = _("Name at least one method used.")
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        self.methods = normalize_methods(self.methods)


# --- democratic appraisal ----------------------------------------------------------------


class IllegalSessionTransition(ValidationError):
    """A status change the transition table does not allow."""


class SessionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("appraisal session", "open")
    CLOSED = "closed", pgettext_lazy("appraisal session", "closed")
    # Reopened by the higher level ("done as a formality"): editable like an open session.
    REDO = "redo", _("redo ordered")


# from-status -> statuses it may move to. Closing is the organization's act; reopening a
# closed session is the organization's (to correct a determination the higher level
# returned) or, as "redo", the higher level's.
SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.OPEN: frozenset({SessionStatus.CLOSED}),
    SessionStatus.REDO: frozenset({SessionStatus.CLOSED}),
    SessionStatus.CLOSED: frozenset({SessionStatus.OPEN, SessionStatus.REDO}),
}


class SessionQuerySet(models.QuerySet["AppraisalSession"]):
    def for_campaign(self, organization: Any, campaign: Any) -> SessionQuerySet:
        return self.filter(organization=organization, campaign=campaign)


class AppraisalSession(models.Model):
    """One democratic appraisal of the organization's members in a campaign (民主评议).
    One per organization and campaign: a redo reopens the same session."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="appraisal_sessions",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="appraisal_sessions",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    expected = models.PositiveIntegerField(_("expected to take part"))
    present = models.PositiveIntegerField(_("present"))
    unable_count = models.PositiveIntegerField(_("unable to attend"), default=0)
    unable_note = models.TextField(_("who could not attend and why"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("democratic appraisal")
        verbose_name_plural = _("democratic appraisals")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign"],
                name="appraisal_session_one_per_campaign",
                violation_error_message=_(
                    "This organization already has a democratic appraisal in this campaign."
                ),
            ),
            CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="appraisal_session_dates_ordered",
            ),
            CheckConstraint(
                condition=Q(present__lte=models.F("expected")),
                name="appraisal_session_present_le_expected",
            ),
        ]

    def __str__(self) -> str:
        return _("Democratic appraisal %(start)s") % {"start": self.starts_on}

    def get_absolute_url(self) -> str:
        return reverse("activities:appraisal_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Tallies may be edited (an open session, or one the higher level reopened)."""
        return self.status in (SessionStatus.OPEN, SessionStatus.REDO)

    def can_transition(self, to: str) -> bool:
        return to in SESSION_TRANSITIONS.get(self.status, frozenset())

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The appraisal cannot end before it starts.")
        if self.expected is not None and self.present is not None:
            if self.present > self.expected:
                errors["present"] = _("More present than expected.")
            elif self.unable_count is not None and self.present + self.unable_count > self.expected:
                errors["unable_count"] = _(
                    "Present and unable to attend together exceed those expected."
                )
        if errors:
            raise ValidationError(errors)

    def transition(
        self, to: str, *, actor: Any, reason: str = "", kind: str | None = None
    ) -> AppraisalEvent:
        """Move to `to` and write the event row. Raises IllegalSessionTransition for a move the
        table does not allow. Callers hold the row locked (select_for_update) inside a
        transaction. Queries: 1 update, 1 insert."""
        if not self.can_transition(to):
            raise IllegalSessionTransition(
                _("A %(from)s appraisal cannot become %(to)s.")
                % {"from": self.get_status_display(), "to": SessionStatus(to).label},
                code="illegal_transition",
            )
        self.status = to
        self.closed_at = timezone.now() if to == SessionStatus.CLOSED else None
        self.save(update_fields=["status", "closed_at", "updated_at"])
        event_kind = (
            kind
            or {
                SessionStatus.CLOSED: EventKind.CLOSED,
                SessionStatus.OPEN: EventKind.REOPENED,
                SessionStatus.REDO: EventKind.REDO_ORDERED,
            }[SessionStatus(to)]
        )
        return AppraisalEvent.objects.create(
            session=self,
            kind=event_kind,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason,
        )


class EventKind(models.TextChoices):
    OPENED = "opened", _("opened")
    CLOSED = "closed", pgettext_lazy("appraisal session", "closed")
    REOPENED = "reopened", _("reopened by the organization")
    REDO_ORDERED = "redo_ordered", _("redo ordered by the higher level")


class AppraisalEvent(models.Model):
    """The session's timeline: who opened, closed, reopened it or ordered it redone,
    when, and why."""

    session = models.ForeignKey(AppraisalSession, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("event actor", "by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("appraisal event")
        verbose_name_plural = _("appraisal events")
        ordering = ["at", "pk"]
        constraints = [
            CheckConstraint(
                condition=~Q(kind="redo_ordered") | ~Q(reason=""),
                name="appraisal_redo_needs_reason",
                violation_error_message=_("Give the reason for ordering the appraisal redone."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


def grade_cap(max_share: Decimal, appraised: int) -> int:
    """How many of `appraised` members a grade capped at `max_share` may hold.

    Shares are stored with three decimals, so "one third" is 0.333; half a unit of the
    last decimal is added back before flooring so that one of three members (0.333 × 3 =
    0.999) is within a one-third cap while two of five are not."""
    allowed = (max_share + Decimal("0.0005")) * appraised
    return int(allowed.to_integral_value(rounding=ROUND_FLOOR))


class ResultQuerySet(models.QuerySet["AppraisalResult"]):
    def appraised(self) -> ResultQuerySet:
        return self.filter(determination__isnull=False)

    def released(self) -> ResultQuerySet:
        """Results a member may read: the session is closed and, where the
        determination needs the higher level's approval, the session's current
        approval is approved. Every earlier round of approval is approved (a new round
        starts only after one was), so "current approved" is "some approval, none
        pending". Two EXISTS subqueries in the same query."""
        approvals = AppraisalApproval.objects.filter(session=models.OuterRef("session"))
        return self.filter(session__status=SessionStatus.CLOSED).filter(
            Q(determination__isnull=True)
            | Q(determination__needs_approval=False)
            | (
                models.Exists(approvals.filter(review_status=ReviewStatus.APPROVED))
                & ~models.Exists(approvals.exclude(review_status=ReviewStatus.APPROVED))
            )
        )


class AppraisalResult(models.Model):
    """One member's result in a session: the votes per grade, the organization's
    determination, whether written feedback was given, and how it was handled. A member
    who took no part is marked absent instead of given a determination."""

    session = models.ForeignKey(AppraisalSession, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey(
        "organizations.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="appraisal_results",
    )
    votes = models.JSONField(_("votes per grade"), default=dict, blank=True)
    determination = models.ForeignKey(
        "activities.AppraisalGrade",
        verbose_name=_("determination"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="results",
    )
    absent = models.BooleanField(
        _("not appraised (absent)"),
        default=False,
        help_text=_("The member took no part, for example a mobile member away from home."),
    )
    feedback_given = models.BooleanField(_("written feedback given"), default=False)
    handling = models.TextField(_("handling"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal result")
        verbose_name_plural = _("appraisal results")
        ordering = ["session", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="appraisal_result_one_per_member"
            ),
            CheckConstraint(
                condition=Q(absent=False) | Q(determination__isnull=True),
                name="appraisal_result_absent_without_determination",
                violation_error_message=_("An absent member gets no determination."),
            ),
        ]
        indexes = [
            # The checklist counts appraised members per organization (activities.phase2.selectors).
            models.Index(fields=["session", "determination"], name="appraisal_result_det_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.determination or '—'}"

    def get_absolute_url(self) -> str:
        return reverse("activities:my_appraisal", args=[self.pk])

    @property
    def total_votes(self) -> int:
        return sum(int(v) for v in (self.votes or {}).values())

    def clean_votes(self, grade_codes: list[str], present: int) -> dict[str, int]:
        """Votes normalized to {code: count} for the campaign's codes, zeros dropped.
        Raises ValidationError for an unknown code, a negative or non-integer count, or
        more votes than members present."""
        raw = self.votes or {}
        if not isinstance(raw, dict):
            raise ValidationError({"votes": _("Votes must map grades to counts.")})
        unknown = sorted(str(k) for k in raw if k not in grade_codes)
        if unknown:
            raise ValidationError(
                {"votes": _("Unknown grade: %(codes)s.") % {"codes": join_list(unknown)}}
            )
        votes: dict[str, int] = {}
        for code in grade_codes:
            value = raw.get(code, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError({"votes": _("Vote counts must be whole numbers, 0 or more.")})
            if value:
                votes[code] = value
        if sum(votes.values()) > present:
            raise ValidationError(
                {
                    "votes": _("%(total)d votes, but only %(present)d members were present.")
                    % {"total": sum(votes.values()), "present": present}
                }
            )
        return votes

    def clean(self) -> None:
        session = self.session
        # Services saving many rows load the scale once and leave it on the session.
        grades = getattr(session, "_grades", None)
        if grades is None:
            grades = list(session.campaign.grades.all())
        self.votes = self.clean_votes([g.code for g in grades], session.present)
        errors: dict[str, Any] = {}
        if self.member_id and self.member.organization_id != session.organization_id:
            errors["member"] = _("Pick a member of this organization.")
        if self.determination_id is not None:
            if self.absent:
                errors["determination"] = _("An absent member gets no determination.")
            elif self.determination_id not in {g.pk for g in grades}:
                errors["determination"] = _("Pick a grade of this campaign's scale.")
        if errors:
            raise ValidationError(errors)


class AppraisalApproval(Reviewable):
    """The determinations of one closed session that need the higher level's approval
    (grades with needs_approval: the top and bottom grades), as one reviewable record.
    `determinations` is the list as it stood when the session was last closed; it is
    the content the reviewer judges. A redo ordered after approval starts a new round."""

    session = models.ForeignKey(
        AppraisalSession,
        verbose_name=_("democratic appraisal"),
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="appraisal_approvals",
    )
    determinations = models.JSONField(_("determinations needing approval"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    review_labels = {"determinations": _("determinations needing approval")}

    review_campaign_path = "session__campaign"

    class Meta:
        verbose_name = _("appraisal determinations for approval")
        verbose_name_plural = _("appraisal determinations for approval")
        ordering = ["session", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "round"], name="appraisal_approval_round_unique"
            ),
        ]

    def __str__(self) -> str:
        return _("Appraisal determinations for approval, round %(round)d") % {"round": self.round}

    def get_absolute_url(self) -> str:
        return reverse("activities:appraisal_approval", args=[self.pk])

    def review_title(self) -> str:
        return _("Democratic appraisal: %(n)d determinations for approval") % {
            "n": len(self.determinations or [])
        }

    def review_validate_submission(self) -> None:
        """Only the determinations of a closed session go up (called by portal.reviews
        on submit and resubmit)."""
        if self.session.status != SessionStatus.CLOSED:
            raise ValidationError(
                _("Close the appraisal before submitting its determinations for approval.")
            )

    def review_snapshot(self) -> dict[str, str]:
        lines = [labelled(d["member"], d["grade_name"]) for d in self.determinations or []]
        return {"determinations": "\n".join(lines)}

    def is_editable(self) -> bool:
        return is_editable(self)
