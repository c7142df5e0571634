"""`manage.py backup <directory or file>`: the database and the media files in one
archive with a manifest of checksums (portal/core/backup.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portal.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup archive (database dump, media files, manifest of checksums). "
        "Given a directory, the archive is named portal-backup-<date>-<time>.tar."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("target", help="a directory, or the archive's file name")
        parser.add_argument("--no-media", action="store_true", help="the database alone")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = create_backup(
                options["target"],
                using=options["database"],
                media=not options["no_media"],
                log=lambda line: self.stdout.write(line) if options["verbosity"] else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {summary.archive} ({summary.database} database, "
                f"{summary.media_files} media files, {summary.bytes:,} bytes)"
            )
        )
