"""Models of the rectification app (phase 3, SPEC §6.3), one module per area:
problems (problem lists, items, requests, publishing), standards (checklist templates
and assessments), pledges, mechanisms, funding, commendations. Each module's names are
imported below."""

__all__: list[str] = []

# problem lists, items, closure and extension requests (SPEC §6.3)
from .problems import (
    ITEM_TRANSITIONS,
    ClosureRequest,
    ExtensionRequest,
    IllegalItemTransition,
    ItemAction,
    ItemEvent,
    ItemStatus,
    ProblemItem,
    ProblemItemQuerySet,
    ProblemList,
    ProblemListQuerySet,
    SourceKind,
)

__all__ += [
    "ITEM_TRANSITIONS",
    "ClosureRequest",
    "ExtensionRequest",
    "IllegalItemTransition",
    "ItemAction",
    "ItemEvent",
    "ItemStatus",
    "ProblemItem",
    "ProblemItemQuerySet",
    "ProblemList",
    "ProblemListQuerySet",
    "SourceKind",
]
