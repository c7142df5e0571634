"""Demo data of classifying and lifting organizations and of leadership terms
(docs/product.md §6.4), written by seed_demo into the demo county: two years of classes
(with organizations moving up, down and staying), upgrade plans in every state (draft,
waiting, returned, approved with progress notes and a new secretary, de-listed, a
de-listing request waiting), demonstration organizations proposed, waiting and
confirmed, and terms that are current, due soon, overdue or not recorded. Built once
(skipped when the county has any class recorded)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from organizations.models import CommitteePost, CommitteeRole, Member, Organization
from portal.notifications.models import Notification
from portal.reviews.services import review_transition
from upgrading import services
from upgrading.models import Grading, PlanReason, add_years, default_term_years
from upgrading.seed import ensure_grading_template

# Scores of last year and this year (85+ advanced, 60+ middle, below lagging).
SCORES: dict[str, tuple[int, int]] = {
    "QS-KFQ-01": (88, 93),  # advanced, stays
    "QS-KFQ-02": (72, 87),  # up
    "QS-KFQ-03": (70, 55),  # down: lagging, plan returned
    "QS-KFQ-04": (66, 68),
    "QS-KFQ-05": (90, 78),  # down
    "QS-KFQ-06": (64, 52),  # down: lagging, plan waiting
    "QS-KFQ-07": (41, 48),  # weak and lax, lagging both years
    "QS-KFQ-08": (86, 91),
    "QS-KFQ-09": (50, 74),  # lagging last year, de-listed, up
    "QS-KFQ-10": (61, 63),
    "QS-KFQ-11": (58, 66),  # up
    "QS-JZ-01": (80, 86),
    "QS-JZ-02": (75, 71),
    "QS-JZ-03": (69, 70),
    "QS-JZ-04": (77, 81),
    "QS-JZ-05": (63, 57),  # down: lagging, plan draft
    "QS-JZ-06": (71, 73),
    "QS-JZ-07": (60, 62),
    "QS-DM-01": (84, 88),
    "QS-DM-02": (59, 65),
    "QS-DM-03": (73, 79),
}
# (code, days from today to the re-election date): current, due soon, overdue. 宏达塑料支部
# was overdue until the election of its new committee (a second election, below).
TERMS: list[tuple[str, int]] = [
    ("QS-KFQ", 1000),
    ("QS-KFQ-01", 700),
    ("QS-KFQ-02", 900),
    ("QS-KFQ-03", 500),
    ("QS-KFQ-04", 60),  # due within 60 days
    ("QS-KFQ-05", 400),
    ("QS-KFQ-06", 800),
    ("QS-KFQ-07", -365),  # overdue, then re-elected 60 days ago
    ("QS-KFQ-08", 300),
    ("QS-KFQ-09", 1000),
    ("QS-KFQ-11", 80),  # due within 80 days (the instructor's)
    ("QS-JZ-01", 600),
    ("QS-JZ-04", 700),
    ("QS-JZ-06", -20),  # overdue by 20 days
    ("QS-JZ-07", -200),  # overdue (the instructor's)
    ("QS-DM-01", 1000),
    ("QS-DM-03", 25),  # due within 25 days
]


def _plan(org: Organization, year: int, actor: Any, reason: str, **extra: Any) -> Any:
    today = timezone.localdate()
    fields = {
        "year": year,
        "reason": reason,
        "causes": extra.pop(
            "causes", "班子配备不齐，书记长期外出；“三会一课”不经常，党员作用发挥不明显。"
        ),
        "measures": extra.pop(
            "measures",
            "一、选优配强支部书记；二、按月召开支部党员大会、按季度上党课；"
            "三、建立党员先锋岗，结对帮带。",
        ),
        "contact_cadre": extra.pop("contact_cadre", "陈卫东"),
        "contact_post": extra.pop("contact_post", "开发区党工委副书记"),
        "deadline": extra.pop("deadline", today + dt.timedelta(days=150)),
    }
    return services.plan_create(actor=actor, organization=org, fields=fields)


@transaction.atomic
def build_upgrading_demo(county: Organization, users: dict[str, Any]) -> bool:
    """Write the demo records; False when the county already has classes."""
    if Grading.objects.filter(organization__path__startswith=county.path).exists():
        return False
    from demo.activities.kit import demo_cast

    template = ensure_grading_template()
    admin = users["admin"]
    # Who acts: each organization's secretary (the demo logins, or the accounts the
    # campaign demo made for the others) writes; whoever reviews its campaign records
    # (the reviewer, the instructor, the working committee's reviewer) grades and
    # decides. The site administrator only records the terms of committees without a
    # secretary's account.
    cast = demo_cast(county, users)

    def writer(code: str) -> Any:
        return cast.secretaries.get(code) or admin

    def decider(record: Any) -> Any:
        return cast.reviewers[record.organization.code]

    today = timezone.localdate()
    year = today.year
    orgs = {o.code: o for o in Organization.objects.filter(path__startswith=county.path)}
    items = list(template.items.order_by("order"))

    def scores(total: int) -> dict[int, int]:
        left, result = total, {}
        for item in items:
            result[item.pk] = min(item.points, left)
            left -= result[item.pk]
        return result

    for code, (before, now) in SCORES.items():
        org = orgs[code]
        for y, total in ((year - 1, before), (year, now)):
            services.grading_save(
                actor=cast.reviewers[code],
                organization=org,
                year=y,
                template=template,
                scores=scores(total),
                note="年度评定：实地查看与查阅资料相结合。",
            )

    decided: list[Any] = []

    def submit(record: Any) -> None:
        review_transition(record, action="submit", actor=writer(record.organization.code))

    def approve(record: Any) -> None:
        review_transition(record, action="approve", actor=decider(record))
        decided.append(record)

    # 宏达塑料支部: weak and lax; plan approved, progress with a new secretary, de-listing
    # request waiting for the reviewer.
    weak = orgs["QS-KFQ-07"]
    plan = _plan(
        weak, year, writer(weak.code), PlanReason.WEAK, deadline=today + dt.timedelta(days=60)
    )
    submit(plan)
    approve(plan)
    member = Member.objects.filter(organization=weak, is_active=True).order_by("pk").first()
    steps = [
        (90, "联系领导陈卫东到支部调研，与班子成员逐一谈话。", None),
        (60, "支部党员大会选举产生新的支部委员会。", "secretary"),
        (30, "恢复“三会一课”，开展主题党日活动。", None),
    ]
    for days, text, kind in steps:
        post = None
        if kind and member is not None:
            post = CommitteePost.objects.create(
                organization=weak,
                member=member,
                role=CommitteeRole.SECRETARY,
                starts_on=today - dt.timedelta(days=days),
            )
        services.note_add(
            actor=writer(weak.code),
            plan=plan,
            noted_on=today - dt.timedelta(days=days),
            text=text,
            new_secretary=post,
        )
    delisting = services.delisting_save(
        actor=writer(weak.code),
        plan=plan,
        results="新书记到位，支部班子健全；组织生活恢复正常，党员全部参加主题党日。",
    )
    submit(delisting)

    # 瑞丰汽配支部: lagging last year; plan approved and de-listed.
    done = orgs["QS-KFQ-09"]
    old = _plan(
        done,
        year - 1,
        writer(done.code),
        PlanReason.LAGGING,
        deadline=today - dt.timedelta(days=120),
    )
    submit(old)
    approve(old)
    services.note_add(
        actor=writer(done.code),
        plan=old,
        noted_on=today - dt.timedelta(days=200),
        text="完成支部阵地建设，落实党建经费。",
    )
    closing = services.delisting_save(
        actor=writer(done.code), plan=old, results="整改措施全部落实，评定为中间。"
    )
    submit(closing)
    approve(closing)

    # 天成纺织支部: plan waiting for review.
    submit(_plan(orgs["QS-KFQ-06"], year, writer("QS-KFQ-06"), PlanReason.LAGGING))
    # 绿源食品支部 (the demo secretary's): plan returned for revision.
    returned = _plan(orgs["QS-KFQ-03"], year, writer("QS-KFQ-03"), PlanReason.LAGGING)
    submit(returned)
    decided.append(returned)
    review_transition(
        returned,
        action="return",
        actor=decider(returned),
        comment="整改措施要具体到时间和责任人，请补充联系领导的帮扶安排。",
    )
    # 华建劳务支部: a draft.
    _plan(
        orgs["QS-JZ-05"],
        year,
        writer("QS-JZ-05"),
        PlanReason.LAGGING,
        contact_post="县住建局副局长",
    )

    # Demonstration organizations: confirmed, waiting, proposed.
    for code, state in (
        ("QS-KFQ-01", "approved"),
        ("QS-KFQ-08", "submitted"),
        ("QS-KFQ-02", "draft"),
    ):
        demo = services.demonstration_save(
            actor=writer(code),
            organization=orgs[code],
            year=year,
            reasons="党建引领企业发展成效明显，“八有”全部达标，职工群众评价好。",
        )
        if state != "draft":
            submit(demo)
        if state == "approved":
            approve(demo)

    # Terms: current, due soon, overdue; the others not recorded.
    for code, days in TERMS:
        org = orgs[code]
        term_years = default_term_years(org.kind)
        elected = add_years(today + dt.timedelta(days=days), -term_years)
        services.term_record(
            actor=writer(code), organization=org, elected_on=elected, term_years=term_years
        )
    services.term_record(
        actor=writer(weak.code),
        organization=weak,
        elected_on=today - dt.timedelta(days=60),
        term_years=default_term_years(weak.kind),
        note="软弱涣散整顿中换届",
    )
    # The notices of records already decided have been read; those still waiting stay
    # unread in the reviewers' bells.
    Notification.objects.filter(
        url__in=[r.get_absolute_url() for r in decided], read_at__isnull=True
    ).update(read_at=timezone.now())
    return True
