"""Shared fixtures: a small world of organizations and one persona per role.

    county 县委 ───── working 两新工委 ─┬─ park_a 园区A ─┬─ own 企业党委 (secretary, clerk, instructor)
                                      │                │    └─ child 企业支部
                                      │                └─ sibling 兄弟支部
                                      └─ park_b 园区B ─── other 另一园区支部 (secretary2)
    other_county 邻县县委 ── far 邻县支部

reviewer sits at park_a, office at county, `accounts` (the account manager) at park_a; `outsider` is secretary of `other`;
`nobody` has a login and no role.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from organizations.models import Organization, OrgKind
from portal.accounts.models import Role, User
from portal.accounts.services import role_assign
from tests.factories import MemberFactory, UserFactory, add_org
from tests.replay import Replayer

PASSWORD = "pw-for-tests-123"


@dataclass
class World:
    county: Organization
    working: Organization
    park_a: Organization
    own: Organization
    child: Organization
    sibling: Organization
    park_b: Organization
    other: Organization
    other_county: Organization
    far: Organization
    admin: User
    office: User
    reviewer: User
    accounts: User
    instructor: User
    secretary: User
    clerk: User
    member_user: User
    outsider: User
    nobody: User

    def refresh(self) -> None:
        for _name, value in vars(self).items():
            if isinstance(value, Organization):
                value.refresh_from_db()


def build_world() -> World:
    county = add_org(
        None, kind=OrgKind.COUNTY_COMMITTEE, short_name="测试县委", full_name="中共测试县委员会"
    )
    working = add_org(
        county,
        kind=OrgKind.WORKING_COMMITTEE,
        short_name="两新工委",
        full_name="中共测试县两新组织工作委员会",
    )
    park_a = add_org(
        working,
        kind=OrgKind.PARK_COMMITTEE,
        short_name="园区A党委",
        full_name="中共测试县A园区委员会",
    )
    own = add_org(
        park_a, kind=OrgKind.COMMITTEE, short_name="甲公司党委", full_name="中共甲公司委员会"
    )
    child = add_org(
        own, kind=OrgKind.BRANCH, short_name="甲公司一支部", full_name="中共甲公司第一支部委员会"
    )
    sibling = add_org(
        park_a, kind=OrgKind.BRANCH, short_name="乙公司支部", full_name="中共乙公司支部委员会"
    )
    park_b = add_org(
        working,
        kind=OrgKind.PARK_COMMITTEE,
        short_name="园区B党委",
        full_name="中共测试县B园区委员会",
    )
    other = add_org(
        park_b, kind=OrgKind.BRANCH, short_name="丙公司支部", full_name="中共丙公司支部委员会"
    )
    other_county = add_org(
        None, kind=OrgKind.COUNTY_COMMITTEE, short_name="邻县县委", full_name="中共邻县委员会"
    )
    far = add_org(
        other_county, kind=OrgKind.BRANCH, short_name="丁公司支部", full_name="中共丁公司支部委员会"
    )

    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    users: dict[str, User] = {}
    for username, role, org in [
        ("office", Role.OFFICE, county),
        ("reviewer", Role.REVIEWER, park_a),
        ("accounts", Role.ACCOUNT_MANAGER, park_a),
        ("instructor", Role.INSTRUCTOR, own),
        ("secretary", Role.SECRETARY, own),
        ("clerk", Role.CLERK, own),
        ("outsider", Role.SECRETARY, other),
    ]:
        users[username] = UserFactory(username=username)
        role_assign(actor=None, user=users[username], role=role, organization=org)
    member_user = UserFactory(username="member")
    MemberFactory(organization=own, user=member_user, name="党员本人")
    nobody = UserFactory(username="nobody")
    world = World(
        county=county,
        working=working,
        park_a=park_a,
        own=own,
        child=child,
        sibling=sibling,
        park_b=park_b,
        other=other,
        other_county=other_county,
        far=far,
        admin=admin,
        member_user=member_user,
        nobody=nobody,
        **users,
    )
    world.refresh()
    return world


def _mark_world(world: World) -> None:
    """Building the world marks every organization's roll-up row in the test's
    transaction (portal/progress/rollup.py mark_changed): a replayed world does too, so
    that pinned query counts and on-commit callbacks are those of a built one."""
    from portal.progress import rollup

    rollup.mark_changed([v.pk for v in vars(world).values() if isinstance(v, Organization)])


# Built through the services once per process, then replayed row for row (tests/replay.py).
_world = Replayer(build_world, after_replay=_mark_world)


@pytest.fixture
def world(db: Any) -> World:
    return _world()


@pytest.fixture(autouse=True)
def _today_is_the_clocks(request: Any, monkeypatch: Any) -> None:
    """A module that says `TODAY_FROM_CLOCK = True` gets its `TODAY` read again before
    each test: read once at import, it would be yesterday for the tests run after
    midnight in Asia/Shanghai (16:00 UTC) in a suite that started before it."""
    module = getattr(request, "module", None)
    if module is not None and getattr(module, "TODAY_FROM_CLOCK", False):
        from django.utils import timezone

        monkeypatch.setattr(module, "TODAY", timezone.localdate())


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read English unless they ask for Chinese (Accept-Language: zh-hans, or
    # translation.override): the portal's default language is Simplified Chinese.
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    settings.AXES_ENABLED = False
    # A test that broke the cache must not leave the next one skipping it.
    from portal.core import cache as safe_cache

    safe_cache.reset()
    # Hermetic: a DEMO_PASSWORD in the caller's environment must not change what
    # seed_demo sets (tests log in with DEFAULT_DEMO_PASSWORD).
    settings.DEMO_PASSWORD = ""
    # Production's rule: site administrators and account managers use two factors
    # (client.force_login verifies their session: tests/two_factor.py).
    settings.TWO_FACTOR_REQUIRED = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: Any) -> None:
    """pytest-django's (a database per xdist worker); and each test database is a copy of
    the run's migrated template when scripts/test.sh built one (tests/dbtemplate.py)."""
    from tests import dbtemplate

    dbtemplate.install()


# The test database's rows right after the migrations, per database alias.
INITIAL_ROWS: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """pytest-django's, then the rows the migrations wrote, kept to restore after a flush
    (see _two_factor_and_append_only)."""
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            INITIAL_ROWS[alias] = connections[alias].creation.serialize_db_to_string()
    yield
    INITIAL_ROWS.clear()


@pytest.fixture(scope="session", autouse=True)
def _two_factor_and_append_only() -> Any:
    """- Client.force_login also passes the second factor of those who need one.
    - Emptying a test database (pytest-django's flush after a transactional test) may
      delete audit rows: on SQLite it runs DELETE, which the append-only triggers refuse
      unless the guard is open (portal/accounts/audit.py). Nothing else opens it.
    - An emptied database gets back the rows the migrations wrote (INITIAL_ROWS, the
      state every other test starts from), with their ids: a test after a transactional
      one finds the mechanism kinds, standards templates, groups and permissions there."""
    from django.core.management.commands import flush
    from django.db import connections
    from django.test import Client

    from portal.accounts.audit import GUARD_WIPE, guard
    from tests.two_factor import patch_force_login

    original_login = patch_force_login(Client)
    original_handle = flush.Command.handle

    def handle(self: Any, *args: Any, **options: Any) -> Any:
        alias = options.get("database") or "default"
        rows = INITIAL_ROWS.get(alias)
        if rows is not None:
            options["inhibit_post_migrate"] = True  # the rows below bring them back
        with guard(GUARD_WIPE):
            result = original_handle(self, *args, **options)
        if rows is not None:
            connections[alias].creation.deserialize_db_from_string(rows)
        return result

    flush.Command.handle = handle
    yield
    flush.Command.handle = original_handle
    Client.force_login = original_login


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# The modules that take a minute or more (their own processes, a seeded demo county, a
# browser), longest first. scripts/test.sh hands modules to the two xdist workers in
# collection order (--dist loadscope --no-loadscope-reorder): started first, they run
# beside the many short modules instead of keeping one core busy at the end while the
# other waits. Measured with `--junitxml` (each testcase's time), summed per module.
LONG_MODULES = (
    # Processes of their own: the either_pass ones (the PostgreSQL pass, scripts/test.sh)
    # and the real Celery worker (the SQLite pass). The first and the last share the
    # demo county's SQLite file (tests/demo_file.py): whichever comes first seeds it.
    "tests/ops/test_backup_restore.py",
    "tests/ops/test_production_topology.py",
    "tests/reports/test_celery_worker.py",
    # Seeds the demo for real (it counts the statements) and leaves it for the modules
    # below to replay (tests/seeding.py), then the one that seeds the 2014 story only.
    "tests/demo/test_seed_demo.py",
    "tests/demo/test_rectification.py",
    "tests/e2e/test_phone_lists.py",
    "tests/organizations/test_io_demo.py",
    "tests/demo/test_seed_demo_running.py",
    "tests/core/test_cache_down.py",
    "tests/demo/test_seed_demo_campaign.py",
    "tests/demo/test_upgrading.py",
    "tests/e2e/",
)


def _long_first(item: Any) -> int:
    path = item.nodeid.split("::")[0]
    path = path if path.startswith("tests/") else f"tests/{path}"
    for rank, prefix in enumerate(LONG_MODULES):
        if path.startswith(prefix):
            return rank
    return len(LONG_MODULES)


def _database_use(item: Any) -> int:
    """0: none; 1: in a transaction rolled back after the test; 2: committed, the database
    emptied afterwards (a transactional test: `transaction=True`, live_server).

    An emptied database has lost the rows the data migrations wrote, so pytest-django
    (like Django's runner) runs the transactional tests after the others; the order
    below keeps that."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    if (
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    ):
        return 2
    return 1 if marker or "db" in fixtures else 0


def _either(item: Any) -> bool:
    return item.get_closest_marker("either_pass") is not None


def _module(item: Any) -> str:
    return str(item.nodeid.split("::")[0])


def _suite_order(item: Any, module_uses_database: bool = False) -> tuple[int, int]:
    """The long modules that need no test database first (their own processes and
    databases), then the tests in a rolled-back transaction, then the transactional ones,
    each group's long modules first; the short tests without a database last.

    A long module with some tests that use the database keeps the ones that do not
    beside them, at its rank: xdist hands a module out where its first test stands, and
    a test without a database at the front would hand it out before the long modules
    ranked above it (tests/demo/test_seed_demo.py, which the demo modules replay, came
    fourth behind three of them, so the demo was seeded twice)."""
    use, rank = _database_use(item), _long_first(item)
    if use == 0:
        if rank < len(LONG_MODULES) and module_uses_database:
            return (1, rank)
        return (0 if rank < len(LONG_MODULES) else 3, rank)
    return (use, rank)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    with_database = {_module(item) for item in items if _database_use(item)}
    # Stable: each module's tests keep their order.
    items.sort(key=lambda item: _suite_order(item, _module(item) in with_database))
    if os.environ.get("PORTAL_TEST_DATABASE_ONLY") == "1":
        # The PostgreSQL pass (scripts/test.sh): a test without a database gives the same
        # answer in both passes and ran in the SQLite one, except the `either_pass` ones,
        # which run here instead (their own processes and databases).
        without = [item for item in items if _database_use(item) == 0 and not _either(item)]
        if without:
            config.hook.pytest_deselected(items=without)
            items[:] = [item for item in items if _database_use(item) != 0 or _either(item)]


def pytest_report_header(config: Any) -> str:
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']} ({os.environ.get('DATABASE_URL', 'sqlite default')})"
