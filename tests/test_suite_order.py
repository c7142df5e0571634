"""The suite's own order (tests/conftest.py LONG_MODULES): the long modules exist and are
collected first, so that xdist hands them out first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import LONG_MODULES, _long_first

ROOT = Path(__file__).resolve().parents[1]


def test_every_long_module_named_exists() -> None:
    missing = [p for p in LONG_MODULES if not (ROOT / p).exists()]
    assert missing == [], f"LONG_MODULES names what is not there (moved?): {missing}"


def test_long_modules_rank_before_the_rest_in_their_order() -> None:
    class Item:
        def __init__(self, nodeid: str) -> None:
            self.nodeid = nodeid

    items: list[Any] = [
        Item("tests/accounts/test_views.py::test_a"),
        Item("tests/e2e/test_header.py::test_b"),
        Item("tests/ops/test_backup_restore.py::test_c"),
    ]
    items.sort(key=_long_first)
    assert [i.nodeid.split("::")[1] for i in items] == ["test_c", "test_b", "test_a"]


class _Marker:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


class _Item:
    def __init__(
        self,
        nodeid: str,
        fixtures: list[str],
        transaction: bool | None = None,
        either_pass: bool = False,
    ) -> None:
        self.nodeid = nodeid
        self.fixturenames = fixtures
        self._marker = None if transaction is None else _Marker(transaction=transaction)
        self._either = _Marker() if either_pass else None

    def get_closest_marker(self, name: str) -> Any:
        return {"django_db": self._marker, "either_pass": self._either}.get(name)


class _Config:
    def __init__(self) -> None:
        self.deselected: list[Any] = []

        class Hook:
            @staticmethod
            def pytest_deselected(items: list[Any]) -> None:
                self.deselected.extend(items)

        self.hook = Hook()


def _items() -> list[Any]:
    return [
        _Item("tests/test_templates_hygiene.py::test_plain", []),
        # Its own processes and databases: no database of the pass's, yet it runs in the
        # PostgreSQL pass (scripts/test.sh leaves it out of the SQLite one).
        _Item("tests/ops/test_backup_restore.py::test_own_processes", [], either_pass=True),
        _Item("tests/accounts/test_views.py::test_db", ["db"]),
        _Item("tests/accounts/test_views.py::test_marked", [], transaction=False),
        _Item("tests/accounts/test_views.py::test_committed", [], transaction=True),
    ]


def test_the_postgresql_pass_keeps_only_tests_that_use_the_database(monkeypatch: Any) -> None:
    from tests.conftest import pytest_collection_modifyitems

    monkeypatch.setenv("PORTAL_TEST_DATABASE_ONLY", "1")
    items, config = _items(), _Config()
    pytest_collection_modifyitems(config, items)
    assert [i.nodeid.split("::")[1] for i in items] == [
        "test_own_processes",
        "test_db",
        "test_marked",
        "test_committed",
    ]
    assert [i.nodeid.split("::")[1] for i in config.deselected] == ["test_plain"]

    monkeypatch.delenv("PORTAL_TEST_DATABASE_ONLY")
    items, config = _items(), _Config()
    pytest_collection_modifyitems(config, items)  # the SQLite pass: every test
    assert len(items) == 5 and config.deselected == []


def test_a_long_module_keeps_its_rank_with_tests_without_a_database() -> None:
    """xdist hands a module out where its first test stands: the demo story's checks that
    need no database must not put it before tests/demo/test_seed_demo.py, which seeds
    the demo they replay."""
    from tests.conftest import pytest_collection_modifyitems

    items: list[Any] = [
        _Item("tests/demo/test_rectification.py::test_plan_only", []),
        _Item("tests/demo/test_rectification.py::test_seeded", ["db"]),
        _Item("tests/accounts/test_views.py::test_db", ["db"]),
        _Item("tests/demo/test_seed_demo.py::test_seeds", ["db"]),
        _Item("tests/ops/test_backup_restore.py::test_own_processes", [], either_pass=True),
    ]
    pytest_collection_modifyitems(_Config(), items)
    assert [i.nodeid.split("::")[1] for i in items] == [
        "test_own_processes",  # no database at all: first
        "test_seeds",
        "test_plan_only",  # beside its module's other tests, in their order
        "test_seeded",
        "test_db",
    ]
