"""Forms of the core pages (the audit trail browser)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhifa.core.labels import OBJECT_TYPE_LABELS, OUTCOME_LABELS
from zhifa.core.models import AuditEntry

ANY = [("", _("全部"))]


class DateInput(forms.DateInput):
    input_type = "date"


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the platform's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(
        label=_("操作（前缀）"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": "registry.entity"}),
    )
    object_type = forms.ChoiceField(
        label=_("对象类型"), required=False, choices=ANY + list(OBJECT_TYPE_LABELS.items())
    )
    object_id = forms.CharField(label=_("对象标识"), required=False, max_length=64)
    outcome = forms.ChoiceField(label=_("结果"), required=False, choices=ANY + list(OUTCOME_LABELS.items()))
    since = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    until = forms.DateField(label=_("截止日期（含）"), required=False, widget=DateInput())

    def apply(self, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        self.is_valid()
        values: dict[str, Any] = {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)
        }
        lookups = {
            "actor": "actor_username",
            "action": "action__startswith",
            "object_type": "object_type",
            "object_id": "object_id",
            "outcome": "outcome",
        }
        for name, lookup in lookups.items():
            if name in values:
                queryset = queryset.filter(**{lookup: str(values[name]).strip()})
        if "since" in values:
            queryset = queryset.filter(occurred_at__gte=_start_of(values["since"]))
        if "until" in values:
            queryset = queryset.filter(occurred_at__lt=_start_of(values["until"] + dt.timedelta(days=1)))
        return queryset.order_by("-seq")
