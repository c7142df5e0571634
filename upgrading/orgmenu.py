"""Links from an organization's page to its class, upgrade plans and term."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

SECTION = _("Classifying and lifting")

register(SECTION, _("Class, upgrade plans and term"), "upgrading:org", order=600)
register(SECTION, _("Three classes and terms below"), "upgrading:board", order=610)
