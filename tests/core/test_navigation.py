from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        (
            "reviewer",
            ["reviews:inbox", "organizations:tree"],
            ["reviews:returned", "activities:campaign_list", "accounts:user_list"],
        ),
        (
            "accounts",
            ["accounts:user_list"],
            ["reviews:inbox", "organizations:tree", "progress:dashboard", "reports:list"],
        ),
        ("instructor", ["reviews:inbox"], ["reviews:returned", "accounts:user_list"]),
        (
            "secretary",
            ["reviews:returned", "organizations:tree"],
            ["reviews:inbox", "accounts:user_list"],
        ),
        ("clerk", ["organizations:tree"], ["reviews:inbox", "reviews:returned"]),
        (
            "office",
            ["organizations:tree", "activities:campaign_list"],  # composes its level's
            ["reviews:inbox", "reviews:returned", "accounts:user_list", "admin:index"],
        ),
        ("admin", ["reviews:inbox", "activities:campaign_list", "admin:index"], []),
    ],
)
def test_navigation_fits_the_role(
    world: World, persona: str, present: list[str], absent: list[str]
) -> None:
    html = client_for(world, persona).get("/").content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    for name in present:
        assert f'href="{reverse(name)}"' in nav, name
    for name in absent:
        assert f'href="{reverse(name)}"' not in nav, name


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("secretary", True),
        ("reviewer", True),
        ("office", True),
        ("instructor", True),
        ("admin", True),
        ("clerk", False),
        ("accounts", False),
        ("nobody", False),
    ],
)
def test_my_reports_is_in_the_navigation_of_those_who_may_download_reports(
    world: World, persona: str, shown: bool
) -> None:
    html = client_for(world, persona).get("/").content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    assert (f'href="{reverse("reports:list")}"' in nav) is shown
