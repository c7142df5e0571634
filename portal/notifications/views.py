"""The user's own notifications: list, open (mark read and follow), mark read.

Everything is scoped to request.user: another user's notification is a 404, the same
answer as a notification that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Notification
from .services import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 30


def _get_notification_for_user(request: HttpRequest, pk: Any) -> Notification:
    try:
        return Notification.objects.for_user(request.user).get(pk=int(pk))
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _safe_target(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("notifications:list")


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 30 a page. Queries: count, page (plus the
    navigation's unread count)."""
    qs = Notification.objects.for_user(request.user).order_by("-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    notification = _get_notification_for_user(request, pk)
    notification_mark_read(actor=request.user, notification=notification)
    return redirect(_safe_target(request, notification.url))


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _get_notification_for_user(request, pk)
    notification_mark_read(actor=request.user, notification=notification)
    return redirect(_safe_target(request, request.POST.get("next", "")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("%(n)d notifications marked as read.") % {"n": count})
    return redirect("notifications:list")
