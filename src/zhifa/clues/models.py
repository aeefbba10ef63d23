"""Clues (监督线索) raised by the problem-detection models, the runs that raised them, the model
versions, and regional settings of model parameters.

A clue is the *finding* only. Handling it (triage into the general/simple/warning procedure,
notices, rectification, verification) lives in the supervision app, which points at `Clue`.

`fingerprint` is SHA-256 of the model slug and the problem's identity (e.g. the case's natural
key): it contains neither the model version nor the parameters, so the same problem is never
raised twice — not by a rerun, not by a later version of the model, not after a region changed a
parameter (see docs/clues.md, "Deduplication").
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.models import Region
from zhifa.core.scope import ScopedQuerySet, ScopePolicy
from zhifa.registry.models import Agency


class Severity(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class Verdict(models.TextChoices):
    UNSET = "", _("未标记")
    TRUE_POSITIVE = "true_positive", _("属实")
    FALSE_POSITIVE = "false_positive", _("误报")


class ClueModelVersion(models.Model):
    """One version of one detection model as it ran: the hash of its definition (SQL, rule text,
    parameter defaults) and its default parameters. A changed definition needs a new version."""

    slug = models.CharField(_("模型代码"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("模型名称"), max_length=100)
    definition_hash = models.CharField(_("定义摘要"), max_length=64)
    parameters = models.JSONField(_("默认参数"), default=dict)
    first_run_at = models.DateTimeField(_("首次运行"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("线索模型版本")
        verbose_name_plural = _("线索模型版本")
        ordering = ["slug", "version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="clue_model_version_unique")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class ClueRun(models.Model):
    """One run of some models over the store (or a backtest, which raises nothing)."""

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    started_by = models.CharField(_("发起人"), max_length=150)
    as_of = models.DateField(_("评估日期"))
    models_run = models.JSONField(_("运行模型"), default=list)  # [{"model": slug, "version": n}]
    backtest = models.BooleanField(_("回测"), default=False)
    parameters = models.JSONField(_("回测参数"), default=dict)  # backtest overrides
    raised = models.PositiveIntegerField(_("命中数"), default=0)
    new = models.PositiveIntegerField(_("新增线索数"), default=0)
    counts = models.JSONField(_("分模型统计"), default=dict)  # slug -> {raised, new, seconds}
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    objects = ScopedQuerySet.as_manager()
    # A run spans every agency of the installation: scoped by role only.
    scope = ScopePolicy(unscoped=True)

    class Meta:
        verbose_name = _("线索模型运行")
        verbose_name_plural = _("线索模型运行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{'回测' if self.backtest else '运行'} {self.started_at:%Y-%m-%d %H:%M}"


class Clue(models.Model):
    """A suspected problem: which model (and version) raised it, against which agency, why,
    and the records it rests on (`evidence`: [{family, source_system, source_id, number}])."""

    model_slug = models.CharField(_("模型代码"), max_length=64, db_index=True)
    model_version = models.PositiveIntegerField(_("模型版本"))
    model = models.ForeignKey(
        ClueModelVersion, verbose_name=_("模型版本"), on_delete=models.PROTECT, related_name="clues"
    )
    agency_code = models.CharField(_("执法主体代码"), max_length=18, db_index=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("执法主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clues",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clues",
    )
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    title = models.CharField(_("标题"), max_length=200)
    detail = models.TextField(_("详情"))
    evidence = models.JSONField(_("证据记录"), default=list)
    identity = models.CharField(_("问题标识"), max_length=400)
    fingerprint = models.CharField(_("指纹"), max_length=64, unique=True)
    parameters = models.JSONField(_("适用参数"), default=dict)
    raised_at = models.DateTimeField(_("发现时间"))
    run = models.ForeignKey(ClueRun, verbose_name=_("运行"), on_delete=models.PROTECT, related_name="clues")
    verdict = models.CharField(_("核实结论"), max_length=16, choices=Verdict.choices, default="", blank=True)
    verdict_by = models.CharField(_("核实人"), max_length=150, blank=True)
    verdict_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verdict_note = models.TextField(_("核实说明"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="region")

    class Meta:
        verbose_name = _("监督线索")
        verbose_name_plural = _("监督线索")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["model_slug", "verdict"]), models.Index(fields=["severity"])]

    def __str__(self) -> str:
        return self.title


class ClueParameterSetting(models.Model):
    """A region's own value of a model parameter from `valid_from` on (for its whole subtree,
    unless a deeper region sets its own) — the same inheritance as `rules.RuleSetting`."""

    model_slug = models.CharField(_("模型代码"), max_length=64)
    parameter = models.CharField(_("参数"), max_length=64)
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="clue_parameter_settings"
    )
    value = models.DecimalField(_("取值"), max_digits=16, decimal_places=4)
    valid_from = models.DateField(_("生效日期"))
    reason = models.TextField(_("设定理由"))
    created_by = models.CharField(_("设定人"), max_length=150)
    created_at = models.DateTimeField(_("设定时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(region="region", public=True)

    class Meta:
        verbose_name = _("线索模型参数地方设定")
        verbose_name_plural = _("线索模型参数地方设定")
        ordering = ["model_slug", "parameter", "region_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_slug", "parameter", "region", "valid_from"], name="clue_parameter_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_slug}.{self.parameter}@{self.region_id}={self.value}"
