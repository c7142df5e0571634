"""Recovery for a user locked out of two-factor authentication (a lost phone, no backup
codes left): removes every device of the account and ends its sessions, so that at the
next log-in they enrol again. Audited (otp.reset, naming who ran it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.accounts import two_factor
from portal.accounts.models import User


class Command(BaseCommand):
    help = "Remove a user's two-factor devices and end their sessions (they enrol again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--by",
            required=True,
            help="Who asks for the reset and checked the person's identity (kept in the audit log).",
        )
        parser.add_argument("--reason", default="", help="Why (kept in the audit log).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        with transaction.atomic():
            removed = two_factor.remove_devices(user)
            ended = two_factor.end_sessions(user)
            two_factor.reset_code_failures(user)
            two_factor.audit(
                None,
                "otp.reset",
                user,
                by=options["by"][:150],
                reason=options["reason"][:300],
                devices=removed,
                sessions=ended,
            )
        self.stdout.write(
            f"{user.username}: {removed} devices removed, {ended} sessions ended; "
            "they enrol again at the next log-in."
        )
