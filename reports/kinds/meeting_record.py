"""Printable meeting record with its sign-in sheet (docs/product.md §9, §6.1, §6.2).

The record: kind, time, place, chair, minute-taker, topic, agenda, minutes and
resolutions; the holder's attendance (present / absent with the reason) and the
organizations that attended it (shared attendance); for a special organizational-life
meeting the higher-level guide, the secretary's report, criticism and self-criticism
and the measures agreed; the meeting's photos. Then a sign-in sheet: the roster with a
blank signature column (its header repeats on every page) and a QR code that opens the
meeting's page in the portal (settings.SITE_URL + the meeting's path).

Names and posts only: no ID numbers or phones (personal_data=False). Queries: the
meeting, the holder's attendance, the participations with their attendance, the
criticism entries (special meetings), the photos: five whatever the numbers.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.constants
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Attendance, CriticismEntry, Meeting, MeetingParticipation
from organizations.models import Organization
from portal.accounts.permissions import Action, require
from portal.attachments.models import Attachment, AttachmentKind

from ..registry import Params, ReportKind, register

# Most photos one meeting record prints (two per row, scaled).
MAX_PHOTOS = 8
# Empty lines at the end of the sign-in sheet for guests and non-voting attendees.
BLANK_SIGN_IN_ROWS = 6


def qr_png(data: str) -> bytes:
    """A QR code of `data` as a 1-bit PNG (error correction M, quiet zone of 4
    modules, 4 pixels a module: the page scales it with crisp edges)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_url(data: str) -> str:
    """The QR code of `data` as a data: URL, the one kind of URL besides our static
    files and attachments that the report renderer loads (reports.rendering)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(data)).decode("ascii")


def meeting_url(meeting: Meeting) -> str:
    """The meeting's page in the portal, absolute (the QR code's content)."""
    return settings.SITE_URL + meeting.get_absolute_url()


def check_meeting(user: Any, params: Params) -> Organization:
    """The holder of the meeting, with DOWNLOAD_REPORTS: 404 when the user cannot see
    it (or it does not exist), 403 when they can see it but not print. Two queries."""
    meeting = Meeting.objects.select_related("organization").filter(pk=params["meeting"]).first()
    if meeting is None:
        raise Http404
    require(user, Action.DOWNLOAD_REPORTS, meeting.organization)
    return meeting.organization


def meeting_context(params: Params, language: str) -> dict[str, Any]:
    meeting = Meeting.objects.select_related(
        "organization", "campaign", "phase", "chair", "minute_taker", "guide_organization"
    ).get(pk=params["meeting"])
    own_rows = list(
        Attendance.objects.filter(meeting=meeting, participation__isnull=True)
        .select_related("member")
        .order_by("member__name", "member__pk")
    )
    participations = list(
        MeetingParticipation.objects.filter(meeting=meeting)
        .select_related("organization")
        .order_by("organization__path")
    )
    guest_rows: dict[int, list[Attendance]] = {p.pk: [] for p in participations}
    for row in (
        Attendance.objects.filter(meeting=meeting, participation__isnull=False)
        .select_related("member")
        .order_by("member__name", "member__pk")
    ):
        if row.participation_id is not None:  # always (filtered)
            guest_rows.setdefault(row.participation_id, []).append(row)
    criticisms: list[CriticismEntry] = []
    if meeting.is_special:
        criticisms = list(
            CriticismEntry.objects.filter(meeting=meeting)
            .select_related("by_member", "about_member")
            .order_by("created_at", "pk")
        )
    photos = list(
        Attachment.objects.for_record(meeting)
        .filter(kind=AttachmentKind.PHOTO, mime_type__startswith="image/")
        .order_by("uploaded_at", "pk")[:MAX_PHOTOS]
    )
    sign_in = [
        {"name": r.member.name, "organization": meeting.organization.short_name, "post": _post(r)}
        for r in own_rows
    ]
    for p in participations:
        sign_in += [
            {"name": r.member.name, "organization": p.organization.short_name, "post": _post(r)}
            for r in guest_rows.get(p.pk, [])
        ]
    url = meeting_url(meeting)
    return {
        "document_title": _("Meeting record"),
        "subject": meeting.topic,
        "issuer": meeting.organization,
        "document_date": meeting.starts_at.date(),
        "issued_line": True,  # who printed it, and when the data was taken
        "meeting": meeting,
        "own_rows": own_rows,
        "participations": [
            {"p": p, "absent": [r for r in guest_rows.get(p.pk, []) if not r.present]}
            for p in participations
        ],
        "attended_present": sum(p.present_count for p in participations),
        "attended_expected": sum(p.expected_count for p in participations),
        "criticisms": criticisms,
        "photos": photos,
        "sign_in": sign_in,
        "blank_rows": range(len(sign_in) + 1, len(sign_in) + 1 + BLANK_SIGN_IN_ROWS),
        "meeting_url": url,
        "qr": qr_data_url(url),
    }


def _post(row: Attendance) -> str:
    member = row.member
    parts = [member.get_party_post_display() if member.party_post else "", member.post]
    return " · ".join(p for p in parts if p)


register(
    ReportKind(
        slug="meeting-record",
        title=gettext_lazy("Meeting record"),
        template="reports/meeting_record.html",
        params=("meeting",),
        check=check_meeting,
        build_context=meeting_context,
        description=gettext_lazy(
            "The meeting's record for the archive (time, place, chair, minutes, attendance, "
            "photos) and a sign-in sheet with a QR code that opens the meeting in the portal."
        ),
    )
)
