"""The ledgers (台账) of one organization in one campaign (docs/product.md §9.1): each
builder reads the records with a fixed number of queries, whatever their number, and
returns a `Ledger` of blocks that the Word and the PDF renderers share.

Personal data follows the pages: `unmasked` is can_view_personal_data(user, org)
(PERSONAL_DATA: secretary, reviewer); otherwise ID numbers, phones and opinion
submitters are masked exactly as on the members and opinions pages.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from activities.models import (
    Attendance,
    Campaign,
    CounselingRecord,
    CriticismEntry,
    Meeting,
    MeetingKind,
    MeetingParticipation,
    OneToOneTalk,
    Opinion,
)
from activities.study.selectors import members_with_study
from organizations.models import Organization
from portal.attachments.models import Attachment, AttachmentKind

from .blocks import Facts, Heading, Ledger, PageBreak, Signatures, Table, Text

STUDY_KINDS = (MeetingKind.STUDY_SESSION, MeetingKind.STUDY_EXCHANGE)


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _attachments_of(app_label: str, model: str, ids: list[int], kind: str | None = None) -> Any:
    """The attachments of records of one model: one query (the content type through a
    join, never ContentType's per-process cache, so the count never depends on it)."""
    qs = Attachment.objects.filter(
        content_type__app_label=app_label, content_type__model=model, object_id__in=ids
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("uploaded_at", "pk")


# --- 学习台账 ---------------------------------------------------------------------------


def study_ledger(org: Organization, campaign: Campaign, *, unmasked: bool) -> Ledger:
    """Study sessions and exchanges (meetings the organization held or attended), study
    counseling per member with its coverage, every counseling session, and the study
    notes uploaded to them. Queries: meetings, participations, members, counseling
    records, notes: five."""
    ledger = Ledger(_("Study ledger"), org, campaign.name, timezone.localdate())
    meetings = list(
        Meeting.objects.held_or_attended_by(org)
        .in_campaign(campaign)
        .filter(kind__in=STUDY_KINDS)
        .select_related("organization", "chair")
        .order_by("starts_at", "pk")
    )
    attended = {
        p.meeting_id: p
        for p in MeetingParticipation.objects.filter(
            organization=org, meeting__campaign=campaign, meeting__kind__in=STUDY_KINDS
        )
    }
    for kind, heading in (
        (MeetingKind.STUDY_SESSION, _("Concentrated study")),
        (MeetingKind.STUDY_EXCHANGE, _("Study exchange activities")),
    ):
        rows = []
        for meeting in (m for m in meetings if m.kind == kind):
            counts: Any = attended.get(meeting.pk) if meeting.organization_id != org.pk else meeting
            rows.append(
                [
                    meeting.starts_at.astimezone(timezone.get_current_timezone()).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                    meeting.get_subkind_display() if meeting.subkind else "",
                    meeting.topic,
                    meeting.place,
                    meeting.organization.short_name,
                    _("%(present)d of %(expected)d")
                    % {"present": counts.present_count, "expected": counts.expected_count}
                    if counts is not None
                    else "",
                ]
            )
        ledger.add(
            Heading(heading),
            Table(
                [_("Time"), _("Form"), _("Topic"), _("Place"), _("Held by"), _("Present")],
                rows,
                widths=[20, 12, 28, 16, 14, 10],
                empty=_("None recorded."),
            ),
        )

    members: list[Any] = list(members_with_study(org, campaign))  # annotated counts
    minimum = campaign.min_counseling_per_member
    covered = sum(1 for m in members if m.sessions >= minimum)
    ledger.add(
        Heading(_("Study counseling per member")),
        Facts(
            [
                (_("Minimum sessions per member"), minimum),
                (
                    _("Members counseled"),
                    _("%(covered)d of %(total)d") % {"covered": covered, "total": len(members)},
                ),
            ]
        ),
        Table(
            [
                _("No."),
                _("Member"),
                _("ID number"),
                _("Phone"),
                _("Sessions"),
                _("Hours"),
                _("Minimum met"),
            ],
            [
                [
                    i,
                    m.name,
                    m.id_number if unmasked else m.masked_id,
                    m.phone if unmasked else m.masked_phone,
                    m.sessions,
                    m.hours,
                    _yes(m.sessions >= minimum),
                ]
                for i, m in enumerate(members, 1)
            ],
            widths=[6, 14, 24, 16, 12, 12, 16],
            empty=_("No members on the roster."),
        ),
    )

    records = list(
        CounselingRecord.objects.filter(organization=org, campaign=campaign)
        .select_related("member")
        .order_by("date", "member__name", "pk")
    )
    ledger.add(
        Heading(_("Study counseling sessions")),
        Table(
            [_("Date"), _("Member"), _("Form"), _("Topic"), _("Hours")],
            [
                [_date(r.date), r.member.name, r.get_mode_display(), r.topic, r.hours]
                for r in records
            ],
            widths=[13, 14, 18, 45, 10],
            empty=_("None recorded."),
        ),
    )
    by_id = {r.pk: r for r in records}
    notes = [
        n
        for n in _attachments_of(
            "activities", "counselingrecord", list(by_id), AttachmentKind.STUDY_NOTES
        )
        if n.object_id in by_id
    ]
    ledger.add(
        Heading(_("Study notes and experience essays")),
        Table(
            [_("Member"), _("Session"), _("File"), _("Uploaded")],
            [
                [
                    by_id[n.object_id].member.name,
                    f"{_date(by_id[n.object_id].date)} {by_id[n.object_id].topic}",
                    n.original_name,
                    _date(timezone.localtime(n.uploaded_at)),
                ]
                for n in notes
            ],
            widths=[14, 40, 33, 13],
            empty=_("None uploaded."),
        ),
    )
    return ledger


# --- 会议记录 ---------------------------------------------------------------------------


def meetings_ledger(org: Organization, campaign: Campaign, *, unmasked: bool) -> Ledger:
    """Every meeting the organization held in the campaign, each as the paper record.
    Queries: the meetings, then those of `meeting_records` (four)."""
    meetings = list(
        Meeting.objects.filter(organization=org, campaign=campaign)
        .select_related("organization", "chair", "minute_taker", "guide_organization")
        .order_by("starts_at", "pk")
    )
    ledger = Ledger(_("Meeting records"), org, campaign.name, timezone.localdate())
    if not meetings:
        ledger.add(Text("", _("No meetings recorded.")))
    ledger.blocks.extend(meeting_records(meetings))
    return ledger


def meeting_ledger(meeting: Meeting) -> Ledger:
    """One meeting's record (the meeting page's Word download)."""
    ledger = Ledger(
        _("Meeting record"),
        meeting.organization,
        meeting.campaign.name,
        timezone.localtime(meeting.starts_at).date(),
    )
    ledger.blocks.extend(meeting_records([meeting]))
    return ledger


def meeting_records(meetings: list[Meeting]) -> list[Any]:
    """The blocks of each meeting's paper record: time, place, chair, minute-taker,
    expected / present / absent, the attendance with reasons, the organizations that
    attended, agenda, minutes, resolutions, for a special meeting the guide, report,
    criticism and measures, and the chair's and minute-taker's signature lines; a page
    break between meetings. Four queries for any number of meetings: attendance,
    participations, their absentees, criticism entries."""
    ids = [m.pk for m in meetings]
    own: dict[int, list[Attendance]] = defaultdict(list)
    guests: dict[int, list[Attendance]] = defaultdict(list)
    for row in (
        Attendance.objects.filter(meeting_id__in=ids)
        .filter(Q(participation__isnull=True) | Q(present=False))
        .select_related("member")
        .order_by("member__name", "member__pk")
    ):
        if row.participation_id is None:
            own[row.meeting_id].append(row)
        else:
            guests[row.participation_id].append(row)
    participations: dict[int, list[MeetingParticipation]] = defaultdict(list)
    for p in (
        MeetingParticipation.objects.filter(meeting_id__in=ids)
        .select_related("organization")
        .order_by("organization__path")
    ):
        participations[p.meeting_id].append(p)
    criticisms: dict[int, list[CriticismEntry]] = defaultdict(list)
    for entry in (
        CriticismEntry.objects.filter(meeting_id__in=ids, meeting__kind=MeetingKind.SPECIAL)
        .select_related("by_member", "about_member")
        .order_by("created_at", "pk")
    ):
        criticisms[entry.meeting_id].append(entry)

    blocks: list[Any] = []
    tz = timezone.get_current_timezone()
    for index, m in enumerate(meetings):
        if index:
            blocks.append(PageBreak())
        starts, ends = m.starts_at.astimezone(tz), m.ends_at.astimezone(tz)
        kind = m.get_kind_display() + (f" · {m.get_subkind_display()}" if m.subkind else "")
        blocks.append(Heading(m.topic))
        blocks.append(
            Facts(
                [
                    (_("Kind"), kind),
                    (_("Time"), f"{starts:%Y-%m-%d %H:%M} – {ends:%H:%M}"),
                    (_("Place"), m.place or "—"),
                    (_("Chair"), m.chair_display or "—"),
                    (_("Minute-taker"), m.minute_taker_display or "—"),
                    (_("Held by"), m.organization.full_name),
                    (
                        _("Attendance"),
                        _("%(expected)d expected, %(present)d present, %(absent)d absent")
                        % {
                            "expected": m.expected_count,
                            "present": m.present_count,
                            "absent": m.absent_count,
                        },
                    ),
                ]
                + (
                    [(_("Non-voting attendees"), m.non_voting_attendees)]
                    if m.non_voting_attendees
                    else []
                )
            )
        )
        rows = own.get(m.pk, [])
        blocks.append(
            Table(
                [_("No."), _("Member"), _("Present"), _("Reason for absence")],
                [
                    [
                        i,
                        r.member.name,
                        pgettext("attendance", "present") if r.present else _("absent"),
                        r.absence_reason,
                    ]
                    for i, r in enumerate(rows, 1)
                ],
                widths=[8, 24, 16, 52],
                empty=_("The holding organization has no members of its own on the list."),
            )
        )
        if participations.get(m.pk):
            blocks.append(
                Table(
                    [
                        _("Organization"),
                        _("Expected"),
                        _("Present"),
                        _("Absent members and reasons"),
                    ],
                    [
                        [
                            p.organization.full_name,
                            p.expected_count,
                            p.present_count,
                            "、".join(
                                f"{r.member.name}（{r.absence_reason}）"
                                for r in guests.get(p.pk, [])
                            )
                            or "—",
                        ]
                        for p in participations[m.pk]
                    ],
                    widths=[34, 12, 12, 42],
                )
            )
        blocks.append(Text(_("Agenda"), m.agenda))
        blocks.append(Text(_("Minutes"), m.content))
        blocks.append(Text(_("Resolutions"), m.resolutions))
        if m.is_special:
            guide = m.guide_name + (
                f" · {m.guide_organization.short_name}" if m.guide_organization else ""
            )
            blocks.append(Facts([(_("Higher-level guide"), guide or "—")]))
            blocks.append(
                Text(_("The secretary's report on behalf of the team"), m.secretary_report)
            )
            blocks.append(Heading(_("Criticism and self-criticism"), level=3))
            blocks.append(
                Table(
                    [_("Speaker"), _("Kind"), _("About"), _("Points raised")],
                    [
                        [
                            e.by_member.name,
                            e.get_kind_display(),
                            "—"
                            if e.kind == "self"
                            else (e.about_member.name if e.about_member else _("the team")),
                            e.points,
                        ]
                        for e in criticisms.get(m.pk, [])
                    ],
                    widths=[14, 16, 14, 56],
                    empty=_("No criticism entries recorded."),
                )
            )
            blocks.append(Text(_("Improvement measures agreed"), m.improvement_measures))
        blocks.append(Signatures([_("Chair"), _("Minute-taker")]))
    return blocks


# --- 征求意见台账 -----------------------------------------------------------------------


def opinions_ledger(org: Organization, campaign: Campaign, *, unmasked: bool) -> Ledger:
    """Every opinion received: when, from whom (the submitter masked as on the opinion
    page unless PERSONAL_DATA; anonymous ones say so), its content and category, the
    answer and the problem-list item it was adopted as. One query."""
    opinions = list(
        Opinion.objects.filter(organization=org, campaign=campaign)
        .select_related("category", "suggested_category")
        .order_by("received_on", "pk")
    )
    ledger = Ledger(_("Opinions ledger"), org, campaign.name, timezone.localdate())
    rows = []
    for i, o in enumerate(opinions, 1):
        if o.is_anonymous:
            who = _("anonymous")
        elif unmasked:
            who = " ".join(v for v in (o.submitter_name, o.submitter_contact) if v)
        else:
            who = " ".join(v for v in (o.masked_submitter_name, o.masked_submitter_contact) if v)
        rows.append(
            [
                i,
                _date(o.received_on),
                f"{o.get_source_display()}\n{who}" if who else o.get_source_display(),
                o.content,
                o.category.name if o.category else "",
                o.get_status_display(),
                o.answer_text,
                o.adopted_item_label,
            ]
        )
    ledger.add(
        Table(
            [
                _("No."),
                _("Received on"),
                _("Source"),
                _("Opinion"),
                _("Category"),
                _("Status"),
                _("Answer"),
                _("Adopted as"),
            ],
            rows,
            widths=[6, 12, 13, 22, 10, 9, 18, 10],
            empty=_("No opinions recorded."),
        )
    )
    return ledger


# --- 谈心谈话记录 -----------------------------------------------------------------------


def talks_ledger(org: Organization, campaign: Campaign, *, unmasked: bool) -> Ledger:
    """Every one-to-one talk: date, who talked with whom, form, place and what it was
    about. One query."""
    talks = list(
        OneToOneTalk.objects.filter(organization=org, campaign=campaign)
        .select_related("initiator_member", "partner_member")
        .order_by("talked_on", "pk")
    )
    ledger = Ledger(_("One-to-one talks record"), org, campaign.name, timezone.localdate())
    ledger.add(
        Table(
            [
                _("No."),
                _("Date"),
                _("Who talked"),
                _("With whom"),
                _("Form"),
                _("Place"),
                _("What was discussed"),
            ],
            [
                [
                    i,
                    _date(t.talked_on),
                    t.initiator_member.name if t.initiator_member else t.initiator_name,
                    t.partner_member.name if t.partner_member else t.partner_name,
                    t.get_form_display() if t.form else "",
                    t.place,
                    t.summary,
                ]
                for i, t in enumerate(talks, 1)
            ],
            widths=[6, 12, 11, 11, 10, 14, 36],
            empty=_("No talks recorded."),
        )
    )
    return ledger


# --- 整改台账 ---------------------------------------------------------------------------


def rectification_ledger(org: Organization, campaign: Campaign, *, unmasked: bool) -> Ledger:
    """Every item of the organization's problem lists: problem, measures, owner,
    deadline, status, closure date and the evidence files of its closure request.
    Queries: the items, the closure requests, their evidence: three."""
    from rectification.models import ClosureRequest, ProblemItem

    items = list(
        ProblemItem.objects.filter(problem_list__organization=org, problem_list__campaign=campaign)
        .select_related("problem_list", "category", "responsible_member")
        .order_by("problem_list__created_at", "problem_list_id", "number")
    )
    closures = {
        c.pk: c.item_id for c in ClosureRequest.objects.filter(item__in=[i.pk for i in items])
    }
    evidence: dict[int, list[str]] = defaultdict(list)
    for a in _attachments_of("rectification", "closurerequest", list(closures)):
        evidence[closures[a.object_id]].append(a.original_name)
    ledger = Ledger(_("Rectification ledger"), org, campaign.name, timezone.localdate())
    if not items:
        ledger.add(Text("", _("No problem list items recorded.")))
    lists: dict[int, list[ProblemItem]] = defaultdict(list)
    for item in items:
        lists[item.problem_list_id].append(item)
    for group in lists.values():
        ledger.add(
            Heading(group[0].problem_list.title),
            Table(
                [
                    _("No."),
                    _("Problem"),
                    _("Measures"),
                    _("Responsible"),
                    _("Deadline"),
                    _("Status"),
                    _("Closed on"),
                    _("Evidence"),
                ],
                [
                    [
                        item.number,
                        item.description + (f"\n（{item.category.name}）" if item.category else ""),
                        item.measures,
                        item.responsible_display,
                        _date(item.deadline),
                        item.get_status_display(),
                        _date(timezone.localtime(item.closed_at)) if item.closed_at else "",
                        "\n".join(evidence.get(item.pk, [])),
                    ]
                    for item in group
                ],
                widths=[6, 20, 20, 11, 12, 8, 12, 11],
            ),
        )
    return ledger
