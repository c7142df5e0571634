"""Phase 1's records of the scale data: the activity plan, the mobilization meeting,
counseling and the opinions heard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .base import STUDY_MODES, SeederBase, _at, _day, _link


class Phase1Records(SeederBase):
    def _plan(self, i: int, met: bool) -> None:
        status = "approved" if met else self.rng.choice([None, "draft", "submitted", "returned"])
        if status is None:
            return
        self._reviewable(
            self.plan,
            i,
            "plan",
            status,
            "活动方案",
            _link("activities:plan_detail"),
            self.ids[i],
            self.c.pk,
            "党的群众路线教育实践活动实施方案",
            "目标",
            "各阶段安排",
            "领导分工",
            "措施要求",
        )

    def _mobilization(self, i: int, met: bool) -> None:
        parent = self.t.parents[i]
        if met:
            if parent in self.mobilization_of and self.rng.random() < 0.25:
                members = self.members_of.get(i, [])
                pk = self.participation.next_id
                present, absent = self._attend(self.mobilization_of[parent], members, pk)
                self.participation.add(
                    self.mobilization_of[parent], self.ids[i], present + absent, present, absent
                )
            else:
                self.mobilization_of[i] = self._meeting(i, "mobilization")
        elif self.rng.random() < 0.5:
            self._meeting(i, "study_session")  # something held, but not the mobilization

    def _counseling(self, i: int, met: bool) -> None:
        active = [m for m, on in self.members_of.get(i, []) if on]
        covered = active if met else self.rng.choice([[], active[: len(active) // 2]])
        p1 = self.phases[1]
        for n, member in enumerate(covered):
            for _ in range(2 if n % 3 == 0 else 1):
                self.counseling.add(
                    member,
                    self.ids[i],
                    self.c.pk,
                    _day(p1.starts_on, p1.ends_on, self.rng),
                    STUDY_MODES[n % len(STUDY_MODES)],
                    "学习党章和系列讲话",
                    Decimal("2.0"),
                )

    def _opinions(self, i: int, met: bool) -> list[int]:
        """Returns the ids of the opinions adopted as problems."""
        n = self.rng.randint(1, 5)
        if met:
            statuses = [self.rng.choice(["answered", "answered", "adopted"]) for _ in range(n)]
        elif self.rng.random() < 0.4:
            statuses = []
        else:
            statuses = [self.rng.choice(["answered", "received", "sorted"]) for _ in range(n)]
            statuses[0] = self.rng.choice(["received", "sorted"])
        adopted = []
        p1 = self.phases[1]
        for status in statuses:
            received = _day(p1.starts_on, p1.ends_on, self.rng)
            answered = _at(received + dt.timedelta(days=5)) if status == "answered" else None
            adopted_at = _at(received + dt.timedelta(days=60)) if status == "adopted" else None
            pk = self.opinion.add(
                self.ids[i],
                self.c.pk,
                self.rng.choice(["investor", "manager", "technical", "frontline", "other"]),
                self.rng.choice(["face_to_face", "form", "box"]),
                "希望党组织多关心一线职工的困难。",
                None if status == "received" else self.rng.choice(self.categories),
                received,
                status,
                "已逐条研究并答复。" if answered else "",
                answered,
                "问题清单第1项" if adopted_at else "",
                "",
                adopted_at,
            )
            if status == "adopted":
                adopted.append(pk)
        return adopted
