"""The records of the scale data (scale/seeding.py): for each organization taking part
and each requirement of the live checklist a die decides met or one of the ways of being
unmet, and each phase's module writes the records that follow; routine meetings fill up
to the record budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from organizations.models import Organization

from .base import RECORD_TABLES
from .members import MemberRecords
from .phase1 import Phase1Records
from .phase2 import Phase2Records
from .phase3 import Phase3Records

MET_RATE = 0.75
WEAK_MET_RATE = 0.45

REQUIREMENTS = (
    "plan_approved",
    "mobilization",
    "counseling",
    "study_exchanges",
    "opinions",
    "statements_approved",
    "special_meeting",
    "appraisal",
    "problem_list_published",
    "no_overdue",
    "items_closed",
    "eight_haves",
    "mechanisms",
    "funding",
    "satisfaction",
)


class Seeder(MemberRecords, Phase1Records, Phase2Records, Phase3Records):
    """Writes the members and the campaign's records of a tree (see scale/seeding.py).
    One instance per seed."""

    # the campaign -------------------------------------------------------------------

    def campaign(self, root_id: int) -> None:
        from activities.models import Campaign
        from activities.seed import ensure_campaign_2014
        from rectification.models import MechanismKind, StandardItem
        from rectification.models.standards import EIGHT_HAVES
        from rectification.seed import ensure_standard_templates
        from rectification.seed_mechanisms import ensure_mechanism_kinds

        using = self.w.using
        root = self._org_model().objects.using(using).get(pk=root_id)
        campaign = ensure_campaign_2014(root)
        self.c = Campaign.objects.using(using).get(pk=campaign.pk)
        self.phases = {p.number: p for p in self.c.phases.all()}
        self.grades = list(self.c.grades.order_by("order"))
        self.categories = list(self.c.problem_categories.values_list("pk", flat=True))
        templates = ensure_standard_templates(self.c)
        self.eight = templates[EIGHT_HAVES]
        self.eight_items = list(
            StandardItem.objects.using(using)
            .filter(template=self.eight)
            .order_by("order")
            .values_list("pk", "points")
        )
        ensure_mechanism_kinds()
        self.kinds = list(MechanismKind.objects.using(using).values_list("pk", flat=True))
        from rectification.seed_satisfaction import ensure_satisfaction_questions

        self.overall_question = next(
            q.pk for q in ensure_satisfaction_questions(self.c) if q.is_overall
        )

    @staticmethod
    def _org_model() -> type[Organization]:
        from organizations.models import Organization

        return Organization

    def records(self) -> None:
        first_in_county: dict[int, int] = {}
        for i in range(len(self.t.paths)):
            if self.t.numchild[i] and not self.participating[i]:
                # Committees above the grass roots hold the mobilization meeting their
                # organizations may attend.
                self.mobilization_of[i] = self._meeting(i, "mobilization", attendance=False)
            if not self.participating[i]:
                continue
            county = self.t.county_of[i]
            seen = first_in_county.setdefault(county, 0)
            first_in_county[county] = seen + 1
            forced = True if seen == 0 else False if seen == 1 else None
            rate = WEAK_MET_RATE if self.t.weak[i] else MET_RATE
            self._organization(i, forced, rate)

    def _met(self, forced: bool | None, rate: float) -> bool:
        return forced if forced is not None else self.rng.random() < rate

    def _organization(self, i: int, forced: bool | None, rate: float) -> None:
        met = {code: self._met(forced, rate) for code in REQUIREMENTS}
        self._plan(i, met["plan_approved"])
        self._mobilization(i, met["mobilization"])
        self._counseling(i, met["counseling"])
        for _ in range(self.rng.randint(1, 3) if met["study_exchanges"] else 0):
            self._meeting(i, "study_exchange", attendance=False)
        adopted = self._opinions(i, met["opinions"])
        self._statements(i, met["statements_approved"])
        self._special_meeting(i, met["special_meeting"])
        self._appraisal(i, met["appraisal"])
        self._problem_list(i, met, adopted)
        self._eight_haves(i, met["eight_haves"])
        self._mechanisms(i, met["mechanisms"])
        self._funding(i, met["funding"])
        self._satisfaction(i, met["satisfaction"])
        self._pledges(i)

    def routine(self, budget: int) -> None:
        """Routine meetings (with attendance) until the top-level records reach
        `budget`, spread evenly over the participating organizations."""
        record_rows = sum(
            t.next_id - t.first_id for name, t in self.w.tables.items() if name in RECORD_TABLES
        )
        missing = budget - record_rows
        hosts = [i for i, p in enumerate(self.participating) if p]
        if missing <= 0 or not hosts:
            return
        per_org, extra = divmod(missing, len(hosts))
        kinds = ["branch_general", "branch_committee", "themed_day", "study_session"]
        for n, i in enumerate(hosts):
            for k in range(per_org + (1 if n < extra else 0)):
                self._meeting(i, kinds[k % 4], phase=1 + k % 3)
