"""`{% return_reason review_or_record %}`: while a record stands returned, the
reviewer's last reason at the top of its page and of its edit form
(templates/reviews/_return_reason.html), until it is resubmitted.

Given the review panel (portal.reviews.selectors.review_panel) it reads the panel's
timeline: no query. Given the record it reads the last return: one query, only when the
record is returned."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from ..models import Reviewable, ReviewAction, ReviewEvent, ReviewStatus
from ..selectors import ReviewPanel, last_return

register = template.Library()


def last_return_of(subject: Any) -> ReviewEvent | None:
    if isinstance(subject, ReviewPanel):
        if subject.status != ReviewStatus.RETURNED:
            return None
        return last_return(subject.events)
    if not isinstance(subject, Reviewable) or subject.review_status != ReviewStatus.RETURNED:
        return None
    return (
        ReviewEvent.objects.for_record(subject)
        .filter(action=ReviewAction.RETURN)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


@register.simple_tag
def return_reason(subject: Any) -> str:
    event = last_return_of(subject)
    if event is None:
        return ""
    return render_to_string("reviews/_return_reason.html", {"event": event})
