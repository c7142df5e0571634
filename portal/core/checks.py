"""System checks of the portal shell."""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import crypto


def check_field_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.Error]:
    """With DEBUG=0 the encryption and hash keys must come from the environment and be
    well formed (every `check`, `check --deploy` and `migrate` runs this)."""
    return [
        checks.Error(
            problem,
            hint="Set FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY (docs/operations.md, "
            '"Personal data encrypted at rest").',
            id="portal.E001",
        )
        for problem in crypto.problems()
    ]
