"""`manage.py seed_scale --orgs N --members M [--records R] [--database ALIAS]`: scale
data for the benchmarks (scale/seeding.py). A county: `--orgs 2000 --members
20000` (100,000 records); a province: `--orgs 100000 --members 1000000`.

Runs only on a database without organizations: it never mixes with real data, and a
database already seeded (its root organization has the code BENCH-ROOT) is refused
too; give the benchmark a database of its own."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from scale.base import ScaleError
from scale.seeding import seed_scale


class Command(BaseCommand):
    help = "Seed an empty database with a county or province tree, members and records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orgs", type=int, required=True, help="organizations")
        parser.add_argument("--members", type=int, required=True, help="members")
        parser.add_argument(
            "--records",
            type=int,
            default=None,
            help="top-level campaign records (default: 5 per member)",
        )
        parser.add_argument("--seed", type=int, default=2014, help="random seed")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seed_scale(
                options["orgs"],
                options["members"],
                options["records"],
                using=options["database"],
                seed=options["seed"],
                log=self.stdout.write,
            )
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
