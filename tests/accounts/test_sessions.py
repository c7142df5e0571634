"""The session engine (portal/accounts/sessions.py): Django's database sessions read
with a written-out SELECT (issue #20) behave as Django's: a live session is read in one
query, an expired or unknown one is no session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal.accounts.sessions import SessionStore
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_the_portal_uses_it() -> None:
    assert settings.SESSION_ENGINE == "portal.accounts.sessions"


def test_a_live_session_reads_as_django_s(django_assert_num_queries: Any) -> None:
    django_s = DjangoStore()
    django_s.update({"a": 1, "name": "党员", "when": "2014-09-01"})
    django_s.create()
    with django_assert_num_queries(1):
        ours = SessionStore(django_s.session_key)
        assert dict(ours.items()) == {"a": 1, "name": "党员", "when": "2014-09-01"}
    assert ours.session_key == django_s.session_key
    assert dict(ours.items()) == dict(DjangoStore(django_s.session_key).items())


def test_expired_and_unknown_sessions_are_none() -> None:
    store = SessionStore()
    store["a"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for key in (store.session_key, "no-such-session-key-0123456789ab", None):
        again = SessionStore(key)
        assert dict(again.items()) == {}
        assert again.session_key is None


def test_a_logged_in_user_stays_logged_in(world: Any) -> None:
    client = client_for(world, "secretary")
    assert client.get(reverse("core:home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and "login" in response["Location"]
