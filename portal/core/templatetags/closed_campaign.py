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

from portal.core.closed import is_closed, loaded_campaign

register = template.Library()


def page_campaign(context: Any) -> Any:
    campaign = context.get("campaign")
    if campaign is not None and hasattr(campaign, "status"):
        return campaign
    for value in context.flatten().values():
        found = loaded_campaign(value)
        if found is not None and hasattr(found, "status"):
            return found
    return None


@register.simple_tag(takes_context=True)
def closed_campaign(context: Any) -> Any:
    """The page's campaign when it is closed, else None."""
    campaign = page_campaign(context)
    return campaign if is_closed(campaign) else None
