"""Print a new random key for FIELD_ENCRYPTION_KEYS or FIELD_HASH_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.core import crypto


class Command(BaseCommand):
    help = "Print a new random 256-bit key (URL-safe base64) for FIELD_ENCRYPTION_KEYS or FIELD_HASH_KEY."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(crypto.generate_key())
