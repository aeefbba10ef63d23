"""Penalty cases (行政处罚案件): the case, its parties, the officers handling it and its steps.

The state lives in `Case.state`; the allowed moves are the table in `zhifa.cases.procedure`.
Everything that happened on the way (notice served, statement answered, hearing held, review
approved …) is a `CaseStep`, so every guard can be checked from recorded facts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.cases.procedure import Procedure, State
from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class DecisionKind(models.TextChoices):
    PENALTY = "penalty", _("给予行政处罚")
    NO_PENALTY = "no_penalty", _("不予行政处罚")
    REVOKE_FILING = "revoke_filing", _("撤销立案")
    TRANSFER_JUDICIAL = "transfer_judicial", _("移送司法机关")


class DecisionStatus(models.TextChoices):
    """The standing of a decision after it was made (Art. 48 para. 2, Art. 75; 行政复议法,
    行政诉讼法): effective until revoked, changed, confirmed illegal or void."""

    EFFECTIVE = "effective", _("有效")
    REVOKED = "revoked", _("已撤销")
    CHANGED = "changed", _("已变更")
    CONFIRMED_ILLEGAL = "confirmed_illegal", _("确认违法")
    VOID = "void", _("确认无效")


class RevocationGround(models.TextChoices):
    """Why a decision was revoked or changed (Art. 48 para. 2)."""

    RECONSIDERATION = "reconsideration", _("行政复议")
    LITIGATION = "litigation", _("行政诉讼")
    SELF_CORRECTION = "self_correction", _("自行纠正")


class Case(models.Model):
    number = models.CharField(_("案号"), max_length=60, unique=True)
    agency = models.ForeignKey(
        "registry.Agency", verbose_name=_("办案机关"), on_delete=models.PROTECT, related_name="cases"
    )
    power = models.ForeignKey(
        "powers.Power", verbose_name=_("职权"), on_delete=models.PROTECT, related_name="cases"
    )
    procedure = models.CharField(_("程序"), max_length=10, choices=Procedure.choices)
    state = models.CharField(_("状态"), max_length=24, choices=State.choices, db_index=True)
    region = models.ForeignKey("core.Region", verbose_name=_("案发区划"), on_delete=models.PROTECT)
    facts = models.TextField(_("违法事实"), blank=True)
    violation_started_on = models.DateField(_("违法行为发生日"))
    violation_ended_on = models.DateField(_("违法行为终了日"))
    serious_harm = models.BooleanField(_("涉及生命健康安全、金融安全且有危害后果"), default=False)
    filed_on = models.DateField(_("立案日期"))
    major = models.BooleanField(_("重大案件（须法制审核）"), default=False)
    # decision (Art. 57, 59)
    decision_kind = models.CharField(_("决定类型"), max_length=20, choices=DecisionKind.choices, blank=True)
    penalty_kinds = models.JSONField(_("处罚种类"), default=list)
    fine_amount = models.DecimalField(_("罚款金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    confiscation_value = models.DecimalField(
        _("没收金额/价值"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    base_amount = models.DecimalField(
        _("倍数基数金额"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    benchmark_tier = models.ForeignKey(
        "powers.BenchmarkTier", verbose_name=_("裁量阶次"), null=True, blank=True, on_delete=models.PROTECT
    )
    outside_tier_reason = models.TextField(_("超出裁量阶次的理由"), blank=True)
    flagged_for_supervision = models.BooleanField(_("提示监督"), default=False)
    decision_basis = models.TextField(_("处罚依据"), blank=True)
    performance = models.TextField(_("履行方式和期限"), blank=True)
    remedies = models.TextField(_("救济途径和期限"), blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decision_status = models.CharField(
        _("决定状态"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.EFFECTIVE
    )
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    paid_on = models.DateField(_("缴款日期"), null=True, blank=True)
    paid_amount = models.DecimalField(_("已缴金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    archived_on = models.DateField(_("归档日期"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("延长天数合计"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("行政处罚案件")
        verbose_name_plural = _("行政处罚案件")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        return self.number


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("类别"), max_length=14, choices=PartyKind.choices)
    name = models.CharField(_("名称/姓名"), max_length=120)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_minor = models.BooleanField(_("未成年人"), default=False)
    # the registry's record of the party (行政相对人), linked (and registered if new) at filing
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name=_("行政相对人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_parties",
    )

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="case__agency", region="case__agency__region")

    class Meta:
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return self.name


class OfficerRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSISTANT = "assistant", _("协办")


class CaseOfficer(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="officers")
    officer = models.ForeignKey("registry.Officer", on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("分工"), max_length=10, choices=OfficerRole.choices)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="case__agency", region="case__agency__region")

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "officer"], name="case_officer_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.officer_id} {self.role}"


class CaseStep(models.Model):
    """One recorded step: code = the transition name (serve_notice, answer_statement, …)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("步骤"), max_length=40, db_index=True)
    done_on = models.DateField(_("日期"))
    by = models.CharField(_("经办人"), max_length=150)
    data = models.JSONField(_("内容"), default=dict)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="case__agency", region="case__agency__region")

    class Meta:
        ordering = ["case_id", "done_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code} {self.done_on}"
