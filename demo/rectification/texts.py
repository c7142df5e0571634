"""What people write in phase 3 of the demo campaign, in Chinese (the county's
language): problems with their measures, review comments, pledges, mechanisms, funding
notes and commendations."""

from __future__ import annotations

# (category code, problem, measures): the problems organizations find most often in the
# 2014 plan's key tasks. Items take them in turn (the first ones of an organization are
# those its opinions and its statements raised).
PROBLEMS = [
    (
        "two_roles",
        "党组织在企业生产经营中的作用发挥不够明显，党员先锋模范作用体现不充分。",
        "设立党员示范岗和党员责任区，每季度评比一次；党组织每月听取一次生产经营情况通报。",
    ),
    (
        "consciousness",
        "部分党员党员意识淡薄，不愿亮明党员身份，参加组织生活不够积极。",
        "开展“亮身份、比贡献”活动，党员佩戴党徽上岗；建立组织生活考勤和通报制度。",
    ),
    (
        "cohesion",
        "支部班子分工不够明确，班子成员之间沟通不多，研究党建工作的次数偏少。",
        "重新明确班子成员分工，每月召开一次支委会专题研究党建工作，并形成记录。",
    ),
    (
        "mechanisms",
        "“三会一课”制度落实不经常，会议记录不完整。",
        "制定年度组织生活计划并上墙公示，指定专人负责会议记录和档案整理。",
    ),
    (
        "dedication",
        "服务职工群众的意识不强，对职工反映的食堂、宿舍等实际问题回应不及时。",
        "建立职工诉求登记和限时答复制度，班子成员每月走访一线班组一次。",
    ),
    (
        "discipline",
        "个别党员遵守企业规章制度不严格，存在迟到早退现象。",
        "开展纪律教育专题学习，党员带头遵守劳动纪律，违反者在组织生活会上作出说明。",
    ),
    (
        "secretary",
        "书记抓党建精力投入不足，对党员的思想动态掌握不够。",
        "书记每半年与每名党员谈心谈话至少一次，建立党员思想动态台账。",
    ),
    (
        "investor",
        "出资人党员对党建工作支持力度不够，党组织活动经费和场所保障不足。",
        "与出资人党员专题沟通，明确每年党建工作经费和活动场所，纳入企业年度预算。",
    ),
]

HIGHER_LEVEL_NOTE = "上级党组织督导组在专题组织生活会后指出"
LIST_TITLE = "{org}党的群众路线教育实践活动问题清单"
LIST_INTRO = (
    "根据征求意见、谈心谈话、对照检查和专题组织生活会查摆出的问题，支部逐条制定整改措施，"
    "明确责任人和整改时限，即知即改、立行立改。"
)
AUDIENCE = "全体党员和职工"
LIST_RETURNED = "第2项整改措施过于笼统，请写明具体做法和完成标准；整改时限请与公司生产安排衔接。"

START_NOTES = ["已召开支委会部署整改", "已明确责任人，开始落实"]
CLOSURE_NOTE = "整改措施已全部落实，相关制度已印发执行，附现场照片和文件。"
CLOSURE_REJECTED = "证明材料只有照片，请补充制度文件和近一个月的执行记录后再申请销号。"
CLOSURE_MORE = "已补充制度文件和执行记录。"
EXTENSION_REASON = "涉及企业车间改造，需与公司生产计划同步推进，申请延期至改造完成。"
EXTENSION_REJECTED = "该项整改不涉及资金和场地，应在原定时限内完成，不同意延期。"

EIGHT_HAVES_RETURNED = "“有党旗”一项没有照片，“有档案”一项只有目录，请补充后重新提交。"
EIGHT_HAVES_NOT_MET = "书报架已设置，但未见订阅党报党刊的凭证，本项暂不达标。"
TWO_STRONG_RETURNED = "“发展强”和“社会评价好”两项缺少数据支撑，请补充近三年经营数据和表彰材料。"
ITEM_NOTE = "已整理相关材料，附照片。"

PLEDGE_IDENTITY = [
    "坚定理想信念，认真学习党章党规；佩戴党徽上岗，工位设党员示范岗标识。",
    "每月读一篇理论文章并写心得；在班组亮明党员身份，接受职工监督。",
]
PLEDGE_EXAMPLE = [
    "带头完成急难险重任务，主动加班攻坚，做职工身边的榜样。",
    "帮带一名新职工尽快上岗，参加党员志愿服务日活动。",
]
PLEDGE_COMMITMENTS = [
    "一、佩戴党徽上岗，亮明党员身份；\n二、每月至少提出一条合理化建议；\n三、结对帮扶一名困难职工。",
    "一、严格遵守安全操作规程，全年无责任事故；\n二、带头参加志愿服务活动；\n三、按时足额交纳党费。",
    "一、立足岗位作贡献，月度任务按时完成；\n二、带动身边职工学技术；\n三、主动参加组织生活。",
]
PLEDGE_RESULTS = "\n已提出合理化建议两条，其中一条被公司采纳。"

MECHANISM_SUMMARY = "明确了适用范围、工作内容、责任分工和检查考核办法。"
CUSTOM_MECHANISM = (
    "党建工作与生产经营联席会议制度",
    "每季度由书记和总经理共同召集，研究党建工作与生产经营的结合点。",
)

FUNDING_NOTES = {
    "county_finance": "县财政党建工作专项经费",
    "retained_dues": "2014年留存党费",
    "enterprise": "企业支持党建工作经费（公司办公会决定）",
}

COMMENDED_BY = "中共青山县委"
MODEL_ORG_TITLE = "先进基层党组织"
MODEL_ORG_CITATION = "教育实践活动中整改措施落实到位，“两强八好”创建成效明显。"
INVESTOR_TITLE = "优秀出资人党员"
INVESTOR_CITATION = "支持企业党建工作，带头落实整改措施，主动解决职工反映的实际问题。"
