"""Links shown on an organization's page to the work kept by other apps (the campaign
checklist, plans, meetings, problem lists, ...). Apps register them in `<app>/orgmenu.py`
(autodiscovered), so the organizations app links to them without importing them.

The campaign's work is grouped by the campaign's own phases (docs/product.md §5.1): a
link names the requirement kinds whose records its page keeps (`kinds`), and it is
listed under every phase of the campaign with a requirement of one of those kinds. A
link no phase claims (or every link, for an organization without a campaign) is listed
under its `area`: the work it belongs to by its nature (study and opinions, problems
and criticism, rectification and rules), a named section, never a phase number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal.accounts.permissions import Action, user_can

# Links ordered below this come before the phases (the campaign's checklist and grid).
FIRST = 100


@dataclass(frozen=True)
class OrgLink:
    area: str | Promise
    label: str | Promise
    url_name: str
    order: int
    action: str = Action.VIEW
    # Appended to the URL, e.g. "kind=special": a page of the list filtered to what
    # the section is about (the special meeting among all meetings).
    query: str = ""
    # The requirement kinds (portal/progress/engine.py) whose records the page keeps or
    # goes with: the link is listed under each phase holding such a requirement.
    kinds: frozenset[str] = frozenset()


_LINKS: list[OrgLink] = []


def register(
    area: str | Promise,
    label: str | Promise,
    url_name: str,
    *,
    order: int,
    action: str = Action.VIEW,
    query: str = "",
    kinds: tuple[str, ...] = (),
) -> None:
    """Add a link; the same page (URL name and query) in the same area once only (a
    module imported twice registers again)."""
    if any(
        (link.url_name, link.query, str(link.area)) == (url_name, query, str(area))
        for link in _LINKS
    ):
        return
    _LINKS.append(OrgLink(area, label, url_name, order, action, query, frozenset(kinds)))


def phase_heading(number: int, name: str) -> str:
    return _("Phase %(n)d: %(name)s") % {"n": number, "name": name}


def org_links(
    user: Any, org: Any, campaign: Any = None
) -> list[tuple[str | Promise, list[tuple[str | Promise, str]]]]:
    """[(section, [(label, url)])] the user may open for this organization: the links
    before FIRST, then one section per phase of `campaign` (its requirements' kinds,
    with the phase's own number and name), then the areas of the links no phase
    claims. No query (grants are cached on the user; the campaign's phases prefetched
    and its requirements cached per process, portal.progress.engine.requirements)."""
    phase_kinds: dict[int, set[str]] = defaultdict(set)
    names: dict[int, str] = {}
    if campaign is not None:
        from portal.progress.engine import requirements

        for req in requirements(campaign):
            phase_kinds[req.phase].add(req.kind)
        names = {phase.number: str(phase) for phase in campaign.phases.all()}
    head: dict[str, tuple[str | Promise, list[tuple[str | Promise, str]]]] = {}
    phases: dict[int, list[tuple[str | Promise, str]]] = defaultdict(list)
    tail: dict[str, tuple[str | Promise, list[tuple[str | Promise, str]]]] = {}
    for link in sorted(_LINKS, key=lambda link: link.order):
        if not user_can(user, link.action, org):
            continue
        try:
            url = reverse(link.url_name, args=[org.pk])
        except NoReverseMatch:
            continue
        if link.query:
            url = f"{url}?{link.query}"
        claimed = [n for n, found in phase_kinds.items() if link.kinds & found]
        for number in claimed:
            phases[number].append((link.label, url))
        if not claimed:
            into = head if link.order < FIRST else tail
            into.setdefault(str(link.area), (link.area, []))[1].append((link.label, url))
    by_phase: list[tuple[str | Promise, list[tuple[str | Promise, str]]]] = [
        (
            phase_heading(number, names.get(number, ""))
            if number in names
            else _("Phase %(n)d") % {"n": number},
            phases[number],
        )
        for number in sorted(phases)
    ]
    return [*head.values(), *by_phase, *tail.values()]
