"""Phase 3 requirement kinds of the live checklist (docs/product.md §8), registered with the
engine in portal/progress (`@kind`): a campaign's requirement instances name them with
their parameters. Each evaluates a whole scope with this app's batch selectors: a fixed
number of grouped queries, whatever the number of organizations."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.requirements import url_maker
from portal.progress.engine import Level, Result, Scope, kind
from portal.reviews.models import ReviewStatus

from .models.standards import EIGHT_HAVES, StandardTemplate
from .selectors_funding import funding_in
from .selectors_mechanisms import kind_count, mechanisms_in_place_in
from .selectors_problems import (
    next_deadlines_in,
    open_item_counts_in,
    overdue_item_counts_in,
    problem_list_states_in,
)
from .selectors_satisfaction import overall_tallies_in
from .selectors_standards import eight_haves_accepted_in


def _review_reasons(what: str) -> dict[str | None, str]:
    """{review status: reason}, translated once per requirement (a grid asks for
    thousands); any other status reads as "none yet" (key None)."""
    return {
        ReviewStatus.APPROVED: _("%(what)s approved") % {"what": what},
        ReviewStatus.SUBMITTED: _("%(what)s submitted, waiting for review") % {"what": what},
        ReviewStatus.RETURNED: _("%(what)s returned for changes") % {"what": what},
        ReviewStatus.DRAFT: _("%(what)s written but not submitted") % {"what": what},
        None: _("No %(what)s yet") % {"what": what},
    }


def _review_reason(reasons: dict[str | None, str], status: str | None) -> str:
    return reasons.get(status) or reasons[None]


@kind(
    "problem_list_published",
    gettext_lazy("Problem list approved and published"),
    reads=("rectification.ProblemList", "rectification.ProblemItem"),
)
def problem_list_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One grouped query."""
    fix = url_maker("rectification:problem_lists")
    states = problem_list_states_in(scope.campaign, scope.q)
    published = _("Approved and published on %(date)s")
    not_published = _("Approved, not yet published")
    reasons = _review_reasons(_("problem list"))
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        state = states.get(org_id)
        if state is not None and state.published:
            reason = published % {"date": f"{state.published_on:%Y-%m-%d}"}
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
        elif state is not None and state.approved:
            results[org_id] = Result(pending, not_published, fix(org_id))
        else:
            status = state.review_status if state else None
            reason = _review_reason(reasons, status)
            level = Level.WAITING if status == ReviewStatus.SUBMITTED else pending
            results[org_id] = Result(level, reason, fix(org_id))
    return results


@kind(
    "no_overdue",
    gettext_lazy("No overdue item"),
    reads=("rectification.ProblemList", "rectification.ProblemItem"),
    dated=True,
)
def no_overdue_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """Two grouped queries. An overdue item is red at once, whatever the phase."""
    fix = url_maker("rectification:problem_lists")
    overdue = overdue_item_counts_in(scope.campaign, scope.q, today=scope.as_of)
    states = problem_list_states_in(scope.campaign, scope.q)
    overdue_template = _("%(n)d items past their deadline and not closed")
    no_list = _("No approved problem list yet")
    none_overdue = _("No item is overdue")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        n = overdue.get(org_id, 0)
        state = states.get(org_id)
        if n:
            results[org_id] = Result(Level.RED, overdue_template % {"n": n}, fix(org_id))
        elif state is None or not state.approved:
            results[org_id] = Result(pending, no_list, fix(org_id))
        else:
            results[org_id] = Result(Level.GREEN, none_overdue, fix(org_id))
    if scope.tracks_changes:
        # The roll-up: an open item turns this red the day after its deadline (one
        # more grouped query, only then).
        end = scope.campaign.ends_on
        for org_id, deadline in next_deadlines_in(scope.campaign, scope.q, scope.as_of).items():
            if deadline < end:
                scope.note_change(org_id, deadline + dt.timedelta(days=1))
    return results


@kind(
    "items_closed",
    gettext_lazy("All items closed by the campaign's end"),
    reads=("rectification.ProblemList", "rectification.ProblemItem"),
)
def items_closed_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One grouped query."""
    fix = url_maker("rectification:problem_lists")
    counts = open_item_counts_in(scope.campaign, scope.q)
    no_items = _("No problem-list items yet")
    open_template = _("%(open)d of %(total)d items not yet closed")
    all_template = _("All %(total)d items closed")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        open_items, total = counts.get(org_id, (0, 0))
        if total == 0:
            results[org_id] = Result(pending, no_items, fix(org_id))
        elif open_items:
            reason = open_template % {"open": open_items, "total": total}
            results[org_id] = Result(pending, reason, fix(org_id))
        else:
            reason = all_template % {"total": total}
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
    return results


class StandardsParams(forms.Form):
    """The template a "standards checklist accepted" requirement names, by its code.
    On the requirement editor, which passes the campaign, the office picks it by name
    among the campaign's own templates (docs/product.md §5.3, §6.3): it need not
    remember a code. A code the campaign does not use (an instance saved before) stays
    selectable, so that editing the other fields keeps it; the check names it."""

    takes_campaign = True  # activities.campaigns.forms.params_form passes the campaign

    template = forms.SlugField(
        label=gettext_lazy("standards checklist template (code)"), max_length=40
    )

    def __init__(self, *args: Any, campaign: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if campaign is None:
            return
        names: dict[str, str] = {}
        rows = StandardTemplate.objects.filter(campaigns__pk=campaign.pk).order_by(
            "code", "-version"
        )
        for row in rows:  # the newest version's name for each code
            names.setdefault(row.code, row.name)
        current = self.initial.get("template")
        if current and current not in names:
            names[current] = current
        # By name; the code only tells apart two templates of the same name.
        counts = Counter(names.values())
        self.fields["template"] = forms.ChoiceField(
            label=gettext_lazy("standards checklist template"),
            choices=[("", "---------")]
            + [
                (
                    code,
                    _("%(name)s (%(code)s)") % {"name": name, "code": code}
                    if counts[name] > 1
                    else name,
                )
                for code, name in names.items()
            ],
            help_text=gettext_lazy(
                "One of this campaign's standards templates: make or change them under "
                "“Standards templates” on the campaign's page."
            ),
        )


def standards_check(campaign: Any, params: list[Mapping[str, Any]]) -> list[list[str]]:
    """Each instance's template must exist and be one the campaign uses (its
    organizations assess themselves only against those). Two queries."""
    known = set(StandardTemplate.objects.filter(is_active=True).values_list("code", flat=True))
    used = set(
        StandardTemplate.objects.filter(campaigns__pk=campaign.pk).values_list("code", flat=True)
    )
    problems: list[list[str]] = []
    for p in params:
        code = p["template"]
        if code not in known:
            problems.append(
                [
                    _("It names the standards checklist “%(code)s”, which does not exist.")
                    % {"code": code}
                ]
            )
        elif code not in used:
            problems.append(
                [
                    _(
                        "It names the standards checklist “%(code)s”, which the campaign does not use."
                    )
                    % {"code": code}
                ]
            )
        else:
            problems.append([])
    return problems


@kind(
    "standards_accepted",
    gettext_lazy("Standards checklist accepted"),
    params=StandardsParams,
    reads=("rectification.StandardAssessment", "rectification.StandardTemplate"),
    check=standards_check,
)
def standards_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """One query; two for a template other than the "eight haves", whose reasons name
    it by its name (the newest version the campaign uses), never by its code."""
    fix = url_maker("rectification:standard_overview")
    code = params["template"]
    where = scope.q() if scope.root_path is not None else None
    statuses = eight_haves_accepted_in(scope.campaign, list(scope.orgs), code=code, where=where)
    accepted = _("Accepted by the higher level")
    assessed = _("Assessed: %(score)d of %(max)d points, not all items met")
    if code == EIGHT_HAVES:
        what = _("“eight haves” self-assessment")
    else:
        named = (
            StandardTemplate.objects.filter(code=code, campaigns__pk=scope.campaign.pk)
            .order_by("-version")
            .first()
        )
        name = named.name.replace("“", "‘").replace("”", "’") if named is not None else code
        what = _("self-assessment against checklist “%(template)s”") % {"template": name}
    reasons = _review_reasons(what)
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        status = statuses[org_id]
        if status.accepted:
            results[org_id] = Result(Level.GREEN, accepted, fix(org_id))
        elif status.status == ReviewStatus.APPROVED:
            reason = assessed % {"score": status.score, "max": status.max_score}
            results[org_id] = Result(pending, reason, fix(org_id))
        else:
            reason = _review_reason(reasons, status.status)
            level = Level.WAITING if status.status == ReviewStatus.SUBMITTED else pending
            results[org_id] = Result(level, reason, fix(org_id))
    return results


@kind(
    "mechanisms",
    gettext_lazy("The working mechanisms in place"),
    reads=("rectification.Mechanism", "rectification.MechanismKind", "attachments.Attachment"),
)
def mechanisms_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """Two queries (the kinds; mechanisms grouped per organization)."""
    fix = url_maker("rectification:mechanism_register")
    expected = kind_count()
    in_place = mechanisms_in_place_in(scope.campaign, list(scope.orgs))
    template = _("%(n)d of %(total)d mechanisms in place")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        n, _custom = in_place[org_id]
        reason = template % {"n": n, "total": expected}
        level = Level.GREEN if expected and n >= expected else pending
        results[org_id] = Result(level, reason, fix(org_id))
    return results


class FundingParams(forms.Form):
    standard = forms.DecimalField(
        label=gettext_lazy("yuan per member at least"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Empty: the campaign's funding standard."),
    )


@kind(
    "funding",
    gettext_lazy("Funding at least a standard per member, with evidence"),
    params=FundingParams,
    reads=("rectification.FundingReceipt", "attachments.Attachment", "organizations.Member"),
)
def funding_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """Counts receipts from county finance or retained dues with their evidence
    attached (selectors_funding.funding_in). Two grouped queries."""
    fix = url_maker("rectification:funding_overview")
    money = funding_in(scope.campaign, list(scope.orgs), standard=params.get("standard"))
    enough = _("¥%(received)s counted (with evidence), ¥%(required)s required")
    short = _("Shortfall ¥%(short)s: ¥%(received)s counted (with evidence) of ¥%(required)s")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        received, required = money[org_id]
        if received >= required:
            reason = enough % {
                "received": f"{received:.2f}",
                "required": f"{required:.2f}",
            }
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
        else:
            reason = short % {
                "short": f"{required - received:.2f}",
                "received": f"{received:.2f}",
                "required": f"{required:.2f}",
            }
            results[org_id] = Result(pending, reason, fix(org_id))
    return results


class SatisfactionParams(forms.Form):
    threshold = forms.IntegerField(
        label=gettext_lazy("satisfied at least (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy("Empty: the campaign's satisfaction threshold."),
    )


@kind(
    "satisfaction",
    gettext_lazy("Satisfaction of the masses at least a threshold"),
    params=SatisfactionParams,
    reads=(
        "rectification.SatisfactionBallot",
        "rectification.SatisfactionAnswer",
        "rectification.SatisfactionQuestion",
    ),
)
def satisfaction_kind(scope: Scope, params: Mapping[str, Any], phase: int) -> dict[int, Result]:
    """The organization's own ballots on the overall question: (satisfied + basically
    satisfied) / ballots ≥ the threshold (None: the campaign's, docs/product.md §6.5).
    One grouped query."""
    fix = url_maker("rectification:satisfaction")
    tallies = overall_tallies_in(scope.campaign, scope.q("ballot__organization"))
    threshold = params.get("threshold")
    if threshold is None:
        threshold = scope.campaign.satisfaction_threshold
    none_yet = _("No satisfaction ballot yet")
    template = _("%(good)d of %(total)d ballots satisfied or basically satisfied, %(x)d%% required")
    pending = scope.pending(phase)
    results = {}
    for org_id in scope.orgs:
        tally = tallies.get(org_id)
        if tally is None or not tally.total:
            results[org_id] = Result(pending, none_yet, fix(org_id))
            continue
        reason = template % {"good": tally.good, "total": tally.total, "x": threshold}
        level = Level.GREEN if tally.meets(threshold) else pending
        results[org_id] = Result(level, reason, fix(org_id))
    return results
