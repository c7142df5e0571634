"""Links from an organization's page to its rectification work: listed under the
campaign's phases whose requirements need their records (portal/core/orgmenu.py), else
under the work area they belong to by their nature (docs/product.md §5.1)."""

from django.utils.translation import gettext_lazy as _

from portal.core.orgmenu import register

# The work area of the records kept here (the heading when no phase claims a link).
RECTIFICATION = _("Rectification and rules")
# The requirement kinds of the problem lists (rectification/requirements.py): pledges
# and commendations go with them.
PROBLEMS = ("problem_list_published", "no_overdue", "items_closed")

register(
    RECTIFICATION, _("Problem lists"), "rectification:problem_lists", order=310, kinds=PROBLEMS
)
register(
    RECTIFICATION,
    _("Standards checklists"),
    "rectification:standard_overview",
    order=320,
    kinds=("standards_accepted",),
)
register(RECTIFICATION, _("Pledges"), "rectification:pledge_list", order=330, kinds=PROBLEMS)
register(
    RECTIFICATION,
    _("Working mechanisms"),
    "rectification:mechanism_register",
    order=350,
    kinds=("mechanisms",),
)
register(
    RECTIFICATION, _("Funding"), "rectification:funding_overview", order=360, kinds=("funding",)
)
register(
    RECTIFICATION,
    _("Commendations"),
    "rectification:commendation_list",
    order=370,
    kinds=PROBLEMS,
)
register(
    RECTIFICATION,
    _("Satisfaction evaluation"),
    "rectification:satisfaction",
    order=380,
    kinds=("satisfaction",),
)
