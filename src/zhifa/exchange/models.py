"""Import runs and their quarantine.

An `ImportRun` records one import of one file (who, when, source, file hash, counts) and is
the place where `read = inserted + updated + unchanged + quarantined` is stored and checked.
A `QuarantinedRow` keeps a rejected row's raw content and *all* its reasons, so nothing a
source sent is lost.

Scope: runs belong to no agency or region (one file may hold many agencies' records), so they
are `unscoped` — visible to the roles the matrix allows (supervisors and the sysadmin, see
`zhifa.core.roles`), invisible to agency roles.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class RunStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")
    SUPERSEDED = "superseded", _("已被重跑取代")


class QuarantineStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    REPROCESSED = "reprocessed", _("已重新处理")
    DISMISSED = "dismissed", _("已忽略")


class ImportRun(models.Model):
    run_id = models.CharField(_("运行标识"), max_length=64, db_index=True)
    family = models.CharField(_("数据族"), max_length=20)
    source_system = models.CharField(_("来源系统"), max_length=64)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64, db_index=True)
    mapping_name = models.CharField(_("映射文件"), max_length=255, blank=True)
    mapping_hash = models.CharField(_("映射文件哈希"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True)
    read = models.BigIntegerField(_("读取"), default=0)
    inserted = models.BigIntegerField(_("新增"), default=0)
    updated = models.BigIntegerField(_("更新"), default=0)
    unchanged = models.BigIntegerField(_("未变"), default=0)
    quarantined = models.BigIntegerField(_("隔离"), default=0)
    reasons = models.JSONField(_("原因统计"), default=dict, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    error = models.TextField(_("错误"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(unscoped=True)

    class Meta:
        verbose_name = _("导入运行")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.family} {self.file_name} ({self.status})"

    @property
    def reconciled(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.quarantined


class QuarantinedRow(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="quarantine")
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64)
    row_number = models.BigIntegerField(_("行号"))
    raw = models.TextField(_("原始内容"), blank=True)
    reasons = models.JSONField(_("原因"), default=list)
    values = models.JSONField(_("映射后的值"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=QuarantineStatus.choices, default=QuarantineStatus.OPEN
    )

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(unscoped=True)

    class Meta:
        verbose_name = _("隔离记录")
        ordering = ["row_number"]
        constraints = [
            # A re-import of the same file must not quarantine the same row twice.
            models.UniqueConstraint(fields=["file_sha256", "row_number"], name="quarantine_file_row_unique")
        ]

    def __str__(self) -> str:
        return f"{self.file_sha256[:8]}#{self.row_number}"

    @property
    def reason_codes(self) -> list[str]:
        return sorted({r.get("code", "") for r in self.reasons})
