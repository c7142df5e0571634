"""Production settings (portal/settings.py read with DEBUG=0 from the environment) for
the load benchmark's gunicorn, with one change: the collected static files live under
bench/out/static, so that `collectstatic` for the benchmark never rewrites the
STATIC_ROOT another process (the dev server, the browser tests) may be serving.

Used as DJANGO_SETTINGS_MODULE=bench_settings with bench/ on PYTHONPATH (bench/load.py
sets both)."""

from __future__ import annotations

import os
from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "bench" / "out" / "static"
# bench/rush.py --static-root: collect into another folder.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])

# bench/load.py --no-cache: every request computes what the pages otherwise cache (the
# dashboard's figures, the secretary's checklists): the cold path under load.
if os.environ.get("BENCH_NO_CACHE") == "1":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# bench/rush.py --static-finders (its small configuration, run as a test): static files
# served from their folders, no collectstatic and no manifest to build first.
if os.environ.get("BENCH_STATIC_FINDERS") == "1":
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    WHITENOISE_USE_FINDERS = True
