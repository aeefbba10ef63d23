"""Efficiency evaluation (效能评价): versioned schemes, evaluations and each agency's result.

`Scheme` is one published version (its components as JSON, see `zhifa.evaluation.schemes`), never
changed afterwards. An `Evaluation` scores the agencies of a region for a period under one scheme
version; each `EvaluationResult` keeps the agency's score, rank and per component the value,
points and — for every point lost — the explanation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class Scheme(models.Model):
    code = models.CharField(_("方案代码"), max_length=40, default="default")
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=100)
    components = models.JSONField(_("评价项目"), default=list)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.CharField(_("发布人"), max_length=150, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(public=True)

    class Meta:
        verbose_name = _("评价方案")
        verbose_name_plural = _("评价方案")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="evaluation_scheme_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class Evaluation(models.Model):
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("评价方案"), on_delete=models.PROTECT, related_name="evaluations"
    )
    period = models.CharField(_("评价期间"), max_length=10)
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止（不含）"))
    region = models.ForeignKey("core.Region", verbose_name=_("评价区划"), on_delete=models.PROTECT)
    created_by = models.CharField(_("评价人"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notes = models.JSONField(_("说明"), default=list)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(region="region")

    class Meta:
        verbose_name = _("效能评价")
        verbose_name_plural = _("效能评价")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period}"


class EvaluationResult(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    agency = models.ForeignKey("registry.Agency", null=True, blank=True, on_delete=models.PROTECT)
    agency_code = models.CharField(_("执法主体代码"), max_length=18)
    agency_name = models.CharField(_("执法主体"), max_length=120)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField(_("名次"))
    components = models.JSONField(_("分项得分"), default=list)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="evaluation__region")

    class Meta:
        verbose_name = _("评价结果")
        verbose_name_plural = _("评价结果")
        ordering = ["evaluation_id", "rank", "agency_code"]

    def __str__(self) -> str:
        return f"{self.agency_name} {self.score}"

    @property
    def explanations(self) -> list[dict]:
        return [c for c in self.components if float(c["lost"]) > 0]
