"""Links from an organization's page to its live checklist and its subtree's grid."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

CAMPAIGN = _("Campaign")

register(CAMPAIGN, _("Campaign checklist"), "progress:checklist", order=10)
register(CAMPAIGN, _("Requirement grid of the organizations below"), "progress:grid", order=15)
