from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地级")
    COUNTY = "county", _("县级")
    STREET = "street", _("乡级")


class Region(models.Model):
    """A division (GB/T 2260 and the statistical division codes), province down to street.

    `code` is the 6-digit code for province/city/county and the 9-digit code for streets.
    `path` lists the codes from the province down to this region ("330000/330500/330502/"),
    so a subtree is a prefix match.
    """

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    full_name = models.CharField(_("全称"), max_length=160)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("层级路径"), max_length=64, db_index=True)
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(region="", public=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def is_within(self, other: Region) -> bool:
        return self.path.startswith(other.path)


class AuditEntry(models.Model):
    """One link of the tamper-evident audit chain. Written only by `zhifa.core.audit`.

    Never updated or deleted by the application; on PostgreSQL a trigger refuses both.
    `hash` covers every column below it plus `prev_hash`, so a changed byte, a deleted row or
    a reordered row breaks the chain (see `zhifa.core.audit.verify_chain`).
    """

    seq = models.BigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_username = models.CharField(_("操作人"), max_length=150, db_index=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    actor_agency_code = models.CharField(_("操作人单位"), max_length=32, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80, db_index=True)
    object_id = models.CharField(_("对象标识"), max_length=64, db_index=True)
    before = models.TextField(_("变更前"), blank=True)  # canonical JSON, hashed byte for byte
    after = models.TextField(_("变更后"), blank=True)
    outcome = models.CharField(_("结果"), max_length=16, default="success")
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True)
    source_ip = models.CharField(_("来源IP"), max_length=45, blank=True)
    algorithm = models.CharField(_("摘要算法"), max_length=16)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64)
    hash = models.CharField(_("本条摘要"), max_length=64)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(unscoped=True)

    class Meta:
        db_table = "audit_entry"
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The chain's last link. Locked by every writer so links are appended one at a time,
    and compared by the verifier so a deleted tail is noticed too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_chain_head"

    def __str__(self) -> str:
        return f"head #{self.seq}"
