"""Celery beat that schedules only while it holds a lock in Redis.

Two beats started by mistake (a second `docker compose up` with --scale, a native run
beside compose) would each send every periodic task. With this scheduler
(settings.CELERY_BEAT_SCHEDULER) a beat sends tasks only while it holds
`portal:beat:lock` in the broker's Redis; a second beat stands by, trying again every
STANDBY_SECONDS, and takes over within LOCK_TTL seconds when the first one dies. The
periodic tasks stay idempotent all the same (a lock can change hands mid-minute).

scripts/beat_healthcheck.py (compose) reports healthy while some beat holds the lock.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "portal:beat:lock"
LOCK_TTL = 30  # seconds: how long a dead holder blocks a standby beat
STANDBY_SECONDS = 5.0

# Refresh only our own lock; release only our own lock (another beat may hold it now).
_REFRESH = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end"
)


class BeatLock:
    """A lock with an expiry, held by one token at a time."""

    def __init__(self, client: Any, key: str = LOCK_KEY, ttl: int = LOCK_TTL) -> None:
        self.client, self.key, self.ttl = client, key, ttl
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        """Take the lock, or extend it when we hold it; False when another holds it or
        Redis cannot be reached (a beat without its broker sends nothing anyway)."""
        try:
            if self.client.set(self.key, self.token, nx=True, ex=self.ttl):
                return True
            return bool(self.client.eval(_REFRESH, 1, self.key, self.token, self.ttl))
        except redis.RedisError:
            logger.warning("beat lock: Redis unreachable; not scheduling")
            return False

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # else it expires by itself
            self.client.eval(_RELEASE, 1, self.key, self.token)

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value else None


class LockedScheduler(PersistentScheduler):
    """PersistentScheduler whose tick does nothing unless this beat holds the lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock: BeatLock | None = None
        self._holding: bool | None = None
        super().__init__(*args, **kwargs)

    @property
    def lock(self) -> BeatLock:
        if self._lock is None:
            client = redis.Redis.from_url(
                self.app.conf.broker_url, socket_connect_timeout=3, socket_timeout=3
            )
            self._lock = BeatLock(client)
        return self._lock

    def tick(self, *args: Any, **kwargs: Any) -> float:
        holding = self.lock.acquire()
        if holding != self._holding:
            if holding:
                logger.info("beat: this beat took the scheduling lock (%s)", self.lock.token)
            else:
                logger.warning(
                    "beat: standing by, another beat has the scheduling lock (%s)",
                    self.lock.token,
                )
            self._holding = holding
        if not holding:
            return STANDBY_SECONDS
        # Wake up often enough to extend the lock before it expires.
        return min(super().tick(*args, **kwargs), LOCK_TTL / 3)

    def close(self) -> None:
        if self._lock is not None and self._holding:
            self._lock.release()
        super().close()
