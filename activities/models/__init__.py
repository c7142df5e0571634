"""Models of the activities app, one module per area so that each can grow on its own.

campaigns: Campaign, Phase, AppraisalGrade, ProblemCategory (data that varies by campaign).
Further modules (plans, meetings, study, opinions, phase 2 records) are imported below.
"""

from .campaigns import (
    AppraisalGrade,
    BilingualName,
    Campaign,
    CampaignQuerySet,
    CampaignStatus,
    GradeScale,
    Phase,
    ProblemCategory,
)
from .opinions import (
    AddressedTo,
    IllegalTransition,
    Opinion,
    OpinionChannel,
    OpinionEvent,
    OpinionQuerySet,
    OpinionSource,
    OpinionStatus,
    SuggestionBox,
)

__all__ = [
    "AppraisalGrade",
    "BilingualName",
    "Campaign",
    "CampaignQuerySet",
    "CampaignStatus",
    "GradeScale",
    "Phase",
    "ProblemCategory",
]

# opinions and the online suggestion box (docs/product.md §6.1)
__all__ += [
    "AddressedTo",
    "IllegalTransition",
    "Opinion",
    "OpinionChannel",
    "OpinionEvent",
    "OpinionQuerySet",
    "OpinionSource",
    "OpinionStatus",
    "SuggestionBox",
]

# meetings, shared attendance, special-meeting extras, study counseling (docs/product.md §6.1-6.2)
from .meetings import (  # noqa: E402
    SUBKINDS,
    Attendance,
    CriticismEntry,
    CriticismKind,
    Meeting,
    MeetingKind,
    MeetingParticipation,
    MeetingQuerySet,
    MeetingSubkind,
)
from .study import CounselingRecord, CounselingRecordQuerySet, StudyMode  # noqa: E402

__all__ += [
    "SUBKINDS",
    "Attendance",
    "CounselingRecord",
    "CounselingRecordQuerySet",
    "CriticismEntry",
    "CriticismKind",
    "Meeting",
    "MeetingKind",
    "MeetingParticipation",
    "MeetingQuerySet",
    "MeetingSubkind",
    "StudyMode",
]

# activity plans, reviewed upward through portal.reviews (docs/product.md §5, §7)
from .plans import PLAN_SECTIONS, ActivityPlan, ActivityPlanQuerySet  # noqa: E402

__all__ += ["PLAN_SECTIONS", "ActivityPlan", "ActivityPlanQuerySet"]

# phase 2 records (docs/product.md §6.2)
from .phase2 import (  # noqa: E402
    AppraisalApproval,
    AppraisalEvent,
    AppraisalResult,
    AppraisalSession,
    EventKind,
    ExaminationMethod,
    IllegalSessionTransition,
    OneToOneTalk,
    SelfExamination,
    SessionStatus,
    StatementSubject,
    TalkMode,
)

__all__ += [
    "AppraisalApproval",
    "AppraisalEvent",
    "AppraisalResult",
    "AppraisalSession",
    "EventKind",
    "ExaminationMethod",
    "IllegalSessionTransition",
    "OneToOneTalk",
    "SelfExamination",
    "SessionStatus",
    "StatementSubject",
    "TalkMode",
]

# meetings announced before they are held, and the members' answers (docs/product.md §6.1)
from .announcements import Invitation, MeetingAnnouncement, Reply  # noqa: E402

__all__ += ["Invitation", "MeetingAnnouncement", "Reply"]
