from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .home import home_context
from .http import referring_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on a page that fits it (see home.home_context)."""
    template, context = home_context(request)
    return render(request, template, context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and readiness for the load balancer: the database, and Redis when
    configured. 200 with {"status": "ok"}, or 503 naming what failed."""
    checks: dict[str, str] = {}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
        status = 503
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            )
            client.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
            status = 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "checks": checks}, status=status
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that had expired (the log-in changed since it was opened,
    or the browser dropped the form's cookie): what happened, in the user's language,
    and the way back to that page, where what was typed is put back (docs/product.md
    §13), instead of Django's technical page. `reason` is Django's, for the log."""
    return render(
        request,
        "403_csrf.html",
        {
            "back": referring_page(request),
            "kept": request.POST.get("portal_draft") == "1",
            "reason": reason,
        },
        status=403,
    )


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request, so no context processor touches the database:
    # the database may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
