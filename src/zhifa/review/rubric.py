"""The default case-file review rubric (案卷评查标准), version 1, declared once as data.

A case starts from 100 points; each item deducts at most its `max_deduction`. The items of the
six groups add up to 100. A *structural* item is decided from the data by the check named in
`check` (`zhifa.review.checks.CHECKS`); the reviewers score the rest. `do_publish_rubric` turns a
declaration into a `Rubric` version; a round keeps the version it was created with, so publishing
a new one never changes a round already scored. docs/review.md lists the table that
`markdown_table()` prints (a test keeps them in sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Group(models.TextChoices):
    FACTS = "facts", _("事实认定")
    EVIDENCE = "evidence", _("证据")
    PROCEDURE = "procedure", _("程序")
    LEGAL = "legal", _("法律适用")
    DISCRETION = "discretion", _("自由裁量")
    DOCUMENTS = "documents", _("文书")


@dataclass(frozen=True)
class ItemSpec:
    code: str
    group: str
    title: str
    description: str
    max_deduction: Decimal
    check: str = ""  # the structural check deciding it; "" = scored by a reviewer

    @property
    def structural(self) -> bool:
        return bool(self.check)


def _i(code: str, group: str, title: str, description: str, points: str, check: str = "") -> ItemSpec:
    return ItemSpec(code, group, title, description, Decimal(points), check)


G = Group
DEFAULT_NAME = "行政处罚案卷评查标准"
DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    _i("facts_clear", G.FACTS, "违法事实认定清楚", "违法行为的事实、性质、情节认定清楚，与证据相符。", "5"),
    _i("facts_party", G.FACTS, "当事人认定准确", "当事人主体资格、名称、身份信息认定准确。", "3"),
    _i("facts_circumstances", G.FACTS, "时间地点情节完整", "违法行为的时间、地点、情节、后果记载完整。", "2"),
    _i(
        "limitation",
        G.FACTS,
        "未超过追责时效",
        "立案时违法行为未超过《行政处罚法》第三十六条规定的追责时效。",
        "4",
        "limitation_expired",
    ),
    _i("evidence_sufficient", G.EVIDENCE, "证据确实充分", "认定事实的主要证据确实、充分。", "7"),
    _i(
        "evidence_lawful",
        G.EVIDENCE,
        "取证程序合法",
        "证据收集主体、程序、形式合法（第四十六条、第五十五条）。",
        "4",
    ),
    _i("evidence_chain", G.EVIDENCE, "证据链完整", "证据之间相互印证，形成完整的证据链。", "3"),
    _i(
        "two_officers",
        G.EVIDENCE,
        "两名以上持证人员执法",
        "调查取证由两名以上具有执法证件的人员进行（第四十二条）。",
        "4",
        "too_few_officers",
    ),
    _i(
        "prior_notice",
        G.PROCEDURE,
        "事先告知",
        "作出处罚决定前送达事先告知书，告知事实、理由、依据和权利（第四十四条、第六十二条）。",
        "7",
        "prior_notice_missing",
    ),
    _i(
        "hearing",
        G.PROCEDURE,
        "告知听证权利",
        "符合第六十三条情形的，告知当事人有要求听证的权利。",
        "5",
        "hearing_not_offered",
    ),
    _i(
        "legal_review",
        G.PROCEDURE,
        "重大案件法制审核",
        "重大执法决定作出前经法制审核（第五十八条）。",
        "5",
        "legal_review_missing",
    ),
    _i(
        "decision_on_time",
        G.PROCEDURE,
        "按期作出决定",
        "自立案之日起九十日内作出决定，延长的经批准（第六十条）。",
        "4",
        "decision_late",
    ),
    _i(
        "service_on_time",
        G.PROCEDURE,
        "按期送达",
        "决定书当场交付或在七个工作日内送达（第六十一条）。",
        "3",
        "service_late",
    ),
    _i(
        "statement_heard",
        G.PROCEDURE,
        "陈述申辩复核",
        "当事人的陈述、申辩已记录并复核答复（第四十五条）。",
        "3",
    ),
    _i(
        "execution",
        G.PROCEDURE,
        "履行与执行",
        "罚款已缴纳，或当事人逾期不缴纳的已依法采取执行措施（第六十七条、第七十二条）。",
        "3",
        "not_executed",
    ),
    _i(
        "basis_cited",
        G.LEGAL,
        "引用法律依据",
        "处罚决定载明违法行为和处罚所依据的法律条款（第五十九条）。",
        "3",
        "legal_basis_missing",
    ),
    _i("basis_correct", G.LEGAL, "适用法律准确", "适用的法律、法规、规章及条款项准确，版本有效。", "5"),
    _i(
        "penalty_kind_lawful",
        G.LEGAL,
        "处罚种类合法",
        "处罚种类在法定种类和设定权限内（第九条至第十六条）。",
        "4",
    ),
    _i(
        "within_tier",
        G.DISCRETION,
        "符合裁量基准",
        "罚款金额在适用的裁量阶次幅度内；超出的有书面理由（第三十四条）。",
        "5",
        "fine_outside_tier",
    ),
    _i(
        "discretion_reasoned", G.DISCRETION, "裁量理由充分", "从轻、减轻、从重的情节及理由在案卷中说明。", "4"
    ),
    _i(
        "proportionate", G.DISCRETION, "过罚相当", "处罚与违法行为的事实、性质、情节和社会危害程度相当。", "3"
    ),
    _i(
        "filing_approval",
        G.DOCUMENTS,
        "立案审批表",
        "普通程序案件有立案审批表。",
        "2",
        "filing_approval_missing",
    ),
    _i(
        "decision_document",
        G.DOCUMENTS,
        "处罚决定书",
        "给予处罚的有行政处罚决定书（简易程序为当场处罚决定书）。",
        "3",
        "decision_document_missing",
    ),
    _i(
        "service_receipt",
        G.DOCUMENTS,
        "送达回证",
        "决定书送达有送达回证或送达记录。",
        "2",
        "service_receipt_missing",
    ),
    _i(
        "closing_report",
        G.DOCUMENTS,
        "结案报告",
        "普通程序案件结案有结案报告。",
        "2",
        "closing_report_missing",
    ),
    _i(
        "documents_standard", G.DOCUMENTS, "文书制作规范", "文书格式规范，内容完整，用语准确，签章齐全。", "3"
    ),
    _i("archive_complete", G.DOCUMENTS, "案卷归档完整", "案卷材料齐全，排列有序，按规定装订归档。", "2"),
)
FULL_SCORE = Decimal("100")


def markdown_table(items: tuple[ItemSpec, ...] = DEFAULT_ITEMS) -> str:
    """The rubric table of docs/review.md (tests/test_review.py keeps the document in sync)."""
    lines = [
        "| item | 分组 | 评查项目 | 最高扣分 | structural check |",
        "|---|---|---|---|---|",
    ]
    for item in items:
        check = f"`{item.check}`" if item.check else "reviewer"
        lines.append(
            f"| `{item.code}` | {Group(item.group).label} | {item.title} | {item.max_deduction} | {check} |"
        )
    return "\n".join(lines) + "\n"
