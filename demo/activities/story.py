"""The demo campaign as a table: what each organization has done by the end of phase 2.

Most organizations have done everything (the default `Story`); the exceptions put
each record type in each of its states, and 绿源食品支部 (the secretary's organization)
is half done, so that its home page has a to-do list and the reviewer's inbox holds
several kinds of record, oldest first."""

from __future__ import annotations

from dataclasses import dataclass, replace

from demo.organizations import SECRETARY_ORG
from organizations.models import Organization

APPROVED, SUBMITTED, RETURNED, DRAFT, NONE = "approved", "submitted", "returned", "draft", ""
# A record returned once, revised and resubmitted: approved in the end, or still waiting.
REVISED_APPROVED, REVISED_WAITING = "revised_approved", "revised_waiting"


@dataclass(frozen=True)
class Story:
    plan: str = APPROVED  # the activity plan's review state (NONE: not written)
    exchanges: int = 1  # study exchanges held
    counseling: str = "full"  # full / partial / none
    opinions: str = "done"  # done (all answered) / open (some not yet) / box / none
    talks: int = 3  # one-to-one talks
    team: str = APPROVED  # the team's self-examination statement
    secretary: str = APPROVED  # the secretary's statement
    special: str = "guide"  # special meeting: guide / no_guide / none
    special_review: str = APPROVED  # its record's review (NONE: never submitted)
    appraisal: str = "closed"  # closed (approved) / pending (approval waits) / open / none


# Behind: phase 1 partly done, nothing of phase 2.
LAGGARD = Story(
    exchanges=0,
    counseling="partial",
    opinions="open",
    talks=1,
    team=NONE,
    secretary=NONE,
    special="none",
    appraisal="none",
)
# Nothing done at all (beyond what the story says).
IDLE = replace(LAGGARD, counseling="none", opinions="none", talks=0)

STORIES: dict[str, Story] = {
    # The secretary's branch, half done: a plan approved after one return, the park's
    # mobilization attended, two members not yet counseled, opinions (with the online
    # box) partly answered, the team statement returned, revised and waiting again, the
    # secretary's returned, the special meeting held without a guide, the appraisal
    # closed with its determinations waiting for approval.
    SECRETARY_ORG: Story(
        plan=REVISED_APPROVED,
        counseling="partial",
        opinions="box",
        team=REVISED_WAITING,
        secretary=RETURNED,
        special="no_guide",
        appraisal="pending",
    ),
    "QS-KFQ-04": Story(exchanges=2, special_review=RETURNED),
    "QS-KFQ-05": Story(secretary=SUBMITTED),
    "QS-KFQ-06": replace(LAGGARD, plan=SUBMITTED, exchanges=1, talks=0),
    "QS-KFQ-07": replace(LAGGARD, plan=RETURNED),
    "QS-KFQ-08": Story(special_review=SUBMITTED),
    "QS-KFQ-09": Story(team=SUBMITTED, special="none"),
    "QS-KFQ-10": Story(team=RETURNED, secretary=DRAFT, special="none", appraisal="open"),
    "QS-KFQ-11": Story(secretary=SUBMITTED, opinions="open"),
    "QS-JZ-02": Story(exchanges=2, special_review=NONE),
    "QS-JZ-05": replace(IDLE, plan=DRAFT),
    "QS-JZ-07": Story(team=SUBMITTED, secretary=SUBMITTED, appraisal="none"),
    "QS-DM": Story(counseling="partial", exchanges=2),
    "QS-DM-03": replace(LAGGARD, plan=NONE, team=DRAFT),
    "QS-LX-02": replace(IDLE, plan=NONE),
}

# Days the records left waiting in the inboxes were submitted (the others' days are
# drawn at random): the inbox shows them oldest first, each with its own days waiting.
SUBMITTED_ON = {
    ("plan", "QS-KFQ-06"): "2014-05-06",
    ("team", "QS-KFQ-09"): "2014-06-26",
    ("team", SECRETARY_ORG): "2014-06-28",  # returned, resubmitted on 2014-07-08
    ("secretary", SECRETARY_ORG): "2014-07-04",  # returned on 2014-07-10
    ("secretary", "QS-KFQ-05"): "2014-07-15",
    ("secretary", "QS-KFQ-11"): "2014-07-18",
    ("special", "QS-KFQ-08"): "2014-07-22",
}

# The running campaign's build (Demo.current) replays the story up to 27 September
# (story dates): the records still waiting for a decision there were submitted in the
# fortnight before, so that every wait is a few days, and stays under two months even
# once that campaign has ended (waits stop at its end).
CURRENT_SUBMITTED_ON = {
    **SUBMITTED_ON,
    ("plan", "QS-KFQ-06"): "2014-09-24",
    ("team", "QS-KFQ-09"): "2014-09-22",
    ("team", SECRETARY_ORG): "2014-09-12",  # returned, resubmitted on 2014-09-22
    ("secretary", "QS-KFQ-05"): "2014-09-19",
    ("secretary", "QS-KFQ-11"): "2014-09-25",
    ("team", "QS-JZ-07"): "2014-09-17",
    ("secretary", "QS-JZ-07"): "2014-09-18",
    ("special", "QS-KFQ-08"): "2014-09-23",
    ("appraisal", SECRETARY_ORG): "2014-09-15",
}


def submitted_on(current: bool) -> dict[tuple[str, str], str]:
    """The submission days of the records left waiting, for the 2014 build or the
    running campaign's."""
    return CURRENT_SUBMITTED_ON if current else SUBMITTED_ON


# Mobilization meetings held for others: the holder, its day, and the organizations
# whose members attended. Organizations in neither place hold their own (from 8 April),
# except those in NO_MOBILIZATION.
MOBILIZATION_HOSTS: dict[str, tuple[str, list[str]]] = {
    "QS-KFQ": (
        "2014-04-09",
        [
            "QS-KFQ-03",
            "QS-KFQ-04",
            "QS-KFQ-05",
            "QS-KFQ-07",
            "QS-KFQ-08",
            "QS-KFQ-09",
            "QS-KFQ-10",
            "QS-KFQ-11",
        ],
    ),
    "QS-KFQ-01": ("2014-04-10", ["QS-KFQ-01-1", "QS-KFQ-01-2", "QS-KFQ-01-3"]),
    "QS-KFQ-02": ("2014-04-11", ["QS-KFQ-02-1", "QS-KFQ-02-2"]),
    "QS-JZ": (
        "2014-04-10",
        ["QS-JZ-01", "QS-JZ-01-1", "QS-JZ-01-2", "QS-JZ-02", "QS-JZ-04", "QS-JZ-07"],
    ),
    # QS-JZ-06, a branch under the industry committee, attended the community's meeting
    # by proximity (docs/product.md §6.1); QS-JZ-05 (NO_MOBILIZATION) could still do so.
    "QS-DM": ("2014-04-12", ["QS-DM-01", "QS-DM-02", "QS-DM-03", "QS-JZ-06"]),
}
NO_MOBILIZATION = {"QS-JZ-05", "QS-LX-02"}


def story_of(org: Organization) -> Story:
    return STORIES.get(org.code, Story())


def host_of(code: str) -> str | None:
    """The organization whose mobilization meeting `code`'s members attended."""
    return next((h for h, (_day, orgs) in MOBILIZATION_HOSTS.items() if code in orgs), None)
