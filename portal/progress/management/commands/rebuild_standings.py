"""`manage.py rebuild_standings [--campaign ID]`: recompute the requirement roll-up
(portal/progress/rollup.py) of every campaign, or of one. Run after deploying a release
that changes the requirements (`--if-needed` does only what is needed; the deploy runs it
after `migrate`) and after bulk loads; the nightly beat task does the same."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from activities.models import Campaign
from portal.progress import rollup
from portal.progress.models import Rollup


class Command(BaseCommand):
    help = "Recompute the requirement roll-up of every campaign (or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, help="only this campaign (id)")
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="only campaigns never rolled up or rolled up with other requirements "
            "(after each deploy: fast when nothing changed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaigns = Campaign.objects.select_related("lead_organization").prefetch_related("phases")
        if options["campaign"]:
            campaigns = campaigns.filter(pk=options["campaign"])
        built = dict(Rollup.objects.values_list("campaign_id", "layout"))
        for campaign in campaigns:
            if options["if_needed"] and built.get(campaign.pk) == rollup.layout(campaign):
                continue
            started = time.monotonic()
            n = rollup.rebuild(
                campaign, log=self.stdout.write if options["verbosity"] > 1 else None
            )
            self.stdout.write(
                f"{campaign}: {n} organizations in {time.monotonic() - started:.1f} s"
            )
        rollup.analyze_sqlite()
