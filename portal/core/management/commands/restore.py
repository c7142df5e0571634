"""`manage.py restore <archive>`: checks every checksum, then loads the database and
the media files of a backup (portal/core/backup.py). Stop the web, worker and beat
processes first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portal.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and media directory "
        "(--force replaces what they hold)."
    )
    # The target may be empty (no tables): nothing to check against yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the data in a database and media directory that are not empty",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = restore_backup(
                Path(options["archive"]),
                using=options["database"],
                force=options["force"],
                log=lambda line: self.stdout.write(line) if options["verbosity"] else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for note in summary.notes:
            self.stderr.write(self.style.WARNING(note))
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {summary.archive}: the {summary.database} database and "
                f"{summary.media_files} media files. Run `manage.py migrate` if this "
                "version of the portal is newer than the backup."
            )
        )
