"""The reconstructed hierarchy of the seed study (names: the paper's where it gives them).

A: goal; B: the paper's 7 criteria; C: 22 indicators (the 13 named in the paper's text plus
9 plausible ones); D: 57 questionnaire items (plausible wording). Each entry is
(id, Chinese label, English label, children or survey column).
"""

from __future__ import annotations

CRITERIA = [
    ("B1", "科学性", "scientific soundness", [
        ("目标达成", "goal completion", [
            ("平台建设目标明确", "the platform has clear goals"),
            ("预期功能已经实现", "the planned functions work"),
            ("治理目标基本达成", "the governance goals are met")]),
        ("过程科学", "process soundness", [
            ("业务流程设计合理", "workflows are well designed"),
            ("决策有数据支撑", "decisions are backed by data")]),
        ("信息预警", "information early-warning", [
            ("风险能够及时预警", "risks are flagged in time"),
            ("预警信息准确", "alerts are accurate")]),
        ("信息安全", "information security", [
            ("个人信息受到保护", "personal data are protected"),
            ("系统运行稳定", "the system runs reliably"),
            ("数据安全制度健全", "data-security rules are in place")]),
    ]),
    ("B2", "参与", "participation", [
        ("参与渠道", "participation channels", [
            ("线上参与渠道多样", "there are many online channels"),
            ("参与操作便捷", "taking part is easy"),
            ("渠道信息容易获取", "the channels are easy to find")]),
        ("参与广度", "participation breadth", [
            ("各类居民都能参与", "all residents can take part"),
            ("老年人参与有保障", "older residents are helped to take part")]),
        ("参与深度", "participation depth", [
            ("居民意见影响决策", "residents' views shape decisions"),
            ("居民参与社区议事", "residents join community deliberation"),
            ("居民参与监督评价", "residents take part in oversight")]),
    ]),
    ("B3", "透明", "transparency", [
        ("基础信息公开", "basic information disclosure", [
            ("社区基本信息公开", "basic community information is published"),
            ("办事指南公开", "service guides are published"),
            ("联系方式公开", "contact details are published")]),
        ("事务公开", "affairs disclosure", [
            ("社区事务进展公开", "progress of community affairs is published"),
            ("财务信息公开", "finances are published"),
            ("办事结果公开", "outcomes of requests are published")]),
        ("过程公开", "process disclosure", [
            ("办理过程可以查询", "case progress can be tracked"),
            ("决策过程公开", "decision making is open")]),
    ]),
    ("B4", "正义", "justice and rule of law", [
        ("平等获取", "equal access", [
            ("服务对所有居民平等", "services treat all residents equally"),
            ("弱势群体得到照顾", "vulnerable groups are served")]),
        ("权利保障", "rights protection", [
            ("隐私权受到尊重", "privacy is respected"),
            ("申诉渠道畅通", "complaint channels work"),
            ("合法权益受到保护", "lawful interests are protected")]),
        ("依法办事", "lawful procedure", [
            ("事务依法依规处理", "affairs are handled lawfully"),
            ("执法公正", "enforcement is fair"),
            ("规则公开透明", "rules are public")]),
    ]),
    ("B5", "责任", "accountability", [
        ("职责分配", "duty allocation", [
            ("职责分工明确", "duties are clearly divided"),
            ("责任落实到人", "each task has a named person")]),
        ("工作态度", "work attitude", [
            ("工作人员态度良好", "staff are courteous"),
            ("工作人员主动服务", "staff are proactive"),
            ("工作人员业务熟练", "staff are competent")]),
        ("预警处置", "early-warning handling", [
            ("预警后及时处置", "alerts are acted upon"),
            ("处置结果及时反馈", "outcomes of alerts are reported")]),
        ("信息安全实践", "information-security practice", [
            ("数据使用规范", "data are used properly"),
            ("安全事件及时处理", "security incidents are handled promptly")]),
    ]),
    ("B6", "回应性", "responsiveness", [
        ("参与回应", "responsiveness to participation", [
            ("居民诉求得到回应", "residents' requests are answered"),
            ("意见采纳情况有反馈", "residents hear what became of suggestions"),
            ("线上留言有回复", "online messages are answered")]),
        ("回应及时性", "timeliness of response", [
            ("诉求响应迅速", "requests get a quick response"),
            ("问题解决及时", "problems are solved promptly"),
            ("紧急事项快速处理", "urgent matters are handled fast")]),
    ]),
    ("B7", "有效性", "effectiveness", [
        ("问责成效", "accountability effectiveness", [
            ("失职行为被问责", "failures are held to account"),
            ("问责结果公开", "sanctions are made public")]),
        ("居民满意度", "residents' satisfaction", [
            ("对平台总体满意", "overall satisfaction with the platform"),
            ("平台提升生活便利", "the platform makes life easier"),
            ("愿意向他人推荐平台", "would recommend the platform")]),
        ("服务效率", "service efficiency", [
            ("办事时间缩短", "less time to get things done"),
            ("跑腿次数减少", "fewer trips to offices"),
            ("多数事项可线上办理", "most matters can be handled online")]),
    ]),
]


def label(zh: str, en: str) -> str:
    return f"{zh} ({en})"


def hierarchy_dict() -> dict:
    """The hierarchy as the mapping ``Hierarchy.from_dict`` takes (ids A, B1.., C1.., D1..)."""
    c_no = d_no = 0
    crit = []
    for bid, zh, en, cs in CRITERIA:
        cnodes = []
        for czh, cen, items in cs:
            c_no += 1
            leaves = []
            for izh, ien in items:
                d_no += 1
                leaves.append({"id": f"D{d_no}", "label": label(izh, ien),
                               "item": f"Q{d_no:02d}"})
            cnodes.append({"id": f"C{c_no}", "label": label(czh, cen), "children": leaves})
        crit.append({"id": bid, "label": label(zh, en), "children": cnodes})
    return {"id": "A", "label": label("基层智慧治理平台绩效", "performance of the grassroots "
                                      "smart-governance platforms"), "children": crit}
