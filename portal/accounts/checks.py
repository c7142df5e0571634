"""`manage.py check --deploy`: production without two-factor authentication is flagged."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_required(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.TWO_FACTOR_REQUIRED:
        return []
    return [
        Warning(
            "TWO_FACTOR_REQUIRED is off: site administrators and account managers log in "
            "with a password alone.",
            hint="Unset TWO_FACTOR_REQUIRED (production requires two factors by default).",
            id="accounts.W001",
        )
    ]
