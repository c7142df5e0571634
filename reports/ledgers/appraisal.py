"""The democratic appraisal result sheet (民主评议党员结果表) as blocks, from the same
context as its PDF (reports/kinds/appraisal.py): the Word download of the appraisal
page. Names only, no ID numbers (as the PDF)."""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from activities.models import AppraisalSession, SessionStatus
from reports.kinds.appraisal import appraisal_context

from .blocks import Facts, Heading, Ledger, Table, Text


def appraisal_ledger(session: AppraisalSession, language: str) -> Ledger:
    """Six queries (those of appraisal_context)."""
    c = appraisal_context({"appraisal": session.pk}, language)
    session = c["session"]
    ledger = Ledger(
        str(c["document_title"]), session.organization, c["campaign"].name, c["document_date"]
    )
    if not c["closed"]:
        ledger.add(
            Text(
                "",
                _(
                    "Redo ordered by the higher level: these results are being corrected "
                    "and are not final."
                )
                if session.status == SessionStatus.REDO
                else _("The appraisal is still open: these results are not final."),
            )
        )
    status = session.get_status_display()
    if session.closed_at:
        status += f" · {session.closed_at:%Y-%m-%d}"
    facts = [
        (_("Organization"), session.organization.full_name),
        (_("Campaign"), c["campaign"].name),
        (_("Dates"), f"{session.starts_on:%Y-%m-%d} – {session.ends_on:%Y-%m-%d}"),
        (_("Status"), status),
        (_("expected to take part").capitalize(), session.expected),
        (_("Present"), session.present),
        (
            _("Unable to attend"),
            f"{session.unable_count}\n{session.unable_note}"
            if session.unable_note
            else session.unable_count,
        ),
    ]
    if c["redo"]:
        facts.append((_("Redo ordered"), f"{c['redo'].at:%Y-%m-%d}\n{c['redo'].reason}"))
    ledger.add(Facts(facts), Heading(_("Determinations")))
    scale_rows = []
    for s in c["scale"]:
        cap = ""
        if s["cap"] is not None:
            cap = _("at most %(share)s of those appraised (%(cap)s)") % {
                "share": floatformat(s["grade"].max_share, 3),
                "cap": s["cap"],
            }
            if s["over_cap"]:
                cap += " " + _("over the cap")
        scale_rows.append(
            [
                s["grade"].name,
                s["count"],
                f"{s['share']}%",
                cap or "—",
                _("yes") if s["grade"].needs_approval else _("no"),
            ]
        )
    scale_rows.append([_("not appraised (absent)").capitalize(), c["absent_count"], "", "", ""])
    ledger.add(
        Table(
            [
                _("Grade"),
                _("Members"),
                _("Share"),
                _("maximum share").capitalize(),
                _("needs approval").capitalize(),
            ],
            scale_rows,
            widths=[24, 12, 12, 36, 16],
        ),
        Heading(_("Tally per member")),
    )
    grades = c["grades"]
    rows = []
    for i, row in enumerate(c["rows"], 1):
        result = row["result"]
        if result and result.absent:
            determination = _("absent")
        elif result and result.determination:
            determination = result.determination.name
        else:
            determination = _("not yet")
        name = row["name"] + (" " + _("(left)") if row["left"] else "")
        feedback = _("yes") if result and result.feedback_given else _("no")
        handling = result.handling if result else ""
        rows.append([i, name, *row["votes"], determination, feedback, handling])
    vote_share = max(4, min(10, 36 // max(len(grades), 1)))
    rest = 100 - 6 - 14 - vote_share * len(grades)
    late = rest // 4 + rest // 5  # determination and feedback; handling takes the rest
    ledger.add(
        Table(
            [
                _("No."),
                _("Member"),
                *[g.name for g in grades],
                _("Determination"),
                _("Written feedback"),
                _("Handling"),
            ],
            rows,
            widths=[6, 14, *[vote_share] * len(grades), rest // 4, rest // 5, rest - late],
            empty=_("No members on the roster."),
        ),
        Heading(_("Higher-level approval")),
    )
    approval = c["approval"]
    if approval:
        line = _("Round %(round)s: %(status)s.") % {
            "round": approval.round,
            "status": approval.get_review_status_display(),
        }
        if approval.decided_at:
            line += f" {approval.decided_at:%Y-%m-%d}"
        ledger.add(Text("", line))
        if c["approval_groups"]:
            ledger.add(
                Facts(
                    [
                        (f"{grade} ({len(people)})", "、".join(people))
                        for grade, people in c["approval_groups"]
                    ]
                )
            )
    else:
        ledger.add(Text("", _("No determination has gone to the higher level for approval.")))
    ledger.add(Text("", f"{session.organization.full_name}\n{_('(seal)')}"))
    return ledger
