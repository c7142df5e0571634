"""Demo data of reporting upward (docs/product.md §6.6), written by seed_demo into the
campaign the pages open on (the running one, else 2014): six reports sent by five
organizations of the county — the secretary's 绿源食品支部 and secretary2's 鼎盛装饰支部
among them, most with photos — of which the county office (login office) selected four
and compiled 《青山县委非公企业党组织教育实践活动简报》第 1 期 from three; the fourth
waits for the next issue, two are not selected. The senders' secretaries were told.
Dated within the campaign's first two phases. Built once (skipped when the campaign has
reports in the county)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from organizations.models import Organization
from portal.accounts.models import User

from .models import Selection, UpwardReport
from .services import bulletin_compile, default_title, report_select, report_submit

# (organization code, title, text, tags, photos, phase number, day of the phase)
REPORTS: list[tuple[str, str, str, str, int, int, int]] = [
    (
        "QS-KFQ-01",
        "精密机械公司党委召开教育实践活动动员大会",
        "公司党委召开动员大会，传达县委实施方案，全体党员和入党积极分子六十余人参加。"
        "党委书记作动员讲话，对学习教育、听取意见环节作出具体安排。",
        "动员, 学习",
        2,
        1,
        2,
    ),
    (
        "QS-KFQ-03",
        "绿源食品支部开展“三服务”集中学习",
        "支部利用午休时间组织党员集中学习《论群众路线——重要论述摘编》，"
        "结合食品安全岗位交流体会，两名党员作重点发言。",
        "学习",
        3,
        1,
        9,
    ),
    (
        "QS-JZ-04",
        "鼎盛装饰支部到施工现场征求职工意见",
        "支部委员分三组深入五个施工项目部，发放征求意见表八十份，收回七十六份，"
        "梳理出工资发放、安全防护等方面意见建议十二条。",
        "征求意见",
        2,
        1,
        16,
    ),
    (
        "QS-DM-01",
        "东门商贸城支部建立党员示范岗",
        "支部在商贸城设立党员示范岗八个，亮身份、亮承诺，接受商户和顾客监督。",
        "示范岗, 整改",
        1,
        2,
        3,
    ),
    (
        "QS-KFQ-02",
        "新材料公司党总支开展谈心谈话",
        "党总支书记与班子成员、支部书记逐一谈心，班子成员之间相互谈心，共谈话二十三人次。",
        "谈心谈话",
        0,
        2,
        6,
    ),
    (
        "QS-KFQ-03",
        "绿源食品支部召开专题组织生活会",
        "支部召开专题组织生活会，班子成员逐一对照检查，党员之间开展批评和自我批评，"
        "会后列出整改事项六项。",
        "组织生活会",
        1,
        2,
        12,
    ),
]
# Indexes into REPORTS: selected by the county office, and those of 第 1 期.
SELECTED = [0, 1, 2, 3]
IN_FIRST_ISSUE = [0, 1, 2]


def _sender(code: str, users: dict[str, Any]) -> Any:
    """Who sends for the organization: the demo login where one sits (secretary,
    secretary2), else the organization's secretary account made by the campaign demo,
    else the administrator."""
    from organizations.demo import SECRETARY2_ORG, SECRETARY_ORG

    login = {SECRETARY_ORG: "secretary", SECRETARY2_ORG: "secretary2"}.get(code)
    if login and login in users:
        return users[login]
    return User.objects.filter(username=f"{code.lower()}-secretary").first() or users["admin"]


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 20)))


def build_bulletins_demo(county: Organization, users: dict[str, Any], campaign: Any) -> int:
    """Write the reports, selections and bulletin 第 1 期; returns how many reports."""
    from activities.demo.kit import DemoClock
    from rectification.demo.files import photo

    if UpwardReport.objects.filter(
        campaign=campaign, organization__path__startswith=county.path
    ).exists():
        return 0
    office = users.get("office")
    if office is None:
        return 0
    orgs = {o.code: o for o in Organization.objects.filter(path__startswith=county.path)}
    phases = {p.number: p for p in campaign.phases.all()}
    clock = DemoClock(["bulletins", "notifications", "attachments"])
    reports: list[UpwardReport] = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for n, (code, title, body, tags, photos, phase_no, day) in enumerate(REPORTS):
            phase = phases.get(phase_no)
            start = phase.starts_on if phase is not None else campaign.starts_on
            with clock.at(_moment(start + dt.timedelta(days=day), 16)):
                reports.append(
                    report_submit(
                        actor=_sender(code, users),
                        organization=orgs[code],
                        campaign=campaign,
                        phase=phase,
                        title=title,
                        body=body,
                        tags=tags,
                        photos=[photo(f"现场{i + 1}.png", n + i) for i in range(photos)],
                    )
                )
        phase2 = phases.get(2)
        issued = phase2.ends_on if phase2 is not None else campaign.starts_on
        issued = min(issued, timezone.localdate())
        with clock.at(_moment(issued, 9)):
            for index in SELECTED:
                report_select(actor=office, level=county, report=reports[index])
        with clock.at(_moment(issued, 10)):
            first = Selection.objects.filter(
                organization=county, report__in=[reports[i] for i in IN_FIRST_ISSUE]
            )
            bulletin_compile(
                actor=office,
                level=county,
                campaign=campaign,
                selection_ids=list(first.values_list("pk", flat=True)),
                title=default_title(county),
                issuer="青山县非公企业党组织教育实践活动领导小组办公室",
                issued_on=issued,
            )
        clock.apply()
    return len(reports)
