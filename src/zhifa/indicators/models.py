"""Materialized indicator values of closed periods (a cache of `engine.compute`).

One row per (period, breakdown, key, indicator). `fingerprint` names the store state the value
was computed from (`queries.fingerprint`: the files of the partition years the period reads
plus the master-data snapshot versions); a different current fingerprint means new facts
arrived for that period, and the period is recomputed (`actions.do_refresh_indicators`)."""

from __future__ import annotations

from django.db import models

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class IndicatorValue(models.Model):
    period = models.CharField(max_length=7)
    by = models.CharField(max_length=10)
    key = models.CharField(max_length=64)
    slug = models.CharField(max_length=40)
    value = models.FloatField(null=True)
    previous = models.FloatField(null=True)
    yoy = models.FloatField(null=True)
    fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # Values are read through the engine's agency slice (the caller's visible agencies), not by
    # row; the role matrix decides who may read indicators at all.
    scope = ScopePolicy(unscoped=True)

    class Meta:
        verbose_name = "指标值"
        constraints = [
            models.UniqueConstraint(fields=["period", "by", "key", "slug"], name="indicator_value_unique")
        ]
        indexes = [models.Index(fields=["period", "by"])]

    def __str__(self) -> str:
        return f"{self.period} {self.slug} {self.key}"
