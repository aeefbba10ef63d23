from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PublicFilterForm(forms.Form):
    agency = forms.CharField(label=_("执法机关代码"), required=False, max_length=18)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=12)
    date_from = forms.DateField(
        label=_("决定日期起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("决定日期止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data: dict[str, str | dt.date | None] = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in ("", None)}
