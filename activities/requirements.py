"""Phase 1 and 2 requirement kinds of the live checklist (docs/product.md §8), registered
with the engine in portal/progress (`@kind`): a campaign's requirement instances name
them with their parameters (portal/progress/presets.py holds the 2014 template). Each
evaluates a whole scope with the batch selectors of this app: a fixed number of grouped
queries, whatever the number of organizations.

The 2014 template applies them to the organizations that run the campaign at the grass
roots (PARTICIPATING_KINDS): enterprise Party committees, general branches, branches,
joint branches, and the village (community) organizations hosting members of
enterprises without their own organization.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from organizations.models import GRASSROOTS_KINDS, OrgKind
from portal.progress.engine import Level, Result, Scope, kind
from portal.reviews.models import ReviewStatus

from .meetings.selectors import held_and_attended_counts_by_kind
from .models import ActivityPlan, Meeting, MeetingKind, StatementSubject
from .opinions.selectors import opinion_stats_by_organization
from .phase2.selectors import appraisal_coverage_batch, statements_status_batch
from .study.selectors import counseling_coverage_in

PARTICIPATING_KINDS = {str(k) for k in GRASSROOTS_KINDS} | {str(OrgKind.COMMUNITY)}
_TOKEN = 987654321


def url_maker(name: str) -> Callable[[int], str]:
    """reverse() once, then fill in each organization id (thousands of rows in a grid)."""
    pattern = reverse(name, args=[_TOKEN])
    token = str(_TOKEN)
    return lambda org_id: pattern.replace(token, str(org_id))


def _review_reasons(what: str) -> dict[str | None, tuple[bool, str]]:
    """{review status: (approved, reason)}, translated once per requirement (a grid asks
    for thousands); statuses missing from it read as "none yet" (see _review_reason).
    A submitted record is "waiting" (Level.WAITING), not "not met": see _level."""
    return {
        ReviewStatus.APPROVED: (True, _("%(what)s approved") % {"what": what}),
        ReviewStatus.SUBMITTED: (
            False,
            _("%(what)s submitted, waiting for review") % {"what": what},
        ),
        ReviewStatus.RETURNED: (False, _("%(what)s returned for changes") % {"what": what}),
        ReviewStatus.DRAFT: (False, _("%(what)s written but not submitted") % {"what": what}),
        None: (False, _("No %(what)s yet") % {"what": what}),
    }


def _review_reason(
    reasons: dict[str | None, tuple[bool, str]], status: str | None
) -> tuple[bool, str]:
    return reasons.get(status) or reasons[None]


def _level(ok: bool, status: str | None, pending: Level) -> Level:
    """Met; else submitted and waiting for review; else not met (`pending`)."""
    if ok:
        return Level.GREEN
    return Level.WAITING if status == ReviewStatus.SUBMITTED else pending


@kind(
    "plan_approved",
    gettext_lazy("Activity plan approved"),
    reads=("activities.ActivityPlan",),
)
def plan_approved_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One query: the plans of the scope in this campaign."""
    fix = url_maker("activities:plan_overview")
    statuses = dict(
        ActivityPlan.objects.filter(scope.q(), campaign=scope.campaign)
        .order_by()
        .values_list("organization_id", "review_status")
    )
    reasons = _review_reasons(_("activity plan"))
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        status = statuses.get(org_id)
        ok, reason = _review_reason(reasons, status)
        results[org_id] = Result(_level(ok, status, pending), reason, fix(org_id))
    return results


class MeetingsParams(forms.Form):
    meeting_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("kinds of meeting"), choices=MeetingKind.choices
    )
    minimum = forms.IntegerField(
        label=gettext_lazy("at least"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=gettext_lazy("Empty: the campaign's minimum of study exchanges."),
    )
    within_phase = forms.IntegerField(
        label=gettext_lazy("held within phase"),
        min_value=1,
        max_value=20,
        required=False,
        help_text=gettext_lazy("Empty: any time in the campaign."),
    )


def _meetings_per_kind(scope: Scope, phase: int | None, kinds: list[str]) -> dict[str, Any]:
    """Meetings held or attended per kind and organization: every "meetings" requirement
    of the evaluation counting within the same phase (or the whole campaign) shares two
    grouped queries (once per scope), over the kinds they all name."""
    key = f"activities:meetings:{phase}"
    counts: dict[str, Any] | None = scope.shared.get(key)
    if counts is None or not set(kinds) <= set(counts):
        wanted = set(kinds)
        for req in scope.shared.get("requirements", ()):
            if req.kind == "meetings" and req.params.get("within_phase") == phase:
                wanted |= set(req.params["meeting_kinds"])
        counts = held_and_attended_counts_by_kind(
            scope.campaign, sorted(wanted), scope.q, phase=phase
        )
        scope.shared[key] = counts
    return counts


def _kinds_label(kinds: list[str]) -> str:
    labels = dict(MeetingKind.choices)
    return pgettext("list separator", "; ").join(str(labels[k]) for k in kinds)


def meetings_check(campaign: Any, params: list[Mapping[str, Any]]) -> list[list[str]]:
    """The phase a meetings requirement counts within must be one of the campaign's.
    No query when the campaign's phases are loaded."""
    numbers = {phase.number for phase in campaign.phases.all()}
    return [
        [_("It counts meetings within phase %(n)d, which the campaign does not have.") % {"n": n}]
        if (n := p.get("within_phase")) is not None and n not in numbers
        else []
        for p in params
    ]


@kind(
    "meetings",
    gettext_lazy("Meetings of some kinds held or attended at least N times"),
    params=MeetingsParams,
    reads=("activities.Meeting", "activities.MeetingParticipation"),
    check=meetings_check,
)
def meetings_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """Two grouped queries, shared by every meetings requirement of the evaluation.
    A fixed minimum of 1 reads "held or attended"; any other minimum (None: the
    campaign's minimum of study exchanges) reads "n of at least m"."""
    fix = url_maker("activities:meeting_list")
    kinds: list[str] = list(params["meeting_kinds"])
    within: int | None = params.get("within_phase")
    counts = _meetings_per_kind(scope, within, kinds)
    per_org: dict[int, int] = {}
    for k in kinds:
        for org_id, n in counts[k].items():
            per_org[org_id] = per_org.get(org_id, 0) + n
    pending = scope.pending(phase)
    minimum = params.get("minimum")
    if minimum == 1:
        held = _("Held or attended")
        if kinds == [MeetingKind.MOBILIZATION]:
            not_held = _("No mobilization meeting held or attended yet")
        else:
            not_held = _("No %(kinds)s held or attended yet") % {"kinds": _kinds_label(kinds)}
        return {
            org_id: Result(Level.GREEN, held, fix(org_id))
            if per_org.get(org_id)
            else Result(pending, not_held, fix(org_id))
            for org_id in scope.orgs
        }
    if minimum is None:
        minimum = scope.campaign.min_study_exchanges
    if kinds == [MeetingKind.STUDY_EXCHANGE]:
        template = _("%(n)d of at least %(min)d study exchanges")
    else:
        template = _("%(n)d of at least %(min)d meetings (%(kinds)s)").replace(
            "%(kinds)s", _kinds_label(kinds).replace("%", "%%")
        )
    results = {}
    for org_id in scope.orgs:
        n = per_org.get(org_id, 0)
        reason = template % {"n": n, "min": minimum}
        results[org_id] = Result(Level.GREEN if n >= minimum else pending, reason, fix(org_id))
    return results


class CounselingParams(forms.Form):
    minimum = forms.IntegerField(
        label=gettext_lazy("records per member at least"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy("Empty: the campaign's minimum counseling sessions per member."),
    )


@kind(
    "members_counseled",
    gettext_lazy("Every member has at least N study counseling records"),
    params=CounselingParams,
    reads=("activities.CounselingRecord", "organizations.Member"),
)
def members_counseled_kind(
    scope: Scope, params: Mapping[str, Any], phase: int
) -> dict[int, Result]:
    """One grouped query."""
    fix = url_maker("activities:counseling_list")
    minimum = params.get("minimum")
    if minimum is None:
        minimum = scope.campaign.min_counseling_per_member
    coverage = counseling_coverage_in(scope.campaign, scope.q, minimum=minimum)
    template = ngettext(
        "%(covered)d of %(total)d members counseled at least %(min)d time",
        "%(covered)d of %(total)d members counseled at least %(min)d times",
        minimum,
    )
    no_members = _("No members on the roster")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        covered, total = coverage.get(org_id, (0, 0))
        if total == 0:
            results[org_id] = Result(pending, no_members, fix(org_id))
            continue
        reason = template % {"covered": covered, "total": total, "min": minimum}
        level = Level.GREEN if covered >= total else pending
        results[org_id] = Result(level, reason, fix(org_id))
    return results


@kind(
    "opinions_answered",
    gettext_lazy("Opinions solicited and every opinion answered or adopted"),
    reads=("activities.Opinion",),
)
def opinions_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One grouped query."""
    fix = url_maker("activities:opinion_list")
    stats = opinion_stats_by_organization(scope.campaign, list(scope.orgs))
    none_yet = _("No opinions solicited yet")
    open_template = _("%(open)d of %(total)d opinions not yet answered or adopted")
    all_template = _("All %(total)d opinions answered or adopted")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        s = stats[org_id]
        if s.total == 0:
            results[org_id] = Result(pending, none_yet, fix(org_id))
        elif s.unanswered:
            reason = open_template % {"open": s.unanswered, "total": s.total}
            results[org_id] = Result(pending, reason, fix(org_id))
        else:
            reason = all_template % {"total": s.total}
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
    return results


class StatementsParams(forms.Form):
    subjects = forms.MultipleChoiceField(
        label=gettext_lazy("statements of"), choices=StatementSubject.choices
    )


@kind(
    "statements_approved",
    gettext_lazy("Self-examination statements approved"),
    params=StatementsParams,
    reads=("activities.SelfExamination",),
)
def statements_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One query."""
    fix = url_maker("activities:statement_list")
    statuses = statements_status_batch(list(scope.orgs), scope.campaign)
    what: dict[str, str] = {
        StatementSubject.TEAM: _("team's statement"),
        StatementSubject.SECRETARY: _("secretary's statement"),
    }
    labels = {
        subject: _review_reasons(what[subject])
        for subject in StatementSubject.values
        if subject in params["subjects"]
    }
    # The translation chooses the separator (a full-width "；" in Chinese).
    separator = pgettext("list separator", "; ")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        reasons = []
        all_ok = True
        all_in = True  # every statement approved or submitted
        for subject, subject_reasons in labels.items():
            status = statuses[org_id].get(subject)
            ok, reason = _review_reason(subject_reasons, status)
            all_ok &= ok
            all_in &= ok or status == ReviewStatus.SUBMITTED
            reasons.append(reason)
        level = Level.GREEN if all_ok else Level.WAITING if all_in else pending
        results[org_id] = Result(level, separator.join(reasons), fix(org_id))
    return results


@kind(
    "special_meeting",
    gettext_lazy("Special organizational-life meeting held with a higher-level guide"),
    reads=("activities.Meeting", "activities.SpecialMeetingReview"),
)
def special_meeting_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One query: the scope's special meetings with a guide, with the review status of
    their record. Held with a guide is the rule (met); while the record waits for
    review the result is "waiting" (still done: submitting never lowers the
    organization's done count), and the reason says when it was approved."""
    meetings = url_maker("activities:meeting_list")

    def fix(org_id: int) -> str:
        # The meeting list filtered to special meetings (the phase-2 link of the
        # organization page, activities/orgmenu.py).
        return f"{meetings(org_id)}?kind=special"

    statuses: dict[int, set[str | None]] = {}
    rows = (
        Meeting.objects.filter(scope.q("organization"), campaign=scope.campaign)
        .special_with_guide()
        .order_by()
        .values_list("organization_id", "special_review__review_status")
    )
    for org_id, status in rows:
        statuses.setdefault(org_id, set()).add(status)
    none_yet = _("No special meeting with a higher-level guide recorded yet")
    approved = _("Held, higher-level guide present; record approved")
    waiting = _("Held, higher-level guide present; record waiting for review")
    held_only = _("Held, higher-level guide present")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        held = statuses.get(org_id)
        if held is None:
            results[org_id] = Result(pending, none_yet, fix(org_id))
        elif ReviewStatus.APPROVED in held:
            results[org_id] = Result(Level.GREEN, approved, fix(org_id))
        elif ReviewStatus.SUBMITTED in held:
            results[org_id] = Result(Level.WAITING, waiting, fix(org_id))
        else:
            results[org_id] = Result(Level.GREEN, held_only, fix(org_id))
    return results


@kind(
    "members_appraised",
    gettext_lazy("Every member appraised"),
    reads=("activities.AppraisalSession", "activities.AppraisalResult", "organizations.Member"),
)
def members_appraised_kind(
    scope: Scope, params: Mapping[str, Any], phase: int
) -> dict[int, Result]:
    """Two grouped queries."""
    fix = url_maker("activities:appraisal_home")
    coverage = appraisal_coverage_batch(list(scope.orgs), scope.campaign)
    no_members = _("No members to appraise")
    template = _("%(done)d of %(total)d members appraised")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        appraised, total = coverage.get(org_id, (0, 0))
        if total <= 0:
            results[org_id] = Result(pending, no_members, fix(org_id))
            continue
        reason = template % {"done": appraised, "total": total}
        level = Level.GREEN if appraised >= total else pending
        results[org_id] = Result(level, reason, fix(org_id))
    return results
