"""The members of the scale data, spread over the organizations taking part."""

from __future__ import annotations

import datetime as dt

from .base import ScaleError, SeederBase

REGION = "320115"


class MemberRecords(SeederBase):
    def members(self, total: int) -> int:
        """Spread `total` members over the participating organizations, in proportion
        to a random weight (enterprise committees twice as heavy). Returns the index of
        the first participating organization (the bench secretary's)."""
        from organizations.models import MemberStatus, OrgKind, PartyPost, Sex
        from organizations.validators import make_citizen_id

        table = self.member
        rng = self.rng
        hosts = [i for i, p in enumerate(self.participating) if p]
        if not hosts:
            raise ScaleError("no organization takes part in the campaign: add organizations")
        weights = [
            rng.uniform(0.3, 1.7) * (2 if self.t.kinds[i] == OrgKind.COMMITTEE else 1)
            for i in hosts
        ]
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        for k in range(total - sum(counts)):
            counts[k % len(counts)] += 1
        educations = ["junior", "senior", "college", "bachelor", "bachelor", "master"]
        birth0 = dt.date(1960, 1, 1)
        j = 0
        for i, n in zip(hosts, counts, strict=True):
            org_members = []
            for k in range(n):
                birth = birth0 + dt.timedelta(days=j // 1000)
                probationary = j % 10 == 9
                joined = birth + dt.timedelta(days=365 * 25 + j % 300)
                active = j % 50 != 7
                pk = table.add(
                    f"党员{j}",
                    Sex.MALE if j % 2 else Sex.FEMALE,
                    birth,
                    make_citizen_id(REGION, birth, j % 1000),
                    educations[j % len(educations)],
                    joined,
                    None if probationary else joined + dt.timedelta(days=365),
                    MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                    self.ids[i],
                    f"139{j:08d}",
                    PartyPost.SECRETARY if k == 0 else "",
                    active,
                )
                org_members.append((pk, active))
                j += 1
            self.members_of[i] = org_members
        return hosts[0]
