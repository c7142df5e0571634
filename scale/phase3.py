"""Phase 3's records of the scale data: problem lists and items, the eight-haves
assessment, mechanisms and their documents, funding with evidence, the satisfaction
vote and pledges."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from .base import SeederBase, _at, _link


class Phase3Records(SeederBase):
    def _problem_list(self, i: int, met: dict[str, bool], adopted: list[int]) -> None:
        status: str | None
        if met["problem_list_published"]:
            status, published = "approved", True
        else:
            status = self.rng.choice([None, "draft", "submitted", "returned", "approved"])
            published = False
        if status is None and (adopted or not met["no_overdue"]):
            # Adopted opinions became items; an unmet "no overdue item" is an approved
            # list with an overdue item.
            status = "approved" if not met["no_overdue"] else "draft"
        if status is None:
            return
        on = dt.date(2014, 8, 10) if published else None
        pk = self.problem_list.next_id
        submitted, decided = self._review(
            i,
            "list",
            pk,
            status,
            "问题清单",
            _link("rectification:problem_list_detail").format(pk=pk),
        )
        self.problem_list.add(
            self.ids[i],
            self.c.pk,
            "问题清单和整改方案",
            status,
            submitted,
            decided,
            on,
            on + dt.timedelta(days=6) if on else None,
            "全体党员和职工群众" if published else "",
            _at(on) if on else None,
            f"scale-{pk:010d}" if published else None,
        )
        approved = status == "approved"
        n = max(len(adopted), self.rng.randint(1, 4))
        overdue = approved and not met["no_overdue"]
        all_closed = approved and met["items_closed"] and not overdue
        for k in range(n):
            if not approved:
                item_status, deadline = "open", dt.date(2014, 10, 31)
            elif all_closed:
                item_status, deadline = "closed", dt.date(2014, 9, 15)
            elif k == 0 and overdue:
                item_status, deadline = "in_progress", dt.date(2014, 9, 1)
            elif k == 0:
                item_status, deadline = "in_progress", dt.date(2014, 11, 30)
            else:
                item_status = self.rng.choice(["closed", "closed", "closure_requested"])
                deadline = dt.date(2014, 12, 31)
            opinion = adopted[k] if k < len(adopted) else None
            self.item.add(
                pk,
                k + 1,
                "联系服务群众不够紧密。",
                self.rng.choice(self.categories),
                "opinion" if opinion else "self_examination",
                opinion,
                "建立党员联系职工制度。",
                "支部书记",
                deadline,
                item_status,
                _at(dt.date(2014, 9, 10)) if item_status == "closed" else None,
            )

    def _eight_haves(self, i: int, met: bool) -> None:
        status: str | None
        if met:
            status, met_items = "approved", len(self.eight_items)
        else:
            status = self.rng.choice([None, "draft", "submitted", "returned", "approved"])
            met_items = len(self.eight_items) - 2
        if status is None:
            return
        score = sum(points for _pk, points in self.eight_items[:met_items])
        maximum = sum(points for _pk, points in self.eight_items)
        pk = self._reviewable(
            self.assessment,
            i,
            "assessment",
            status,
            "“八有”自评",
            _link("rectification:assessment_detail"),
            self.ids[i],
            self.c.pk,
            self.eight.pk,
            # The stored result follows the entries (the services keep them in step).
            met_items == len(self.eight_items),
            score,
            maximum,
        )
        for n, (item, points) in enumerate(self.eight_items):
            ok = n < met_items
            self.entry.add(pk, item, ok, points if ok else 0, "")

    def _mechanisms(self, i: int, met: bool) -> None:
        in_place = len(self.kinds) if met else self.rng.choice([0, 2, 4, len(self.kinds) - 1])
        recorded = min(len(self.kinds), in_place + (1 if not met and in_place else 0))
        for n, kind in enumerate(self.kinds[:recorded]):
            documented = n < in_place
            pk = self.mechanism.add(
                self.ids[i],
                self.c.pk,
                kind,
                "",
                dt.date(2014, 8, 20) if documented else None,
                "制度全文见附件。",
            )
            if documented:
                self._document(i, pk)
        if self.rng.random() < 0.2:
            pk = self.mechanism.add(
                self.ids[i], self.c.pk, None, "党员责任区制度", dt.date(2014, 9, 1), "自定制度。"
            )
            self._document(i, pk)

    def _document(self, i: int, mechanism: int) -> None:
        digest = hashlib.sha256(str(mechanism).encode()).hexdigest()
        self.attachment.add(
            self.ct["mechanism"],
            mechanism,
            self.ids[i],
            "document",
            f"attachments/2014/08/{digest[:32]}.pdf",
            "制度.pdf",
            120_000,
            "application/pdf",
            ".pdf",
            digest,
            _at(dt.date(2014, 8, 21)),
        )

    def _funding(self, i: int, met: bool) -> None:
        active = sum(1 for _m, on in self.members_of.get(i, []) if on)
        required = Decimal(active) * self.c.funding_standard
        if met:
            parts = [required * Decimal("0.6"), required * Decimal("0.4") + Decimal("100")]
        elif required == 0:
            parts = []
        else:
            parts = self.rng.choice([[], [required / 2]])
        sources = ["county_finance", "retained_dues", "enterprise"]
        for n, amount in enumerate(parts):
            if amount > 0:
                receipt = self.receipt.add(
                    self.ids[i],
                    self.c.pk,
                    sources[n % 3],
                    amount.quantize(Decimal("0.01")),
                    dt.date(2014, 8, 5),
                    "",
                )
                # A receipt counts toward the norm only with its evidence (the
                # allocation notice or bank slip): every receipt of a met organization
                # has it, those of the others only sometimes.
                if met or self.rng.random() < 0.5:
                    self._receipt_evidence(i, receipt)

    def _receipt_evidence(self, i: int, receipt: int) -> None:
        digest = hashlib.sha256(f"receipt-{receipt}".encode()).hexdigest()
        self.attachment.add(
            self.ct["receipt"],
            receipt,
            self.ids[i],
            "evidence",
            f"attachments/2014/08/{digest[:32]}.pdf",
            "拨付凭证.pdf",
            80_000,
            "application/pdf",
            ".pdf",
            digest,
            _at(dt.date(2014, 8, 5)),
        )

    def _satisfaction(self, i: int, met: bool) -> None:
        """Ten ballots: nine satisfied or basically satisfied when met (90 %), five
        otherwise (50 %) — or, for some unmet organizations, no ballot at all."""
        if not met and self.rng.random() < 0.5:
            return
        survey = self.survey.add(
            self.ids[i], self.c.pk, hashlib.sha256(f"survey-{i}".encode()).hexdigest()[:40]
        )
        good = 9 if met else 5
        for n in range(10):
            ballot = self.ballot.add(survey, self.ids[i], self.c.pk, dt.date(2014, 9, 20))
            choice = ("satisfied", "basic")[n % 2] if n < good else "unsatisfied"
            self.answer.add(ballot, self.overall_question, choice)

    def _pledges(self, i: int) -> None:
        if self.rng.random() < 0.5:
            return
        public = self.rng.random() < 0.7
        for member, active in self.members_of.get(i, []):
            if active:
                self.pledge.add(
                    member,
                    self.ids[i],
                    self.c.pk,
                    "立足岗位作贡献，带头遵守制度。",
                    "public" if public else "draft",
                    dt.date(2014, 8, 15) if public else None,
                )
