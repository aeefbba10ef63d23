"""Regional settings of configurable rules.

A setting applies from `valid_from` to its region and the whole subtree below it (regions carry a
materialised `path`), unless a deeper region sets its own value. Settings are never deleted: a
later `valid_from` supersedes an earlier one, so the value on any past day can be recomputed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.models import Region
from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class RuleSetting(models.Model):
    rule_code = models.CharField(_("规则代码"), max_length=64)
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="rule_settings"
    )
    value = models.DecimalField(_("取值"), max_digits=14, decimal_places=4)
    valid_from = models.DateField(_("生效日期"))
    reason = models.TextField(_("设定理由"))
    created_by = models.CharField(_("设定人"), max_length=150)
    created_at = models.DateTimeField(_("设定时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # Rule parameters are public reference data: every business role reads them all.
    scope = ScopePolicy(region="region", public=True)

    class Meta:
        verbose_name = _("规则地方设定")
        verbose_name_plural = _("规则地方设定")
        ordering = ["rule_code", "region_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_code", "region", "valid_from"], name="rules_setting_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}@{self.region_id}={self.value}（{self.valid_from}起）"
