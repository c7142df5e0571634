"""tests/replay.py: a replayed world is the world the services build, row for row."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from organizations.models import Organization, OrgKind
from tests.conftest import World, build_world
from tests.factories import add_org
from tests.replay import Replayer, _dump, _tables


def _rows() -> dict[str, list[str]]:
    rows, _, _ = _dump(_tables())
    return {table: sorted(map(repr, found)) for table, found in rows.items()}


def _in_rolled_back(action: Any) -> tuple[Any, dict[str, list[str]]]:
    with transaction.atomic():
        result = action()
        rows = _rows()
        transaction.set_rollback(True)
    return result, rows


def test_a_replayed_world_has_every_row_a_built_one_has(db: Any) -> None:
    replayer: Replayer[World] = Replayer(build_world)
    built, built_rows = _in_rolled_back(replayer)
    assert replayer.recordings and all(replayer.recordings.values())
    replayed, replayed_rows = _in_rolled_back(replayer)
    assert replayed_rows == built_rows
    assert sum(len(rows) for rows in built_rows.values()) > 50  # the world is there
    assert replayed is not built  # a copy the test may change freely
    assert {k: getattr(v, "pk", v) for k, v in vars(replayed).items()} == {
        k: getattr(v, "pk", v) for k, v in vars(built).items()
    }


def test_a_database_that_starts_otherwise_is_recorded_again(db: Any) -> None:
    replayer: Replayer[World] = Replayer(build_world)
    _in_rolled_back(replayer)
    [first] = replayer.recordings.values()

    def with_an_organization_first() -> World:
        add_org(
            None, kind=OrgKind.COUNTY_COMMITTEE, short_name="先到县委", full_name="中共先到县委员会"
        )
        return replayer()

    world, rows = _in_rolled_back(with_an_organization_first)
    [second] = replayer.recordings.values()
    assert second is not first  # not replayed onto ids it did not record
    assert world.own.short_name == "甲公司党委"
    assert len(rows[Organization._meta.db_table]) == 11


def test_settings_the_build_reads_get_their_own_recording(db: Any, settings: Any) -> None:
    replayer: Replayer[World] = Replayer(build_world)
    _in_rolled_back(replayer)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    _in_rolled_back(replayer)
    assert len(replayer.recordings) == 2


def test_a_sequence_moved_back_meanwhile_does_not_collide_with_the_replayed_ids(db: Any) -> None:
    """Something that writes explicit ids and then resets a sequence to its largest (the
    scale-data generator) may leave it behind the recorded ids: a replay moves it on."""
    from django.db import connection

    replayer: Replayer[World] = Replayer(build_world)
    _in_rolled_back(replayer)
    table = Organization._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1)")
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = 1 WHERE name = %s", [table])

    def replay_then_add() -> tuple[World, Organization]:
        world = replayer()
        return world, add_org(world.own)  # an IntegrityError when the id is taken

    (world, added), _rows = _in_rolled_back(replay_then_add)
    assert added.pk > max(o.pk for o in vars(world).values() if isinstance(o, Organization))


def _build_with_a_file() -> str:
    from pathlib import Path

    from django.conf import settings

    add_org(
        None, kind=OrgKind.COUNTY_COMMITTEE, short_name="文件县委", full_name="中共文件县委员会"
    )
    path = Path(settings.MEDIA_ROOT) / "evidence" / "photo.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"written by the build")
    return "built"


def test_a_shared_recording_is_built_once_per_run_and_replayed_with_its_files(
    db: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    """What another process of the run does: a new Replayer of the same name finds the
    recording on disk and replays rows and files without building."""
    monkeypatch.setenv("PORTAL_TEST_DB_TEMPLATES", str(tmp_path / "run"))
    (tmp_path / "run").mkdir()
    settings.MEDIA_ROOT = tmp_path / "first"
    first: Replayer[str] = Replayer(_build_with_a_file, shared="demo-test", media=True)
    _, built_rows = _in_rolled_back(first)
    assert len(list((tmp_path / "run").glob("replay-demo-test-*.pickle"))) == 1

    def no_build() -> str:
        raise AssertionError("built again instead of replayed")

    settings.MEDIA_ROOT = tmp_path / "second"
    other: Replayer[str] = Replayer(no_build, shared="demo-test", media=True)
    result, replayed_rows = _in_rolled_back(other)
    assert result == "built"
    assert replayed_rows == built_rows
    assert (tmp_path / "second" / "evidence" / "photo.txt").read_bytes() == b"written by the build"


def test_a_shared_recording_from_another_starting_state_is_not_replayed(
    db: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PORTAL_TEST_DB_TEMPLATES", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path / "media"
    _in_rolled_back(Replayer(_build_with_a_file, shared="demo-test", media=True))
    calls: list[int] = []

    def build() -> str:
        calls.append(1)
        return _build_with_a_file()

    def with_an_organization_first() -> str:
        add_org(
            None, kind=OrgKind.COUNTY_COMMITTEE, short_name="先到县委", full_name="中共先到县委员会"
        )
        return Replayer(build, shared="demo-test", media=True)()

    _in_rolled_back(with_an_organization_first)
    assert calls == [1]  # built here: the recording on disk started from another state


def test_a_build_run_for_real_leaves_its_recording_for_the_others(
    db: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PORTAL_TEST_DB_TEMPLATES", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path / "media"
    wrapped: list[str] = []

    def counted() -> str:
        wrapped.append("ran")
        return _build_with_a_file()

    _in_rolled_back(lambda: Replayer(_build_with_a_file, shared="demo-test").build_here(counted))
    assert wrapped == ["ran"]

    def no_build() -> str:
        raise AssertionError("built again instead of replayed")

    assert _in_rolled_back(Replayer(no_build, shared="demo-test"))[0] == "built"
