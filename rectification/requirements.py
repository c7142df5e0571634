"""Phase 3 requirements of the live checklist (SPEC §8), registered with the engine in
portal/progress. Each evaluates a whole scope with this app's batch selectors: a fixed
number of grouped queries, whatever the number of organizations."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.requirements import participates, url_maker
from portal.progress.engine import Level, Result, Scope, register
from portal.reviews.models import ReviewStatus

from .selectors_funding import funding_in
from .selectors_mechanisms import kind_count, mechanisms_in_place_in
from .selectors_problems import open_item_counts_in, overdue_item_counts_in, problem_list_states_in
from .selectors_standards import eight_haves_accepted_in

PHASE = 3


def _review_reason(status: str | None, what: str) -> str:
    return {
        ReviewStatus.APPROVED: _("%(what)s approved"),
        ReviewStatus.SUBMITTED: _("%(what)s submitted, waiting for review"),
        ReviewStatus.RETURNED: _("%(what)s returned for changes"),
        ReviewStatus.DRAFT: _("%(what)s written but not submitted"),
    }.get(status, _("No %(what)s yet")) % {"what": what}


@register(
    "problem_list_published",
    gettext_lazy("Problem list approved and published"),
    phase=PHASE,
    order=10,
    applies_to=participates,
)
def problem_list_published(scope: Scope) -> dict[int, Result]:
    """One grouped query."""
    fix = url_maker("rectification:problem_lists")
    states = problem_list_states_in(scope.campaign, scope.q)
    results = {}
    for org_id in scope.orgs:
        state = states.get(org_id)
        if state is not None and state.published:
            reason = _("Approved and published on %(date)s") % {
                "date": f"{state.published_on:%Y-%m-%d}"
            }
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
        elif state is not None and state.approved:
            results[org_id] = Result(
                scope.pending(PHASE), _("Approved, not yet published"), fix(org_id)
            )
        else:
            reason = _review_reason(state.review_status if state else None, _("problem list"))
            results[org_id] = Result(scope.pending(PHASE), reason, fix(org_id))
    return results


@register(
    "no_overdue", gettext_lazy("No overdue item"), phase=PHASE, order=20, applies_to=participates
)
def no_overdue(scope: Scope) -> dict[int, Result]:
    """Two grouped queries. An overdue item is red at once, whatever the phase."""
    fix = url_maker("rectification:problem_lists")
    overdue = overdue_item_counts_in(scope.campaign, scope.q, today=scope.as_of)
    states = problem_list_states_in(scope.campaign, scope.q)
    results = {}
    for org_id in scope.orgs:
        n = overdue.get(org_id, 0)
        state = states.get(org_id)
        if n:
            reason = _("%(n)d items past their deadline and not closed") % {"n": n}
            results[org_id] = Result(Level.RED, reason, fix(org_id))
        elif state is None or not state.approved:
            results[org_id] = Result(
                scope.pending(PHASE), _("No approved problem list yet"), fix(org_id)
            )
        else:
            results[org_id] = Result(Level.GREEN, _("No item is overdue"), fix(org_id))
    return results


@register(
    "items_closed",
    gettext_lazy("All items closed by the campaign's end"),
    phase=PHASE,
    order=30,
    applies_to=participates,
)
def items_closed(scope: Scope) -> dict[int, Result]:
    """One grouped query."""
    fix = url_maker("rectification:problem_lists")
    counts = open_item_counts_in(scope.campaign, scope.q)
    results = {}
    for org_id in scope.orgs:
        open_items, total = counts.get(org_id, (0, 0))
        if total == 0:
            results[org_id] = Result(
                scope.pending(PHASE), _("No problem-list items yet"), fix(org_id)
            )
        elif open_items:
            reason = _("%(open)d of %(total)d items not yet closed") % {
                "open": open_items,
                "total": total,
            }
            results[org_id] = Result(scope.pending(PHASE), reason, fix(org_id))
        else:
            reason = _("All %(total)d items closed") % {"total": total}
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
    return results


@register(
    "eight_haves",
    gettext_lazy("“Eight haves” accepted"),
    phase=PHASE,
    order=40,
    applies_to=participates,
)
def eight_haves(scope: Scope) -> dict[int, Result]:
    """One query."""
    fix = url_maker("rectification:standard_overview")
    where = scope.q() if scope.root_path is not None else None
    statuses = eight_haves_accepted_in(scope.campaign, list(scope.orgs), where=where)
    results = {}
    for org_id in scope.orgs:
        status = statuses[org_id]
        if status.accepted:
            results[org_id] = Result(Level.GREEN, _("Accepted by the higher level"), fix(org_id))
        elif status.status == ReviewStatus.APPROVED:
            reason = _("Assessed: %(score)d of %(max)d points, not all items met") % {
                "score": status.score,
                "max": status.max_score,
            }
            results[org_id] = Result(scope.pending(PHASE), reason, fix(org_id))
        else:
            reason = _review_reason(status.status, _("“eight haves” self-assessment"))
            results[org_id] = Result(scope.pending(PHASE), reason, fix(org_id))
    return results


@register(
    "mechanisms",
    gettext_lazy("The six working mechanisms in place"),
    phase=PHASE,
    order=50,
    applies_to=participates,
)
def mechanisms(scope: Scope) -> dict[int, Result]:
    """Two queries (the kinds; mechanisms grouped per organization)."""
    fix = url_maker("rectification:mechanism_register")
    expected = kind_count()
    in_place = mechanisms_in_place_in(scope.campaign, list(scope.orgs))
    results = {}
    for org_id in scope.orgs:
        n, _custom = in_place[org_id]
        reason = _("%(n)d of %(total)d mechanisms in place") % {"n": n, "total": expected}
        level = Level.GREEN if expected and n >= expected else scope.pending(PHASE)
        results[org_id] = Result(level, reason, fix(org_id))
    return results


@register(
    "funding",
    gettext_lazy("Funding at least the standard"),
    phase=PHASE,
    order=60,
    applies_to=participates,
)
def funding(scope: Scope) -> dict[int, Result]:
    """Two grouped queries."""
    fix = url_maker("rectification:funding_overview")
    money = funding_in(scope.campaign, list(scope.orgs))
    results = {}
    for org_id in scope.orgs:
        received, required = money[org_id]
        if received >= required:
            reason = _("¥%(received)s received, ¥%(required)s required") % {
                "received": f"{received:.2f}",
                "required": f"{required:.2f}",
            }
            results[org_id] = Result(Level.GREEN, reason, fix(org_id))
        else:
            reason = _("Shortfall ¥%(short)s: ¥%(received)s of ¥%(required)s") % {
                "short": f"{required - received:.2f}",
                "received": f"{received:.2f}",
                "required": f"{required:.2f}",
            }
            results[org_id] = Result(scope.pending(PHASE), reason, fix(org_id))
    return results
