#!/usr/bin/env python3
"""Ask a running portal for /healthz; exit 0 when it answers 200, 1 otherwise.

    python scripts/healthcheck.py [URL] [--wait SECONDS]

URL defaults to http://127.0.0.1:8000/healthz (gunicorn in the container). The Host
header is the first concrete name in ALLOWED_HOSTS (or HEALTHCHECK_HOST), since Django
answers 400 to any other host. --wait retries until the deadline (used while starting).
Standard library only: the Docker HEALTHCHECK and docker-compose.yml run it every
30 seconds, so it must start fast and must not load Django.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def host_header() -> str:
    explicit = os.environ.get("HEALTHCHECK_HOST", "").strip()
    if explicit:
        return explicit
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip().lstrip(".")  # ".example.org" allows example.org too
        if entry and entry != "*":
            return entry
    return "localhost"


def probe(url: str, host: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (our own URL)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", "replace")
    except OSError as exc:  # refused, reset, timed out: not up (yet)
        return 0, f"{exc.__class__.__name__}: {exc}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000/healthz")
    parser.add_argument("--wait", type=float, default=0, help="retry for this many seconds")
    args = parser.parse_args()
    host = host_header()
    deadline = time.monotonic() + args.wait
    while True:
        status, body = probe(args.url, host)
        if status == 200:
            return 0
        if time.monotonic() >= deadline:
            print(f"healthz {args.url} (Host: {host}): {status or 'no answer'} {body}")
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
