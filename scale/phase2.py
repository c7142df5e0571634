"""Phase 2's records of the scale data: the self-examination statements, the special
meeting with its criticism and review, and the democratic appraisal."""

from __future__ import annotations

import datetime as dt
import json

from .base import SeederBase, _at, _link


class Phase2Records(SeederBase):
    def _statements(self, i: int, met: bool) -> None:
        statuses: list[str | None] = ["approved", "approved"]
        if not met:
            statuses[self.rng.randrange(2)] = self.rng.choice(
                [None, "draft", "submitted", "returned"]
            )
        for subject, status in zip(("team", "secretary"), statuses, strict=True):
            if status is None:
                continue
            self._reviewable(
                self.statement,
                i,
                "statement",
                status,
                "对照检查材料",
                _link("activities:statement_detail"),
                self.ids[i],
                self.c.pk,
                subject,
                "宗旨意识不够强。",
                "理论学习不深入。",
                "加强学习，改进作风。",
                json.dumps(["self_finding", "masses"]),
            )

    def _special_meeting(self, i: int, met: bool) -> None:
        if met:
            variant = self.rng.choice(["approved", "approved", "approved", "none", "returned"])
        else:
            variant = self.rng.choice(["absent", "no_guide", "submitted"])
        if variant == "absent":
            return
        guide = "" if variant == "no_guide" else "上级指导员"
        pk = self._meeting(i, "special", phase=2, guide=guide, report="代表班子作对照检查。")
        members = [m for m, on in self.members_of.get(i, []) if on]
        if len(members) >= 2:
            self.criticism.add(pk, "self", members[0], None, "理论学习不够系统。")
            self.criticism.add(pk, "criticism", members[1], members[0], "联系群众不够。")
        if variant in ("approved", "returned", "submitted"):
            self._reviewable(
                self.special_review,
                i,
                "special",
                variant,
                "专题组织生活会",
                _link("activities:meeting_detail").format(pk=pk),
                pk,
                self.ids[i],
            )

    def _appraisal(self, i: int, met: bool) -> None:
        active = [m for m, on in self.members_of.get(i, []) if on]
        status: str | None
        if met:
            status, cover = "closed", len(active)
        else:
            status = self.rng.choice([None, "open", "redo", "closed"])
            cover = len(active) // 2
            if status == "closed" and cover == len(active):
                status = None
        if status is None:
            return
        p2 = self.phases[2]
        absent = [m for n, m in enumerate(active[:cover]) if n % 11 == 10]
        session = self.session.add(
            self.ids[i],
            self.c.pk,
            p2.starts_on + dt.timedelta(days=20),
            p2.starts_on + dt.timedelta(days=22),
            len(active),
            len(active) - len(absent),
            len(absent),
            status,
            _at(p2.starts_on + dt.timedelta(days=23)) if status == "closed" else None,
        )
        votes = json.dumps({g.code: 0 for g in self.grades})
        for n, member in enumerate(active[:cover]):
            away = member in absent
            grade = None if away else self.grades[0 if n % 6 else 1].pk
            self.result.add(session, member, votes, grade, away, not away)
