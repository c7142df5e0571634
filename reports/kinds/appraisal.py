"""Democratic appraisal result sheet (民主评议结果, docs/product.md §6.2, §9): the session (dates,
expected, present, unable to attend, status), the campaign's grade scale with its caps
and which determinations need the higher level's approval, the count per grade against
its cap, every member's votes per grade, determination, written feedback and handling,
and the state of the higher-level approval.

No ID numbers, not even masked: the sheet names the members, which is all its
purpose needs (it is read out and may be posted), so it carries no personal data
(personal_data=False). Queries: the session, the
grades, the roster, the results, the approvals, the events: six whatever the numbers.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import (
    AppraisalApproval,
    AppraisalEvent,
    AppraisalGrade,
    AppraisalResult,
    AppraisalSession,
    SessionStatus,
)
from activities.models.phase2 import EventKind, grade_cap
from activities.phase2.services import appraisal_roster
from organizations.models import Organization
from portal.accounts.permissions import Action, require

from ..registry import Params, ReportKind, register


def check_appraisal(user: Any, params: Params) -> Organization:
    """The appraised organization, with DOWNLOAD_REPORTS: 404 when the user cannot see
    it (or the session does not exist), 403 when they may not print. Two queries."""
    session = (
        AppraisalSession.objects.select_related("organization")
        .filter(pk=params["appraisal"])
        .first()
    )
    if session is None:
        raise Http404
    require(user, Action.DOWNLOAD_REPORTS, session.organization)
    return session.organization


def appraisal_context(params: Params, language: str) -> dict[str, Any]:
    session = AppraisalSession.objects.select_related("organization", "campaign").get(
        pk=params["appraisal"]
    )
    grades = list(AppraisalGrade.objects.filter(campaign_id=session.campaign_id).order_by("order"))
    roster = appraisal_roster(session)
    results = {
        r.member_id: r
        for r in AppraisalResult.objects.filter(session=session).select_related("determination")
    }
    rows: list[dict[str, Any]] = []
    for member in roster:
        result = results.get(member.pk)
        votes = (result.votes if result else {}) or {}
        rows.append(
            {
                "name": member.name,
                "left": not member.is_active,
                "votes": [votes.get(g.code, 0) for g in grades],
                "total": sum(int(v) for v in votes.values()),
                "result": result,
            }
        )
    appraised = sum(1 for r in results.values() if r.determination_id)
    scale = []
    for grade in grades:
        count = sum(1 for r in results.values() if r.determination_id == grade.pk)
        cap = grade_cap(grade.max_share, appraised) if grade.max_share is not None else None
        scale.append(
            {
                "grade": grade,
                "count": count,
                "share": round(100 * count / appraised) if appraised else 0,
                "cap": cap,
                "over_cap": cap is not None and count > cap,
            }
        )
    approvals = list(AppraisalApproval.objects.filter(session=session).order_by("round"))
    approval = approvals[-1] if approvals else None
    names = {g.code: g.name for g in grades}
    redo = (
        AppraisalEvent.objects.filter(session=session, kind=EventKind.REDO_ORDERED)
        .order_by("-at", "-pk")
        .first()
    )
    return {
        "document_title": _("Democratic appraisal result sheet"),
        "subject": f"{session.organization.short_name} · {session.campaign.name}",
        "issuer": session.organization,
        "document_date": timezone.localtime(session.closed_at).date()
        if session.closed_at
        else None,
        "session": session,
        "issued_line": True,  # who printed it, and when the data was taken
        "campaign": session.campaign,
        "closed": session.status == SessionStatus.CLOSED,
        "grades": grades,
        "scale": scale,
        "rows": rows,
        "appraised": appraised,
        "absent_count": sum(1 for r in results.values() if r.absent),
        "pending_count": sum(
            1
            for r in rows
            if not r["result"] or not (r["result"].determination_id or r["result"].absent)
        ),
        "approval": approval,
        # Stored as closed, grouped by grade; the grade's name follows the language.
        "approval_groups": _approval_groups(approval, names),
        "redo": redo,
    }


def _approval_groups(
    approval: AppraisalApproval | None, names: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """[(grade name, [member names])] of the determinations that went up for approval,
    in the order stored (by grade, then name)."""
    groups: dict[str, list[str]] = {}
    for entry in (approval.determinations or []) if approval else []:
        grade = names.get(entry.get("grade"), entry.get("grade_name", ""))
        groups.setdefault(grade, []).append(entry.get("member", ""))
    return list(groups.items())


register(
    ReportKind(
        slug="appraisal-sheet",
        title=gettext_lazy("Democratic appraisal result sheet"),
        template="reports/appraisal_sheet.html",
        params=("appraisal",),
        check=check_appraisal,
        build_context=appraisal_context,
        personal_data=False,
        description=gettext_lazy(
            "The grade scale with its caps, the count per grade, every member's votes and "
            "determination, and the state of the higher level's approval."
        ),
    )
)
