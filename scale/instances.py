"""A campaign of thirty requirement instances (issue #18): the 2014 template's fifteen
plus fifteen more, every registered kind again with other parameters. Shared by the
test that pins the live checklist's query count at thirty instances
(tests/progress/test_instances.py) and the load benchmark's `--requirements`
(bench/load.py), which measures the county grid with them (docs/product.md §11).

(Not `scale/requirements.py`: portal.progress autodiscovers each app's
`requirements` module as requirement kinds.)

Each extra instance is written as the office's composer writes one
(docs/product.md §5.3, §8): `full_clean()` (the kind's parameters), then the kind's own
check before the campaign opens (the standards checklist one names must exist and be
used by the campaign: `two_strong_eight_good`, one of the seeded templates, is linked
to the campaign first). Saving an instance changes the campaign's requirements token
and marks its roll-up rows (portal/progress/instances.py); the roll-up's layout then
differs, and the next read or `manage.py rebuild_standings --if-needed` rebuilds it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.progress.presets import PARTICIPATING
from rectification.models.standards import TWO_STRONG_EIGHT_GOOD

# Fifteen more instances on top of the 2014 template's fifteen: (kind, parameters,
# phase). Their codes are extra_0 … extra_14, in this order.
EXTRA: list[tuple[str, dict[str, Any], int]] = [
    ("meetings", {"meeting_kinds": ["study_session"], "minimum": 2, "within_phase": 1}, 1),
    ("meetings", {"meeting_kinds": ["opinion_forum", "investor_forum"], "minimum": 1}, 1),
    ("meetings", {"meeting_kinds": ["branch_general"], "minimum": 3}, 2),
    ("meetings", {"meeting_kinds": ["themed_day"], "minimum": 1, "within_phase": 3}, 3),
    ("members_counseled", {"minimum": 2}, 1),
    ("statements_approved", {"subjects": ["team"]}, 2),
    ("plan_approved", {}, 2),
    ("opinions_answered", {}, 2),
    ("special_meeting", {}, 3),
    ("members_appraised", {}, 3),
    # A template other than the "eight haves": its reasons name it (one more query).
    ("standards_accepted", {"template": TWO_STRONG_EIGHT_GOOD}, 3),
    ("funding", {"standard": "80.00"}, 3),
    ("satisfaction", {"threshold": 90}, 3),
    ("items_closed", {}, 2),
    ("no_overdue", {}, 2),
]


def extra_code(i: int) -> str:
    return f"extra_{i}"


CODES = [extra_code(i) for i in range(len(EXTRA))]


@transaction.atomic
def add_extra_instances(campaign: Any, n: int = len(EXTRA)) -> list[Any]:
    """Give the campaign the first `n` extra instances it lacks (by code), each
    validated as the composer validates it; ValidationError when one is refused.
    Returns the instances written. Idempotent."""
    from portal.progress.engine import get_kind
    from portal.progress.models import RequirementInstance
    from rectification.seed import ensure_standard_templates

    if not 0 <= n <= len(EXTRA):
        raise ValueError(f"between 0 and {len(EXTRA)} extra instances, not {n}")
    wanted = EXTRA[:n]
    if any(kind == "standards_accepted" for kind, _params, _phase in wanted):
        ensure_standard_templates(campaign)  # the template exists and the campaign uses it
    have = set(
        RequirementInstance.objects.filter(campaign=campaign, code__in=CODES).values_list(
            "code", flat=True
        )
    )
    written = []
    for i, (kind, params, phase) in enumerate(wanted):
        if extra_code(i) in have:
            continue
        instance = RequirementInstance(
            campaign=campaign,
            code=extra_code(i),
            kind=kind,
            params=params,
            phase=phase,
            order=100 + i,
            label_zh=f"附加要求{i}",
            label_en=f"Extra {i}",
            org_kinds=list(PARTICIPATING),
        )
        instance.full_clean()
        found = get_kind(kind)
        check = found.check if found is not None else None
        if check is not None:
            problems = check(campaign, [instance.params])[0]
            if problems:
                raise ValidationError({"params": [str(p) for p in problems]})
        instance.save()
        written.append(instance)
    if written:
        campaign.refresh_from_db()  # its new requirements token
    return written


@transaction.atomic
def bring_to(campaign: Any, total: int) -> int:
    """Make the campaign have `total` instances: its own (those not added here) plus
    the first extra ones, adding the missing and deleting the extra ones beyond (so a
    benchmark database measured at 30 measures 15 again). Returns the instances it
    has."""
    from portal.progress.models import RequirementInstance

    instances = RequirementInstance.objects.filter(campaign=campaign)
    base = instances.exclude(code__in=CODES).count()
    n = total - base
    if not 0 <= n <= len(EXTRA):
        raise ValueError(
            f"the campaign has {base} instances of its own: between {base} and "
            f"{base + len(EXTRA)} in all, not {total}"
        )
    for instance in instances.filter(code__in=CODES[n:]):
        instance.delete()  # one by one: the signals mark the roll-up as the portal does
    add_extra_instances(campaign, n)
    campaign.refresh_from_db()
    return instances.count()
