"""A heartbeat for long background work: while a render or an import runs, a thread
touches the row's `heartbeat_at` every few seconds, so that a periodic task can tell a
job whose worker died (no heartbeat for a while) from one that is merely slow, and run
it again within a minute instead of waiting for the broker's redelivery (ten minutes).

Who relies on it: reports.services (report requests) and organizations.imports.services
(import jobs), each with its own staleness limit and resend task.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import DatabaseError, InterfaceError
from django.utils import timezone

logger = logging.getLogger(__name__)


class Heartbeat:
    """Context manager: `queryset.update(heartbeat_at=now)` every `every` seconds in a
    thread with its own database connection (closed when it stops). The queryset names
    the row and the state it must still be in (a row another attempt took over is not
    touched)."""

    def __init__(self, queryset: Any, every: float) -> None:
        self.queryset, self.every = queryset, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(self.every):
                try:
                    self.queryset.update(heartbeat_at=timezone.now())
                except (DatabaseError, InterfaceError):
                    logger.warning("heartbeat of %s not recorded", self.queryset.model.__name__)
        finally:
            connection.close()
