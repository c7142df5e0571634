"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from organizations.models import (
    Enterprise,
    EnterpriseType,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
)
from organizations.validators import make_citizen_id, make_credit_code
from portal.accounts.models import User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "海燕",
]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)])
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        obj.set_password(extracted or "pw-for-tests-123")
        if create:
            obj.save(update_fields=["password"])


def add_org(parent: Organization | None = None, **kwargs: object) -> Organization:
    """Create an organization node (treebeard needs add_root / add_child)."""
    n = next(_org_seq)
    defaults: dict[str, object] = {
        "full_name": f"中共测试单位{n}支部委员会",
        "short_name": f"测试支部{n}",
        "kind": OrgKind.BRANCH,
        "code": f"T{n:06d}",
    }
    defaults.update(kwargs)
    if parent is None:
        return Organization.objects.add_root(defaults)
    parent.refresh_from_db()
    return Organization.objects.add_child(parent, defaults)


def _counter():
    n = 0
    while True:
        n += 1
        yield n


_org_seq = _counter()


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(10_000 + n))
    enterprise_type = EnterpriseType.COMPANY
    industry = "制造业"
    employee_count = 120


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)])
    sex = factory.Sequence(lambda n: "M" if n % 2 else "F")
    # One birth day per sequence number keeps ID numbers unique without a lookup.
    birth_date = factory.Sequence(lambda n: dt.date(1960, 1, 1) + dt.timedelta(days=n))
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_citizen_id("320115", o.birth_date, n % 1000)
    )
    education = "bachelor"
    joined_on = dt.date(2005, 7, 1)
    full_member_on = dt.date(2006, 7, 1)
    status = MemberStatus.FULL
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    organization = None
