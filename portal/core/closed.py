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

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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


def closed_response(
    request: HttpRequest, campaign: Any = None, *, asked: bool = False
) -> HttpResponse:
    """The 409 page of a write refused because its campaign is closed; `asked`: the
    form of such a write was asked for (nothing was sent, so nothing "was not saved")."""
    return render(
        request, "core/campaign_closed.html", {"closed": campaign, "asked": asked}, status=409
    )


def loaded_campaign(value: Any, depth: int = 0) -> Any:
    """The campaign a model instance carries already loaded (its own `campaign`, or its
    loaded relation's, one level down: an item's `problem_list.campaign`), else None.
    No query."""
    if not isinstance(value, models.Model):
        return None
    cache = value._state.fields_cache
    found = cache.get("campaign")
    if found is not None:
        return found
    if depth < 1:
        for related in list(cache.values()):
            found = loaded_campaign(related, depth + 1)
            if found is not None:
                return found
    return None


def read_only_form(
    request: HttpRequest, record: Any = None, context: Any = None
) -> HttpResponse | None:
    """A form opened (GET) to add to or change a closed campaign's records: instead of a
    form that every save would refuse, the record's own page with the reason (an edit),
    or the closed campaign's page of reasons (a new record). The campaign is the one
    already loaded with `record`, or the `campaign` of the page's `context`: no query;
    None (show the form) when neither is closed or loaded."""
    if request.method != "GET":
        return None
    campaign = loaded_campaign(record)
    if campaign is None and isinstance(context, Mapping):
        campaign = context.get("campaign")
    if not is_closed(campaign):
        return None
    if getattr(record, "pk", None) is not None and hasattr(record, "get_absolute_url"):
        page = record.get_absolute_url()
        if page == request.path:  # a record's own page with a form: shown, read-only
            return None
        messages.info(request, CLOSED_MESSAGE)
        return redirect(page)
    return closed_response(request, campaign, asked=True)


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
