"""Models of the rectification app (phase 3, docs/product.md §6.3), one module per area:
problems (problem lists, items, requests, publishing), standards (checklist templates
and assessments), pledges, mechanisms, funding, commendations. Each module's names are
imported below."""

__all__: list[str] = []

# problem lists, items, closure and extension requests (docs/product.md §6.3)
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

# standards checklists: templates as data, assessments reviewed upward (docs/product.md §6.3)
from .standards import (  # noqa: E402
    EIGHT_HAVES,
    TWO_STRONG_EIGHT_GOOD,
    AssessmentEntry,
    CheckMethod,
    PassRule,
    StandardAssessment,
    StandardAssessmentQuerySet,
    StandardItem,
    StandardResult,
    StandardTemplate,
    StandardTemplateQuerySet,
)

__all__ += [
    "EIGHT_HAVES",
    "TWO_STRONG_EIGHT_GOOD",
    "AssessmentEntry",
    "CheckMethod",
    "PassRule",
    "StandardAssessment",
    "StandardAssessmentQuerySet",
    "StandardItem",
    "StandardResult",
    "StandardTemplate",
    "StandardTemplateQuerySet",
]

# "compare three, show three" member pledges and the public board (docs/product.md §6.3)
from .pledges import Pledge, PledgeBoard, PledgeQuerySet, PledgeStatus  # noqa: E402

__all__ += ["Pledge", "PledgeBoard", "PledgeQuerySet", "PledgeStatus"]

# working mechanisms, funding receipts, commendations (docs/product.md §6.3)
from .commendations import Commendation, CommendationKind, CommendationQuerySet  # noqa: E402
from .funding import FundingReceipt, FundingReceiptQuerySet, FundingSource  # noqa: E402
from .mechanisms import Mechanism, MechanismKind, MechanismQuerySet  # noqa: E402

__all__ += [
    "Commendation",
    "CommendationKind",
    "CommendationQuerySet",
    "FundingReceipt",
    "FundingReceiptQuerySet",
    "FundingSource",
    "Mechanism",
    "MechanismKind",
    "MechanismQuerySet",
]

# the daily reminders' once-only ledger (rectification/reminders.py)
from .reminders import ReminderSent  # noqa: E402

__all__ += ["ReminderSent"]

from .list_comments import (  # noqa: E402
    CommenterRole,
    CommentPeriod,
    CommentStatus,
    ListComment,
    ProblemListRevision,
    RevisionItem,
)

__all__ += [
    "CommentPeriod",
    "CommentStatus",
    "CommenterRole",
    "ListComment",
    "ProblemListRevision",
    "RevisionItem",
]

# the masses' verdict: the satisfaction evaluation (docs/product.md §6.5)
from .satisfaction import (  # noqa: E402
    BallotCode,
    BallotCodeBatch,
    SatisfactionAnswer,
    SatisfactionBallot,
    SatisfactionChoice,
    SatisfactionQuestion,
    SatisfactionSurvey,
    SurveyMode,
)

__all__ += [
    "BallotCode",
    "BallotCodeBatch",
    "SatisfactionAnswer",
    "SatisfactionBallot",
    "SatisfactionChoice",
    "SatisfactionQuestion",
    "SatisfactionSurvey",
    "SurveyMode",
]
