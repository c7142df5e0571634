"""Issue #6, "done when": a roster exported from the demo county imports back with no
changes — for every list, in both formats, for the administrator and for the users who
import in real life (the park's reviewer, a branch secretary)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from organizations.imports import IMPORTERS
from organizations.models import Enterprise, Member, Organization
from organizations.resources import RESOURCES, export_response
from portal.accounts.models import User
from tests.organizations.test_io_support import body
from tests.seeding import seed_demo_as_tests_run

pytestmark = pytest.mark.django_db

QUERYSETS = {
    "members": lambda: Member.objects.filter(is_active=True),
    "organizations": lambda: Organization.objects.all(),
    "enterprises": lambda: Enterprise.objects.all(),
}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo county for every test of the module; rolled back after the last one."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_as_tests_run()
        yield
        transaction.set_rollback(True)


def round_trip(username: str, kind: str, fmt: str) -> tuple[int, int, int, int]:
    user = User.objects.get(username=username)
    resource = RESOURCES[kind](user=user)
    response = export_response(resource, QUERYSETS[kind](), user=user, fmt=fmt, filename="x")
    data = body(response)
    importer = IMPORTERS[kind](actor=user, file_name=f"demo.{fmt}")
    report = importer.run(io.BytesIO(data), fmt, commit=True)
    assert report.errors == [], report.errors[:5]
    return report.created, report.updated, report.unchanged, report.total_rows


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", ["members", "organizations", "enterprises"])
def test_demo_county_exports_import_back_unchanged_for_the_administrator(
    demo, kind: str, fmt: str
) -> None:
    created, updated, unchanged, total = round_trip("admin", kind, fmt)
    assert (created, updated) == (0, 0)
    assert unchanged == total > 0


@pytest.mark.parametrize(
    ("username", "kind"),
    [
        ("reviewer", "members"),
        ("reviewer", "organizations"),
        ("reviewer", "enterprises"),
        ("secretary", "members"),
        ("secretary", "enterprises"),
    ],
)
def test_demo_county_round_trip_for_the_people_who_import(demo, username: str, kind: str) -> None:
    history = Member.history.count()
    created, updated, unchanged, total = round_trip(username, kind, "xlsx")
    assert (created, updated) == (0, 0)
    assert unchanged == total > 0
    assert Member.history.count() == history
