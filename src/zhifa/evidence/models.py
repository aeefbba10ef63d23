"""Evidence files (证据): tamper-evident, content-addressed, never replaced in place.

A file's bytes live once under MEDIA_ROOT/evidence/ab/cd/<sha256> (see `zhifa.evidence.storage`);
each row records who uploaded what for which case step, and the SHA-256 that `verify_evidence`
recomputes. A correction adds a new row that `replaces` the old one, which becomes superseded;
both stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy


class EvidenceKind(models.TextChoices):
    """The eight statutory kinds of evidence (行政处罚法 第四十六条)."""

    DOCUMENTARY = "documentary", _("书证")
    PHYSICAL = "physical", _("物证")
    AUDIOVISUAL = "audiovisual", _("视听资料")
    ELECTRONIC = "electronic", _("电子数据")
    WITNESS = "witness", _("证人证言")
    PARTY_STATEMENT = "party_statement", _("当事人的陈述")
    EXPERT_OPINION = "expert_opinion", _("鉴定意见")
    INSPECTION_RECORD = "inspection_record", _("勘验笔录、现场笔录")


class EvidenceStatus(models.TextChoices):
    CURRENT = "current", _("有效")
    SUPERSEDED = "superseded", _("已被替换")


class EvidenceFile(models.Model):
    agency = models.ForeignKey(
        "registry.Agency", verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="evidence_files"
    )
    case_ref = models.CharField(_("案件编号"), max_length=64, db_index=True)
    step = models.CharField(_("办案环节"), max_length=64)
    kind = models.CharField(_("证据种类"), max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(_("证据名称"), max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=127)
    size = models.BigIntegerField(_("字节数"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    storage_path = models.CharField(_("存储路径"), max_length=100)  # relative to MEDIA_ROOT
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by_name = models.CharField(_("上传人"), max_length=150)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    collected_at = models.DateTimeField(_("取证时间"), null=True, blank=True)
    gps_lat = models.FloatField(_("纬度"), null=True, blank=True)
    gps_lon = models.FloatField(_("经度"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替换的证据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    reason = models.TextField(_("替换原因"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=EvidenceStatus.choices, default=EvidenceStatus.CURRENT
    )

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("证据文件")
        verbose_name_plural = _("证据文件")
        ordering = ["agency_id", "case_ref", "id"]
        indexes = [models.Index(fields=["agency", "case_ref", "status"])]

    def __str__(self) -> str:
        return f"{self.case_ref} {self.title}"

    @property
    def gps(self) -> tuple[float, float] | None:
        if self.gps_lat is None or self.gps_lon is None:
            return None
        return (self.gps_lat, self.gps_lon)
