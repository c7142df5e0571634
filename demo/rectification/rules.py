"""The rest of phase 3 in the demo campaign: "compare three, show three" pledges with
the public board, the working-mechanism register (the six seeded kinds and an
organization's own, each with its document), funding receipts with their evidence,
and the commendations at the campaign's close."""

from __future__ import annotations

from decimal import Decimal

from demo.activities.kit import Demo, date, shift
from demo.activities.story import NONE
from organizations.models import Organization
from portal.accounts.models import User
from portal.reviews.models import ReviewAction
from rectification.models import (
    CommendationKind,
    FundingSource,
    MechanismKind,
    Pledge,
    PledgeStatus,
)
from rectification.seed_mechanisms import SEEDED_KIND_CODES, ensure_mechanism_kinds
from rectification.services_commendations import commendation_create
from rectification.services_funding import funding_receipt_add_evidence, funding_receipt_create
from rectification.services_mechanisms import mechanism_add_documents, mechanism_create
from rectification.services_pledges import pledge_board_ensure, pledge_create, pledge_set_public

from . import files, texts
from .story import COMMENDED_ON, MODEL_ORGANIZATIONS, TYPICAL_INVESTORS, Story, story_of

# Of a "partial" register: the kinds in place, then one drafted (no date, no document).
PARTIAL_IN_PLACE = 4


def build(demo: Demo, orgs: list[Organization]) -> None:
    ensure_mechanism_kinds()
    kinds = list(MechanismKind.objects.filter(code__in=SEEDED_KIND_CODES).order_by("order"))
    for org in orgs:
        story = story_of(org.code)
        pledges(demo, org, story)
        mechanisms(demo, org, story, kinds)
        funding(demo, org, story)
    if not demo.current:  # commendations come at the campaign's close
        commendations(demo)


def pledges(demo: Demo, org: Organization, story: Story) -> None:
    """Every member on the roster (in contact) pledges; the demo member writes their
    own. All public, or all but the last two ("some")."""
    if story.pledges == NONE:
        return
    code, cast = org.code, demo.cast
    people = [m for m in cast.roster(code) if not m.lost_contact]
    others = [m for m in people if not cast.is_member_login(m)]
    private = {m.pk for m in others[-2:]} if story.pledges == "some" else set()
    day = demo.day("2014-08-11", 4)
    rng = demo.rng
    with demo.step(day, hour=19):
        pledge_board_ensure(actor=cast.secretaries[code], organization=org)
        for member in people:
            author: User = (
                cast.users["member"] if cast.is_member_login(member) else cast.recorder(code)
            )
            pledge = pledge_create(
                actor=author,
                member=member,
                campaign=demo.campaign,
                fields={
                    "identity": rng.choice(texts.PLEDGE_IDENTITY),
                    "commitments": rng.choice(texts.PLEDGE_COMMITMENTS),
                    "example": rng.choice(texts.PLEDGE_EXAMPLE)
                    + (texts.PLEDGE_RESULTS if rng.random() < 0.5 else ""),
                },
            )
            if member.pk not in private:
                pledge_set_public(actor=author, pledge=pledge, public=True)
    # The service dates a pledge made public today; the demo's were made public then (a
    # demo-builder update, like the clock's).
    Pledge.objects.filter(
        organization=org, campaign=demo.campaign, status=PledgeStatus.PUBLIC
    ).update(made_public_on=date(shift(day, 1)))


def mechanisms(demo: Demo, org: Organization, story: Story, kinds: list[MechanismKind]) -> None:
    if story.mechanisms == "none":
        return
    code, cast = org.code, demo.cast
    actor = cast.recorder(code)
    day = demo.day("2014-08-20", 20)
    with demo.step(day, hour=16):
        for i, kind in enumerate(kinds):
            drafted = story.mechanisms == "partial" and i >= PARTIAL_IN_PLACE
            if story.mechanisms == "partial" and i > PARTIAL_IN_PLACE:
                break
            mechanism = mechanism_create(
                actor=actor,
                organization=org,
                campaign=demo.campaign,
                fields={
                    "kind": kind,
                    "established_on": None
                    if drafted
                    else date(shift(day, -demo.rng.randint(1, 12))),
                    "summary": texts.MECHANISM_SUMMARY,
                },
            )
            if not drafted:
                mechanism_add_documents(
                    actor=actor,
                    mechanism=mechanism,
                    uploads=[files.document(f"{org.short_name}{kind.name_zh}.pdf")],
                )
        if story.custom_mechanism:
            title, summary = texts.CUSTOM_MECHANISM
            mechanism = mechanism_create(
                actor=actor,
                organization=org,
                campaign=demo.campaign,
                fields={"title": title, "established_on": date(day), "summary": summary},
            )
            mechanism_add_documents(
                actor=actor, mechanism=mechanism, uploads=[files.document(f"{title}.pdf")]
            )


def funding(demo: Demo, org: Organization, story: Story) -> None:
    """The county's allocation at the standard ("full"), with the enterprise's support
    on top ("generous"), or retained dues alone, short of it ("short")."""
    if story.funding == "none":
        return
    code, cast = org.code, demo.cast
    required = len(cast.roster(code)) * demo.campaign.funding_standard
    if story.funding == "short":
        dues = (required * Decimal("0.6") / 10).quantize(Decimal("1")) * 10
        receipts = [(FundingSource.RETAINED_DUES, dues, "2014-08-05")]
    else:
        receipts = [(FundingSource.COUNTY_FINANCE, required, "2014-08-05")]
    if story.funding == "generous":
        receipts.append((FundingSource.ENTERPRISE, Decimal("2000"), "2014-08-15"))
    for source, amount, start in receipts:
        day = demo.day(start, 6)
        with demo.step(day, hour=11):
            receipt = funding_receipt_create(
                actor=cast.recorder(code),
                organization=org,
                campaign=demo.campaign,
                fields={
                    "source": source,
                    "amount": amount,
                    "received_on": date(day),
                    "note": texts.FUNDING_NOTES[source],
                },
            )
            funding_receipt_add_evidence(
                actor=cast.recorder(code),
                receipt=receipt,
                uploads=[files.document(f"{texts.FUNDING_NOTES[source]}.pdf")],
            )


def commendations(demo: Demo) -> None:
    """Model organizations and a typical investor proposed by the secretaries, submitted
    and confirmed by the reviewers above them (commendations are conferred by a higher
    level)."""
    cast = demo.cast
    fields = {"commended_on": date(COMMENDED_ON), "commended_by": texts.COMMENDED_BY}
    proposals = []
    with demo.step(COMMENDED_ON, hour=16):
        for code in MODEL_ORGANIZATIONS:
            org = cast.orgs[code]
            made = commendation_create(
                actor=cast.secretaries[code],
                organization=org,
                campaign=demo.campaign,
                kind=CommendationKind.MODEL_ORGANIZATION,
                subject=org,
                fields={
                    **fields,
                    "title": texts.MODEL_ORG_TITLE,
                    "citation": texts.MODEL_ORG_CITATION,
                },
            )
            proposals.append((made, code))
        for code in TYPICAL_INVESTORS:
            investor = next(m for m in cast.roster(code) if m.is_investor)
            made = commendation_create(
                actor=cast.secretaries[code],
                organization=cast.orgs[code],
                campaign=demo.campaign,
                kind=CommendationKind.TYPICAL_INVESTOR,
                subject=investor,
                fields={
                    **fields,
                    "title": texts.INVESTOR_TITLE,
                    "citation": texts.INVESTOR_CITATION,
                },
            )
            proposals.append((made, code))
    for made, code in proposals:
        demo.review(made, ReviewAction.SUBMIT, cast.secretaries[code], COMMENDED_ON)
        demo.review(made, ReviewAction.APPROVE, cast.reviewers[code], shift(COMMENDED_ON, 1))
