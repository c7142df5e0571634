"""Links from an organization's page to its phase 3 work (rectification and rules)."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

PHASE_3 = _("Phase 3: rectification and rules")

register(PHASE_3, _("Problem lists"), "rectification:problem_lists", order=310)
register(PHASE_3, _("Working mechanisms"), "rectification:mechanism_register", order=350)
register(PHASE_3, _("Funding"), "rectification:funding_overview", order=360)
register(PHASE_3, _("Commendations"), "rectification:commendation_list", order=370)
register(PHASE_3, _("Standards checklists"), "rectification:standard_overview", order=320)
register(PHASE_3, _("Pledges"), "rectification:pledge_list", order=330)
register(PHASE_3, _("Satisfaction evaluation"), "rectification:satisfaction", order=380)
