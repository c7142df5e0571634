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
