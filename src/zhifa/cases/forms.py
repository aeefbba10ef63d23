"""Case page forms. Each transition has a small form whose cleaned data becomes the body that
`zhifa.cases.actions.do_transition` takes (the same body the API passes); filing builds the
`CaseInput` of `do_file_case`. The forms only parse; every rule is the action's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhifa.cases import actions
from zhifa.cases.models import Case, DecisionKind, PartyKind, RevocationGround
from zhifa.cases.procedure import Procedure
from zhifa.laws.models import PenaltyKind
from zhifa.powers.models import BenchmarkTier, Power
from zhifa.registry.models import Officer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _today() -> dt.date:
    return dt.date.today()


def _date(label: str = _("日期"), required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE, **kwargs)


def _amount(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _kinds(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, choices=PenaltyKind.choices, widget=forms.CheckboxSelectMultiple
    )


class StepForm(forms.Form):
    """The day of the step (`on`), default today; subclasses add the transition's fields."""

    on = _date(_("办理日期"))

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        self.case = case
        kwargs.setdefault("initial", {}).setdefault("on", _today())
        super().__init__(*args, **kwargs)

    def body(self) -> dict[str, Any]:
        """The transition's body: dates as ISO strings, amounts as strings, empty values left out."""
        body: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, Officer | BenchmarkTier):
                value = value.pk
            body[name] = value
        return body


class SubmitReviewForm(StepForm):
    facts = forms.CharField(label=_("调查认定的违法事实"), required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("facts", case.facts)
        super().__init__(*args, case=case, **kwargs)


class NoticeForm(StepForm):
    proposed_kinds = _kinds(_("拟作出的处罚种类"))
    proposed_fine = _amount(_("拟罚款金额（元）"))
    proposed_confiscation = _amount(_("拟没收金额/价值（元）"))
    hearing_offered = forms.BooleanField(label=_("告知当事人有要求听证的权利"), required=False)
    waived = forms.BooleanField(label=_("当事人书面放弃陈述申辩（免于送达告知书）"), required=False)


class StatementForm(StepForm):
    text = forms.CharField(label=_("陈述申辩内容"), widget=TEXTAREA)


class AnswerForm(StepForm):
    text = forms.CharField(label=_("复核意见"), widget=TEXTAREA)
    adopted = forms.BooleanField(label=_("采纳当事人意见"), required=False)


def _agency_officers(case: Case):
    return Officer.objects.filter(agency=case.agency_id).order_by("name")


class HearingNoticeForm(StepForm):
    hearing_on = _date(_("听证日期"))
    place = forms.CharField(label=_("听证地点"), required=False, max_length=200)
    chair_officer_id = forms.ModelChoiceField(
        label=_("听证主持人（非本案调查人员）"), queryset=Officer.objects.none()
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        super().__init__(*args, case=case, **kwargs)
        self.fields["chair_officer_id"].queryset = _agency_officers(case)


class HearingForm(StepForm):
    chair_officer_id = forms.ModelChoiceField(
        label=_("听证主持人"),
        required=False,
        queryset=Officer.objects.none(),
        help_text=_("默认为听证通知书指定的主持人"),
    )
    record = forms.CharField(label=_("听证笔录摘要"), required=False, widget=TEXTAREA)

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        super().__init__(*args, case=case, **kwargs)
        self.fields["chair_officer_id"].queryset = _agency_officers(case)


class ReviewForm(StepForm):
    opinion = forms.CharField(label=_("审核意见"), widget=TEXTAREA)


class DiscussionForm(StepForm):
    conclusion = forms.CharField(label=_("讨论结论"), widget=TEXTAREA)
    attendees = forms.CharField(label=_("参加人员（以顿号或逗号分隔）"), required=False)

    def body(self) -> dict[str, Any]:
        body = super().body()
        raw = body.get("attendees", "")
        body["attendees"] = [
            a.strip() for a in raw.replace("，", "、").replace(",", "、").split("、") if a.strip()
        ]
        return body


class ExtensionForm(StepForm):
    days = forms.IntegerField(label=_("延长天数"), min_value=1)
    reason = forms.CharField(label=_("延期理由"), widget=TEXTAREA)


def tier_label(tier: BenchmarkTier) -> str:
    if tier.range_kind == "none":
        scope = "不予处罚"
    elif tier.range_kind == "multiple":
        scope = f"{tier.base or '基数'}的{tier.minimum:g}–{tier.maximum:g}倍"
    else:
        scope = f"{tier.minimum:,.0f}–{tier.maximum:,.0f}元" if tier.minimum is not None else ""
    return f"{tier.get_tier_display()}（{scope}）" if scope else tier.get_tier_display()


class DecisionForm(StepForm):
    decision_kind = forms.ChoiceField(label=_("决定类型"), choices=DecisionKind.choices)
    penalty_kinds = _kinds(_("处罚种类"))
    fine_amount = _amount(_("罚款金额（元）"))
    confiscation_value = _amount(_("没收金额/价值（元）"))
    base_amount = _amount(_("倍数基数金额（元，如货值金额）"))
    benchmark_tier_id = forms.ModelChoiceField(
        label=_("适用的裁量阶次"), required=False, queryset=BenchmarkTier.objects.none()
    )
    reason = forms.CharField(
        label=_("书面理由（超出裁量阶次或首违不罚情形仍予处罚时）"), required=False, widget=TEXTAREA
    )
    evidence = forms.CharField(label=_("认定事实的证据"), required=False, widget=TEXTAREA)
    decision_basis = forms.CharField(
        label=_("处罚依据"), required=False, help_text=_("留空则引用职权的法律依据")
    )
    performance = forms.CharField(label=_("履行方式和期限"), required=False, widget=TEXTAREA)
    remedies = forms.CharField(label=_("救济途径和期限"), required=False, widget=TEXTAREA)
    first_violation = forms.BooleanField(label=_("初次违法"), required=False)
    minor_harm = forms.BooleanField(label=_("危害后果轻微"), required=False)
    corrected = forms.BooleanField(label=_("及时改正"), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("decision_kind", DecisionKind.PENALTY)
        initial.setdefault("performance", "自收到本决定书之日起十五日内缴至指定银行或者通过电子支付系统缴纳")
        initial.setdefault("remedies", "可在收到本决定书之日起六十日内申请行政复议，或者六个月内提起行政诉讼")
        notice = actions.last_step(case, "serve_notice")
        if notice is not None:
            initial.setdefault("penalty_kinds", notice.data.get("proposed_kinds") or [])
            initial.setdefault("fine_amount", notice.data.get("proposed_fine"))
        super().__init__(*args, case=case, **kwargs)
        benchmark = case.power.benchmarks.order_by("-version").first()
        field = self.fields["benchmark_tier_id"]
        field.queryset = benchmark.tiers.all() if benchmark else BenchmarkTier.objects.none()
        field.label_from_instance = tier_label


class ServeForm(StepForm):
    method = forms.ChoiceField(
        label=_("送达方式"),
        choices=[
            ("direct", _("直接送达")),
            ("mail", _("邮寄送达")),
            ("electronic", _("电子送达")),
            ("entrusted", _("委托送达")),
            ("public", _("公告送达")),
        ],
    )


class CollectForm(StepForm):
    amount = _amount(_("收缴金额（元）"), required=True)
    receipt = forms.CharField(label=_("罚款收据编号"), required=False)


class PaymentForm(StepForm):
    amount = _amount(_("缴纳金额（元，含加处罚款）"), required=True)
    channel = forms.ChoiceField(
        label=_("缴纳渠道"),
        choices=[("bank", _("指定银行或电子支付系统")), ("officer", _("执法人员收取"))],
    )


class EnforcementForm(StepForm):
    court = forms.CharField(label=_("受理法院"), required=False)


class CloseForm(StepForm):
    summary = forms.CharField(label=_("结案情况"), required=False, widget=TEXTAREA)


def _case_officers(case: Case):
    return Officer.objects.filter(case_roles__case=case).order_by("case_roles__id")


class _RecordForm(StepForm):
    """Inspection and inquiry: the officers of the case taking part (all by default)."""

    officer_ids = forms.ModelMultipleChoiceField(
        label=_("参加的执法人员（至少两名持证人员）"),
        required=False,
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则为本案全部办案人员"),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any):
        super().__init__(*args, case=case, **kwargs)
        self.fields["officer_ids"].queryset = _case_officers(case)

    def body(self) -> dict[str, Any]:
        officers = self.cleaned_data.get("officer_ids") or []
        body = {k: v for k, v in super().body().items() if k != "officer_ids"}
        if officers:
            body["officer_ids"] = [o.pk for o in officers]
        return body


class InspectionForm(_RecordForm):
    time = forms.CharField(label=_("检查时间"), required=False, max_length=50, help_text=_("默认为办理日期"))
    place = forms.CharField(label=_("检查地点"), max_length=200)
    present_person = forms.CharField(label=_("在场人员"), required=False, max_length=200)
    content = forms.CharField(label=_("检查情况"), widget=TEXTAREA)


class InquiryForm(_RecordForm):
    interviewee = forms.CharField(label=_("被询问人"), max_length=120)
    time = forms.CharField(label=_("询问时间"), required=False, max_length=50, help_text=_("默认为办理日期"))
    place = forms.CharField(label=_("询问地点"), max_length=200)
    content = forms.CharField(label=_("询问内容"), widget=TEXTAREA)


class RectificationForm(StepForm):
    facts = forms.CharField(
        label=_("违法事实"), required=False, widget=TEXTAREA, help_text=_("留空则为案件认定的事实")
    )
    requirement = forms.CharField(label=_("改正要求"), widget=TEXTAREA)
    deadline = _date(_("改正期限"))


class RevocationForm(StepForm):
    ground = forms.ChoiceField(label=_("途径"), choices=RevocationGround.choices)
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            ("revoked", _("撤销")),
            ("changed", _("变更")),
            ("confirmed_illegal", _("确认违法")),
            ("void", _("确认无效")),
        ],
    )
    reason = forms.CharField(
        label=_("理由（将随撤回公示公开，勿写个人姓名）"), widget=TEXTAREA, max_length=400
    )
    document_number = forms.CharField(
        label=_("复议决定书、判决书或决定的文号"), required=False, max_length=100
    )
    penalty_kinds = _kinds(_("变更后的处罚种类（变更时）"))
    fine_amount = _amount(_("变更后的罚款金额（元，变更时）"))


STEP_FORMS: dict[str, type[StepForm]] = {
    "record_inspection": InspectionForm,
    "record_inquiry": InquiryForm,
    "order_rectification": RectificationForm,
    "revoke_decision": RevocationForm,
    "submit_review": SubmitReviewForm,
    "serve_notice": NoticeForm,
    "receive_statement": StatementForm,
    "answer_statement": AnswerForm,
    "notify_hearing": HearingNoticeForm,
    "hold_hearing": HearingForm,
    "approve_legal_review": ReviewForm,
    "record_collective_discussion": DiscussionForm,
    "extend_deadline": ExtensionForm,
    "decide": DecisionForm,
    "serve": ServeForm,
    "collect_on_the_spot": CollectForm,
    "record_payment": PaymentForm,
    "apply_enforcement": EnforcementForm,
    "close": CloseForm,
}


def step_form(name: str, case: Case, data: Any = None) -> StepForm:
    return STEP_FORMS.get(name, StepForm)(data, case=case, prefix=name)


# --- filing ---------------------------------------------------------------------------------


class FileCaseForm(forms.Form):
    power = forms.ModelChoiceField(label=_("职权（违法行为）"), queryset=Power.objects.none())
    officers = forms.ModelMultipleChoiceField(
        label=_("办案人员（至少两名持证执法人员，第一名为主办）"),
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    procedure = forms.ChoiceField(label=_("程序"), choices=Procedure.choices, initial=Procedure.GENERAL)
    party_kind = forms.ChoiceField(label=_("当事人类别"), choices=PartyKind.choices)
    party_name = forms.CharField(label=_("当事人名称/姓名"), max_length=120)
    party_code = forms.CharField(label=_("统一社会信用代码或身份证号"), required=False, max_length=18)
    party_address = forms.CharField(label=_("地址"), required=False, max_length=200)
    party_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    party_is_minor = forms.BooleanField(label=_("当事人为未成年人"), required=False)
    violation_started_on = _date(_("违法行为发生日"))
    violation_ended_on = _date(_("违法行为终了日"))
    filed_on = _date(_("立案日期"))
    facts = forms.CharField(label=_("违法事实"), required=False, widget=TEXTAREA)
    source = forms.CharField(label=_("案件来源"), required=False, initial="监督检查发现")
    major = forms.BooleanField(label=_("重大案件（须法制审核、集体讨论）"), required=False)
    serious_harm = forms.BooleanField(label=_("涉及生命健康安全、金融安全且有危害后果"), required=False)
    # summary procedure (简易程序): the on-the-spot decision
    penalty_kinds = _kinds(_("简易程序：当场处罚种类"))
    fine_amount = _amount(_("简易程序：罚款金额（元）"))
    performance = forms.CharField(label=_("简易程序：履行方式和期限"), required=False)
    remedies = forms.CharField(label=_("简易程序：救济途径和期限"), required=False)
    place = forms.CharField(label=_("简易程序：违法地点"), required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("filed_on", _today())
        officer = getattr(user, "officer", None)
        if officer is not None:
            initial.setdefault("officers", [officer.pk])
        super().__init__(*args, **kwargs)
        agency_id = getattr(user, "agency_id", None)
        self.fields["power"].queryset = Power.objects.filter(holder=agency_id, kind="penalty").order_by(
            "code"
        )
        self.fields["power"].label_from_instance = lambda p: f"{p.code} {p.name}"
        self.fields["officers"].queryset = Officer.objects.filter(agency=agency_id).order_by("name")

    def to_input(self) -> actions.CaseInput:
        data = self.cleaned_data
        kind = data["party_kind"]
        code = (data.get("party_code") or "").strip()
        party = actions.PartyInput(
            kind=kind,
            name=data["party_name"],
            id_number=code if kind == PartyKind.PERSON else "",
            credit_code=code if kind == PartyKind.ORGANISATION else "",
            address=data.get("party_address") or "",
            phone=data.get("party_phone") or "",
            is_minor=bool(data.get("party_is_minor")),
        )
        return actions.CaseInput(
            power_code=data["power"].code,
            officer_ids=[o.pk for o in data["officers"]],
            parties=[party],
            violation_started_on=data["violation_started_on"],
            violation_ended_on=data["violation_ended_on"],
            facts=data.get("facts") or "",
            procedure=data["procedure"],
            filed_on=data["filed_on"],
            serious_harm=bool(data.get("serious_harm")),
            major=bool(data.get("major")),
            penalty_kinds=data.get("penalty_kinds") or [],
            fine_amount=data.get("fine_amount"),
            performance=data.get("performance") or "",
            remedies=data.get("remedies") or "",
            source=data.get("source") or "",
            place=data.get("place") or "",
        )


# Where the action names a field of the filing body, the form field that shows the message.
FILING_FIELDS = {
    "power_code": "power",
    "officer_ids": "officers",
    "parties": "party_name",
    "parties.0.kind": "party_kind",
    "parties.0.name": "party_name",
    "parties.0.id_number": "party_code",
    "parties.0.credit_code": "party_code",
    "parties.0.address": "party_address",
    "parties.0.phone": "party_phone",
}
