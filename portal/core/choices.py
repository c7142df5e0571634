"""The empty choice of a required drop-down says what to do.

Django writes "---------" as the first option of every select whose field has no
initial value. On a required field a secretary reads it as a value, not as "pick one";
the portal writes "请选择" ("Choose…") there instead, in the user's language. An
optional select keeps its own empty option (a form may give it a meaning of its own,
such as "a mechanism of our own"; filters offer "all"), and radio buttons are left
alone. Installed once from CoreConfig.ready."""

from __future__ import annotations

from typing import Any

from django.forms.widgets import Select
from django.utils.translation import gettext_lazy as _

DASH = "---------"
CHOOSE = _("Choose…")

_django_create_option = Select.create_option


def _create_option(
    self: Select,
    name: str,
    value: Any,
    label: Any,
    selected: Any,
    index: int,
    subindex: int | None = None,
    attrs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if self.is_required and value in ("", None) and label == DASH:
        label = CHOOSE
    return _django_create_option(self, name, value, label, selected, index, subindex, attrs)


def install() -> None:
    Select.create_option = _create_option  # type: ignore[method-assign,assignment]
