"""After a transactional test empties the database, the next test still finds what the
migrations wrote (tests/conftest.py INITIAL_ROWS), under the same ids."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from rectification.models import MechanismKind


@pytest.mark.django_db(transaction=True)
def test_an_emptied_database_gets_the_migrations_rows_back() -> None:
    kinds = sorted(MechanismKind.objects.values_list("pk", "code"))
    permissions = sorted(Permission.objects.values_list("pk", "codename"))
    types = sorted(ContentType.objects.values_list("pk", "model"))
    assert kinds and permissions and types
    # As pytest-django empties it after a transactional test.
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    assert sorted(MechanismKind.objects.values_list("pk", "code")) == kinds
    assert sorted(Permission.objects.values_list("pk", "codename")) == permissions
    assert sorted(ContentType.objects.values_list("pk", "model")) == types


def test_the_rows_kept_are_the_migrations_own(db: Any) -> None:
    from tests.conftest import INITIAL_ROWS

    assert "rectification.mechanismkind" in INITIAL_ROWS["default"]
