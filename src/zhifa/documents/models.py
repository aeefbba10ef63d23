"""Issued enforcement documents and their number sequences.

An issued document is immutable: its row refuses `save()` and `delete()` once issued (the only
later change, marking it `corrected` when a correction is issued, is a queryset update inside
`actions.do_issue_correction`, audited there). Files live in the default storage under
`documents/<agency code>/<year>/`; their paths are plain text columns so the audit snapshot
holds them as they are.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhifa.core.errors import ActionError
from zhifa.core.scope import ScopedQuerySet, ScopePolicy
from zhifa.documents.kinds import DocumentKind
from zhifa.registry.models import Agency


class DocumentSequence(models.Model):
    """The last number given per agency, kind letter (`kind_prefix`, e.g. 罚) and year."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="document_sequences")
    kind_prefix = models.CharField(_("文号代字"), max_length=8)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用最大序号"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("文书编号序列")
        verbose_name_plural = _("文书编号序列")
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind_prefix", "year"], name="document_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.kind_prefix}〔{self.year}〕{self.last}"


class AgencyDocumentPrefix(models.Model):
    """The prefix (机关代字) an agency's document numbers carry, fixed at its first issued number.

    Derived prefixes can coincide (三个市级综合行政执法机构 all derive 湖综执); a number must name one
    issuer, so the first agency to issue keeps the derived prefix and a later one gets the next
    free variant (`numbering.prefix_candidates`). Stored, so an agency's prefix never changes when
    another agency is added later.
    """

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="document_prefix")
    prefix = models.CharField(_("机关代字"), max_length=24, unique=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("文书机关代字")
        verbose_name_plural = _("文书机关代字")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.prefix}"


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已签发")
    CORRECTED = "corrected", _("已更正")


class IssuedDocument(models.Model):
    number = models.CharField(_("文号"), max_length=64, blank=True, db_index=True)
    sequence = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    kind = models.CharField(_("文书种类"), max_length=32, choices=DocumentKind.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("执法主体"), on_delete=models.PROTECT, related_name="documents"
    )
    case_ref = models.CharField(_("案件编号"), max_length=64, blank=True, db_index=True)
    context = models.JSONField(_("文书内容"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=DocumentStatus.choices)
    pdf_file = models.CharField(_("PDF 文件"), max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    docx_file = models.CharField(_("DOCX 文件"), max_length=255, blank=True)
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的文书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="agency__region")

    class Meta:
        verbose_name = _("执法文书")
        verbose_name_plural = _("执法文书")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="document_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or '（草稿）'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_status() in (DocumentStatus.ISSUED, DocumentStatus.CORRECTED):
            raise ActionError("immutable", "已签发的文书不得修改，请签发更正文书", "status", status=409)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self._stored_status() in (DocumentStatus.ISSUED, DocumentStatus.CORRECTED):
            raise ActionError("immutable", "已签发的文书不得删除", "status", status=409)
        return super().delete(*args, **kwargs)

    @property
    def title(self) -> str:
        return str(DocumentKind(self.kind).label)

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
