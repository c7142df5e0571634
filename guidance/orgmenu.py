"""Link from an organization's page to its guidance visit log."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

register(_("Guidance"), _("Guidance visits"), "guidance:org_visits", order=500)
