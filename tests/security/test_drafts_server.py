"""The server's half of "nothing typed is lost" (docs/product.md §13): a form sent
after the idle timeout leads, once logged in again, back to the page it was sent from
and says the text is kept; a form sent from an expired page gets a page in the user's
language leading back there, never Django's technical one."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from portal.accounts.middleware import LAST_SEEN_KEY
from tests.activities.factories import campaign_for
from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _idle(client: Client) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 3 * 3600
    session.save()


def _next(response) -> str:
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


def test_a_form_sent_after_the_timeout_returns_to_the_page_it_came_from(
    world: World, settings
) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    client = client_for(world, "secretary")
    page = reverse("activities:meeting_create", args=[world.child.pk])
    _idle(client)
    response = client.post(
        reverse("reviews:inbox"),  # any URL: the page it came from is what counts
        {"portal_draft": "1"},
        HTTP_REFERER=f"http://testserver{page}?campaign=3",
        **ZH,
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert _next(response) == f"{page}?campaign=3"
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert "您长时间未操作，已自动退出登录。" in said
    assert any("已保存在本机" in m for m in said)


def test_without_a_kept_draft_nothing_is_promised(world: World, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    client = client_for(world, "secretary")
    page = reverse("activities:meeting_create", args=[world.child.pk])
    _idle(client)
    response = client.post(page, {"topic": "x"}, HTTP_REFERER=f"http://testserver{page}", **ZH)
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert not any("已保存在本机" in m for m in said)
    assert _next(response) == page


@pytest.mark.parametrize("referer", ["https://evil.example/campaign/", "", "not a url"])
def test_a_foreign_or_missing_referer_never_becomes_the_way_back(
    world: World, settings, referer: str
) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    client = client_for(world, "secretary")
    page = reverse("activities:meeting_create", args=[world.child.pk])
    _idle(client)
    response = client.post(page, {"portal_draft": "1"}, HTTP_REFERER=referer)
    assert _next(response) == page  # the form's own address, never another site


def test_a_form_sent_from_an_expired_page_gets_a_page_in_the_users_language(
    world: World,
) -> None:
    client = client_for(world, "secretary")
    client.handler.enforce_csrf_checks = True
    page = reverse("activities:meeting_create", args=[world.child.pk])
    response = client.post(
        page,
        {"portal_draft": "1", "csrfmiddlewaretoken": "stale" * 8},
        HTTP_REFERER=f"http://testserver{page}",
        **ZH,
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>页面已失效</h1>" in html
    assert f'href="{page}"' in html  # 返回原页面
    assert "返回原页面" in html
    assert "已保存在本机" in html
    assert "CSRF verification" not in html and "CSRF验证" not in html


def test_the_expired_page_offers_no_way_back_to_another_site_nor_a_draft_it_did_not_keep(
    world: World,
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"),
        {"username": "secretary", "password": "x"},
        HTTP_REFERER="https://evil.example/phish",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page had expired" in html
    assert "evil.example" not in html
    assert "Back to the page" not in html
    assert "kept on this device" not in html


def test_record_forms_keep_drafts_and_the_page_carries_the_notice(world: World) -> None:
    campaign_for(world)
    client = client_for(world, "secretary")
    html = client.get(
        reverse("activities:meeting_create", args=[world.child.pk]), **ZH
    ).content.decode()
    assert "data-keep-draft" in html
    assert f'data-draft-owner="{world.secretary.pk}"' in html
    assert 'id="draft-notice"' in html and "不要这些内容" in html
    assert "portal/js/drafts" in html
    # The log-in page belongs to nobody: no draft is tied to it.
    login_page = Client().get(reverse("accounts:login")).content.decode()
    assert "data-draft-owner" not in login_page
