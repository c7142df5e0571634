"""Two-factor authentication (TOTP): required for site administrators and account
managers, optional for everyone else; the code after the password, limited like the
log-in; backup codes; removal; the admin; the recovery command; audit rows."""

from __future__ import annotations

import re
import sys
from base64 import b32decode

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import AuditEvent, Role
from portal.accounts.services import role_assign
from tests.conftest import PASSWORD, World
from tests.security.helpers import production_settings
from tests.two_factor import code_for, enrol
from tests.utils import assert_constant_queries, check_matrix

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two_factor")
CODE = reverse("accounts:two_factor_verify")


def _password(client: Client, username: str) -> str:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _enrol_through_the_page(client: Client) -> list[str]:
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    secret = re.search(rb"data-otp-secret>([A-Z2-7 ]+)<", page.content).group(1)
    key = b32decode(secret.replace(b" ", b""))
    response = client.post(TWO_FACTOR, {"code": code_for(key)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())


# --- required: administrators and account managers -----------------------------------------


@pytest.mark.parametrize("persona", ["admin", "accounts"])
def test_a_required_user_without_a_device_reaches_only_enrolment(
    world: World, persona: str
) -> None:
    client = Client()
    assert _password(client, persona) == TWO_FACTOR
    for url in (
        reverse("core:home"),
        reverse("accounts:user_list"),
        reverse("organizations:tree"),
        reverse("admin:index"),
        reverse("accounts:user_detail", args=[world.clerk.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == TWO_FACTOR, url
    # htmx requests are redirected the htmx way.
    response = client.get(reverse("core:home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == TWO_FACTOR
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    assert b"<svg" in page.content and b"data-otp-secret" in page.content
    assert b"Your role requires two-factor authentication" in page.content


@pytest.mark.parametrize("persona", ["admin", "accounts"])
def test_enrolment_shows_backup_codes_once_then_opens_the_portal(
    world: World, persona: str
) -> None:
    client = Client()
    _password(client, persona)
    codes = _enrol_through_the_page(client)
    assert len(codes) == 10
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(reverse("accounts:user_list")).status_code == 200
    # The codes are not shown again.
    assert codes[0].encode() not in client.get(TWO_FACTOR).content
    user = getattr(world, persona)
    assert AuditEvent.objects.filter(action="otp.enrolled", actor=user).exists()


def test_a_wrong_enrolment_code_is_a_field_error(world: World) -> None:
    client = Client()
    _password(client, "admin")
    client.get(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"code": "000000"})
    assert response.status_code == 400
    assert b"The code is wrong" in response.content
    assert not TOTPDevice.objects.filter(user=world.admin, confirmed=True).exists()
    response = client.post(TWO_FACTOR, {"code": "<script>"})
    assert response.status_code == 400


@pytest.mark.parametrize("persona", ["admin", "accounts", "secretary"])
def test_an_enrolled_user_is_asked_for_the_code_and_is_not_logged_in_before(
    world: World, persona: str
) -> None:
    user = getattr(world, persona)
    device = enrol(user)
    client = Client()
    assert _password(client, persona) == CODE
    assert not _logged_in(client)
    assert client.get(reverse("core:home")).status_code == 302
    wrong = client.post(CODE, {"code": "123456" if code_for(device) != "123456" else "654321"})
    assert wrong.status_code == 400
    assert not _logged_in(client)
    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 302
    assert _logged_in(client)
    assert client.get(reverse("core:home")).status_code == 200
    actions = set(AuditEvent.objects.filter(target=persona).values_list("action", flat=True))
    assert {"otp.failed", "otp.verified", "auth.login"} <= actions
    verified = AuditEvent.objects.get(action="otp.verified", target=persona)
    assert verified.ip == "127.0.0.1"


def test_wrong_codes_are_limited_like_the_login(world: World, settings) -> None:
    settings.TWO_FACTOR_FAILURE_LIMIT = 3
    device = enrol(world.accounts)
    client = Client()
    _password(client, "accounts")
    for _ in range(3):
        assert client.post(CODE, {"code": "000001"}).status_code in (400, 429)
    # Now even the right code is refused, from this session or a new one.
    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 429
    assert b"Too many wrong codes" in response.content
    other = Client()
    _password(other, "accounts")
    assert other.post(CODE, {"code": code_for(device)}).status_code == 429
    assert not _logged_in(client) and not _logged_in(other)
    assert AuditEvent.objects.filter(action="otp.locked", target="accounts").count() == 1
    assert AuditEvent.objects.filter(action="otp.failed", target="accounts").count() == 3


def test_a_backup_code_logs_in_once(world: World) -> None:
    client = Client()
    _password(client, "admin")
    codes = _enrol_through_the_page(client)
    client.post(reverse("accounts:logout"))
    again = Client()
    _password(again, "admin")
    assert again.post(CODE, {"code": codes[0]}).status_code == 302
    third = Client()
    _password(third, "admin")
    assert third.post(CODE, {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=world.admin).count() == 9


def test_the_pending_login_expires(world: World, monkeypatch) -> None:
    device = enrol(world.admin)
    client = Client()
    _password(client, "admin")
    from portal.accounts import two_factor

    monkeypatch.setattr(two_factor, "PENDING_SECONDS", -1)
    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not _logged_in(client)


# --- optional for everyone else --------------------------------------------------------------


# A reviewer no longer manages accounts (the account-manager role does): optional too.
@pytest.mark.parametrize("persona", ["secretary", "reviewer"])
def test_others_log_in_without_a_second_factor_and_may_enrol(world: World, persona: str) -> None:
    client = Client()
    assert _password(client, persona) == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200
    page = client.get(TWO_FACTOR)
    assert b"Optional for you" in page.content
    _enrol_through_the_page(client)
    client.post(reverse("accounts:logout"))
    assert _password(Client(), persona) == CODE


def test_removing_two_factors_needs_a_code_and_ends_other_sessions(world: World) -> None:
    device = enrol(world.secretary)
    elsewhere = Client()
    elsewhere.force_login(world.secretary)
    client = Client()
    client.force_login(world.secretary)
    remove = reverse("accounts:two_factor_remove")
    assert client.post(remove, {"code": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(user=world.secretary).exists()
    assert client.post(remove, {"code": code_for(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.secretary).exists()
    assert AuditEvent.objects.filter(action="otp.removed", actor=world.secretary).exists()
    assert client.get(reverse("core:home")).status_code == 200
    assert elsewhere.get(reverse("core:home")).status_code == 302  # logged out


def test_a_required_user_who_removes_the_device_must_enrol_again(world: World) -> None:
    client = Client()
    client.force_login(world.admin)  # verified (tests/two_factor.py)
    device = TOTPDevice.objects.get(user=world.admin)
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("accounts:two_factor_remove"), {"code": code_for(device)})
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == TWO_FACTOR


def test_new_backup_codes_replace_the_old_ones(world: World) -> None:
    device = enrol(world.secretary)
    client = Client()
    client.force_login(world.secretary)
    old = set(StaticToken.objects.filter(device__user=world.secretary).values_list("token"))
    response = client.post(reverse("accounts:two_factor_backup_codes"), {"code": code_for(device)})
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=world.secretary).values_list("token"))
    assert len(new) == 10 and not (old & new)


# --- the admin, a grant during the session, the setting ----------------------------------------


def test_the_django_admin_needs_a_verified_session(world: World) -> None:
    client = Client()
    client.force_login(world.admin, verified=False)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == TWO_FACTOR
    client.force_login(world.admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_manager_right_given_during_the_session_asks_for_two_factors_on_account_pages(
    world: World,
) -> None:
    client = Client()
    client.force_login(world.nobody, verified=False)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    role_assign(actor=None, user=world.nobody, role=Role.ACCOUNT_MANAGER, organization=world.own)
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and response["Location"] == TWO_FACTOR
    # ... and from then on every page until enrolled.
    assert client.get(reverse("core:home")).status_code == 302


def test_with_the_requirement_off_an_administrator_logs_in_with_the_password(
    world: World, settings
) -> None:
    settings.TWO_FACTOR_REQUIRED = False
    client = Client()
    assert _password(client, "admin") == reverse("core:home")
    assert client.get(reverse("admin:index")).status_code == 200


def test_production_requires_two_factors_by_default() -> None:
    assert production_settings("TWO_FACTOR_REQUIRED") == {"TWO_FACTOR_REQUIRED": True}


# --- recovery ------------------------------------------------------------------------------


def test_otp_reset_removes_the_devices_ends_sessions_and_is_audited(world: World) -> None:
    enrol(world.admin)
    client = Client()
    client.force_login(world.admin)
    call_command("otp_reset", "admin", "--by", "security officer Wang", "--reason", "lost phone")
    assert not TOTPDevice.objects.filter(user=world.admin).exists()
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    event = AuditEvent.objects.get(action="otp.reset")
    assert event.target == "admin" and event.detail["by"] == "security officer Wang"
    # At the next log-in they enrol again.
    assert _password(Client(), "admin") == TWO_FACTOR


# --- the pages' permissions and queries ---------------------------------------------------------


def test_two_factor_page_permission_matrix(world: World) -> None:
    everyone = {
        p: 200
        for p in (
            "nobody",
            "outsider",
            "office",
            "reviewer",
            "accounts",
            "instructor",
            "secretary",
            "clerk",
            "member_user",
            "admin",
        )
    }
    check_matrix(world, TWO_FACTOR, {"anonymous": 302, **everyone})
    # The code page without a pending log-in sends back to the log-in.
    response = Client().get(CODE)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_two_factor_page_query_count_does_not_grow(world: World) -> None:
    enrol(world.secretary)
    client = Client()
    client.force_login(world.secretary)

    def grow() -> None:
        for persona in ("clerk", "instructor", "office", "outsider", "member_user"):
            enrol(getattr(world, persona))

    # session, user, the confirmed device, the backup codes left, whether the account
    # manages accounts (required?), the menu's grants and roles, the unread notifications.
    assert_constant_queries(client, TWO_FACTOR, grow, expected=8)


def test_check_deploy_flags_production_without_two_factors() -> None:
    from tests.security.helpers import production_env, run

    args = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    assert run(args, production_env()).returncode == 0
    out = run(args, production_env(TWO_FACTOR_REQUIRED="0"))
    assert out.returncode != 0 and "accounts.W001" in out.stderr + out.stdout
