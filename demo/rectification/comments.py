"""Problem lists open to comment and revised lists in the demo (docs/product.md §6.3.1):

* the draft lists (the first two in tree order) were opened to comment for two
  weeks; in the running campaign the period lasts until a week from today, so its
  public link takes comments. Each has comments in every state: one adopted as a new
  item, one adopted into an existing item, one answered, one not handled yet;
* the first published list was revised after approval (version 2, approved, one
  problem raised in a comment added and shown on the notice); the second has a
  revision waiting for the reviewer.

Written through services_list_comments and the review engine, dated by the demo
clock (and the day of the approved revision, a date field the clock does not
reach)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from demo.activities.kit import Demo, date, shift
from organizations.models import Organization
from portal.reviews.models import ReviewAction, ReviewStatus
from rectification import services_list_comments as services
from rectification.models import ProblemList, SourceKind

COMMENTS = (
    ("employee", "", "清单里没有提到职工反映的食堂饭菜价格偏高问题，建议列入。"),
    ("member", "王芳", "第1项的整改措施应写明每月集中学习的具体时间和考勤办法。"),
    ("employee", "", "希望党员在安全生产中带头，这一条可以加到清单里。"),
    ("member", "", "整改时限定得太晚，建议提前到年底前完成。"),
)
ANSWER = "整改时限按县委统一部署确定，年底前完成阶段性整改并公示进展。"
REVISION_REASON = "清单公示期间，职工提出加班较多、休息得不到保障的问题，经支委会研究增列。"
REVISION_PROBLEM = "部分职工加班较多，休息权益得不到保障。"
REVISION_MEASURES = "与企业协商落实轮休制度，每季度听取一次职工意见。"


def build(demo: Demo, orgs: list[Organization]) -> None:
    lists = list(
        ProblemList.objects.filter(campaign=demo.campaign, organization__in=orgs)
        .select_related("organization", "campaign")
        .order_by("organization__path")
    )
    drafts = [p for p in lists if p.review_status == ReviewStatus.DRAFT][:2]
    published = [p for p in lists if p.published_at is not None][:2]
    for plist in drafts:
        open_to_comment(demo, plist)
    for n, plist in enumerate(published):
        revise(demo, plist, approve=n == 0)


def open_to_comment(demo: Demo, plist: ProblemList) -> None:
    code = plist.organization.code
    author = demo.cast.secretaries[code]
    day = demo.day("2014-08-05", 2)
    opens_on = date(day)
    # Two weeks; in the running campaign, until a week from today (its link works).
    closes_on = opens_on + dt.timedelta(days=13)
    if demo.current:
        closes_on = max(closes_on, timezone.localdate() + dt.timedelta(days=7))
    with demo.step(day, hour=9):
        period = services.comment_period_set(
            actor=author, problem_list=plist, opens_on=opens_on, closes_on=closes_on
        )
    comments = []
    for n, (role, name, text) in enumerate(COMMENTS):
        with demo.step(shift(day, 1 + n), hour=20):
            comments.append(
                services.comment_submit(
                    period=period,
                    content=text,
                    role=role,
                    commenter_name=name,
                    today=date(shift(day, 1 + n)),
                )
            )
    handled = shift(day, 6)
    category = plist.campaign.problem_categories.order_by("order", "pk").first()
    assert category is not None
    with demo.step(handled, hour=15):
        services.comment_adopt_as_item(
            actor=author,
            comment=comments[0],
            description=comments[0].content,
            category=category,
            source_opinion=None,
            source_statement=None,
            source_criticism=None,
            measures="与企业协商调整食堂价格，每月公示一次。",
            responsible_member=None,
            responsible_name=author.get_full_name() or author.username,
            responsible_post="党支部书记",
            deadline=date("2014-09-30"),
        )
        first_item = plist.items.order_by("number").first()
        services.comment_adopt(
            actor=author, comment=comments[1], item=first_item, note="已写入第1项的整改措施。"
        )
        services.comment_answer(actor=author, comment=comments[3], answer_text=ANSWER)


def revise(demo: Demo, plist: ProblemList, *, approve: bool) -> None:
    code = plist.organization.code
    author, reviewer = demo.cast.secretaries[code], demo.cast.reviewers[code]
    # The waiting one was sent lately: a reviewer's inbox never shows weeks-old waits.
    day = demo.day("2014-09-01" if approve else "2014-09-21", 3)
    category = plist.campaign.problem_categories.order_by("order", "pk").first()
    assert category is not None
    with demo.step(day, hour=10):
        revision = services.revision_create(
            actor=author, problem_list=plist, reason=REVISION_REASON
        )
        services.revision_item_add(
            actor=author,
            revision=revision,
            description=REVISION_PROBLEM,
            category=category,
            source_kind=SourceKind.COMMENT,
            source_note="公示期间职工意见",
            measures=REVISION_MEASURES,
            responsible_name=author.get_full_name() or author.username,
            responsible_post="党支部书记",
            deadline=date("2014-12-31"),
        )
    demo.review(revision, ReviewAction.SUBMIT, author, shift(day, 1))
    if approve:
        demo.review(revision, ReviewAction.APPROVE, reviewer, shift(day, 3))
        # The clock dates timestamps; the day of the revision is a date of its own.
        revised_on = date(shift(day, 3))
        ProblemList.objects.filter(pk=plist.pk).update(revised_on=revised_on)
        ProblemList.history.filter(id=plist.pk, revised_on__isnull=False).update(
            revised_on=revised_on
        )
