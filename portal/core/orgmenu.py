"""Links shown on an organization's page to the work kept by other apps (the campaign
checklist, plans, meetings, problem lists, ...). Apps register them in `<app>/orgmenu.py`
(autodiscovered), so the organizations app links to them without importing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from portal.accounts.permissions import Action, user_can


@dataclass(frozen=True)
class OrgLink:
    section: str | Promise
    label: str | Promise
    url_name: str
    order: int
    action: str = Action.VIEW
    # Appended to the URL, e.g. "kind=special": a page of the list filtered to what
    # the section is about (the phase-2 special meeting among all meetings).
    query: str = ""


_LINKS: list[OrgLink] = []


def register(
    section: str | Promise,
    label: str | Promise,
    url_name: str,
    *,
    order: int,
    action: str = Action.VIEW,
    query: str = "",
) -> None:
    """Add a link; the same page (URL name and query) in the same section once only (a
    module imported twice registers again). One page may appear in several sections:
    each phase lists every record kind its requirements need."""
    if any(
        (link.url_name, link.query, str(link.section)) == (url_name, query, str(section))
        for link in _LINKS
    ):
        return
    _LINKS.append(OrgLink(section, label, url_name, order, action, query))


def org_links(user: Any, org: Any) -> list[tuple[str | Promise, list[tuple[str | Promise, str]]]]:
    """[(section, [(label, url)])] the user may open for this organization. No query
    (grants are cached on the user)."""
    sections: dict[str, tuple[str | Promise, list[tuple[str | Promise, str]]]] = {}
    for link in sorted(_LINKS, key=lambda link: link.order):
        if not user_can(user, link.action, org):
            continue
        try:
            url = reverse(link.url_name, args=[org.pk])
        except NoReverseMatch:
            continue
        if link.query:
            url = f"{url}?{link.query}"
        sections.setdefault(str(link.section), (link.section, []))[1].append((link.label, url))
    return list(sections.values())
