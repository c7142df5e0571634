"""Link from an organization's page to the reports one can print for it."""

from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import Action
from portal.core.orgmenu import register

register(
    _("Reports"),
    _("PDF reports"),
    "reports:org_reports",
    order=900,
    action=Action.DOWNLOAD_REPORTS,
)

register(
    _("Reports"),
    _("Ledgers (Word and PDF)"),
    "reports:ledgers",
    order=890,
    action=Action.VIEW,
)
