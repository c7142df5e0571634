"""Phase 3 of the demo campaign as a table: what each organization has done by the
end of the campaign (30 September 2014).

The park's organizations have done everything (the default `Story`: a published list
whose item is closed, the "eight haves" accepted, the six mechanisms in place, funding
at the standard), some of them waiting for the "eight haves" (EIGHT_HAVES_LATER); those of the construction industry and the community are still
rectifying (RECTIFYING); the exceptions put each record in each of its states. 绿源食品支部 (the
secretary's branch) is again half done, so that its pages have something in every
state and the reviewer's inbox has phase 3 records waiting."""

from __future__ import annotations

from dataclasses import dataclass, replace

from demo.activities.story import APPROVED, DRAFT, NONE, RETURNED, SUBMITTED
from demo.organizations import SECRETARY2_ORG, SECRETARY_ORG

PUBLISHED = "published"  # a problem list approved and published (公示)
ACCEPTED = "accepted"  # a checklist approved with its pass rule met
NOT_MET = "not_met"  # a checklist approved, the reviewer finding an item not met

# What becomes of an item of an approved list (deadline, then the moves).
CLOSED = "closed"  # started, closure requested with evidence, closed (销号)
CLOSED_AFTER_REJECTION = "closed_after_rejection"  # rejected once, more evidence, closed
CLOSED_AFTER_EXTENSION = "closed_after_extension"  # deadline extended, then closed
OPEN = "open"  # a long-term item not started yet (deadline after the campaign)
IN_PROGRESS = "in_progress"  # started, deadline after the campaign
OVERDUE = "overdue"  # started, deadline passed in September, not closed
CLOSURE_REQUESTED = "closure_requested"  # waiting for the reviewer
CLOSURE_REJECTED = "closure_rejected"  # returned with a reason: back in progress
EXTENSION_REQUESTED = "extension_requested"  # waiting for the reviewer
EXTENSION_APPROVED = "extension_approved"  # deadline moved past the campaign, in progress
EXTENSION_REJECTED = "extension_rejected"  # refused: the old deadline passed, overdue


@dataclass(frozen=True)
class Story:
    problem_list: str = PUBLISHED  # published / approved / submitted / returned / draft / none
    items: tuple[str, ...] = (CLOSED,)
    adopt: int = 1  # the first items adopt this many of the organization's opinions
    eight_haves: str = ACCEPTED  # accepted / not_met / submitted / returned / draft / none
    # "Two strong, eight good": the review state and the total score (of 100) the items
    # add up to; NONE: not assessed.
    two_strong: str = NONE
    two_strong_score: int = 0
    pledges: str = NONE  # public (every member) / some (two kept private) / none
    mechanisms: str = "all"  # all (the six) / partial (four in place, one drafted) / none
    custom_mechanism: bool = False
    funding: str = "full"  # generous (two sources, above it) / full (the standard) / short / none


# Still rectifying at the campaign's end (the construction industry and the community:
# the park led the way): the list published, its item in progress, the funding in, the
# "eight haves" and the mechanisms not yet recorded.
RECTIFYING = Story(items=(IN_PROGRESS,), eight_haves=NONE, mechanisms="none")
RECTIFYING_SUBTREES = ("QS-JZ", "QS-DM")

NOTHING = Story(problem_list=NONE, items=(), eight_haves=NONE, mechanisms="none", funding="none")

STORIES: dict[str, Story] = {
    # The secretary's branch: its list published with two opinions adopted and an item
    # in each state, the "eight haves" returned, "two strong, eight good" self-assessed,
    # pledges made public (two not yet), four mechanisms in place and its own, a shortfall.
    SECRETARY_ORG: Story(
        items=(
            CLOSED,
            CLOSURE_REQUESTED,
            CLOSURE_REJECTED,
            OVERDUE,
            EXTENSION_REQUESTED,
            IN_PROGRESS,
            OPEN,
        ),
        adopt=2,
        eight_haves=RETURNED,
        two_strong=DRAFT,
        two_strong_score=80,
        pledges="some",
        mechanisms="partial",
        custom_mechanism=True,
        funding="short",
    ),
    # A model branch: everything done, rejected and extended items closed in the end,
    # three stars, money from two sources, commended.
    "QS-KFQ-04": Story(
        items=(CLOSED, CLOSED_AFTER_REJECTION, CLOSED_AFTER_EXTENSION),
        two_strong=ACCEPTED,
        two_strong_score=92,
        funding="generous",
    ),
    "QS-KFQ-05": Story(
        items=(CLOSURE_REQUESTED, EXTENSION_REJECTED),
        eight_haves=SUBMITTED,
        two_strong=SUBMITTED,
        two_strong_score=78,
    ),
    "QS-KFQ-06": NOTHING,
    "QS-KFQ-07": replace(
        NOTHING,
        problem_list=DRAFT,
        items=(OPEN, OPEN),
        adopt=0,
        eight_haves=DRAFT,
        mechanisms="partial",
    ),
    "QS-KFQ-08": Story(eight_haves=NOT_MET),
    "QS-KFQ-09": Story(problem_list=SUBMITTED, items=(OPEN, OPEN, OPEN), eight_haves=DRAFT),
    "QS-KFQ-10": Story(
        problem_list=RETURNED, items=(OPEN, OPEN), eight_haves=NONE, mechanisms="partial"
    ),
    "QS-KFQ-11": Story(items=(OVERDUE, EXTENSION_APPROVED), eight_haves=SUBMITTED),
    SECRETARY2_ORG: Story(pledges="public"),
    "QS-JZ-02": replace(RECTIFYING, two_strong=RETURNED, two_strong_score=70),
    "QS-JZ-05": NOTHING,
    "QS-JZ-07": Story(
        problem_list=APPROVED,
        items=(IN_PROGRESS, OPEN),
        eight_haves=NONE,
        mechanisms="none",
        funding="short",
    ),
    "QS-DM-03": replace(NOTHING, problem_list=DRAFT, items=(OPEN,), adopt=0),
    "QS-LX-02": NOTHING,
}

# Days the records left waiting in the inboxes were submitted (the others' days are
# drawn at random): distinct, so that each shows its own days waiting.
SUBMITTED_ON = {
    ("list", "QS-KFQ-09"): "2014-08-06",
    ("eight_haves", "QS-KFQ-05"): "2014-09-16",
    ("eight_haves", "QS-KFQ-11"): "2014-09-17",
    ("two_strong", "QS-KFQ-05"): "2014-09-19",
    ("closure", "QS-KFQ-05"): "2014-09-23",
    ("closure", SECRETARY_ORG): "2014-09-25",
    ("extension", SECRETARY_ORG): "2014-09-26",
}

# The running campaign's build (demo.activities.story.CURRENT_SUBMITTED_ON): the list
# still waiting was submitted a week ago; the others above are recent already.
CURRENT_SUBMITTED_ON = {**SUBMITTED_ON, ("list", "QS-KFQ-09"): "2014-09-20"}


def submitted_on(current: bool) -> dict[tuple[str, str], str]:
    return CURRENT_SUBMITTED_ON if current else SUBMITTED_ON


# Commendations at the campaign's close: (kind, organization code).
MODEL_ORGANIZATIONS = ["QS-KFQ-04", SECRETARY2_ORG]
TYPICAL_INVESTORS = ["QS-KFQ-08"]
COMMENDED_ON = "2014-09-29"


# The "eight haves" are accepted in batches: by the campaign's end, in the park, one
# branch of each enterprise (and the branches named above); the others, and the
# committees whose branches carry the standard, not yet assessed.
EIGHT_HAVES_LATER = ("QS-KFQ-01", "QS-KFQ-01-2", "QS-KFQ-01-3", "QS-KFQ-02", "QS-KFQ-02-2")


def story_of(code: str) -> Story:
    if code in STORIES:
        return STORIES[code]
    if code.startswith(RECTIFYING_SUBTREES):
        return RECTIFYING
    return Story(eight_haves=NONE) if code in EIGHT_HAVES_LATER else Story()
