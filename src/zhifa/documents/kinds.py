"""The kinds of enforcement document, their titles, number letters and context fields.

A document's content is a flat `context` dict of text values. Each kind declares its fields in
order (the order they are printed); `required` ones must be non-empty before a document is
issued. `agency_name` and `document_date` (ISO date, printed in Chinese numerals in the
signature block) are part of every kind; the actions fill `agency_name` from the agency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from zhifa.core.errors import ActionError


class DocumentKind(models.TextChoices):
    FILING_APPROVAL = "filing_approval", "立案审批表"
    INSPECTION_RECORD = "inspection_record", "现场检查笔录"
    INQUIRY_RECORD = "inquiry_record", "询问笔录"
    RECTIFICATION_ORDER = "rectification_order", "责令改正通知书"
    PRIOR_NOTICE = "prior_notice", "行政处罚事先告知书"
    HEARING_NOTICE_OF_RIGHT = "hearing_notice_of_right", "听证告知书"
    HEARING_NOTICE = "hearing_notice", "听证通知书"
    PENALTY_DECISION = "penalty_decision", "行政处罚决定书"
    SUMMARY_DECISION = "summary_decision", "当场行政处罚决定书"
    SERVICE_RECEIPT = "service_receipt", "送达回证"
    CLOSING_REPORT = "closing_report", "结案报告"
    # 行政执法监督 (zhifa.supervision): issued by the supervising body (the justice bureau)
    SUPERVISION_NOTICE = "supervision_notice", "行政执法监督通知书"
    SUPERVISION_OPINION = "supervision_opinion", "行政执法监督意见书"
    SUPERVISION_DECISION = "supervision_decision", "行政执法监督决定书"


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # printed before the value and named in the `missing_field` message
    required: bool = True
    paragraph: bool = False  # long text: printed as its own indented paragraph under the label


@dataclass(frozen=True)
class KindSpec:
    kind: DocumentKind
    letter: str  # 文号代字 after the agency prefix: 湖市监 + 罚 + 〔2026〕15号
    fields: tuple[Field, ...]
    seal: bool = False  # the signature block carries the seal text (`seal_text`)

    @property
    def title(self) -> str:
        return str(self.kind.label)

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _f(key: str, label: str, required: bool = True, paragraph: bool = False) -> Field:
    return Field(key, label, required, paragraph)


PARTY = _f("party_name", "当事人")
PARTY_ADDRESS = _f("party_address", "地址")
PARTY_ID = _f("party_id_code", "统一社会信用代码/身份证件号码")
OFFICERS = _f("officers", "执法人员及执法证号")
AGENCY_NAME = _f("agency_name", "行政机关名称")
DATE = _f("document_date", "日期")
SEAL = _f("seal_text", "印章")

SPECS: dict[str, KindSpec] = {
    spec.kind.value: spec
    for spec in (
        KindSpec(
            DocumentKind.FILING_APPROVAL,
            "立",
            (
                PARTY,
                _f("party_address", "地址", required=False),
                _f("case_source", "案件来源"),
                _f("case_summary", "案情摘要", paragraph=True),
                _f("legal_basis", "涉嫌违反的规定"),
                _f("handling_officers", "承办人"),
                _f("handler_opinion", "承办人意见", paragraph=True),
                _f("approval_opinion", "执法机关负责人审批意见", required=False, paragraph=True),
                AGENCY_NAME,
                DATE,
            ),
        ),
        KindSpec(
            DocumentKind.INSPECTION_RECORD,
            "检",
            (
                PARTY,
                _f("party_address", "地址", required=False),
                _f("inspection_time", "检查时间"),
                _f("inspection_place", "检查地点"),
                OFFICERS,
                _f("present_person", "在场人员", required=False),
                _f("inspection_content", "检查情况", paragraph=True),
                _f("party_signature", "当事人签名", required=False),
                AGENCY_NAME,
                DATE,
            ),
        ),
        KindSpec(
            DocumentKind.INQUIRY_RECORD,
            "询",
            (
                PARTY,
                _f("interviewee", "被询问人"),
                _f("inquiry_time", "询问时间"),
                _f("inquiry_place", "询问地点"),
                OFFICERS,
                _f("record_content", "询问内容", paragraph=True),
                _f("interviewee_signature", "被询问人签名", required=False),
                AGENCY_NAME,
                DATE,
            ),
        ),
        KindSpec(
            DocumentKind.RECTIFICATION_ORDER,
            "责改",
            (
                PARTY,
                _f("party_address", "地址", required=False),
                _f("facts", "违法事实", paragraph=True),
                _f("legal_basis", "依据", paragraph=True),
                _f("rectification_requirement", "改正要求", paragraph=True),
                _f("rectification_deadline", "改正期限"),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        KindSpec(
            DocumentKind.PRIOR_NOTICE,
            "告",
            (
                PARTY,
                _f("party_address", "地址", required=False),
                _f("facts", "违法事实", paragraph=True),
                _f("evidence", "证据", required=False, paragraph=True),
                _f("legal_basis", "处罚理由及依据", paragraph=True),
                _f("proposed_penalty", "拟作出的行政处罚", paragraph=True),
                _f("fine_amount", "拟罚款金额（元）", required=False),
                _f("rights", "陈述、申辩权利及期限", paragraph=True),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        KindSpec(
            DocumentKind.HEARING_NOTICE_OF_RIGHT,
            "听告",
            (
                PARTY,
                _f("party_address", "地址", required=False),
                _f("proposed_penalty", "拟作出的行政处罚", paragraph=True),
                _f("fine_amount", "拟罚款金额（元）", required=False),
                _f("legal_basis", "依据", paragraph=True),
                _f("hearing_right", "听证权利及申请期限", paragraph=True),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        KindSpec(
            DocumentKind.HEARING_NOTICE,
            "听通",
            (
                PARTY,
                _f("hearing_time", "听证时间"),
                _f("hearing_place", "听证地点"),
                _f("hearing_chair", "听证主持人"),
                _f("hearing_form", "听证方式", required=False),
                _f("notes", "注意事项", required=False, paragraph=True),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        # Art. 59: party name and address, facts and evidence, penalty kinds and basis, how and by
        # when to perform, reconsideration / litigation routes and time limits, agency and date; the seal.
        KindSpec(
            DocumentKind.PENALTY_DECISION,
            "罚",
            (
                _f("party_name", "当事人姓名或者名称"),
                _f("party_address", "当事人地址"),
                _f("party_id_code", "统一社会信用代码/身份证件号码"),
                _f("facts", "违反法律、法规、规章的事实", paragraph=True),
                _f("evidence", "证据", paragraph=True),
                _f("penalty_kinds", "行政处罚的种类", paragraph=True),
                _f("fine_amount", "罚款金额（元）", required=False),
                _f("legal_basis", "行政处罚的依据", paragraph=True),
                _f("performance_method", "行政处罚的履行方式", paragraph=True),
                _f("performance_deadline", "行政处罚的履行期限"),
                _f("remedies", "申请行政复议、提起行政诉讼的途径和期限", paragraph=True),
                _f("agency_name", "作出行政处罚决定的行政机关名称"),
                _f("document_date", "作出决定的日期"),
                _f("seal_text", "印章"),
            ),
            seal=True,
        ),
        # Art. 52: the on-the-spot decision (summary procedure) states the party's violation, the
        # penalty kinds and basis, the fine, time and place, the reconsideration / litigation
        # routes and time limits and the agency's name, signed by the officers (name and
        # certificate number, Art. 55). A passer-by may have no identity number on record.
        KindSpec(
            DocumentKind.SUMMARY_DECISION,
            "简罚",
            (
                _f("party_name", "当事人姓名或者名称"),
                _f("party_id_code", "统一社会信用代码/身份证件号码", required=False),
                _f("party_address", "当事人地址", required=False),
                _f("facts", "违法行为", paragraph=True),
                _f("violation_time", "违法时间"),
                _f("violation_place", "违法地点"),
                _f("penalty_kinds", "行政处罚的种类", paragraph=True),
                _f("fine_amount", "罚款金额（元）", required=False),
                _f("legal_basis", "行政处罚的依据", paragraph=True),
                _f("performance_method", "履行方式和期限", required=False, paragraph=True),
                _f("remedies", "申请行政复议、提起行政诉讼的途径和期限", paragraph=True),
                _f("officers", "执法人员姓名及执法证号"),
                _f("agency_name", "行政机关名称"),
                _f("document_date", "作出决定的日期"),
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        KindSpec(
            DocumentKind.SERVICE_RECEIPT,
            "送",
            (
                _f("served_document", "送达文书名称及文号"),
                _f("recipient", "受送达人"),
                _f("service_place", "送达地点"),
                _f("service_method", "送达方式"),
                _f("service_time", "送达时间"),
                _f("server", "送达人"),
                _f("recipient_signature", "受送达人签收", required=False),
                _f("notes", "备注", required=False),
                AGENCY_NAME,
                DATE,
            ),
        ),
        KindSpec(
            DocumentKind.CLOSING_REPORT,
            "结",
            (
                PARTY,
                _f("case_summary", "案件概况", paragraph=True),
                _f("penalty_result", "处理结果", paragraph=True),
                _f("fine_amount", "罚款金额（元）", required=False),
                _f("execution", "执行情况", paragraph=True),
                _f("closing_opinion", "结案意见", paragraph=True),
                AGENCY_NAME,
                DATE,
            ),
        ),
        # 行政执法监督 (zhifa.supervision): the supervising body's written demand to an
        # enforcement agency — the problem found, the basis, what to rectify and by when.
        KindSpec(
            DocumentKind.SUPERVISION_NOTICE,
            "监通",
            (
                _f("recipient", "被监督单位"),
                _f("problem", "发现的问题", paragraph=True),
                _f("evidence", "线索与证据", required=False, paragraph=True),
                _f("legal_basis", "监督依据", paragraph=True),
                _f("requirement", "整改要求", paragraph=True),
                _f("deadline", "整改期限"),
                _f("feedback", "反馈要求", required=False, paragraph=True),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        KindSpec(
            DocumentKind.SUPERVISION_OPINION,
            "监意",
            (
                _f("recipient", "被监督单位"),
                _f("problem", "发现的问题", paragraph=True),
                _f("evidence", "线索与证据", required=False, paragraph=True),
                _f("legal_basis", "监督依据", paragraph=True),
                _f("requirement", "监督意见及整改要求", paragraph=True),
                _f("deadline", "整改期限"),
                _f("feedback", "反馈要求", required=False, paragraph=True),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
        # Binding: issued when a rectification was overdue or rejected (or directly after a
        # general-procedure investigation).
        KindSpec(
            DocumentKind.SUPERVISION_DECISION,
            "监决",
            (
                _f("recipient", "被监督单位"),
                _f("problem", "查明的问题", paragraph=True),
                _f("history", "整改情况", required=False, paragraph=True),
                _f("legal_basis", "监督依据", paragraph=True),
                _f("decision", "监督决定", paragraph=True),
                _f("deadline", "履行期限"),
                _f("feedback", "反馈要求", required=False, paragraph=True),
                AGENCY_NAME,
                DATE,
                _f("seal_text", "印章", required=False),
            ),
            seal=True,
        ),
    )
}

# Keys printed in the signature block rather than the body.
SIGNATURE_KEYS = frozenset({"agency_name", "document_date", "seal_text"})


def spec_for(kind: str) -> KindSpec:
    spec = SPECS.get(kind)
    if spec is None:
        allowed = "、".join(f"{k.value}（{k.label}）" for k in DocumentKind)
        raise ActionError("invalid_choice", f"文书种类无效，可选：{allowed}", "kind")
    return spec


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "；".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def clean_context(kind: str, context: dict[str, Any] | None, *, complete: bool = True) -> dict[str, str]:
    """The context as text, only the kind's keys. With `complete`, every required field must be
    non-empty (`missing_field`, naming the field in Chinese); dates and amounts must parse."""
    spec = spec_for(kind)
    raw = context or {}
    if not isinstance(raw, dict):
        raise ActionError("invalid_format", "文书内容应为字段与值的对应", "context")
    cleaned: dict[str, str] = {}
    for f in spec.fields:
        text = _text(raw.get(f.key))
        if not text:
            if complete and f.required:
                raise ActionError("missing_field", f"{spec.title}缺少必备事项：{f.label}", f.key)
            continue
        if len(text) > 20_000:
            raise ActionError("too_long", f"{f.label}不能超过20000个字", f.key)
        cleaned[f.key] = text
    if "document_date" in cleaned:
        try:
            dt.date.fromisoformat(cleaned["document_date"])
        except ValueError:
            raise ActionError(
                "invalid_date",
                f"{spec.field('document_date').label}应为日期（如 2026-11-22）",
                "document_date",
            ) from None  # type: ignore[union-attr]
    if "fine_amount" in cleaned:
        try:
            amount = Decimal(cleaned["fine_amount"].replace(",", ""))
        except InvalidOperation:
            raise ActionError("invalid_amount", "罚款金额应为数字（元）", "fine_amount") from None
        if amount < 0:
            raise ActionError("invalid_amount", "罚款金额不能为负数", "fine_amount")
        cleaned["fine_amount"] = format_amount(amount)
    return cleaned


def format_amount(amount: Decimal) -> str:
    """50000 → '50000', 1234.5 → '1234.50' (yuan, no thousands separator: easy to search)."""
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return str(amount.quantize(Decimal("0.01")))


_DIGITS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def chinese_date(day: dt.date) -> str:
    """2026-11-22 → 二〇二六年十一月二十二日 (the 公文 style of the signature date)."""
    year = "".join(_DIGITS[int(c)] for c in f"{day.year:04d}")
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"
