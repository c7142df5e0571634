"""Reads for the problem list open to comment (docs/product.md §6.3.1)."""

from __future__ import annotations

from typing import Any

from .models import CommentPeriod, CommentStatus, ListComment, ProblemList


def comments_context(plist: ProblemList) -> dict[str, Any]:
    """The list's comment period and its comments (with the items they became and who
    handled them), for the list's page and its revision's page. Two queries."""
    period = CommentPeriod.objects.filter(problem_list=plist).first()
    comments = list(ListComment.objects.filter(problem_list=plist).for_page())
    return {
        "period": period,
        "comments": comments,
        "comments_new": sum(1 for c in comments if c.status == CommentStatus.NEW),
    }
