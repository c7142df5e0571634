"""What the people of the demo campaign write (demo/activities): plans, minutes,
opinions and answers, statements, review comments. Chinese, as users write them;
invented, like everything in the demo county."""

from __future__ import annotations

import random
from typing import Any

from activities.models import (
    ExaminationMethod,
    MeetingSubkind,
    OpinionSource,
    StatementSubject,
    StudyMode,
)
from organizations.models import Member, Organization

# --- activity plans ---------------------------------------------------------------------


def plan_fields(
    org: Organization, secretary: Member | None, committee: Member | None
) -> dict[str, str]:
    lead = f"书记{secretary.name}" if secretary else "书记"
    deputy = f"，支部委员{committee.name}任副组长，负责日常组织协调" if committee else ""
    return {
        "title": f"{org.short_name}开展党的群众路线教育实践活动实施方案",
        "goals": (
            "以为民务实清廉为主要内容，教育引导党员坚定理想信念、践行党的宗旨，"
            "着力解决“四风”突出问题和服务职工群众“最后一公里”问题，推动企业健康发展、职工得到实惠。"
        ),
        "arrangements": (
            "第一阶段（4月1日—5月31日）学习教育、听取意见：召开动员大会，组织集中学习和学习交流，"
            "每名党员至少参加一次学习辅导；通过座谈会、征求意见表和意见箱广泛征求职工群众意见。\n"
            "第二阶段（6月1日—7月31日）查摆问题、开展批评：开展谈心谈话，撰写对照检查材料，"
            "召开专题组织生活会，开展民主评议党员。\n"
            "第三阶段（8月1日—9月30日）整改落实、建章立制：制定整改方案并公示，建立健全工作制度，"
            "确保问题整改到位。"
        ),
        "leadership": (
            f"成立活动领导小组，由{lead}任组长{deputy}；各党小组长负责本小组党员的学习和联系职工工作，"
            "每名支部委员联系一个车间或部门。"
        ),
        "measures": (
            "一是每月召开一次支委会研究推进活动；二是建立学习台账和意见台账，做到件件有回音；"
            "三是活动进展每月向上级党组织报告，接受职工群众监督。"
        ),
    }


def plan_first_draft(fields: dict[str, str]) -> dict[str, str]:
    """The version the reviewer returned: the division of work not yet written out."""
    return {**fields, "leadership": "成立活动领导小组，支部书记任组长。"}


PLAN_REVISE = "请在“组织领导”中写明支部委员的具体分工和联系职工群众的责任人。"
PLAN_RETURNED = (
    "方案中第二阶段的安排过于笼统，请写明专题组织生活会的时间和参加人员；"
    "支部只有3名党员，请说明学习交流如何开展。"
)

# --- meetings -----------------------------------------------------------------------------


def place(org: Organization) -> str:
    if org.kind in ("park", "industry"):
        return f"{org.short_name}三楼会议室"
    return f"{org.short_name}党员活动室"


ABSENT_LOST = "失去联系，多方联系未果"
ABSENT_MOBILE = "在外地流动，会后寄送学习材料"
ABSENT_REASONS = ["出差在外", "生病住院", "车间值班", "请事假", "外出培训", "家中有事请假"]

MOBILIZATION_TOPIC = "党的群众路线教育实践活动动员大会"
MOBILIZATION = {
    "agenda": (
        "一、传达上级关于开展党的群众路线教育实践活动的部署要求；\n"
        "二、解读活动实施方案；\n三、党员代表表态发言。"
    ),
    "content": (
        "会议传达了县委关于在非公有制企业中开展党的群众路线教育实践活动的实施方案，"
        "对三个阶段的工作作了具体安排，要求全体党员提高认识、全程参与、以上率下。"
    ),
    "resolutions": "全体党员按方案参加学习辅导，每人至少撰写一篇心得体会。",
}


def participation_note(secretary: Member | None) -> str:
    return f"由{secretary.name}带队参加。" if secretary else ""


STUDY_SESSION_TOPIC = "集中学习《论群众路线——重要论述摘编》"
STUDY_SESSION_CONTENT = "支部书记领学重点篇目，党员结合岗位谈体会。"

EXCHANGES = [
    (MeetingSubkind.DISCUSSION, "“为民务实清廉”专题讨论"),
    (MeetingSubkind.SPEECHES, "“我为企业发展献一策”演讲交流"),
    (MeetingSubkind.KNOWLEDGE_CONTEST, "党章和群众路线知识竞赛"),
    (MeetingSubkind.ESSAYS, "学习心得体会交流"),
    (MeetingSubkind.BLACKBOARD, "群众路线主题黑板报评比"),
]
EXCHANGE_CONTENT = "党员交流学习体会，职工代表列席并提出意见。"

# (form, topic, hours): the first is the concentrated session everyone attends.
COUNSELING = [
    (StudyMode.CONCENTRATED, "集中学习《论群众路线——重要论述摘编》", "3"),
    (StudyMode.SPECIAL_LECTURE, "县委党校教师专题辅导：践行党的群众路线", "2.5"),
    (StudyMode.SELF_STUDY, "自学党章和习近平总书记系列重要讲话", "2"),
    (StudyMode.ONLINE, "青山党建网在线学习：焦裕禄精神", "1.5"),
]
OWN_STUDY = (StudyMode.SELF_STUDY, "自学《焦裕禄》并撰写心得体会", "2")

# --- opinions -------------------------------------------------------------------------------

_F, _M, _T, _I, _O = (
    OpinionSource.FRONTLINE,
    OpinionSource.MANAGER,
    OpinionSource.TECHNICAL,
    OpinionSource.INVESTOR,
    OpinionSource.OTHER,
)
# (category code, source, opinion, answer)
OPINIONS: list[tuple[str, str, str, str]] = [
    (
        "two_roles",
        _F,
        "希望党支部多组织一些技能培训，让一线职工也有机会提高技术。",
        "支部已与公司人力资源部商定，从6月起每月举办一次技能培训，由党员技术骨干授课。",
    ),
    (
        "consciousness",
        _F,
        "有的党员在车间里和普通职工没什么两样，看不出先锋模范作用。",
        "支部将在各班组设立党员示范岗，党员佩戴党徽上岗，接受职工监督。",
    ),
    (
        "cohesion",
        _M,
        "支部开会时间经常和生产安排冲突，建议提前一周通知。",
        "今后支部会议提前一周通知并与生产部门协调时间，尽量安排在交接班后。",
    ),
    (
        "mechanisms",
        _T,
        "党组织和企业管理层沟通不够，职工反映的问题转达不上去。",
        "已建立党组织与经营管理层每月一次的联席会议制度，职工意见由支部汇总后提交。",
    ),
    (
        "dedication",
        _F,
        "食堂饭菜价格偏高，夜班职工吃不上热饭。",
        "经支部与公司协调，食堂已增设夜班窗口，并对部分菜品降价。",
    ),
    (
        "discipline",
        _O,
        "个别党员不按时交党费，组织生活也经常请假。",
        "支部已对相关党员进行谈话提醒，并将党费缴纳和组织生活参加情况在支部内公示。",
    ),
    (
        "secretary",
        _M,
        "书记工作忙，平时很少到车间和职工聊天。",
        "书记已安排每周至少半天到车间走访，听取职工意见。",
    ),
    (
        "investor",
        _I,
        "企业主党员应带头落实职工工资正常增长机制。",
        "出资人党员已表态，年内研究建立工资集体协商制度。",
    ),
    (
        "two_roles",
        _F,
        "希望组织职工参加一些文体活动，丰富业余生活。",
        "支部将联合工会、团支部每季度组织一次文体活动。",
    ),
    (
        "consciousness",
        _T,
        "部分年轻党员对理论学习兴趣不高，学习形式比较单一。",
        "支部将采取微信群学习、知识竞赛等形式，提高学习的吸引力。",
    ),
    (
        "other",
        _F,
        "厂区到公交站的路灯坏了很久，下夜班不安全。",
        "支部已向开发区管委会反映，路灯已于本月修复。",
    ),
    (
        "mechanisms",
        _M,
        "职工合理化建议提交后没有反馈，希望建立回复制度。",
        "已建立合理化建议登记和限期回复制度，由支部委员负责跟踪。",
    ),
    (
        "dedication",
        _F,
        "希望党员志愿者能帮助困难职工家庭。",
        "支部已成立党员志愿服务队，结对帮扶3户困难职工家庭。",
    ),
    (
        "cohesion",
        _O,
        "支部委员之间分工不明确，有事找不到人。",
        "支部已明确委员分工，并在公开栏公示联系方式。",
    ),
]

_SUBMITTERS = ["李红", "王建军", "张丽", "陈师傅", "刘小燕", "吴志强", "郑秀英", "何军"]


def submitter(rng: random.Random) -> tuple[str, str]:
    """A named submitter: their name and a phone number (personal data, shown masked)."""
    phone = rng.choice(["139", "138", "150", "187"]) + f"{rng.randint(0, 99_999_999):08d}"
    return rng.choice(_SUBMITTERS), phone


BOX_INTRO = (
    "欢迎职工群众通过意见箱对支部和党员提出意见建议。支部每周一开箱处理，"
    "一般在7个工作日内答复；凭回执码可查看答复。"
)
# (day, state, (category, source, opinion, answer)) of the online box.
ONLINE_OPINIONS: list[tuple[str, str, tuple[str, str, str, str]]] = [
    (
        "2014-04-22",
        "answered",
        (
            "other",
            _F,
            "车间夏天太热，能不能加装风扇或空调？",
            "公司已决定在三个车间加装工业风扇，7月底前完成安装。",
        ),
    ),
    (
        "2014-05-12",
        "sorted",
        ("mechanisms", _F, "希望公开职工评先评优的标准和结果。", ""),
    ),
    (
        "2014-05-27",
        "received",
        ("mechanisms", _O, "建议党支部设立职工意见接待日，每月固定一天听取意见。", ""),
    ),
]

# --- phase 2 ----------------------------------------------------------------------------------

TALK_SUMMARIES = [
    "交流了对教育实践活动的认识，听取了对支部工作的意见和建议。",
    "谈心中指出其在班组中带头作用发挥不够，本人表示接受并改进。",
    "了解其家庭困难和工作想法，鼓励其在技术革新中发挥作用。",
    "相互指出问题，约定在专题组织生活会上开展批评和自我批评。",
]
TALK_WITH_INVESTOR = "与出资人党员就职工工资增长、党组织活动经费和场所保障交换意见。"
TALK_FROM_ABOVE = "上级党组织负责人与书记谈话，指出支部工作存在的问题，提出整改要求。"

_TEAM = {
    "problems": (
        "一是理论学习不够深入，满足于读文件、记笔记，学用结合不够；\n"
        "二是联系服务职工群众不够紧密，深入车间班组少，对职工的困难了解不及时；\n"
        "三是组织生活不够规范，“三会一课”有时流于形式；\n"
        "四是党组织在企业发展中的作用发挥不够明显。"
    ),
    "causes": (
        "一是理想信念有所弱化，对学习的重要性认识不足；\n"
        "二是宗旨意识有所淡化，习惯于忙生产、抓业务；\n"
        "三是制度执行不严，监督检查不到位。"
    ),
    "rectification": (
        "一是建立每月一次集中学习制度，支部书记带头讲党课；\n"
        "二是支部委员每人联系一个班组，每月走访不少于两次；\n"
        "三是严格落实“三会一课”制度，规范组织生活；\n"
        "四是围绕企业生产经营开展党员示范岗活动。"
    ),
}
_SECRETARY = {
    "problems": (
        "一是作为支部书记，抓党建工作的精力投入不够，重业务、轻党建；\n"
        "二是与党员、职工谈心交流不多，对思想动态掌握不全面；\n"
        "三是带头学习不够，学习笔记记得多、思考运用少。"
    ),
    "causes": ("对“抓好党建就是最大政绩”认识不到位，党性修养有所放松；工作方法简单，主动性不强。"),
    "rectification": (
        "每月至少安排四天专门研究和推进党建工作；每季度与每名党员谈心一次；"
        "每年为党员讲党课不少于两次。"
    ),
}
_METHODS = [
    [ExaminationMethod.SELF_FINDING, ExaminationMethod.MASSES, ExaminationMethod.COLLECTIVE],
    [ExaminationMethod.SELF_FINDING, ExaminationMethod.MASSES, ExaminationMethod.MUTUAL_HELP],
    [ExaminationMethod.MASSES, ExaminationMethod.HIGHER_LEVEL, ExaminationMethod.COLLECTIVE],
]


def statement(subject: str, rng: random.Random) -> dict[str, Any]:
    text = _TEAM if subject == StatementSubject.TEAM else _SECRETARY
    return {**text, "methods": [str(m) for m in rng.choice(_METHODS)]}


def statement_first_draft(final: dict[str, Any]) -> dict[str, Any]:
    """The version the reviewer returned: the problems not yet tied to what employees said."""
    first = final["problems"].split("\n")[:2]
    return {**final, "problems": "\n".join(first)}


STATEMENT_REVISE = (
    "查摆的问题还不够具体，请把征求意见中职工反映的问题写进去，并对照党章逐条查找差距。"
)
STATEMENT_RETURNED: dict[str, str] = {
    StatementSubject.TEAM: "问题查摆要联系企业实际，请结合征求到的职工意见逐条列出，不要泛泛而谈。",
    StatementSubject.SECRETARY: (
        "书记个人对照检查要突出个人，原因分析请从思想根源上剖析，不要写成班子的材料。"
    ),
}

SPECIAL_TOPIC = "专题组织生活会"
SPECIAL_AGENDA = (
    "一、书记代表支部班子作对照检查；\n二、党员逐一发言，开展批评和自我批评；\n"
    "三、上级党组织负责人点评；\n四、研究整改措施。"
)
SPECIAL_CONTENT = "会前广泛征求意见、开展谈心谈话；会上党员逐一发言，批评和自我批评开诚布公。"
SPECIAL_REPORT = (
    "代表支部班子作对照检查：一是学习不够深入系统；二是联系职工群众不够紧密；"
    "三是组织生活不够规范。剖析了思想根源，提出了整改方向。"
)
SPECIAL_MEASURES = (
    "1. 建立每月一次的集中学习制度；\n2. 支部委员每人联系5名以上职工；\n"
    "3. 严格执行“三会一课”制度，会议记录规范存档。"
)
SPECIAL_RETURNED = "批评和自我批评的内容过于笼统，请补充每名党员发言中指出的具体问题。"
SELF_CRITICISM = "深入车间少，对职工反映的问题跟踪不够；今后每周到一线走访半天。"
CRITICISM_OF_SECRETARY = "书记对支部工作抓得紧，但有时布置任务多、检查落实少，希望多听党员意见。"
CRITICISM_OF_MEMBER = "在班组里带头作用不够明显，希望在技术攻关和安全生产中亮明身份、走在前面。"


def unable_note(absent: list[Member]) -> str:
    reasons = []
    for m in absent:
        reasons.append(f"{m.name}（{'失去联系' if m.lost_contact else '在外地流动'}）")
    return "；".join(reasons)


HANDLING = {
    "good": "评为好，予以表扬。",
    "fair": "评为一般，书面反馈意见，鼓励继续提高。",
    "poor": "评为差，支部书记谈话提醒，限期改正。",
}
