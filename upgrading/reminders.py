"""Leadership-term reminders (docs/product.md §6.4), sent by the daily reminder run of
rectification/reminders.py through its once-only ledger.

An organization whose current term (its latest election) is due for re-election within
TERM_DUE_SOON_DAYS, or already overdue, gets one reminder to its secretaries: the key
names the organization and the due date, so each term is reminded once, however often
the job runs; a new election makes a new due date and, in time, a new reminder.

Cost: one query (the organizations with their current term).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext

from organizations.models import Organization

from .models import TERM_DUE_SOON_DAYS
from .selectors import with_current_term

VERB_TERM_DUE = "reminder.term_due"


def _title(org: str, due_on: dt.date, overdue: bool) -> str:
    values = {"org": org, "date": due_on.isoformat()}
    if overdue:
        return gettext("Re-election overdue: the term of %(org)s ended on %(date)s") % values
    return gettext("Re-election due: the term of %(org)s ends on %(date)s") % values


def _body() -> str:
    return gettext(
        "Prepare the election of the new committee in time and record it on the "
        "organization's term page once it is held."
    )


_lazy = lazy(lambda fn, *args: fn(*args), str)


def term_events(today: dt.date, event_class: Any) -> list[Any]:
    """Events (rectification.reminders.Event) for the terms due within
    TERM_DUE_SOON_DAYS or overdue, of active organizations. One query."""
    soon = today + dt.timedelta(days=TERM_DUE_SOON_DAYS)
    rows = (
        with_current_term(Organization.objects.filter(is_active=True))
        .filter(term_due_on__lte=soon)
        .only("pk", "short_name")
        .order_by("pk")
    )
    return [
        event_class(
            key=f"term:org{org.pk}:due:{org.term_due_on.isoformat()}",
            organization_id=org.pk,
            verb=VERB_TERM_DUE,
            title=_lazy(_title, org.short_name, org.term_due_on, org.term_due_on < today),
            body=_lazy(_body),
            url=reverse("upgrading:org", args=[org.pk]),
        )
        for org in rows
        if org.term_due_on is not None  # always: the filter leaves no null date
    ]
