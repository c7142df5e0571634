"""Builders for the phase 2 tests (talks, statements, democratic appraisal)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from activities.models import (
    AppraisalGrade,
    AppraisalSession,
    Campaign,
    OneToOneTalk,
    SelfExamination,
    StatementSubject,
)
from activities.phase2 import services as services
from activities.seed import GRADES_LATER, ensure_campaign_2014
from organizations.models import Member
from tests.factories import MemberFactory


def campaign_2014(world: Any) -> Campaign:
    return ensure_campaign_2014(world.county)


def later_campaign(lead: Any) -> Campaign:
    """A campaign after 2014 with the four-grade scale ('excellent' capped at 0.333)."""
    campaign = Campaign.objects.create(
        lead_organization=lead,
        name_zh="后续活动",
        name_en="A later campaign",
        starts_on=dt.date(2016, 4, 1),
        ends_on=dt.date(2016, 12, 31),
    )
    AppraisalGrade.objects.bulk_create(
        AppraisalGrade(
            campaign=campaign,
            code=code,
            name_zh=zh,
            name_en=en,
            order=order,
            max_share=cap,
            needs_approval=approval,
        )
        for code, zh, en, order, cap, approval in GRADES_LATER
    )
    return campaign


def grades(campaign: Campaign) -> dict[str, AppraisalGrade]:
    return {g.code: g for g in AppraisalGrade.objects.filter(campaign=campaign)}


def members(org: Any, n: int) -> list[Member]:
    return [MemberFactory(organization=org) for _ in range(n)]


def roster(org: Any) -> list[Member]:
    return list(Member.objects.filter(organization=org, is_active=True).order_by("name", "pk"))


def make_talk(org: Any, campaign: Campaign, **kwargs: Any) -> OneToOneTalk:
    defaults: dict[str, Any] = {
        "talked_on": dt.date(2014, 6, 10),
        "initiator_name": "书记",
        "partner_name": "职工",
        "summary": "谈工作与思想。",
    }
    defaults.update(kwargs)
    return OneToOneTalk.objects.create(organization=org, campaign=campaign, **defaults)


def make_session(
    org: Any, campaign: Campaign, *, present: int = 10, expected: int | None = None
) -> AppraisalSession:
    return services.appraisal_session_create(
        actor=_system(org),
        organization=org,
        campaign=campaign,
        fields={
            "starts_on": campaign.starts_on + dt.timedelta(days=70),
            "ends_on": campaign.starts_on + dt.timedelta(days=71),
            "expected": present + 2 if expected is None else expected,
            "present": present,
            "unable_count": 0,
            "unable_note": "",
        },
    )


def _system(org: Any) -> Any:
    from portal.accounts.models import User

    admin, _created = User.objects.get_or_create(
        username="phase2-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    return admin


def tally(
    session: AppraisalSession,
    determinations: dict[Member, str | None],
    *,
    absent: tuple[Member, ...] = (),
) -> None:
    """Give each member the determination (grade code) with all present voting for it."""
    scale = grades(session.campaign)
    entries = {}
    for member, code in determinations.items():
        entries[member.pk] = services.TallyEntry(
            votes={code: session.present} if code else {},
            determination=scale[code] if code else None,
        )
    for member in absent:
        entries[member.pk] = services.TallyEntry(absent=True)
    services.appraisal_tallies_save(
        actor=_system(session.organization), session=session, entries=entries
    )


def closed_session(org: Any, campaign: Campaign, codes: list[str]) -> AppraisalSession:
    """A closed session where the organization's roster got the codes in turn."""
    session = make_session(org, campaign)
    people = roster(org)
    tally(session, {m: codes[i % len(codes)] for i, m in enumerate(people)})
    return services.appraisal_session_close(actor=_system(org), session=session)


def make_statement(
    org: Any, campaign: Campaign, subject: str = StatementSubject.TEAM, **kwargs: Any
) -> SelfExamination:
    fields = {
        "problems": "学习不够深入。",
        "causes": "思想认识不到位。",
        "rectification": "每月集中学习一次。",
        "methods": ["self_finding", "masses"],
    }
    fields.update(kwargs)
    return services.statement_create(
        actor=_system(org), organization=org, campaign=campaign, subject=subject, fields=fields
    )
