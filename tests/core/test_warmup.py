"""No cold workers (issue #20): gunicorn preloads the application and warms it in the
master before forking (portal/core/warmup.py), and recycles workers with a jitter of
half their request budget so two workers started together are not replaced together."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.db import connections
from django.template import engines

CONF = Path(__file__).resolve().parents[2] / "portal" / "gunicorn.conf.py"


def test_gunicorn_preloads_and_recycles_workers_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GUNICORN_PRELOAD", "GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(CONF))
    assert config["preload_app"] is True
    assert config["max_requests"] == 1000
    assert config["max_requests_jitter"] == 500
    assert callable(config["when_ready"])

    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "40")
    config = runpy.run_path(str(CONF))
    assert config["preload_app"] is False
    assert (config["max_requests"], config["max_requests_jitter"]) == (40, 20)


def _cached_loader(loaders: list) -> object:
    """Django's cached loader, wherever it sits (template-partials wraps it)."""
    for loader in loaders:
        if hasattr(loader, "get_template_cache"):
            return loader
        found = _cached_loader(getattr(loader, "loaders", []))
        if found is not None:
            return found
    return None


@pytest.mark.django_db(transaction=True)
def test_warm_up_compiles_the_templates_and_leaves_no_connection_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.core.warmup import _template_names, warm

    closed = []
    close_all = connections.close_all

    def spy() -> None:
        close_all()
        closed.append("closed")

    monkeypatch.setattr(connections, "close_all", spy)

    names = _template_names()
    assert "base.html" in names and "progress/dashboard.html" in names
    steps = warm()
    assert set(steps) == {
        "urls",
        "templates",
        "translations",
        "static manifest",
        "content types",
        "requirements",
    }
    # Every template is compiled and kept by the cached loader, so a forked worker
    # renders its first page without parsing one.
    cache = _cached_loader(engines["django"].engine.template_loaders).get_template_cache
    assert "base.html" in {key.split("-")[0] for key in cache}
    assert len(cache) >= len(names) // 2
    # Nothing shared across the fork: the connections are closed last (SQLite keeps an
    # in-memory test database open whatever it is told, so the call is what is checked).
    assert closed == ["closed"]


def test_the_garbage_collector_is_tuned_for_the_workers() -> None:
    """tune_gc (portal/gunicorn.conf.py's when_ready, after warm()): everything alive
    frozen out of the collector's sight, the thresholds raised (issue #20)."""
    import gc

    from portal.core.warmup import GC_THRESHOLDS, tune_gc

    thresholds = gc.get_threshold()
    try:
        tune_gc(freeze=True)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
