"""The web side of the real-worker tests (test_celery_worker.py), run as its own process
with the environment of the stack under test (DATABASE_URL, REDIS_URL, MEDIA_ROOT):

    python -m tests.reports.celery_driver ask <username> <slug> <name>=<value> ...
    python -m tests.reports.celery_driver download <username> <request id>
    python -m tests.reports.celery_driver resend
    python -m tests.reports.celery_driver user <role>
    python -m tests.reports.celery_driver fund
    python -m tests.reports.celery_driver pages <username> home dashboard grid inbox

Each prints one JSON object. Pages are requested through Django's test client in this
process (the same middleware and views as gunicorn would run), logged in with
force_login; the report is rendered by the worker under test, never here.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _client(username: str) -> Any:
    from django.test import Client

    from portal.accounts.models import User

    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    return client


def ask(username: str, slug: str, *pairs: str) -> dict[str, Any]:
    params = dict(pair.split("=", 1) for pair in pairs)
    client = _client(username)
    response = client.post(f"/reports/new/{slug}/", params)
    result: dict[str, Any] = {"status_code": response.status_code}
    if response.status_code == 302:
        location = response["Location"]
        result["request_id"] = int(location.rstrip("/").split("/")[-1])
        page = client.get(location)
        result["page_status"] = page.status_code
        result["page"] = page.content.decode()
    return result


def download(username: str, request_id: str) -> dict[str, Any]:
    response = _client(username).get(f"/reports/{request_id}/download/")
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return {
        "status_code": response.status_code,
        "content_type": response.get("Content-Type", ""),
        "disposition": response.get("Content-Disposition", ""),
        "head": body[:5].decode("latin-1"),
        "bytes": len(body),
    }


def resend() -> dict[str, Any]:
    """What the beat task runs every minute, as if a minute had passed."""
    import datetime as dt

    from django.utils import timezone

    from reports.services import resend_reports

    return {"sent": resend_reports(now=timezone.now() + dt.timedelta(minutes=1))}


def user(role: str) -> dict[str, Any]:
    """A user holding `role` and one of its organizations (the demo data's first)."""
    from portal.accounts.models import RoleAssignment

    ra = RoleAssignment.objects.filter(role=role).select_related("user", "organization").first()
    return {"username": ra.user.username, "user_id": ra.user_id, "organization": ra.organization_id}


def fund() -> dict[str, Any]:
    """Record a funding receipt for the first organization of the demo's requirement
    roll-up that does not yet meet the funding standard, as the funding page does (a
    model save in a transaction): its row is marked now and the refresh task is sent
    to the broker once the transaction commits. Returns the row as it was."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from portal.attachments.services import attachment_add
    from portal.progress.models import Standing
    from portal.progress.rollup import layout
    from rectification.models import FundingReceipt

    row = next(
        r
        for r in Standing.objects.select_related("campaign").order_by("organization__path")
        if (at := layout(r.campaign).split(",").index("funding")) is not None
        and r.states[at : at + 1] in ("p", "r")
    )
    with transaction.atomic():
        # County finance with its allocation notice attached: a receipt that counts
        # toward the norm (receipts from other sources, or without evidence, do not).
        receipt = FundingReceipt.objects.create(
            organization_id=row.organization_id,
            campaign=row.campaign,
            source="county_finance",
            amount=Decimal("100000"),
            received_on=timezone.localdate(),
        )
        attachment_add(
            actor=None,
            record=receipt,
            organization=receipt.organization,
            kind="evidence",
            upload=io.BytesIO(_png()),
            name="拨付通知.png",
        )
    return {
        "organization": row.organization_id,
        "campaign": row.campaign_id,
        "states": row.states,
        "at": at,
        "computed_at": row.computed_at.isoformat(),
    }


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def pages(username: str, *names: str) -> dict[str, Any]:
    """Status codes of the user's main pages, by name: home, dashboard, grid (of the
    user's organization), inbox."""
    from django.urls import reverse

    from portal.accounts.models import RoleAssignment

    org = RoleAssignment.objects.filter(user__username=username).first().organization_id
    urls = {
        "home": "/",
        "dashboard": reverse("progress:dashboard"),
        "grid": reverse("progress:grid", args=[org]),
        "inbox": reverse("reviews:inbox"),
    }
    client = _client(username)
    return {name: client.get(urls[name]).status_code for name in names}


COMMANDS = {
    "ask": ask,
    "download": download,
    "resend": resend,
    "user": user,
    "fund": fund,
    "pages": pages,
}

if __name__ == "__main__":
    _setup()
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
