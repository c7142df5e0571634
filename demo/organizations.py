"""A fictional county for demonstrations and manual testing: 中共青山县委员会 and the
non-public enterprises under it (used by `manage.py seed_demo`).

Everything here is invented: the county, the enterprises, the people, their ID numbers
(well-formed, from make_citizen_id, with a region code that belongs to no real place)
and credit codes. The data is a pure function of the seed (`demo_plan`), so a second
run can find the records of the first one without storing anything extra, and
`write_plan` writes it in a few bulk statements (history rows attributed to no user).

Shape of the tree (codes in brackets):

    青山县委 [QS]
    └─ 县两新工委 [QS-LX]
       ├─ 开发区党工委 [QS-KFQ]   park: enterprise committee with branches, a general branch
       │                          with branches, nine branches (one weak and lax: 宏达塑料),
       │                          a joint branch covering three small enterprises
       ├─ 建筑业行业党委 [QS-JZ]  industry: a general branch with branches, five branches,
       │                          a joint branch covering two enterprises
       ├─ 东门社区党委 [QS-DM]    community: three branches; hosts the members of four
       │                          enterprises without their own organization
       └─ two branches directly under the working committee
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from organizations.models import (
    Education,
    Enterprise,
    EnterpriseType,
    Member,
    MemberStatus,
    MobileDirection,
    Organization,
    OrgKind,
    PartyPost,
)
from organizations.validators import make_citizen_id, make_credit_code

SEED = 2014
COUNTY_CODE = "QS"
# Six digits that name no real county: the ID numbers and credit codes stay fictional.
REGION = "369901"
# The snapshot date of the demo: the eve of the 2014 campaign. Nobody joins after it.
AS_OF = dt.date(2014, 3, 31)

# --- the organizations ------------------------------------------------------------------


@dataclass
class OrgPlan:
    code: str
    kind: str
    full_name: str
    short_name: str
    parent: str | None
    members: int = 0  # members whose organization is this node
    enterprises: list[str] = field(default_factory=list)  # host enterprises (names)
    is_weak: bool = False
    founded_on: dt.date | None = None
    founding_document: str = ""
    secretary_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""


@dataclass
class EnterprisePlan:
    name: str
    enterprise_type: str
    industry: str
    employee_count: int
    address: str
    credit_code: str = ""
    attached_to: str | None = None  # code of the hosting organization, if none of its own
    legal_rep_is_member: bool = False
    investor_is_member: bool = False


@dataclass
class MemberPlan:
    name: str
    sex: str
    ethnicity: str
    birth_date: dt.date
    id_number: str
    education: str
    joined_on: dt.date
    full_member_on: dt.date | None
    status: str
    organization: str  # code
    enterprise: str | None  # name
    post: str
    phone: str
    party_post: str = ""
    is_investor: bool = False
    is_pocket: bool = False
    mobile: str = ""
    mobile_organization: str = ""
    lost_contact: bool = False
    lost_contact_kind: str = ""
    lost_contact_reason: str = ""
    login: str = ""  # username of the demo login linked to this member, if any


@dataclass
class LoginPlan:
    username: str
    full_name: str
    role: str  # a portal.accounts Role value, "admin" or "member"
    organizations: list[str]  # codes of the nodes where the role is held
    member_id_number: str = ""  # the member record the login belongs to, if any


@dataclass
class DemoPlan:
    organizations: list[OrgPlan]
    enterprises: list[EnterprisePlan]
    members: list[MemberPlan]
    logins: list[LoginPlan]

    def organization(self, code: str) -> OrgPlan:
        return next(o for o in self.organizations if o.code == code)


# Enterprise: name, type, industry, employees, street.
_C, _P, _S, _I, _F = (
    EnterpriseType.COMPANY,
    EnterpriseType.PARTNERSHIP,
    EnterpriseType.SOLE,
    EnterpriseType.INDIVIDUAL,
    EnterpriseType.COOPERATIVE,
)
MANUFACTURING = "制造业"
CONSTRUCTION = "建筑业"
TRADE = "批发和零售业"
LOGISTICS = "交通运输、仓储和邮政业"
CATERING = "住宿和餐饮业"
SOFTWARE = "信息传输、软件和信息技术服务业"
FARMING = "农、林、牧、渔业"
FINANCE = "金融业"
SERVICES = "租赁和商务服务业"

# (code, kind, full name, short name, parent code, members, host enterprises, weak)
_O = OrgKind
TREE: list[tuple[str, str, str, str, str | None, int, list[tuple], bool]] = [
    ("QS", _O.COUNTY_COMMITTEE, "中共青山县委员会", "青山县委", None, 0, [], False),
    (
        "QS-LX",
        _O.WORKING_COMMITTEE,
        "中共青山县非公有制经济组织和社会组织工作委员会",
        "县两新工委",
        "QS",
        0,
        [],
        False,
    ),
    (
        "QS-KFQ",
        _O.PARK_COMMITTEE,
        "中共青山经济开发区工作委员会",
        "开发区党工委",
        "QS-LX",
        0,
        [],
        False,
    ),
    (
        "QS-JZ",
        _O.INDUSTRY_COMMITTEE,
        "中共青山县建筑业行业委员会",
        "建筑业行业党委",
        "QS-LX",
        0,
        [],
        False,
    ),
    (
        "QS-DM",
        _O.COMMUNITY,
        "中共青山县城关镇东门社区委员会",
        "东门社区党委",
        "QS-LX",
        18,
        [],
        False,
    ),
    # --- the industrial park ---
    (
        "QS-KFQ-01",
        _O.COMMITTEE,
        "中共青山精密机械制造有限公司委员会",
        "精密机械党委",
        "QS-KFQ",
        2,
        [("青山精密机械制造有限公司", _C, MANUFACTURING, 860, "开发区工业大道18号")],
        False,
    ),
    (
        "QS-KFQ-01-1",
        _O.BRANCH,
        "中共青山精密机械制造有限公司第一生产车间支部委员会",
        "精密机械一车间支部",
        "QS-KFQ-01",
        20,
        [],
        False,
    ),
    (
        "QS-KFQ-01-2",
        _O.BRANCH,
        "中共青山精密机械制造有限公司第二生产车间支部委员会",
        "精密机械二车间支部",
        "QS-KFQ-01",
        18,
        [],
        False,
    ),
    (
        "QS-KFQ-01-3",
        _O.BRANCH,
        "中共青山精密机械制造有限公司机关支部委员会",
        "精密机械机关支部",
        "QS-KFQ-01",
        12,
        [],
        False,
    ),
    (
        "QS-KFQ-02",
        _O.GENERAL_BRANCH,
        "中共青山新材料科技股份有限公司总支部委员会",
        "新材料党总支",
        "QS-KFQ",
        2,
        [("青山新材料科技股份有限公司", _C, MANUFACTURING, 420, "开发区科技路6号")],
        False,
    ),
    (
        "QS-KFQ-02-1",
        _O.BRANCH,
        "中共青山新材料科技股份有限公司研发中心支部委员会",
        "新材料研发支部",
        "QS-KFQ-02",
        14,
        [],
        False,
    ),
    (
        "QS-KFQ-02-2",
        _O.BRANCH,
        "中共青山新材料科技股份有限公司生产支部委员会",
        "新材料生产支部",
        "QS-KFQ-02",
        14,
        [],
        False,
    ),
    (
        "QS-KFQ-03",
        _O.BRANCH,
        "中共青山绿源食品有限公司支部委员会",
        "绿源食品支部",
        "QS-KFQ",
        9,
        [("青山绿源食品有限公司", _C, MANUFACTURING, 230, "开发区富民路27号")],
        False,
    ),
    (
        "QS-KFQ-04",
        _O.BRANCH,
        "中共青山恒通物流有限公司支部委员会",
        "恒通物流支部",
        "QS-KFQ",
        12,
        [("青山恒通物流有限公司", _C, LOGISTICS, 180, "开发区物流园A区")],
        False,
    ),
    (
        "QS-KFQ-05",
        _O.BRANCH,
        "中共青山华科电子有限公司支部委员会",
        "华科电子支部",
        "QS-KFQ",
        12,
        [("青山华科电子有限公司", _C, MANUFACTURING, 310, "开发区创业路9号")],
        False,
    ),
    (
        "QS-KFQ-06",
        _O.BRANCH,
        "中共青山天成纺织有限公司支部委员会",
        "天成纺织支部",
        "QS-KFQ",
        18,
        [("青山天成纺织有限公司", _C, MANUFACTURING, 520, "开发区纺织路3号")],
        False,
    ),
    (
        "QS-KFQ-07",
        _O.BRANCH,
        "中共青山宏达塑料制品有限公司支部委员会",
        "宏达塑料支部",
        "QS-KFQ",
        3,
        [("青山宏达塑料制品有限公司", _C, MANUFACTURING, 150, "开发区工业大道66号")],
        True,
    ),
    (
        "QS-KFQ-08",
        _O.BRANCH,
        "中共青山博雅软件有限公司支部委员会",
        "博雅软件支部",
        "QS-KFQ",
        6,
        [("青山博雅软件有限公司", _C, SOFTWARE, 95, "开发区创新大厦12层")],
        False,
    ),
    (
        "QS-KFQ-09",
        _O.BRANCH,
        "中共青山瑞丰汽车配件有限公司支部委员会",
        "瑞丰汽配支部",
        "QS-KFQ",
        11,
        [("青山瑞丰汽车配件有限公司", _C, MANUFACTURING, 270, "开发区汽配路15号")],
        False,
    ),
    (
        "QS-KFQ-10",
        _O.BRANCH,
        "中共青山永安建材合伙企业支部委员会",
        "永安建材支部",
        "QS-KFQ",
        5,
        [("青山永安建材合伙企业", _P, MANUFACTURING, 60, "开发区建材市场北区")],
        False,
    ),
    (
        "QS-KFQ-11",
        _O.JOINT_BRANCH,
        "中共青山经济开发区小微企业联合支部委员会",
        "开发区小微企业联合支部",
        "QS-KFQ",
        8,
        [
            ("青山佳美印务有限公司", _C, MANUFACTURING, 40, "开发区印刷产业园2号"),
            ("青山明德机电经营部", _S, TRADE, 12, "开发区五金街21号"),
            ("青山李记五金加工厂", _I, MANUFACTURING, 8, "开发区五金街35号"),
        ],
        False,
    ),
    # --- the construction industry ---
    (
        "QS-JZ-01",
        _O.GENERAL_BRANCH,
        "中共青山第一建筑工程有限公司总支部委员会",
        "一建公司党总支",
        "QS-JZ",
        2,
        [("青山第一建筑工程有限公司", _C, CONSTRUCTION, 640, "城关镇建设路88号")],
        False,
    ),
    (
        "QS-JZ-01-1",
        _O.BRANCH,
        "中共青山第一建筑工程有限公司项目部支部委员会",
        "一建项目部支部",
        "QS-JZ-01",
        14,
        [],
        False,
    ),
    (
        "QS-JZ-01-2",
        _O.BRANCH,
        "中共青山第一建筑工程有限公司机关支部委员会",
        "一建机关支部",
        "QS-JZ-01",
        10,
        [],
        False,
    ),
    (
        "QS-JZ-02",
        _O.BRANCH,
        "中共青山宏基建设有限公司支部委员会",
        "宏基建设支部",
        "QS-JZ",
        12,
        [("青山宏基建设有限公司", _C, CONSTRUCTION, 380, "城关镇人民路102号")],
        False,
    ),
    (
        "QS-JZ-03",
        _O.BRANCH,
        "中共青山路桥工程有限公司支部委员会",
        "路桥工程支部",
        "QS-JZ",
        10,
        [("青山路桥工程有限公司", _C, CONSTRUCTION, 260, "城关镇交通路7号")],
        False,
    ),
    (
        "QS-JZ-04",
        _O.BRANCH,
        "中共青山鼎盛装饰工程有限公司支部委员会",
        "鼎盛装饰支部",
        "QS-JZ",
        6,
        [("青山鼎盛装饰工程有限公司", _C, CONSTRUCTION, 85, "城关镇东风路45号")],
        False,
    ),
    (
        "QS-JZ-05",
        _O.BRANCH,
        "中共青山华建劳务有限公司支部委员会",
        "华建劳务支部",
        "QS-JZ",
        6,
        [("青山华建劳务有限公司", _C, CONSTRUCTION, 210, "城关镇河西路19号")],
        False,
    ),
    (
        "QS-JZ-06",
        _O.BRANCH,
        "中共青山远大钢结构有限公司支部委员会",
        "远大钢构支部",
        "QS-JZ",
        9,
        [("青山远大钢结构有限公司", _C, CONSTRUCTION, 150, "开发区钢构园1号")],
        False,
    ),
    (
        "QS-JZ-07",
        _O.JOINT_BRANCH,
        "中共青山县建筑业小微企业联合支部委员会",
        "建筑业小微企业联合支部",
        "QS-JZ",
        6,
        [
            ("青山诚信建筑设计事务所", _P, SERVICES, 25, "城关镇文化路11号"),
            ("青山顺达土石方工程队", _S, CONSTRUCTION, 18, "城关镇北郊村"),
        ],
        False,
    ),
    # --- the community ---
    (
        "QS-DM-01",
        _O.BRANCH,
        "中共青山东门商贸城有限公司支部委员会",
        "东门商贸城支部",
        "QS-DM",
        8,
        [("青山东门商贸城有限公司", _C, TRADE, 120, "城关镇东门大街1号")],
        False,
    ),
    (
        "QS-DM-02",
        _O.BRANCH,
        "中共青山悦来大酒店有限公司支部委员会",
        "悦来酒店支部",
        "QS-DM",
        9,
        [("青山悦来大酒店有限公司", _C, CATERING, 150, "城关镇东门大街58号")],
        False,
    ),
    (
        "QS-DM-03",
        _O.BRANCH,
        "中共青山康宁医药连锁有限公司支部委员会",
        "康宁医药支部",
        "QS-DM",
        6,
        [("青山康宁医药连锁有限公司", _C, TRADE, 85, "城关镇健康路6号")],
        False,
    ),
    # --- directly under the working committee ---
    (
        "QS-LX-01",
        _O.BRANCH,
        "中共青山创新电子商务有限公司支部委员会",
        "创新电商支部",
        "QS-LX",
        7,
        [("青山创新电子商务有限公司", _C, SOFTWARE, 70, "城关镇电商产业园3楼")],
        False,
    ),
    (
        "QS-LX-02",
        _O.BRANCH,
        "中共青山金桥小额贷款有限公司支部委员会",
        "金桥小贷支部",
        "QS-LX",
        5,
        [("青山金桥小额贷款有限公司", _C, FINANCE, 30, "城关镇人民路8号")],
        False,
    ),
]

# Enterprises without their own organization, attached to the community by proximity;
# their members are on the community organization's roster.
ATTACHED = [
    ("青山丰收果蔬专业合作社", _F, FARMING, 35, "城关镇东门村", "QS-DM"),
    ("青山绿野茶叶专业合作社", _F, FARMING, 28, "城关镇茶山村", "QS-DM"),
    ("青山惠民超市", _S, TRADE, 20, "城关镇东门大街102号", "QS-DM"),
    ("青山老王家小吃店", _I, CATERING, 6, "城关镇东门小吃街5号", "QS-DM"),
]

# Enterprises whose investor (and legal representative) is a member: their first
# ordinary member is the investor.
INVESTOR_ENTERPRISES = {
    "青山绿源食品有限公司",
    "青山永安建材合伙企业",
    "青山鼎盛装饰工程有限公司",
    "青山博雅软件有限公司",
    "青山李记五金加工厂",
    "青山丰收果蔬专业合作社",
}

# The demo logins. The secretary, clerk and member sit in 绿源食品支部 (in the park, so in
# the reviewer's subtree); secretary2 in 鼎盛装饰支部 under the construction industry
# committee, outside the reviewer's subtree, so isolation between subtrees can be tried.
SECRETARY_ORG = "QS-KFQ-03"
SECRETARY2_ORG = "QS-JZ-04"
WEAK_ORG = "QS-KFQ-07"
INSTRUCTOR_ORGS = [WEAK_ORG, "QS-KFQ-11", "QS-JZ-07"]
COMMUNITY_INSTRUCTOR_ORG = "QS-DM"

# --- people -----------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余"
    "于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
)
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆建国志文斌海峰亮成林东兵德"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧琳颖洁倩萍红梅兰英秀玉凤琴云莉佳欣悦晶"
ETHNIC_MINORITIES = ["回族", "满族", "壮族", "苗族", "土家族", "蒙古族", "畲族"]
EDUCATION_WEIGHTS = [
    (Education.JUNIOR, 10),
    (Education.SENIOR, 28),
    (Education.COLLEGE, 30),
    (Education.BACHELOR, 27),
    (Education.MASTER, 5),
]
POSTS = {
    MANUFACTURING: ["车间主任", "班组长", "技术员", "质检员", "操作工", "设备维修工", "仓库管理员"],
    CONSTRUCTION: ["项目经理", "施工员", "安全员", "预算员", "质量员", "资料员", "钢筋工"],
    TRADE: ["店长", "营业员", "采购员", "收银员", "配送员"],
    LOGISTICS: ["调度员", "驾驶员", "仓储主管", "装卸工"],
    CATERING: ["大堂经理", "厨师", "服务员", "采购员"],
    SOFTWARE: ["软件工程师", "产品经理", "测试工程师", "运营专员"],
    FARMING: ["社员", "技术指导员", "种植户"],
    FINANCE: ["信贷员", "风控专员", "会计"],
    SERVICES: ["设计师", "工程师", "绘图员"],
}
OFFICE_POSTS = ["办公室主任", "行政主管", "会计", "出纳", "人力资源专员", "销售经理"]
OUTFLOW_PLACES = [
    "中共广东省深圳市宝安区流动党员党支部",
    "中共浙江省义乌市稠城街道流动党员党支部",
    "中共江苏省苏州工业园区流动党员服务站党支部",
]
# (standard code, words): how the two demo members lost contact.
LOST_CONTACT_REASONS = [
    ("migrant_work", "外出务工多年，原联系电话已停机，多方联系未果"),
    ("other", "2012年起未参加组织生活，家属称其去向不明"),
]


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in pairs], weights=[w for _v, w in pairs])[0]


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _phone(rng: random.Random) -> str:
    return rng.choice(["139", "138", "137", "135", "150", "152", "158", "187", "189"]) + (
        f"{rng.randint(0, 99_999_999):08d}"
    )


class _Names:
    """Varied Chinese names, unique across the demo (so searching by name finds one)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, sex: str) -> str:
        pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        while True:
            given = self.rng.choice(pool)
            if self.rng.random() < 0.7:
                given += self.rng.choice(pool.replace(given, ""))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used and given[0] != name[0]:
                self.used.add(name)
                return name


def demo_plan(seed: int = SEED) -> DemoPlan:
    """The whole demo as plain data; no database access. Same seed, same plan."""
    rng = random.Random(seed)
    names = _Names(rng)
    organizations: list[OrgPlan] = []
    enterprises: list[EnterprisePlan] = []
    by_name: dict[str, EnterprisePlan] = {}

    def add_enterprise(spec: tuple, attached_to: str | None = None) -> EnterprisePlan:
        name, etype, industry, employees, address = spec[:5]
        plan = EnterprisePlan(
            name=name,
            enterprise_type=etype,
            industry=industry,
            employee_count=employees,
            address=f"青山县{address}",
            credit_code=make_credit_code(1_000 + len(enterprises) * 37, region=REGION),
            attached_to=attached_to,
            legal_rep_is_member=name in INVESTOR_ENTERPRISES,
            investor_is_member=name in INVESTOR_ENTERPRISES,
        )
        enterprises.append(plan)
        by_name[name] = plan
        return plan

    for code, kind, full_name, short_name, parent, count, hosts, weak in TREE:
        org = OrgPlan(
            code=code,
            kind=kind,
            full_name=full_name,
            short_name=short_name,
            parent=parent,
            members=count,
            is_weak=weak,
        )
        org.enterprises = [add_enterprise(h).name for h in hosts]
        if not org.enterprises and parent and kind == OrgKind.BRANCH:
            # A branch of an enterprise committee or general branch sits in the same company.
            org.enterprises = list(next(o for o in organizations if o.code == parent).enterprises)
        year = rng.randint(2003, 2012)
        org.founded_on = _date_between(rng, dt.date(year, 1, 1), dt.date(year, 12, 20))
        issuer = {"QS": "青发", "QS-LX": "青发", "QS-KFQ": "青两新"}.get(parent or "", "青两新")
        org.founding_document = f"{issuer}〔{year}〕{rng.randint(3, 60)}号" if parent else ""
        organizations.append(org)
    for name, etype, industry, employees, address, host in ATTACHED:
        add_enterprise((name, etype, industry, employees, address), attached_to=host)

    members: list[MemberPlan] = []
    attached_names = [a[0] for a in ATTACHED]
    for org in organizations:
        if not org.members:
            continue
        host_names = org.enterprises or attached_names
        for i in range(org.members):
            enterprise = by_name[host_names[i % len(host_names)]]
            members.append(_member(rng, names, org, enterprise, i, len(members)))
        secretary = next(m for m in members if m.organization == org.code)
        org.secretary_name = secretary.name
        officers = [m for m in members if m.organization == org.code and m.party_post]
        contact = officers[1] if len(officers) > 1 else secretary
        org.contact_name, org.contact_phone = contact.name, contact.phone
    _add_special_cases(rng, members)

    roster = {
        code: [m for m in members if m.organization == code]
        for code in (SECRETARY_ORG, SECRETARY2_ORG)
    }
    secretary, clerk = roster[SECRETARY_ORG][0], roster[SECRETARY_ORG][1]
    member = next(
        m for m in roster[SECRETARY_ORG][2:] if m.status == MemberStatus.FULL and not m.is_investor
    )
    secretary2 = roster[SECRETARY2_ORG][0]
    for m, login in (
        (secretary, "secretary"),
        (clerk, "clerk"),
        (member, "member"),
        (secretary2, "secretary2"),
    ):
        m.login = login
    logins = [
        LoginPlan("admin", "系统管理员", "admin", []),
        LoginPlan("office", "周建国", "office", ["QS"]),
        LoginPlan("reviewer", "陈卫东", "reviewer", ["QS-KFQ"]),
        LoginPlan("instructor", "孙丽华", "instructor", INSTRUCTOR_ORGS),
        # The community's instructor, also assigned to two of the enterprises without a
        # Party organization attached to it (demo/guidance.py; docs/product.md §4).
        LoginPlan("instructor2", "吴志强", "instructor", [COMMUNITY_INSTRUCTOR_ORG]),
        # The security auditor reads the county's audit log and holds no other role.
        LoginPlan("auditor", "郑晓梅", "auditor", ["QS"]),
        # The account manager creates the county's accounts and grants their roles
        # (strictly below the county committee) and holds no other role.
        LoginPlan("accounts", "吴海燕", "account_manager", ["QS"]),
        LoginPlan("secretary", secretary.name, "secretary", [SECRETARY_ORG], secretary.id_number),
        LoginPlan("clerk", clerk.name, "clerk", [SECRETARY_ORG], clerk.id_number),
        LoginPlan("member", member.name, "member", [], member.id_number),
        LoginPlan(
            "secretary2", secretary2.name, "secretary", [SECRETARY2_ORG], secretary2.id_number
        ),
    ]
    return DemoPlan(organizations, enterprises, members, logins)


def _member(
    rng: random.Random, names: _Names, org: OrgPlan, enterprise: EnterprisePlan, i: int, n: int
) -> MemberPlan:
    """The i-th member of `org` (n-th of the demo). The first is the secretary, the
    second a committee member (the organizer); one in twelve or so is probationary."""
    officer = i < 2
    probationary = not officer and rng.random() < 0.09
    sex = "M" if rng.random() < (0.75 if officer else 0.62) else "F"
    if probationary:
        birth = _date_between(rng, dt.date(1982, 1, 1), dt.date(1992, 12, 31))
        joined = _date_between(rng, dt.date(2013, 4, 15), AS_OF - dt.timedelta(days=16))
        full_on = None
    else:
        birth = _date_between(
            rng, dt.date(1955 if not officer else 1958, 1, 1), dt.date(1990, 6, 30)
        )
        earliest = dt.date(birth.year + 20, birth.month, min(birth.day, 28))
        latest = min(dt.date(birth.year + 45, 12, 31), dt.date(2013, 3, 1))
        joined = _date_between(rng, earliest, latest)
        full_on = joined + dt.timedelta(days=365 + rng.randint(0, 20))
    # Odd sequence digits for men, even for women (GB 11643); unique per member.
    sequence = 2 * n + (1 if sex == "M" else 0)
    posts = POSTS.get(enterprise.industry, OFFICE_POSTS)
    return MemberPlan(
        name=names.make(sex),
        sex=sex,
        ethnicity="汉族" if rng.random() < 0.93 else rng.choice(ETHNIC_MINORITIES),
        birth_date=birth,
        id_number=make_citizen_id(REGION, birth, sequence),
        education=_weighted(rng, EDUCATION_WEIGHTS),
        joined_on=joined,
        full_member_on=full_on,
        status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
        organization=org.code,
        enterprise=enterprise.name,
        post=rng.choice(OFFICE_POSTS if officer else posts),
        phone=_phone(rng),
        party_post=PartyPost.SECRETARY if i == 0 else PartyPost.COMMITTEE if i == 1 else "",
    )


def _add_special_cases(rng: random.Random, members: list[MemberPlan]) -> None:
    """Investor members, "pocket" members, mobile members and lost contacts, placed on
    ordinary (non-officer) members so every kind appears in the demo."""
    ordinary = [m for m in members if not m.party_post and m.status == MemberStatus.FULL]
    seen: set[str] = set()
    for m in ordinary:
        if m.enterprise in INVESTOR_ENTERPRISES and m.enterprise not in seen:
            seen.add(m.enterprise)
            m.is_investor = True
            m.post = "董事长" if "有限公司" in (m.enterprise or "") else "负责人"
    community = [m for m in ordinary if m.organization == "QS-DM" and not m.is_investor]
    for m in community[:2]:
        m.is_pocket = True
    others = [m for m in ordinary if not m.is_investor and not m.is_pocket]
    picks = rng.sample(others, 6)
    for m, place in zip(picks[:3], OUTFLOW_PLACES, strict=True):
        m.mobile, m.mobile_organization = MobileDirection.OUTFLOW, place
    picks[3].mobile = MobileDirection.INFLOW
    picks[3].mobile_organization = "中共安徽省六安市某镇委员会（原组织关系所在地）"
    for m, (kind, reason) in zip(picks[4:], LOST_CONTACT_REASONS, strict=True):
        m.lost_contact, m.lost_contact_kind, m.lost_contact_reason = True, kind, reason


# --- writing -----------------------------------------------------------------------------


def find_county() -> Organization | None:
    return Organization.objects.filter(code=COUNTY_CODE).first()


@transaction.atomic
def write_plan(plan: DemoPlan) -> Organization:
    """Write the organizations, enterprises and members of `plan` (history rows
    attributed to no user). Every record is validated with full_clean() first. Returns
    the county committee."""
    orgs: dict[str, Organization] = {}
    for spec in plan.organizations:
        fields = {
            "code": spec.code,
            "kind": spec.kind,
            "full_name": spec.full_name,
            "short_name": spec.short_name,
            "is_weak": spec.is_weak,
            "founded_on": spec.founded_on,
            "founding_document": spec.founding_document,
            "secretary_name": spec.secretary_name,
            "contact_name": spec.contact_name,
            "contact_phone": spec.contact_phone,
        }
        if spec.parent is None:
            orgs[spec.code] = Organization.objects.add_root(fields)
        else:
            parent = orgs[spec.parent]
            parent.refresh_from_db()  # treebeard needs the parent's current numchild
            orgs[spec.code] = Organization.objects.add_child(parent, fields)

    enterprises = []
    for ent in plan.enterprises:
        enterprise = Enterprise(
            name=ent.name,
            credit_code=ent.credit_code,
            enterprise_type=ent.enterprise_type,
            industry=ent.industry,
            employee_count=ent.employee_count,
            address=ent.address,
            legal_rep_is_member=ent.legal_rep_is_member,
            investor_is_member=ent.investor_is_member,
            attached_to=orgs[ent.attached_to] if ent.attached_to else None,
        )
        enterprise.full_clean()
        enterprises.append(enterprise)
    bulk_create_with_history(enterprises, Enterprise)
    by_name = {
        e.name: e for e in Enterprise.objects.filter(name__in=[s.name for s in plan.enterprises])
    }
    hosts = Organization.enterprises.through
    hosts.objects.bulk_create(
        hosts(organization_id=orgs[spec.code].pk, enterprise_id=by_name[name].pk)
        for spec in plan.organizations
        for name in spec.enterprises
    )

    members = []
    for person in plan.members:
        member = Member(
            name=person.name,
            sex=person.sex,
            ethnicity=person.ethnicity,
            birth_date=person.birth_date,
            id_number=person.id_number,
            education=person.education,
            joined_on=person.joined_on,
            full_member_on=person.full_member_on,
            status=person.status,
            organization=orgs[person.organization],
            enterprise=by_name[person.enterprise] if person.enterprise else None,
            post=person.post,
            phone=person.phone,
            party_post=person.party_post,
            is_investor=person.is_investor,
            is_pocket=person.is_pocket,
            mobile=person.mobile,
            mobile_organization=person.mobile_organization,
            lost_contact=person.lost_contact,
            lost_contact_kind=person.lost_contact_kind,
            lost_contact_reason=person.lost_contact_reason,
        )
        # Foreign keys are ours and just written: skip their per-row existence queries.
        member.full_clean(exclude=["organization", "enterprise"], validate_unique=False)
        members.append(member)
    bulk_create_with_history(members, Member, batch_size=500)
    return orgs[COUNTY_CODE]
