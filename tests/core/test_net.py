from __future__ import annotations

from django.test import RequestFactory, override_settings

from portal.core.net import client_address

rf = RequestFactory()


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    via_proxy = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
    assert client_address(via_proxy) == "1.2.3.4"
    direct = rf.get("/", REMOTE_ADDR="5.5.5.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(direct) == "5.5.5.5"


def test_login_throttling_uses_the_same_address(settings) -> None:
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert get_client_ip_address(request) == "1.2.3.4"
