"""Remove audit rows older than AUDIT_RETENTION_DAYS (at least 180): the one delete the
append-only triggers let through (portal/accounts/audit.py, migration 0006). Review
events are never purged. The purge itself leaves an audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from portal.accounts.audit import GUARD_PURGE, guard
from portal.accounts.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit log rows older than AUDIT_RETENTION_DAYS (minimum 180)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the rows that would go; delete none."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = max(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_RETENTION_MIN_DAYS)
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = AuditEvent.objects.filter(at__lt=cutoff)
        if options["dry_run"]:
            self.stdout.write(f"{old.count()} audit rows older than {days} days (dry run)")
            return
        with transaction.atomic(), guard(GUARD_PURGE):
            deleted = old.delete()[0]
            AuditEvent.objects.create(
                action="audit.purge",
                target=f"before {cutoff:%Y-%m-%d %H:%M}",
                detail={"deleted": deleted, "retention_days": days},
            )
        self.stdout.write(f"{deleted} audit rows older than {days} days deleted")
