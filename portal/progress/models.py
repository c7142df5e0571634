"""The requirement roll-up (issue #7): one row per organization and campaign holding the
level of every requirement of its checklist, so the subtree grid and the dashboard read
a few thousand short rows instead of evaluating every requirement over the subtree.

How it is kept current is described in portal/progress/rollup.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# `stale_from` of a row whose records changed: any date is on or after it.
DIRTY = dt.date(1, 1, 1)


class Rollup(models.Model):
    """The roll-up of one campaign has been built for every organization of its lead
    organization's subtree, with the requirements listed in `layout` (in that order)."""

    campaign = models.OneToOneField(
        "activities.Campaign",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("campaign"),
    )
    layout = models.TextField(_("requirements"))
    built_at = models.DateTimeField(_("built at"))
    # Bumped when the whole roll-up is rebuilt; a write to some rows bumps the
    # SubtreeVersion of their organizations' subtrees instead (figures computed from
    # the rows, the dashboard's and the grid's, are cached under both).
    generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("requirement roll-up")
        verbose_name_plural = _("requirement roll-ups")

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.built_at:%Y-%m-%d %H:%M}"


class Standing(models.Model):
    """The levels of one organization's requirements in one campaign.

    `states` has one letter per requirement of the campaign's Rollup.layout: g (met),
    w (submitted, waiting for review), a (amber whatever the date), r (red whatever the date), p (not met: amber while its
    phase is open, red after, decided when read), - (does not apply)."""

    campaign = models.ForeignKey("activities.Campaign", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    states = models.CharField(max_length=64, blank=True)
    members = models.PositiveIntegerField(default=0)
    cells = models.PositiveSmallIntegerField(default=0)  # requirements that apply
    green = models.PositiveSmallIntegerField(default=0)  # ... and are met
    done = models.PositiveSmallIntegerField(default=0)  # ... met or submitted and waiting
    # Recompute on or after this date: DIRTY when the organization's records changed,
    # the day an open item passes its deadline, None when only records can change it.
    stale_from = models.DateField(null=True, blank=True)
    # The date the row's results change by themselves, as last evaluated (stale_from
    # before it was marked): a recompute that leaves the dated requirements out keeps
    # it. DIRTY: not known (evaluate them).
    due_on = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    # The row's recent partial recomputes, oldest first, each [computed_at before it
    # (ISO 8601), [the requirement codes evaluated]]: a checklist cached as of one of
    # those times re-evaluates only those requirements (rollup.checklists). Emptied
    # by a recompute of every requirement.
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="standing_campaign_org_uniq"
            )
        ]
        indexes = [models.Index(fields=["campaign", "stale_from"], name="standing_stale_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}: {self.states}"


class SubtreeVersion(models.Model):
    """How many times roll-up rows under one organization path have been written in a
    campaign: bumped for every ancestor path of each organization whose row is written
    or removed, in the same transaction. The figures of a subtree (dashboard, grid) are
    cached under its own version, so a write in one committee's subtree leaves another
    committee's cached figures in use (portal/progress/rollup.py)."""

    campaign = models.ForeignKey("activities.Campaign", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "path"], name="subtree_version_campaign_path_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.path}: {self.generation}"


class Urge(models.Model):
    """A reminder (催办) sent to an organization failing a requirement, by a reviewer or
    the campaign office above it: who, when, which requirement, and their note. An
    organization is urged at most once per requirement in URGE_INTERVAL
    (portal/progress/urging.py)."""

    campaign = models.ForeignKey(
        "activities.Campaign",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("campaign"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    requirement = models.CharField(_("requirement"), max_length=64)
    note = models.TextField(_("note"), max_length=500, blank=True)
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("urged by"),
    )
    urged_at = models.DateTimeField(_("urged at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-urged_at", "-pk"]
        indexes = [
            models.Index(
                fields=["campaign", "organization", "requirement", "urged_at"],
                name="urge_org_req_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.requirement} @ {self.urged_at:%Y-%m-%d %H:%M}"

    @property
    def ago(self) -> str:
        """ "2 days" (the largest unit only), for "urged 2 days ago"."""
        from .urging import ago

        return ago(self.urged_at)


class RequirementInstance(models.Model):
    """One requirement of a campaign's checklist (docs/product.md §8): a requirement kind
    registered in code (`<app>/requirements.py`, portal.progress.engine.kind) with its
    parameters, the phase it belongs to (amber while that phase runs, red after), its
    label in both languages, the organization kinds it applies to and its place in the
    checklist. `code` is the requirement's key in the roll-up rows, the grid's columns,
    reminders and caches: stable, unique in the campaign. New campaigns get the
    instances of the 2014 template (portal/progress/presets.py)."""

    campaign = models.ForeignKey(
        "activities.Campaign",
        on_delete=models.CASCADE,
        related_name="requirement_instances",
        verbose_name=_("campaign"),
    )
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("requirement kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    phase = models.PositiveSmallIntegerField(_("phase"))
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    org_kinds = models.JSONField(
        _("organization kinds"),
        default=list,
        blank=True,
        help_text=_("The kinds of organization the requirement applies to."),
    )
    org_kinds_with_members = models.JSONField(
        _("organization kinds with members of their own"),
        default=list,
        blank=True,
        help_text=_(
            "Kinds it applies to only when the organization carries members on its own "
            "roster (a park or industry committee hosting members of enterprises without "
            "a Party organization)."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    # Changes to an open campaign's requirements are shown on its page (who, when, what).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["campaign", "phase", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"], name="requirement_instance_code_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.code}"

    @property
    def label(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.label_en if lang.startswith("en") and self.label_en else self.label_zh

    def requirement(self) -> Any:
        """The engine's Requirement for this instance (ValidationError if its kind is
        unknown or its parameters invalid)."""
        from .engine import build

        return build(
            code=self.code,
            kind_code=self.kind,
            params=self.params,
            phase=self.phase,
            order=self.order,
            label_zh=self.label_zh,
            label_en=self.label_en,
            org_kinds=self.org_kinds or (),
            org_kinds_with_members=self.org_kinds_with_members or (),
        )

    def clean(self) -> None:
        """The kind's own form validates the parameters: its field errors are reported
        on `params`, each naming its parameter."""
        from organizations.models import OrgKind

        from .engine import get_kind

        errors: dict[str, list[str]] = {}
        found = get_kind(self.kind)
        if found is None:
            errors["kind"] = [str(_("Unknown requirement kind."))]
        else:
            try:
                self.params = found.clean(self.params)
                self.params = _jsonable(self.params)
            except ValidationError as error:
                errors["params"] = [
                    f"{name}: {message}"
                    for name, messages in error.message_dict.items()
                    for message in messages
                ]
        known = set(OrgKind.values)
        for name in ("org_kinds", "org_kinds_with_members"):
            value = getattr(self, name)
            if not isinstance(value, list) or not set(value) <= known:
                errors[name] = [str(_("Choose organization kinds from the list."))]
        if errors:
            raise ValidationError(errors)


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    """Cleaned parameters as JSON stores them (decimals and dates as text)."""
    import datetime as _dt
    from decimal import Decimal

    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Decimal):
            out[name] = str(value)
        elif isinstance(value, _dt.date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out
