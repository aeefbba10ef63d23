"""The powers list (权力清单 / 权责清单): powers, their legal basis and statutory ranges, every
version, transfers between agencies, discretion benchmarks, no-penalty rules and checklists.

Everything here is an agency record: a power belongs to its holder agency, and whatever hangs off
a power (basis, versions, benchmarks, rules) follows it when it is transferred.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class PowerKind(models.TextChoices):
    PENALTY = "penalty", _("行政处罚")
    LICENCE = "licence", _("行政许可")
    INSPECTION = "inspection", _("行政检查")
    COERCION = "coercion", _("行政强制")
    LEVY = "levy", _("行政征收")
    BENEFIT = "benefit", _("行政给付")
    CONFIRMATION = "confirmation", _("行政确认")
    REWARD = "reward", _("行政奖励")
    ADJUDICATION = "adjudication", _("行政裁决")
    OTHER = "other", _("其他")


# Two-letter prefixes of power codes (as in the provincial powers lists: CF-处罚, XK-许可 …).
KIND_PREFIX = {
    PowerKind.PENALTY: "CF",
    PowerKind.LICENCE: "XK",
    PowerKind.INSPECTION: "JC",
    PowerKind.COERCION: "QZ",
    PowerKind.LEVY: "ZS",
    PowerKind.BENEFIT: "JF",
    PowerKind.CONFIRMATION: "QR",
    PowerKind.REWARD: "JL",
    PowerKind.ADJUDICATION: "CJ",
    PowerKind.OTHER: "QT",
}


class PowerStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("有效")
    REVOKED = "revoked", _("已取消")


class Power(models.Model):
    """One item of an agency's powers list. `version` counts every recorded change."""

    code = models.CharField(_("职权编码"), max_length=40, unique=True)
    name = models.CharField(_("职权名称"), max_length=300)
    kind = models.CharField(_("职权类别"), max_length=16, choices=PowerKind.choices)
    holder = models.ForeignKey(
        "registry.Agency", verbose_name=_("实施主体"), on_delete=models.PROTECT, related_name="powers"
    )
    domain = models.ForeignKey(
        "registry.Domain", verbose_name=_("执法领域"), on_delete=models.PROTECT, related_name="powers"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=PowerStatus.choices, default=PowerStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    conduct = models.TextField(_("针对的违法行为/事项"), blank=True)
    provisions = models.ManyToManyField(
        "laws.PenaltyProvision", verbose_name=_("法定罚则"), related_name="powers", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="holder", region="holder__region")

    class Meta:
        verbose_name = _("职权")
        verbose_name_plural = _("职权")
        ordering = ["holder_id", "code"]
        indexes = [models.Index(fields=["holder", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PowerBasis(models.Model):
    """One legal basis of a power, bound to an article of a specific law version."""

    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="bases")
    article = models.ForeignKey(
        "laws.Article", verbose_name=_("条文"), on_delete=models.PROTECT, related_name="power_bases"
    )
    paragraph_number = models.PositiveSmallIntegerField(_("款"), null=True, blank=True)
    item_number = models.PositiveSmallIntegerField(_("项"), null=True, blank=True)
    citation = models.CharField(_("引用"), max_length=200)  # 《食品安全法》第一百二十二条第一款
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="power__holder", region="power__holder__region")

    class Meta:
        verbose_name = _("法律依据")
        verbose_name_plural = _("法律依据")
        ordering = ["power_id", "sort_order", "id"]

    def __str__(self) -> str:
        return self.citation


class PowerVersion(models.Model):
    """The full state of a power after one change: who, when, why. Never changed afterwards."""

    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    action = models.CharField(_("操作"), max_length=20)  # create / change / revoke / transfer / confirm
    snapshot = models.JSONField(_("快照"))
    reason = models.TextField(_("变更原因"), blank=True)
    changed_by = models.CharField(_("操作人"), max_length=150)
    changed_by_id = models.IntegerField(null=True, blank=True)
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="power__holder", region="power__holder__region")

    class Meta:
        verbose_name = _("职权版本")
        verbose_name_plural = _("职权版本")
        ordering = ["power_id", "version"]
        constraints = [models.UniqueConstraint(fields=["power", "version"], name="power_version_unique")]

    def __str__(self) -> str:
        return f"{self.power.code} v{self.version}"


class PowerTransfer(models.Model):
    """A set of powers moved from one agency to another (划转). Queryable by power
    (`power.transfers`) so that later modules (cases) can follow a power to its new holder."""

    from_agency = models.ForeignKey(
        "registry.Agency",
        verbose_name=_("划出单位"),
        on_delete=models.PROTECT,
        related_name="powers_transferred_out",
    )
    to_agency = models.ForeignKey(
        "registry.Agency",
        verbose_name=_("划入单位"),
        on_delete=models.PROTECT,
        related_name="powers_transferred_in",
    )
    powers = models.ManyToManyField(Power, verbose_name=_("职权"), related_name="transfers")
    reason = models.TextField(_("划转原因"))
    effective_date = models.DateField(_("生效日期"))
    created_by = models.CharField(_("操作人"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # Visible to the receiving agency (the powers' holder now) and to supervisors of its region.
    scope = ScopePolicy(agency="to_agency", region="to_agency__region")

    class Meta:
        verbose_name = _("职权划转")
        verbose_name_plural = _("职权划转")
        ordering = ["-effective_date", "-id"]

    def __str__(self) -> str:
        return f"{self.from_agency} → {self.to_agency} ({self.effective_date})"


class Tier(models.TextChoices):
    NO_PENALTY = "no_penalty", _("不予处罚")
    MITIGATED = "mitigated", _("减轻")
    LENIENT = "lenient", _("从轻")
    GENERAL = "general", _("一般")
    AGGRAVATED = "aggravated", _("从重")


TIER_ORDER = {t: i for i, t in enumerate(Tier.values)}


class RangeKind(models.TextChoices):
    NONE = "none", _("不罚款")
    FIXED = "fixed", _("定额幅度")
    MULTIPLE = "multiple", _("倍数幅度")


class DiscretionBenchmark(models.Model):
    """One version of the discretion benchmark (裁量基准) of a penalty power."""

    power = models.ForeignKey(Power, on_delete=models.CASCADE, related_name="benchmarks")
    version = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.CharField(_("制定人"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="power__holder", region="power__holder__region")

    class Meta:
        verbose_name = _("裁量基准")
        verbose_name_plural = _("裁量基准")
        ordering = ["power_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["power", "version"], name="benchmark_version_unique")]

    def __str__(self) -> str:
        return f"{self.power.code} 裁量基准 v{self.version}"


class BenchmarkTier(models.Model):
    """One tier: the circumstances that select it and its allowed fine range — in yuan, or as
    multiples of `base` (货值金额, 违法所得 …). `base_from`/`base_below` restrict the tier to
    a band of the base amount (货值金额不足一万元的 → base_below 10000)."""

    benchmark = models.ForeignKey(DiscretionBenchmark, on_delete=models.CASCADE, related_name="tiers")
    tier = models.CharField(_("裁量阶次"), max_length=12, choices=Tier.choices)
    circumstances = models.TextField(_("适用情形"), blank=True)
    range_kind = models.CharField(
        _("幅度类型"), max_length=10, choices=RangeKind.choices, default=RangeKind.FIXED
    )
    minimum = models.DecimalField(_("下限"), max_digits=16, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(_("上限"), max_digits=16, decimal_places=2, null=True, blank=True)
    base = models.CharField(_("倍数基数"), max_length=60, blank=True)
    base_from = models.DecimalField(_("基数不低于"), max_digits=16, decimal_places=2, null=True, blank=True)
    base_below = models.DecimalField(_("基数低于"), max_digits=16, decimal_places=2, null=True, blank=True)
    penalty_kinds = models.JSONField(_("处罚种类"), default=list)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("裁量阶次")
        verbose_name_plural = _("裁量阶次")
        ordering = ["benchmark_id", "sort_order", "id"]

    def __str__(self) -> str:
        return self.get_tier_display()


class NoPenaltyKind(models.TextChoices):
    MINOR = "minor", _("轻微违法不予处罚")  # Art. 33 para. 1: 违法行为轻微并及时改正，没有造成危害后果的
    FIRST = "first", _("首违不罚")  # Art. 33 para. 1: 初次违法且危害后果轻微并及时改正的，可以不予


class NoPenaltyRule(models.Model):
    """The 轻违免罚 / 首违不罚 entry of a power (行政处罚法第三十三条) with its conditions."""

    power = models.OneToOneField(Power, on_delete=models.CASCADE, related_name="no_penalty_rule")
    kind = models.CharField(_("类型"), max_length=10, choices=NoPenaltyKind.choices)
    requires_first_violation = models.BooleanField(_("须为初次违法"), default=True)
    requires_minor_harm = models.BooleanField(_("须危害后果轻微"), default=True)
    correction_days = models.PositiveSmallIntegerField(_("改正期限（日）"), null=True, blank=True)
    conditions = models.TextField(_("适用条件"), blank=True)
    source = models.CharField(_("依据/来源"), max_length=300)
    active = models.BooleanField(_("有效"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="power__holder", region="power__holder__region")

    class Meta:
        verbose_name = _("不予处罚规则")
        verbose_name_plural = _("不予处罚规则")

    def __str__(self) -> str:
        return f"{self.power.code} {self.get_kind_display()}"


class Checklist(models.Model):
    """A checklist for a power or for a scene (场景, e.g. 餐饮门店). Its items live in versions;
    `version` is the current one."""

    agency = models.ForeignKey(
        "registry.Agency", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="checklists"
    )
    name = models.CharField(_("清单名称"), max_length=200)
    power = models.ForeignKey(
        Power,
        verbose_name=_("职权"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklists",
    )
    scene = models.CharField(_("场景"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        ordering = ["agency_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ChecklistVersion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    reason = models.TextField(_("修订说明"), blank=True)
    saved_by = models.CharField(_("操作人"), max_length=150)
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checklist_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "version"], name="checklist_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.checklist.name} v{self.version}"


class ChecklistItem(models.Model):
    checklist_version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("检查内容"))
    article = models.ForeignKey(
        "laws.Article",
        verbose_name=_("法律依据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    citation = models.CharField(_("依据引用"), max_length=200, blank=True)

    class Meta:
        ordering = ["checklist_version_id", "order"]

    def __str__(self) -> str:
        return self.text[:40]
