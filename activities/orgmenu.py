"""Links from an organization's page to its campaign work kept in this app: listed
under the campaign's phases whose requirements need their records (portal/core/orgmenu.py),
else under the work area they belong to by their nature (docs/product.md §5.1)."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

# The work areas of the records kept here (headings when no phase of the campaign
# claims a link): what they are, not when they happen.
STUDY = _("Study and opinions")
CRITICISM = _("Problems and criticism")

# `kinds`: the requirement kinds (activities/requirements.py) whose records the page
# keeps, or which it goes with (the talks prepare the self-examination statements).
register(STUDY, _("Activity plan"), "activities:plan_overview", order=105, kinds=("plan_approved",))
register(STUDY, _("Meetings"), "activities:meeting_list", order=110, kinds=("meetings",))
register(
    STUDY,
    _("Study counseling"),
    "activities:counseling_list",
    order=120,
    kinds=("members_counseled",),
)
register(STUDY, _("Opinions"), "activities:opinion_list", order=130, kinds=("opinions_answered",))
register(
    CRITICISM,
    _("Special organizational-life meeting"),
    "activities:meeting_list",
    order=205,
    query="kind=special",
    kinds=("special_meeting",),
)
register(
    CRITICISM,
    _("One-to-one talks"),
    "activities:talk_list",
    order=210,
    kinds=("statements_approved",),
)
register(
    CRITICISM,
    _("Self-examination statements"),
    "activities:statement_list",
    order=220,
    kinds=("statements_approved",),
)
register(
    CRITICISM,
    _("Democratic appraisal"),
    "activities:appraisal_home",
    order=230,
    kinds=("members_appraised",),
)
