"""The demo county for module-scoped fixtures (tests/demo/, tests/organizations/
test_io_demo.py, the phone lists, the cache-down tests): seed_demo takes half a minute,
so those modules seed it once, inside a transaction rolled back after their last test,
and each test runs in its own savepoint within it. Once per run, in fact: the first
process to need it seeds, and every other replays its rows and files (tests/replay.py,
`shared`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.replay import Replayer

# As tests/conftest.py's autouse `_test_settings`, which is function-scoped and so not
# yet applied when a module-scoped fixture runs.
TEST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo_as_tests_run() -> str:
    """The demo county as `manage.py seed_demo` writes it with the settings every test
    runs with (the fast password hasher, so that the tests' logins check the demo
    passwords; English); returns what it printed. Seeded once per run, then replayed
    row for row (tests/replay.py): a few seconds instead of half a minute for each
    module after the first."""
    with _as_tests_run():
        return _demo()


def seed_2014_as_tests_run() -> str:
    """The demo county with the 2014 campaign only (`seed_demo
    --without-running-campaign`: the running campaign has tests of its own), as
    seed_demo_as_tests_run."""
    with _as_tests_run():
        return _demo_2014()


def seed_demo_for_real(wrap: Callable[[Callable[[], str]], str] | None = None) -> str:
    """Run `manage.py seed_demo` itself, with the settings of seed_demo_as_tests_run,
    inside `wrap` when given (tests/demo/test_seed_demo.py counts its statements); the
    other modules of the run replay what it wrote when it came first."""
    with _as_tests_run():
        return _demo.build_here(lambda: wrap(_seed) if wrap else _seed())


@contextmanager
def _as_tests_run() -> Iterator[None]:
    with (
        override_settings(PASSWORD_HASHERS=TEST_HASHERS, LANGUAGE_CODE="en", DEMO_PASSWORD=""),
        translation.override("en"),
    ):
        yield


def _seed(*options: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *options, stdout=out)
    return out.getvalue()


# Seeded once per run (the first process to need it; the others replay it from disk),
# under the same settings whichever module asks first, and replayed with the evidence
# files it writes under MEDIA_ROOT.
_demo = Replayer(_seed, shared="demo", media=True)
_demo_2014 = Replayer(lambda: _seed("--without-running-campaign"), shared="demo-2014", media=True)


def campaign_rows(model: Any) -> Any:
    """`model`'s rows that belong to the campaign demo: the yearly classes, upgrade
    plans and demonstrations (demo/upgrading.py, docs/product.md §6.4) are dated this
    year and are left out of the 2014 story's checks — their review tasks and events, and
    the notices that link to them — as is the notice of an instructor's assignment to an
    enterprise without a Party organization (a standing assignment, not a campaign's)."""
    rows = model._base_manager.all()
    names = {f.name for f in model._meta.get_fields()}
    if "content_type" in names:
        rows = rows.exclude(content_type__app_label="upgrading")
    if model._meta.label == "notifications.Notification":
        rows = rows.exclude(url__startswith="/upgrading/").exclude(
            verb="guidance.enterprise_assigned"
        )
    return rows
