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
