"""Log-in, log-out, password change and the django-axes lockout (docs/product.md §4)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.services import user_set_password
from tests.conftest import PASSWORD, World
from tests.utils import client_for

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_with_the_right_password_lands_on_the_home_page(world: World) -> None:
    response = _login(Client(), "secretary", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_login_with_a_wrong_password_says_so(world: World) -> None:
    response = _login(Client(), "secretary", "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_logged_in_user_visiting_login_goes_home(world: World) -> None:
    response = client_for(world, "secretary").get(LOGIN)
    assert response.status_code == 302


def test_logout_needs_post_and_returns_to_login(world: World) -> None:
    client = client_for(world, "secretary")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get(reverse("core:home")).status_code == 302


def test_password_change_page_needs_login_and_changes_the_password(world: World) -> None:
    url = reverse("accounts:password_change")
    assert Client().get(url).status_code == 302
    client = client_for(world, "clerk")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Another-long-pass-77",
            "new_password2": "Another-long-pass-77",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    world.clerk.refresh_from_db()
    assert world.clerk.check_password("Another-long-pass-77")


@pytest.fixture
def axes_on(settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def test_five_failures_lock_the_username_and_address_pair(world: World, axes_on: None) -> None:
    client = Client()
    statuses = [_login(client, "secretary", "wrong").status_code for _i in range(5)]
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4] == 429
    # Locked now, even with the right password: the lockout page says what to do.
    response = _login(client, "secretary", PASSWORD)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "15" in response.content.decode()  # minutes of the cool-off


def test_lockout_does_not_spill_to_other_users_or_addresses(world: World, axes_on: None) -> None:
    for _i in range(5):
        _login(Client(), "secretary", "wrong", ip="10.0.0.1")
    # Another user from the same address, and the same user from elsewhere, still log in.
    assert _login(Client(), "clerk", PASSWORD, ip="10.0.0.1").status_code == 302
    assert _login(Client(), "secretary", PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_new_password_set_by_a_manager_lifts_the_lockout(world: World, axes_on: None) -> None:
    for _i in range(5):
        _login(Client(), "clerk", "wrong")
    assert _login(Client(), "clerk", PASSWORD).status_code == 429
    user_set_password(actor=world.accounts, user=world.clerk, password="Fresh-start-2014")
    assert _login(Client(), "clerk", "Fresh-start-2014").status_code == 302
