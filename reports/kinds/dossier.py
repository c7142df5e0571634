"""Organization dossiers (docs/product.md §9): one organization, or every organization assigned
to an instructor, as an instructor takes them into a guidance visit.

`organization_dossier()` reads one organization's campaign records with a fixed
number of queries (about 20) whatever their number; the instructor's dossier runs it
once per assigned organization.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import (
    ActivityPlan,
    Attendance,
    Campaign,
    CounselingRecord,
    Meeting,
    MeetingKind,
    MeetingParticipation,
    Opinion,
    OpinionStatus,
    SelfExamination,
)
from organizations.models import Member, MemberStatus, Organization
from portal.accounts.models import Role, RoleAssignment
from portal.attachments.models import Attachment, AttachmentKind
from portal.progress.engine import Level, evaluate, requirements
from portal.progress.scopes import scope_for_org
from portal.reviews.models import ReviewEvent, ReviewTask
from rectification.models import (
    FundingReceipt,
    Mechanism,
    ProblemItem,
    ProblemList,
    StandardAssessment,
)
from rectification.models.funding import required_funding
from rectification.selectors_satisfaction import organization_results
from upgrading.selectors import dossier_facts

from ..registry import Params, ReportKind, organization_check, register

# Most photos one organization's dossier shows (the latest meeting photos).
MAX_PHOTOS = 6
# Longest stretch of an opinion, answer or comment printed before it is cut.
TEXT_CUT = 300


def latest_campaign(org: Organization) -> Campaign | None:
    """The campaign the organization takes part in: the running one, else the latest
    (one query, + phases)."""
    from activities.models.campaigns import preferred_campaign

    return preferred_campaign(Campaign.objects.for_organization(org).prefetch_related("phases"))


def _cut(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= TEXT_CUT else text[: TEXT_CUT - 1] + "…"


def _level_counts(results: dict[str, Any]) -> dict[str, int]:
    counts = Counter(str(r.level) for r in results.values())
    levels = {level.value: counts.get(level.value, 0) for level in Level}
    # The summary's "in progress" column: submitted and waiting counts as under way.
    levels["in_progress"] = levels.get("amber", 0) + levels.get("waiting", 0)
    return levels


def organization_dossier(org: Organization, *, unmasked: bool) -> dict[str, Any]:
    """Everything the dossier prints about one organization, in the active language."""
    campaign = latest_campaign(org)
    members = list(Member.objects.filter(organization=org, is_active=True).order_by("name", "pk"))
    counts = {
        "total": len(members),
        "full": sum(1 for m in members if m.status == MemberStatus.FULL),
        "probationary": sum(1 for m in members if m.status != MemberStatus.FULL),
        "investor": sum(1 for m in members if m.is_investor),
        "pocket": sum(1 for m in members if m.is_pocket),
        "mobile": sum(1 for m in members if m.mobile),
        "lost_contact": sum(1 for m in members if m.lost_contact),
    }
    roster = [
        {
            "name": m.name,
            "sex": m.get_sex_display(),
            "status": m.get_status_display(),
            "party_post": m.get_party_post_display() if m.party_post else "",
            "post": m.post,
            "phone": m.phone if unmasked else m.masked_phone,
        }
        for m in members
    ]
    data: dict[str, Any] = {
        "org": org,
        "enterprises": list(org.enterprises.all().order_by("name")),
        "contact_phone": org.contact_phone if unmasked else _mask_phone(org.contact_phone),
        "counts": counts,
        "roster": roster,
        "unmasked": unmasked,
        "campaign": campaign,
        "size_warning": org.size_warning(counts["full"]),
        # The latest class, the current term and the latest upgrade plan (§6.4).
        "upgrading": dossier_facts(org, timezone.localdate()),
    }
    if campaign is None:
        return data
    data.update(_checklist(org, campaign))
    data.update(_plans_and_statements(org, campaign))
    data.update(_meetings(org, campaign))
    data.update(_study(org, campaign, members))
    data.update(_opinions(org, campaign))
    data.update(_rectification(org, campaign, len(members)))
    data["satisfaction"] = organization_results(org, campaign)
    data["satisfaction_threshold"] = campaign.satisfaction_threshold
    tasks = list(
        ReviewTask.objects.filter(organization=org).select_related("content_type").order_by("pk")
    )
    titles = {(t.content_type_id, t.object_id): t.title for t in tasks}
    data["review_tasks"] = tasks
    data["timeline"] = [
        {
            "at": e.at,
            "title": titles.get((e.content_type_id, e.object_id), ""),
            "action": e.get_action_display(),
            "actor": e.actor.display_name if e.actor else "",
            "comment": _cut(e.comment),
        }
        for e in ReviewEvent.objects.filter(organization=org)
        .select_related("actor")
        .order_by("at", "pk")
    ]
    return data


def _mask_phone(value: str) -> str:
    from organizations.validators import mask_phone

    return mask_phone(value)


def _checklist(org: Organization, campaign: Campaign) -> dict[str, Any]:
    scope = scope_for_org(org, campaign)
    results = evaluate(scope).get(org.pk, {})
    rows = [
        {"label": req.label, "phase": req.phase, "level": str(res.level), "reason": res.reason}
        for req in requirements(campaign)
        if (res := results.get(req.code)) is not None
    ]
    return {"checklist": rows, "checklist_counts": _level_counts(results), "as_of": scope.as_of}


def _plans_and_statements(org: Organization, campaign: Campaign) -> dict[str, Any]:
    plans = list(ActivityPlan.objects.filter(organization=org, campaign=campaign).order_by("pk"))
    statements = list(
        SelfExamination.objects.filter(organization=org, campaign=campaign).order_by(
            "subject", "pk"
        )
    )
    assessments = list(
        StandardAssessment.objects.filter(organization=org, campaign=campaign)
        .select_related("template")
        .order_by("template__code", "pk")
    )
    return {"plans": plans, "statements": statements, "assessments": assessments}


def _meetings(org: Organization, campaign: Campaign) -> dict[str, Any]:
    meetings = list(
        Meeting.objects.held_or_attended_by(org)
        .in_campaign(campaign)
        .select_related("organization")
        .order_by("starts_at", "pk")
    )
    ids = [m.pk for m in meetings]
    absent: dict[int, list[str]] = defaultdict(list)
    for a in (
        Attendance.objects.filter(meeting_id__in=ids, present=False, member__organization=org)
        .select_related("member")
        .order_by("member__name", "pk")
    ):
        absent[a.meeting_id].append(f"{a.member.name}（{a.absence_reason}）")
    # At a meeting another organization held, the counts are this organization's own
    # (its MeetingParticipation), not the holder's: a higher-level organization
    # holding a joint meeting often has no members of its own on the list.
    participations = {
        p.meeting_id: p
        for p in MeetingParticipation.objects.filter(meeting_id__in=ids, organization=org)
    }
    rows = []
    for m in meetings:
        own = m.organization_id == org.pk
        counted = m if own else participations.get(m.pk, m)
        rows.append(
            {
                "meeting": m,
                "own": own,
                "expected": counted.expected_count,
                "present": counted.present_count,
                "absent": counted.absent_count,
                "absentees": absent.get(m.pk, []),
            }
        )
    photos = list(
        Attachment.objects.filter(
            organization=org,
            kind=AttachmentKind.PHOTO,
            mime_type__startswith="image/",
        ).order_by("-uploaded_at", "-pk")[:MAX_PHOTOS]
    )
    return {"meetings": rows, "photos": photos}


def _study(org: Organization, campaign: Campaign, members: list[Member]) -> dict[str, Any]:
    per_member = dict(
        CounselingRecord.objects.filter(organization=org, campaign=campaign)
        .order_by()
        .values_list("member_id")
        .annotate(n=Count("pk"))
    )
    totals = CounselingRecord.objects.filter(organization=org, campaign=campaign).aggregate(
        sessions=Count("pk"), hours=Sum("hours")
    )
    minimum = campaign.min_counseling_per_member
    covered = sum(1 for m in members if per_member.get(m.pk, 0) >= minimum)
    exchanges = Meeting.objects.held_or_attended_by(org).filter(
        campaign=campaign, kind=MeetingKind.STUDY_EXCHANGE
    )
    return {
        "study": {
            "minimum": minimum,
            "covered": covered,
            "members": len(members),
            "percent": round(100 * covered / len(members)) if members else 0,
            "sessions": totals["sessions"] or 0,
            "hours": totals["hours"] or Decimal("0"),
            "exchanges": exchanges.count(),
            "not_covered": [m.name for m in members if per_member.get(m.pk, 0) < minimum],
        }
    }


def _opinions(org: Organization, campaign: Campaign) -> dict[str, Any]:
    opinions = list(
        Opinion.objects.filter(organization=org, campaign=campaign)
        .select_related("category")
        .order_by("received_on", "pk")
    )
    status_counts = Counter(o.status for o in opinions)
    return {
        "opinions": [
            {
                "received_on": o.received_on,
                "source": o.get_source_display(),
                "category": o.category.name if o.category else "",
                "content": _cut(o.content),
                "status": o.get_status_display(),
                "done": o.status in (OpinionStatus.ANSWERED, OpinionStatus.ADOPTED),
                "answer": _cut(o.answer_text or o.adopted_item_label),
            }
            for o in opinions
        ],
        "opinion_open": sum(
            n
            for s, n in status_counts.items()
            if s not in (OpinionStatus.ANSWERED, OpinionStatus.ADOPTED)
        ),
    }


def _rectification(org: Organization, campaign: Campaign, member_count: int) -> dict[str, Any]:
    today = timezone.localdate()
    lists = list(ProblemList.objects.filter(organization=org, campaign=campaign).order_by("pk"))
    items: list[Any] = list(  # each given `overdue_by` below
        ProblemItem.objects.filter(problem_list__in=[pl.pk for pl in lists])
        .select_related("category", "responsible_member")
        .order_by("problem_list_id", "number")
    )
    by_list: dict[int, list[ProblemItem]] = defaultdict(list)
    lists_by_id = {pl.pk: pl for pl in lists}
    for pl in lists:
        pl.campaign = campaign  # days_overdue judges as of the campaign's as-of day
    for item in items:
        item.problem_list = lists_by_id[item.problem_list_id]
        item.overdue_by = item.days_overdue(today)
        by_list[item.problem_list_id].append(item)
    mechanisms = list(
        Mechanism.objects.filter(organization=org, campaign=campaign)
        .select_related("kind")
        .order_by("established_on", "pk")
    )
    # What meets the norm: county finance or retained dues, with evidence attached.
    received = FundingReceipt.objects.filter(
        organization=org, campaign=campaign
    ).counting().aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    required = required_funding(member_count, campaign.funding_standard)
    return {
        "problem_lists": [(pl, by_list.get(pl.pk, [])) for pl in lists],
        "items_closed": sum(1 for i in items if i.is_closed),
        "items_total": len(items),
        "items_overdue": sum(1 for i in items if i.overdue_by > 0),
        "mechanisms": mechanisms,
        "funding": {
            "received": received,
            "required": required,
            "shortfall": max(required - received, Decimal("0.00")),
            "standard": campaign.funding_standard,
        },
    }


# --- the kinds -------------------------------------------------------------------------


def org_dossier_context(params: Params, language: str) -> dict[str, Any]:
    org = Organization.objects.get(pk=params["organization"])
    dossier = organization_dossier(org, unmasked=bool(params.get("unmasked")))
    today = timezone.localdate()
    return {
        "document_title": _("Organization dossier"),
        "subject": org.full_name,
        "issuer": org,
        "document_date": today,
        "dossiers": [dossier],
        "cover": True,
        "cover_campaign": dossier["campaign"].name if dossier["campaign"] else "",
        "cover_organization": org.full_name,
        "signoff": True,
        "signoff_date": today,
    }


register(
    ReportKind(
        slug="org-dossier",
        title=gettext_lazy("Organization dossier"),
        template="reports/dossier.html",
        params=("organization",),
        check=organization_check,
        build_context=org_dossier_context,
        personal_data=True,
        description=gettext_lazy(
            "Profile, members, the campaign checklist, plans and statements with their "
            "review, meetings with attendance, study, opinions, the problem list, "
            "checklists, mechanisms and funding."
        ),
    )
)


def instructor_organizations(user_id: int) -> list[Organization]:
    """The organizations a user is assigned to as instructor, by path (one query)."""
    return [
        ra.organization
        for ra in RoleAssignment.objects.filter(user_id=user_id, role=Role.INSTRUCTOR)
        .select_related("organization")
        .order_by("organization__path")
    ]


def instructor_check(user: Any, params: Params) -> None:
    """Only the instructor themself (or a site administrator) prints this dossier; 404
    for anyone else and for a user with no instructor assignment."""
    if not user.is_authenticated:
        raise Http404
    if params["instructor"] != user.pk and not user.is_superuser:
        raise Http404
    if not RoleAssignment.objects.filter(
        user_id=params["instructor"], role=Role.INSTRUCTOR
    ).exists():
        raise Http404
    return None


def instructor_dossier_context(params: Params, language: str) -> dict[str, Any]:
    from portal.accounts.models import User

    instructor = User.objects.get(pk=params["instructor"])
    orgs = instructor_organizations(instructor.pk)
    dossiers = [organization_dossier(org, unmasked=False) for org in orgs]
    today = timezone.localdate()
    campaigns = list(dict.fromkeys(d["campaign"].name for d in dossiers if d["campaign"]))
    return {
        "document_title": _("Dossier of the assigned organizations"),
        "subject": instructor.display_name,
        "issuer_name": "",
        "document_date": today,
        "dossiers": dossiers,
        "summary": True,
        "attachment_roots": [org.path for org in orgs],
        "cover": True,
        "cover_campaign": "、".join(campaigns),
        "cover_organization": "、".join(org.short_name or org.full_name for org in orgs),
        # The instructor issues it in person, for no one organization: no issuing
        # organization, and the sign-off names the instructor.
        "issuing_org_name": "",
        "signoff": True,
        "signoff_org_name": f"{Role.INSTRUCTOR.label} {instructor.display_name}",
        "signoff_date": today,
    }


register(
    ReportKind(
        slug="instructor-dossier",
        title=gettext_lazy("Dossier of my organizations"),
        template="reports/dossier.html",
        params=("instructor",),
        check=instructor_check,
        build_context=instructor_dossier_context,
        description=gettext_lazy(
            "One PDF with the dossier of every organization you are assigned to as "
            "instructor, after a summary table."
        ),
    )
)
