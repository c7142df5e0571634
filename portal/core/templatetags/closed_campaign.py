"""`{% closed_campaign as closed_campaign %}`: the closed campaign a page shows, if any
(docs/product.md §5.2), for base.html's banner ("本活动已结束，记录只读") and for the
pages that hide their create and edit buttons (`{% if can_record and not
closed_campaign %}`). base.html sets it before any block, so every page's blocks read it.

It looks, without a query, at the page's `campaign`, then at the records of the page's
context whose campaign is loaded with them (a meeting's `campaign`, an item's
`problem_list.campaign`).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from portal.core.closed import is_closed

register = template.Library()


def _loaded_campaign(value: Any, depth: int = 0) -> Any:
    if not isinstance(value, models.Model):
        return None
    cache = value._state.fields_cache
    found = cache.get("campaign")
    if found is not None:
        return found
    if depth < 1:
        for related in list(cache.values()):
            found = _loaded_campaign(related, depth + 1)
            if found is not None:
                return found
    return None


def page_campaign(context: Any) -> Any:
    campaign = context.get("campaign")
    if campaign is not None and hasattr(campaign, "status"):
        return campaign
    for value in context.flatten().values():
        found = _loaded_campaign(value)
        if found is not None and hasattr(found, "status"):
            return found
    return None


@register.simple_tag(takes_context=True)
def closed_campaign(context: Any) -> Any:
    """The page's campaign when it is closed, else None."""
    campaign = page_campaign(context)
    return campaign if is_closed(campaign) else None
