"""The password policy (length, common and personal passwords, history) and the forced
change after a manager chose the password."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role, User
from portal.accounts.services import user_change_own_password, user_create, user_set_password
from tests.conftest import PASSWORD, World
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def refused(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


def test_passwords_shorter_than_twelve_characters_are_refused(world: World) -> None:
    assert "password_too_short" in refused("Qz7#kLm2pW!", world.clerk)  # 11
    assert refused("Qz7#kLm2pW!x", world.clerk) == []  # 12


def test_common_passwords_are_refused(world: World) -> None:
    assert "password_too_common" in refused("password1234", world.clerk)


def test_passwords_built_from_personal_data_are_refused(world: World) -> None:
    world.clerk.full_name = "Zhang Weiming"
    world.clerk.phone = "139-1234-5678"
    assert "password_personal_data" in refused("clerk-Qz7#kLm2", world.clerk)
    assert "password_personal_data" in refused("Weiming-Qz7#kL", world.clerk)
    assert "password_personal_data" in refused("Qz7#kL13912345678", world.clerk)
    assert "password_personal_data" in refused("Qz7#kL-12345678", world.clerk)


def test_the_last_five_passwords_cannot_be_reused(world: World) -> None:
    user = world.clerk
    history = [f"Old-password-{i}-Qz7" for i in range(6)]
    for password in history:
        user_change_own_password(user=user, password=password)
    assert "password_reused" in refused(history[-1], user)  # the current one
    for password in history[1:]:
        assert "password_reused" in refused(password, user)
    assert refused(history[0], user) == []  # six changes ago


def test_the_tests_and_demo_personas_still_log_in(world: World) -> None:
    # Existing passwords are not re-checked; and the shared test password passes the
    # policy anyway.
    assert refused(PASSWORD, User(username="secretary2", full_name="书记")) == []
    response = Client().post(
        reverse("accounts:login"), {"username": "secretary", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert Client().get(response["Location"]).status_code in (200, 302)


def test_an_account_created_by_a_manager_must_change_its_password_first(world: World) -> None:
    account = user_create(
        actor=world.accounts,
        username="newclerk",
        password="Given-by-manager-2026",
        full_name="新文书",
        role=Role.CLERK,
        organization=world.child,
    )
    assert account.must_change_password
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "newclerk", "password": "Given-by-manager-2026"}
    )
    home = client.get(reverse("core:home"))
    assert home.status_code == 302 and home["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Given-by-manager-2026",
            "new_password1": "Chosen-by-me-2026!",
            "new_password2": "Chosen-by-me-2026!",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    account.refresh_from_db()
    assert not account.must_change_password


def test_a_reset_by_a_manager_forces_a_change_too(world: World) -> None:
    user_set_password(actor=world.accounts, user=world.clerk, password="Reset-by-manager-2026")
    world.clerk.refresh_from_db()
    assert world.clerk.must_change_password
    client = client_for(world, "clerk")
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:password_change")


def test_accounts_made_by_the_system_are_not_forced(world: World) -> None:
    assert not world.secretary.must_change_password
    assert client_for(world, "secretary").get(reverse("core:home")).status_code == 200
