"""Published penalty decisions (行政处罚决定公示), one row per published version."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class DisclosureStatus(models.TextChoices):
    PUBLISHED = "published", _("已公示")
    WITHDRAWN = "withdrawn", _("已撤下")


class Disclosure(models.Model):
    """One published version of a penalty decision. `published_fields` holds only whitelisted,
    masked fields (see `zhifa.disclosure.actions.public_fields`); nothing else is ever shown."""

    case_ref = models.CharField(_("案件编号"), max_length=64)
    version = models.PositiveIntegerField(_("版本"), default=1)
    agency = models.ForeignKey(
        "registry.Agency", on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("执法机关")
    )
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划")
    )
    decision_number = models.CharField(_("决定书文号"), max_length=100, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    published_fields = models.JSONField(_("公示内容"), default=dict)
    published_at = models.DateTimeField(_("公示时间"))
    withdraw_due_at = models.DateTimeField(_("应撤下时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤下原因"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DisclosureStatus.choices, default=DisclosureStatus.PUBLISHED
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("被新版本替代"),
    )

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("处罚决定公示")
        verbose_name_plural = _("处罚决定公示")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case_ref", "version"], name="disclosure_case_ref_version_unique")
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="disclosure_feed_idx"),
            models.Index(fields=["status", "withdraw_due_at"], name="disclosure_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number or self.case_ref} v{self.version}"
