from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_organization_page_links_to_its_campaign_work(world: World) -> None:
    page = client_for(world, "secretary").get(reverse("organizations:detail", args=[world.own.pk]))
    html = page.content.decode()
    for name in ("progress:checklist", "activities:meeting_list", "activities:statement_list"):
        assert reverse(name, args=[world.own.pk]) in html
