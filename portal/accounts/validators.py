"""Password rules beyond Django's own validators (settings.AUTH_PASSWORD_VALIDATORS):
nothing built from the person's own data, and no reuse of recent passwords."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_PART = 4  # shorter pieces (a surname of two characters) are too common to refuse


def _parts(user: Any) -> list[str]:
    """The pieces of personal data a password must not contain: the username, the
    name (and its parts), the phone number's digits (and its last eight), the e-mail's
    local part."""
    parts: list[str] = []
    for value in (
        getattr(user, "username", ""),
        getattr(user, "full_name", ""),
        getattr(user, "first_name", ""),
        getattr(user, "last_name", ""),
        (getattr(user, "email", "") or "").split("@")[0],
    ):
        value = (value or "").strip().lower()
        parts.append(value)
        parts.extend(re.split(r"[\s._@+-]+", value))
    digits = re.sub(r"\D", "", getattr(user, "phone", "") or "")
    parts += [digits, digits[-8:], digits[-6:]]
    member = getattr(user, "member", None) if getattr(user, "pk", None) else None
    if member is not None:
        parts.append((member.name or "").lower())
    return [p for p in parts if len(p) >= MIN_PART]


class PersonalDataValidator:
    """Refuses a password containing the username, the person's name or phone number
    (case-insensitive): the first things anyone guessing would try."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        if any(part in lowered for part in _parts(user)):
            raise ValidationError(
                _("The password must not contain your username, name or phone number."),
                code="password_personal_data",
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your username, name or phone number.")


class PasswordHistoryValidator:
    """Refuses the current password and the last PASSWORD_HISTORY ones (hashes kept in
    PasswordHistory, written by password_changed, which Django calls after a new
    password is saved)."""

    def _count(self) -> int:
        return int(getattr(settings, "PASSWORD_HISTORY", 5))

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from .models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self._count()]
        )
        if user.password:
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("Choose a password you have not used recently (the last %(count)d are refused).")
                % {"count": self._count()},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None) or not user.has_usable_password():
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")[
            : self._count()
        ]
        PasswordHistory.objects.filter(user=user).exclude(
            pk__in=list(keep.values_list("pk", flat=True))
        ).delete()

    def get_help_text(self) -> str:
        return _("Your password cannot be one of your recent passwords.")
