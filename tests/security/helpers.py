"""Production settings read in a separate interpreter (settings are evaluated once per
process: DEBUG=0 cannot be switched on inside the test run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-Zq8vN3xL5tR7wY1uP4sK6mH9jD2fG0bC-check-deploy-key",
    "ALLOWED_HOSTS": "portal.example",
    # Test-only keys of the personal data encrypted at rest (32 bytes each).
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTA=",
    "FIELD_HASH_KEY": "dGVzdC1vbmx5LWZpZWxkLWhhc2gta2V5LTAxMjM0NTY=",
    "REDIS_URL": "",
    "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
}


def production_env(**extra: str) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' conftest in the same process;
    # production never has it (check --deploy refuses it).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORWARDED_ALLOW_IPS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return {**env, **PRODUCTION_ENV, **extra}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        args, env=env, capture_output=True, text=True, cwd=ROOT, check=False
    )


def production_settings(*names: str, **extra: str) -> dict:
    """The named settings as production (DEBUG=0, no Redis) sees them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    out = run([sys.executable, "-c", code], production_env(**extra))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
