"""Helpers every view test uses: the permission matrix and constant query counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from tests.conftest import World

# Personas in the order the matrix reports them. "anonymous" is no login at all.
PERSONAS = (
    "anonymous",
    "nobody",
    "outsider",
    "office",
    "reviewer",
    "instructor",
    "secretary",
    "clerk",
    "member_user",
    "admin",
)


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client


def check_matrix(
    world: World,
    url: str | Callable[[World], str],
    expected: Mapping[str, int],
    *,
    method: str = "get",
    data: Mapping[str, Any] | None = None,
) -> None:
    """Request `url` as each persona named in `expected` and compare status codes.

    A 302 for "anonymous" must point at the login page. Every persona listed must be
    given; list each one that matters for the view (at least anonymous, an outsider,
    a wrong role and a right role).
    """
    target = url(world) if callable(url) else url
    failures = []
    for persona, want in expected.items():
        client = client_for(world, persona)
        response = getattr(client, method)(target, data or {})
        got = response.status_code
        if got != want:
            failures.append(f"{persona}: expected {want}, got {got}")
        elif (
            persona == "anonymous"
            and want == 302
            and "/accounts/login/" not in response["Location"]
        ):
            failures.append(f"anonymous redirected to {response['Location']}, not the login page")
    assert not failures, f"{method.upper()} {target}\n" + "\n".join(failures)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def assert_constant_queries(
    client: Client, url: str, grow: Callable[[], None], expected: int | None = None
) -> int:
    """The page's query count, equal before and after `grow()` adds ~10x the data.
    With `expected`, the count is also pinned to that number."""
    before = count_queries(client, url)
    grow()
    after = count_queries(client, url)
    assert before == after, f"{url}: {before} queries before growing the data, {after} after"
    if expected is not None:
        assert before == expected, f"{url}: {before} queries, pinned at {expected}"
    return before


def committed(change: Callable[[], None]) -> Callable[[], None]:
    """`change`, then what its transaction would do once committed (on_commit callbacks:
    tasks sent, here run in-process — e.g. the requirement roll-up's refresh). Tests run
    inside a transaction that never commits; wrap a `grow` with this to measure a page
    as it is after the worker has caught up."""

    def run() -> None:
        from portal.progress.rollup import flush_pending

        with TestCase.captureOnCommitCallbacks(execute=True):
            change()
            # The roll-up registers one flush per transaction; in a test's never-ending
            # transaction that may have happened before `change`: send it now.
            flush_pending()

    return run


def add_role(world: World, org: Any, persona: str, role: str) -> Any:
    """A further persona of the world: a new user with `role` at `org`, reachable as
    `world.<persona>` (check_matrix, client_for)."""
    from portal.accounts.services import role_assign
    from tests.factories import UserFactory

    user = UserFactory(username=persona)
    role_assign(actor=None, user=user, role=role, organization=org)
    setattr(world, persona, user)
    return user


def add_office(world: World, org: Any, persona: str) -> Any:
    """The campaign office of another node (docs/product.md §5.3: it composes the
    campaigns led at its node or below)."""
    from portal.accounts.models import Role

    return add_role(world, org, persona, Role.OFFICE)
