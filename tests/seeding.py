"""The demo county for module-scoped fixtures (tests/demo/test_seed_demo.py,
tests/organizations/test_io_demo.py): seed_demo takes seconds, so those modules seed
it once, inside a transaction rolled back after their last test, and each test runs in
its own savepoint within it."""

from __future__ import annotations

import io
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
    passwords; English); returns what it printed. Seeded once per process, then
    replayed row for row (tests/replay.py): a few seconds instead of half a minute for
    each module after the first."""
    return _demo()


def seed_demo_for_real() -> str:
    """Run `manage.py seed_demo` itself (tests/demo/test_seed_demo.py counts its
    statements), with the settings of seed_demo_as_tests_run."""
    out = io.StringIO()
    with (
        override_settings(PASSWORD_HASHERS=TEST_HASHERS, LANGUAGE_CODE="en", DEMO_PASSWORD=""),
        translation.override("en"),
    ):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


# The seed writes evidence files under MEDIA_ROOT: another root is seeded again.
_demo = Replayer(seed_demo_for_real, settings_read=("MEDIA_ROOT",))


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
