"""Cache access for request paths: a page never fails because the cache is unreachable.

In production the cache is Redis. When Redis is stopped, restarting or unreachable, a
cache read answers "not cached" and a write is dropped, so the page computes the value
itself (slower, never wrong, never a 500). Who relies on this: the checklist and
dashboard caches (portal/progress), the task de-duplication of the roll-up, the public
suggestion box's rate limits.

A failed call opens a short circuit (CIRCUIT_SECONDS) in this process: later calls skip
the cache at once instead of each waiting for a connect timeout, so a page that reads
the cache five times costs one failed attempt, not five. The circuit closes by itself;
the first call after it tries the cache again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

# Seconds the cache is skipped after a failed call (per process).
CIRCUIT_SECONDS = 5.0

_lock = threading.Lock()
_open_until = 0.0


def _skipping() -> bool:
    return time.monotonic() < _open_until


def _failed(op: str, key: str) -> None:
    global _open_until
    with _lock:
        first = not _skipping()
        _open_until = time.monotonic() + CIRCUIT_SECONDS
    if first:
        # One warning per outage window, not one per call.
        logger.warning("cache unreachable (%s %s): computing without it", op, key, exc_info=True)


def reset() -> None:
    """Close the circuit (tests, and after a configuration change)."""
    global _open_until
    with _lock:
        _open_until = 0.0


def cache_get(key: str, default: Any = None) -> Any:
    """The cached value, or `default` when missing or when the cache is unreachable."""
    if _skipping():
        return default
    try:
        return cache.get(key, default)
    except Exception:  # any backend error means "not cached"
        _failed("get", key)
        return default


def cache_get_many(keys: list[str]) -> dict[str, Any]:
    """{key: value} of the keys cached (one round trip), {} when unreachable."""
    if _skipping() or not keys:
        return {}
    try:
        return dict(cache.get_many(keys))
    except Exception:
        _failed("get_many", keys[0])
        return {}


def cache_set(key: str, value: Any, timeout: float | None) -> bool:
    """Store the value; False (and nothing raised) when the cache is unreachable."""
    if _skipping():
        return False
    try:
        cache.set(key, value, timeout)
    except Exception:
        _failed("set", key)
        return False
    return True


def cache_add(key: str, value: Any, timeout: float | None) -> bool | None:
    """Add the key if absent: True when added, False when already there, None when the
    cache is unreachable (the caller decides what "unknown" means for it)."""
    if _skipping():
        return None
    try:
        return bool(cache.add(key, value, timeout))
    except Exception:
        _failed("add", key)
        return None


def cache_incr(key: str, timeout: float) -> int | None:
    """Count one hit on a counter that expires `timeout` seconds after it was created
    (a fixed window): the new count, or None when the cache is unreachable."""
    if _skipping():
        return None
    try:
        cache.add(key, 0, timeout=timeout)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=timeout)
            return 1
    except Exception:
        _failed("incr", key)
        return None


def cache_delete(key: str) -> None:
    if _skipping():
        return
    try:
        cache.delete(key)
    except Exception:
        _failed("delete", key)
