"""Picking a responsible member fills in the responsible person at once: each member's
option carries the name and post that static/portal/js/forms.js copies into the two
boxes, the same values the model fills in on save."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.rectification.problems_factories import make_list
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_each_member_option_carries_the_name_and_post_to_fill_in(world: Any) -> None:
    plist = make_list(world, world.own)
    MemberFactory(organization=world.own, name="李四", post="车间主任")
    html = (
        client_for(world, "secretary")
        .get(reverse("rectification:item_create", args=[plist.pk]))
        .content.decode()
    )
    assert 'data-fills-name="id_responsible_name"' in html
    assert 'data-fills-post="id_responsible_post"' in html
    assert 'data-fill-name="李四" data-fill-post="车间主任"' in html
    assert 'id="id_responsible_name"' in html and 'id="id_responsible_post"' in html
