"""Compose health check of the beat service: healthy while some beat holds the
scheduling lock in Redis (portal/core/beat.py), i.e. periodic tasks are being sent.

    python scripts/beat_healthcheck.py        exit 0 (lock held) or 1
"""

from __future__ import annotations

import os
import sys

import redis

LOCK_KEY = "portal:beat:lock"  # portal.core.beat.LOCK_KEY (no Django start-up here)


def main() -> int:
    try:
        client = redis.Redis.from_url(
            os.environ["REDIS_URL"], socket_connect_timeout=3, socket_timeout=3
        )
        holder = client.get(LOCK_KEY)
    except (KeyError, redis.RedisError) as exc:
        print(f"beat health: {exc!r}", file=sys.stderr)
        return 1
    if not holder:
        print("beat health: no beat holds the scheduling lock", file=sys.stderr)
        return 1
    name = holder.decode() if isinstance(holder, bytes) else holder
    print(f"beat health: lock held by {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
