"""Warming the application before gunicorn forks its workers (portal/gunicorn.conf.py:
preload_app, then `when_ready` calls warm()).

A fresh worker used to pay on its first requests for everything Django builds lazily:
the URL resolvers, the compiled templates of the pages, the translation catalogues, the
static files' manifest, the content types. With the application preloaded and warmed in
the master process, every worker — the first ones and those that replace a recycled
worker — starts with all of it in memory (copy-on-write), and its first request costs
what the others do.

Nothing here may leave a connection open to be shared across the fork: the database
connections are closed at the end, and the cache is never touched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


def _template_names() -> list[str]:
    """Every template the Django engine's directories and apps hold (their names)."""
    from django.template import engines
    from django.template.utils import get_app_template_dirs

    names: set[str] = set()
    for engine in engines.all():
        dirs = list(getattr(engine, "dirs", []))
        if getattr(engine, "app_dirs", False):
            dirs += list(get_app_template_dirs("templates"))
        for folder in dirs:
            root = Path(folder)
            for path in root.rglob("*.html"):
                names.add(path.relative_to(root).as_posix())
    return sorted(names)


def warm() -> dict[str, float]:
    """Build what the first requests would build; returns seconds per step (logged)."""
    from django.conf import settings
    from django.db import connections

    steps: dict[str, float] = {}

    def step(name: str, func: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            func()
        except Exception:  # a failed warm-up costs speed, never the start
            logger.warning("warm-up step %s failed", name, exc_info=True)
        steps[name] = time.perf_counter() - started

    def urls() -> None:
        from django.urls import resolve, reverse
        from django.utils import translation

        # The resolvers' reverse tables are built per language, their patterns compiled
        # on first use.
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                for name in ("core:home", "progress:dashboard", "reviews:inbox"):
                    resolve(reverse(name))

    def templates() -> None:
        from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines

        for engine in engines.all():
            for name in _template_names():
                try:
                    engine.get_template(name)
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue

    def translations() -> None:
        from django.utils import translation

        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                translation.gettext("Home")

    def static_manifest() -> None:
        from django.contrib.staticfiles.storage import staticfiles_storage

        if hasattr(staticfiles_storage, "load_manifest"):
            staticfiles_storage.url("portal/css/portal.css")

    def content_types() -> None:
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.get_for_models(*apps.get_models())

    def requirements() -> None:
        from activities.models import Campaign
        from portal.progress.engine import requirements as of_campaign

        for campaign in Campaign.objects.filter(is_active=True):
            of_campaign(campaign)

    step("urls", urls)
    step("templates", templates)
    step("translations", translations)
    step("static manifest", static_manifest)
    step("content types", content_types)
    step("requirements", requirements)
    connections.close_all()  # never share a database connection with the workers
    logger.info(
        "warmed up in %.2f s (%s)",
        sum(steps.values()),
        ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items()),
    )
    return steps


# The cyclic garbage collector's thresholds in a worker (issue #20): a collection of the
# youngest generation after this many new container objects instead of Python's 700,
# and of the older ones rarely. See tune_gc().
GC_THRESHOLDS = (50_000, 20, 10)


def tune_gc(*, freeze: bool) -> None:
    """Make the cyclic garbage collector cheap in the workers (issue #20).

    A request allocates tens of thousands of objects (querysets, model instances,
    template contexts) that reference counting frees; with Python's default thresholds
    the collector still ran some 1.5 times a request, and every hundred-odd requests a
    full collection walked the whole heap — the Django application, a quarter of a
    million objects — for ~100 ms: about 1 ms of CPU a request on average, and a slow
    request now and then (bench/README.md, "The deadline rush"). `freeze`, in the
    master after the application is loaded and warmed, moves everything alive into the
    permanent generation, which no collection walks again (and which the forked
    workers share untouched, copy-on-write); the higher thresholds, inherited by the
    workers, make the young collections rare. Cyclic garbage still goes, a little
    later; the workers are recycled every thousand-odd requests anyway."""
    import gc

    if freeze:
        gc.collect()
        gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
