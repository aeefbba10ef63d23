"""Filters of the law library pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zhifa.laws.models import Law, LawLevel

ANY = [("", _("全部"))]


class LawFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("效力级别"), required=False, choices=ANY + LawLevel.choices)
    category = forms.ChoiceField(label=_("分类"), required=False)

    def __init__(self, *args: Any, categories: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = ANY + [(c, c) for c in categories or []]
        self.fields["q"].widget.attrs["placeholder"] = _("法律名称")

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}

    def apply(self, queryset: QuerySet[Law]) -> QuerySet[Law]:
        from zhifa.laws.api import filter_laws

        values = self.values()
        return filter_laws(queryset, values.get("q"), values.get("level"), values.get("category"))


class SearchForm(forms.Form):
    q = forms.CharField(label=_("检索词"), required=False, max_length=100)
    law = forms.CharField(label=_("限定法律"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("条文中的词句，如 货值金额")
        self.fields["law"].widget.attrs["placeholder"] = _("如 食品安全法")
