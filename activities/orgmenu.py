"""Links from an organization's page to its campaign work (phases 1 and 2)."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

PHASE_1 = _("Phase 1: study and opinions")
PHASE_2 = _("Phase 2: problems and criticism")

# Each phase lists every record kind its requirements need (the live checklist's
# links, activities/requirements.py): the plan and the mobilization meeting and study
# exchanges (meetings) in phase 1 (the plan is a phase-1 requirement), the special organizational-life meeting in phase 2.
register(PHASE_1, _("Activity plan"), "activities:plan_overview", order=105)
register(PHASE_1, _("Meetings"), "activities:meeting_list", order=110)
register(PHASE_1, _("Study counseling"), "activities:counseling_list", order=120)
register(PHASE_1, _("Opinions"), "activities:opinion_list", order=130)
register(
    PHASE_2,
    _("Special organizational-life meeting"),
    "activities:meeting_list",
    order=205,
    query="kind=special",
)
register(PHASE_2, _("One-to-one talks"), "activities:talk_list", order=210)
register(PHASE_2, _("Self-examination statements"), "activities:statement_list", order=220)
register(PHASE_2, _("Democratic appraisal"), "activities:appraisal_home", order=230)
