"""Builders for the tests of working mechanisms, funding, commendations and reminders
(test_mechanisms*.py, test_funding*.py, test_commendations*.py, test_reminders*.py).

Records are written through the services as the system (actor=None); documents and
evidence are real small PDF files checked by portal.attachments. The permission
matrices by position follow tests/activities/test_phase2_views.py: positions are
relative to the secretary's organization (world.own)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from activities.models import Campaign
from activities.seed import ensure_campaign_2014
from organizations.models import Organization
from rectification import services_commendations, services_funding, services_mechanisms
from rectification.models import (
    Commendation,
    CommendationKind,
    FundingReceipt,
    FundingSource,
    Mechanism,
    MechanismKind,
)
from rectification.seed_mechanisms import ensure_mechanism_kinds
from tests.conftest import World

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Target positions → World attribute of the organization.
TARGETS = ("own", "child", "parent", "sibling", "other", "far")
ORG_OF = {
    "own": "own",
    "child": "child",
    "parent": "park_a",
    "sibling": "sibling",
    "other": "other",
    "far": "far",
}

ALL_404 = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "office": 404,
    "reviewer": 404,
    "instructor": 404,
    "secretary": 404,
    "clerk": 404,
    "member_user": 404,
    "admin": 200,
}


def expect_view(target: str) -> dict[str, int]:
    """VIEW: the organization's own roles and everyone above it."""
    result = dict(ALL_404)
    if target == "far":
        return result
    result["office"] = 200  # the county office sees the whole county
    if target == "other":
        result["outsider"] = 200  # the outsider is the secretary of `other`
        return result
    result["reviewer"] = 200
    if target in ("own", "child"):
        result.update(instructor=200, secretary=200, clerk=200)
    return result


def expect_record(target: str) -> dict[str, int]:
    """RECORD: secretaries and clerks at the organization or above; 403 for those who
    only see it."""
    result = expect_view(target)
    for persona, code in result.items():
        if code == 200 and persona not in ("admin", "secretary", "clerk", "outsider"):
            result[persona] = 403
    return result


def org_of(world: World, target: str) -> Organization:
    return getattr(world, ORG_OF[target])


def campaign_for(world: World, org: Any = None) -> Campaign:
    """The 2014 campaign `org` takes part in (the other county runs its own)."""
    if org is not None and org.path.startswith(world.other_county.path):
        return ensure_campaign_2014(world.other_county)
    return ensure_campaign_2014(world.county)


def pdf(name: str = "制度文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def kinds() -> list[MechanismKind]:
    ensure_mechanism_kinds()
    return list(MechanismKind.objects.order_by("order", "pk"))


def make_mechanism(
    world: World,
    org: Any = None,
    *,
    kind: MechanismKind | str | None = None,
    title: str = "",
    established_on: dt.date | None = dt.date(2014, 8, 15),
    documents: int = 0,
    summary: str = "",
) -> Mechanism:
    """A mechanism of `org` (default: world.own) through the service; `kind` by object
    or code, None for a custom one (titled "自定制度" unless given)."""
    org = org or world.own
    if isinstance(kind, str):
        ensure_mechanism_kinds()
        kind = MechanismKind.objects.get(code=kind)
    if kind is None and not title:
        title = "自定制度"
    mechanism = services_mechanisms.mechanism_create(
        actor=None,
        organization=org,
        campaign=campaign_for(world, org),
        fields={
            "kind": kind,
            "title": title,
            "established_on": established_on,
            "summary": summary,
        },
    )
    if documents:
        services_mechanisms.mechanism_add_documents(
            actor=None, mechanism=mechanism, uploads=[pdf(f"文件{i}.pdf") for i in range(documents)]
        )
    return mechanism


def make_receipt(
    world: World,
    org: Any = None,
    *,
    source: str = FundingSource.RETAINED_DUES,
    amount: str | Decimal = "100.00",
    received_on: dt.date = dt.date(2014, 8, 20),
    evidence: int = 0,
    note: str = "",
) -> FundingReceipt:
    org = org or world.own
    receipt = services_funding.funding_receipt_create(
        actor=None,
        organization=org,
        campaign=campaign_for(world, org),
        fields={
            "source": source,
            "amount": Decimal(amount),
            "received_on": received_on,
            "note": note,
        },
    )
    if evidence:
        services_funding.funding_receipt_add_evidence(
            actor=None, receipt=receipt, uploads=[pdf(f"凭证{i}.pdf") for i in range(evidence)]
        )
    return receipt


def make_model_org(world: World, org: Any = None, **fields: Any) -> Commendation:
    org = org or world.own
    values = {
        "title": "先进基层党组织",
        "citation": "党建工作扎实，作用发挥明显。",
        "commended_on": dt.date(2014, 7, 1),
        "commended_by": "中共测试县委",
    }
    values.update(fields)
    return services_commendations.commendation_create(
        actor=None,
        organization=org,
        campaign=campaign_for(world, org),
        kind=CommendationKind.MODEL_ORGANIZATION,
        subject=org,
        fields=values,
    )


def make_investor(world: World, member: Any, **fields: Any) -> Commendation:
    values = {
        "title": "优秀出资人党员",
        "citation": "支持党建工作，带头捐资。",
        "commended_on": dt.date(2014, 7, 1),
        "commended_by": "中共测试县委",
    }
    values.update(fields)
    org = member.organization
    return services_commendations.commendation_create(
        actor=None,
        organization=org,
        campaign=campaign_for(world, org),
        kind=CommendationKind.TYPICAL_INVESTOR,
        subject=member,
        fields=values,
    )
