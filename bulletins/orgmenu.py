"""Links from an organization's page to reporting upward (docs/product.md §6.6)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import Action
from portal.core.orgmenu import register

SECTION = _("Reports upward and bulletins")

register(
    SECTION, _("Send a report upward"), "bulletins:report_create", order=850, action=Action.RECORD
)
register(SECTION, _("Reports sent upward"), "bulletins:feed", order=851)
register(SECTION, _("Bulletins"), "bulletins:bulletin_list", order=852)
