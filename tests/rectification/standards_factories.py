"""Builders for the standards checklist and pledge tests (test_standards*.py,
test_pledges*.py, tests/e2e/test_eight_haves_journey.py).

Checklists are started and filled through the services, so entries, evidence and the
stored result come about as in real use. Evidence files are small PNGs made with
Pillow; tests that upload need the `media_root` fixture."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from activities.models import Campaign
from activities.seed import ensure_campaign_2014
from organizations.models import Member
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.reviews.services import review_transition
from rectification.models import EIGHT_HAVES, Pledge, StandardAssessment, StandardTemplate
from rectification.seed import ensure_standard_templates
from rectification.services_pledges import pledge_create, pledge_set_public
from rectification.services_standards import (
    ItemValues,
    assessment_entry_save,
    standard_assessment_start,
)
from tests.conftest import World
from tests.factories import MemberFactory, UserFactory

# Positions relative to the secretary's organization (world.own).
ORG_NAMES = ("own", "child", "park_a", "sibling", "other", "far")


def campaign_for(world: World, org: Any = None) -> Campaign:
    """The 2014 campaign `org` takes part in (the other county runs its own), with both
    seeded standards listed on it."""
    lead = world.county
    if org is not None and org.path.startswith(world.other_county.path):
        lead = world.other_county
    campaign = ensure_campaign_2014(lead)
    ensure_standard_templates(campaign)
    return campaign


def template(code: str = EIGHT_HAVES) -> StandardTemplate:
    return StandardTemplate.objects.get(code=code, version=1)


def png_bytes(
    color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def start(world: World, org: Any = None, code: str = EIGHT_HAVES) -> StandardAssessment:
    """A draft checklist of `org` (default: own) for the template `code`."""
    org = org or world.own
    campaign = campaign_for(world, org)
    return standard_assessment_start(
        actor=None, organization=org, campaign=campaign, template=template(code)
    )


def fill(
    assessment: StandardAssessment,
    *,
    met: bool = True,
    score: int | None = None,
    evidence: bool = True,
    skip: tuple[int, ...] = (),
) -> StandardAssessment:
    """Self-assess every item (but those whose order is in `skip`) as met or not, with
    `score` for scored templates (default: full points when met), and one PNG of
    evidence per item when `evidence`."""
    for entry in assessment.entries.select_related("item", "assessment__organization"):
        if entry.item.order in skip:
            continue
        given = score if score is not None else (entry.item.points if met else 0)
        assessment_entry_save(
            actor=None,
            entry=entry,
            values=ItemValues(met=met, score=given, note=""),
            uploads=[png_upload(f"item{entry.item.order}.png")] if evidence else [],
        )
    assessment.refresh_from_db()
    return assessment


def secretary_of(world: World, org: Any) -> Any:
    """The world's secretary for own and its subtree, else a secretary made for `org`
    (so that no persona of the matrix is the submitter elsewhere)."""
    if org.path.startswith(world.own.path):
        return world.secretary
    user = UserFactory(username=f"secretary-{org.pk}")
    role_assign(actor=None, user=user, role=Role.SECRETARY, organization=org)
    return user


def submitted(
    world: World, org: Any = None, code: str = EIGHT_HAVES, **fill_kwargs: Any
) -> StandardAssessment:
    """A filled checklist of `org` (default: own) submitted by its secretary."""
    org = org or world.own
    assessment = fill(start(world, org, code), **fill_kwargs)
    review_transition(assessment, action="submit", actor=secretary_of(world, org))
    return assessment


def member_of(org: Any, **kwargs: Any) -> Member:
    return MemberFactory(organization=org, **kwargs)


def pledge_of(world: World, member: Member, *, public: bool = False, **fields: Any) -> Pledge:
    campaign = campaign_for(world, member.organization)
    data = {
        "identity": "佩戴党徽上岗，亮明党员身份。",
        "commitments": "一、每月读一本书。\n二、带头完成攻坚任务。",
        "example": "带好两名徒弟。",
    }
    data.update(fields)
    pledge = pledge_create(actor=None, member=member, campaign=campaign, fields=data)
    if public:
        pledge_set_public(actor=None, pledge=pledge, public=True)
    return pledge
