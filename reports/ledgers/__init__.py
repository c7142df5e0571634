"""Ledgers (台账) of one organization in one campaign, in Word and as PDF
(docs/product.md §9.1, docs/reports.md "Ledgers").

`LEDGERS` lists them in the order of the ledgers page; each is built once into blocks
(`blocks.Ledger`) by a function of `builders`, then written as .docx (`blocks.to_docx`,
a synchronous download, VIEW like the pages) or rendered as PDF by the report pipeline
(`reports/kinds/ledgers.py`, DOWNLOAD_REPORTS like every report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import builders
from .blocks import Ledger

Builder = Callable[..., Ledger]


@dataclass(frozen=True)
class LedgerSpec:
    slug: str  # the URL's name and, prefixed "ledger-", the report kind's slug
    title: str | Promise
    build: Builder  # build(org, campaign, *, unmasked) -> Ledger
    personal_data: bool  # shows ID numbers, phones or submitters (masked without PERSONAL_DATA)
    description: str | Promise = ""

    @property
    def report_slug(self) -> str:
        return f"ledger-{self.slug}"


LEDGERS: tuple[LedgerSpec, ...] = (
    LedgerSpec(
        "study",
        _("Study ledger"),
        builders.study_ledger,
        personal_data=True,
        description=_(
            "Study sessions and exchanges, counseling per member, every session and the "
            "study notes."
        ),
    ),
    LedgerSpec(
        "meetings",
        _("Meeting records"),
        builders.meetings_ledger,
        personal_data=False,
        description=_(
            "Every meeting held, as its paper record: time, place, chair, minute-taker, "
            "attendance with reasons, agenda, minutes, resolutions and signature lines."
        ),
    ),
    LedgerSpec(
        "opinions",
        _("Opinions ledger"),
        builders.opinions_ledger,
        personal_data=True,
        description=_(
            "Every opinion received: source, content, category, answer and the problem "
            "it was adopted as."
        ),
    ),
    LedgerSpec(
        "talks",
        _("One-to-one talks record"),
        builders.talks_ledger,
        personal_data=False,
        description=_("Every one-to-one talk: who talked with whom, when, where and about what."),
    ),
    LedgerSpec(
        "rectification",
        _("Rectification ledger"),
        builders.rectification_ledger,
        personal_data=False,
        description=_(
            "Every problem item: measures, responsible person, deadline, status, closure "
            "date and evidence."
        ),
    ),
)

BY_SLUG = {spec.slug: spec for spec in LEDGERS}
