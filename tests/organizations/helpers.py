"""Expected statuses for the permission matrix, derived from the personas' roles in
tests/conftest.py (not from the code under test):

    office     at county   → VIEW on own, child, parent (park_a), sibling
    reviewer   at park_a   → VIEW, PERSONAL_DATA, MANAGE_ORGANIZATIONS on own, child, parent, sibling
    instructor at own      → VIEW on own, child
    secretary  at own      → VIEW, RECORD, PERSONAL_DATA on own, child
    clerk      at own      → VIEW, RECORD on own, child
    outsider   at other    → nothing among these targets (other lies under park_b)
    nobody, member_user    → nothing (member_user's own member page is tested apart)
    admin                  → everything

`far` sits in the other county: only the administrator sees it.
"""

from __future__ import annotations

from portal.accounts.permissions import Action
from tests.conftest import World
from tests.utils import PERSONAS

TARGETS = ("own", "child", "parent", "sibling", "far")
_SUBTREE_OF_PARK_A = {"own", "child", "parent", "sibling"}
_SUBTREE_OF_OWN = {"own", "child"}

GRANTS: dict[str, dict[str, set[str]]] = {
    "office": {Action.VIEW: _SUBTREE_OF_PARK_A},
    "reviewer": {
        Action.VIEW: _SUBTREE_OF_PARK_A,
        Action.PERSONAL_DATA: _SUBTREE_OF_PARK_A,
        Action.MANAGE_ORGANIZATIONS: _SUBTREE_OF_PARK_A,
    },
    "instructor": {Action.VIEW: _SUBTREE_OF_OWN},
    "secretary": {
        Action.VIEW: _SUBTREE_OF_OWN,
        Action.RECORD: _SUBTREE_OF_OWN,
        Action.PERSONAL_DATA: _SUBTREE_OF_OWN,
    },
    "clerk": {Action.VIEW: _SUBTREE_OF_OWN, Action.RECORD: _SUBTREE_OF_OWN},
}


def org_of(world: World, target: str):
    return world.park_a if target == "parent" else getattr(world, target)


def allowed(persona: str, action: str, target: str) -> bool:
    if persona == "admin":
        return True
    return target in GRANTS.get(persona, {}).get(action, set())


def expected(target: str, *actions: str, ok: int = 200) -> dict[str, int]:
    """anonymous → 302 to login; cannot see the target → 404; can see it but lacks one
    of `actions` → 403; has them all → `ok`."""
    result = {}
    for persona in PERSONAS:
        if persona == "anonymous":
            result[persona] = 302
        elif not allowed(persona, Action.VIEW, target):
            result[persona] = 404
        elif all(allowed(persona, a, target) for a in actions):
            result[persona] = ok
        else:
            result[persona] = 403
    return result


def any_of(target: str, *actions: str) -> dict[str, int]:
    """Like `expected`, but one of `actions` is enough."""
    result = expected(target)
    for persona, status in result.items():
        if status == 200 and not any(allowed(persona, a, target) for a in actions):
            result[persona] = 403
    return result
