"""Disposition of supervision clues (线索处置): one `Disposition` per clue and its recorded steps.

The state lives in `Disposition.state`; the allowed moves are the table in
`zhifa.supervision.procedure`. Everything that happened (triage, notice with its document and
deadline, the agency's report with its evidence, the verification, escalation) is a
`DispositionStep`, and every change has its audit entry, so both sides read the same record.

Both models are placed by the clue: the agency it concerns (agency roles see their own
agency's dispositions) and the clue's region (supervisors see their region subtree's)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhifa.core.scope import ScopedQuerySet, ScopePolicy
from zhifa.supervision.procedure import Outcome, Procedure, State


class Disposition(models.Model):
    clue = models.OneToOneField(
        "clues.Clue", verbose_name=_("监督线索"), on_delete=models.PROTECT, related_name="disposition"
    )
    number = models.CharField(_("处置编号"), max_length=40, unique=True)
    agency = models.ForeignKey(
        "registry.Agency",
        verbose_name=_("被监督单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispositions",
    )
    region = models.ForeignKey("core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT)
    procedure = models.CharField(_("处置程序"), max_length=10, choices=Procedure.choices, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dispositions",
    )
    outcome = models.CharField(_("办结结果"), max_length=24, choices=Outcome.choices, blank=True)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    overdue_since = models.DateField(_("逾期升级日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="agency", region="region")

    class Meta:
        verbose_name = _("线索处置")
        verbose_name_plural = _("线索处置")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class DispositionStep(models.Model):
    """One transition run (code = its name) or an escalation (`escalate`)."""

    disposition = models.ForeignKey(Disposition, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("步骤"), max_length=40, db_index=True)
    done_on = models.DateField(_("日期"))
    by = models.CharField(_("经办人"), max_length=150)
    data = models.JSONField(_("内容"), default=dict)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopePolicy(agency="disposition__agency", region="disposition__region")

    class Meta:
        ordering = ["disposition_id", "done_on", "id"]

    def __str__(self) -> str:
        return f"{self.disposition_id} {self.code} {self.done_on}"
