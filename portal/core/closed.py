"""A closed campaign refuses every write (docs/product.md §5.2).

The office closes a campaign once it is over (activities.campaigns.services.campaign_close):
it stays readable everywhere, its figures frozen at its end, and nothing that belongs to
it changes any more. The refusal is one exception, `CampaignClosed`, raised

- by the model guard (activities/closing.py) before any record of the campaign is saved
  or deleted, whichever service or page writes it;
- by the writes that send no model signal or see a record through a small interface:
  the review engine (portal.reviews.services.review_transition), attachments
  (portal.attachments.services), bulk inserts and updates in the services
  (`refuse_if_closed`).

It is a ValidationError (code "campaign_closed"), so the record pages show it like a stale save
(portal/core/record_pages.py: the form again with the message on top, 409; an action's
message on the page it returns to), and `ClosedCampaignMiddleware` answers any other page
that meets it with the 409 page `core/campaign_closed.html` instead of a 500. Nothing
is written: the services' transaction is rolled back.

This module sees a campaign only through its `status` (the cross-cutting apps do not
import the domain's models, docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# activities.models.CampaignStatus.CLOSED (tests/activities/test_closing.py checks it).
CLOSED = "closed"

CLOSED_MESSAGE = _(
    "This campaign is closed: its records are read-only and nothing can be added, "
    "changed, deleted, submitted or reviewed."
)


class CampaignClosed(ValidationError):
    """A write into a closed campaign was refused."""

    def __init__(self, campaign: Any = None) -> None:
        super().__init__(CLOSED_MESSAGE, code="campaign_closed")
        self.campaign = campaign


def is_closed(campaign: Any) -> bool:
    """Is this campaign (or None) closed? No query."""
    return getattr(campaign, "status", None) == CLOSED


def refuse_if_closed(campaign: Any) -> None:
    """Raise CampaignClosed when `campaign` is closed (None: a record of no campaign)."""
    if is_closed(campaign):
        raise CampaignClosed(campaign)


# The domain's answer to "does this record belong to a closed campaign?" (raising
# CampaignClosed), registered by activities/closing.py: the cross-cutting writers ask it
# about the records they see through their small interfaces (attachments' owners).
_record_check: Callable[[Any], None] | None = None


def register_record_check(check: Callable[[Any], None]) -> None:
    global _record_check  # set once, from an AppConfig.ready()
    _record_check = check


def refuse_record_if_closed(record: Any) -> None:
    """Raise CampaignClosed when `record` (any model instance) belongs to a closed
    campaign. No query when its campaign is loaded with it, else one."""
    if record is not None and _record_check is not None:
        _record_check(record)


def is_refused(exc: ValidationError) -> bool:
    """Was the write refused because its campaign is closed?"""
    return isinstance(exc, CampaignClosed) or getattr(exc, "code", None) == "campaign_closed"


def closed_response(request: HttpRequest, campaign: Any = None) -> HttpResponse:
    """The 409 page of a write refused because its campaign is closed."""
    return render(request, "core/campaign_closed.html", {"closed": campaign}, status=409)


class ClosedCampaignMiddleware:
    """Any page whose write meets a closed campaign outside the record pages' own
    handling answers the 409 page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CampaignClosed):
            return closed_response(request, exception.campaign)
        return None
