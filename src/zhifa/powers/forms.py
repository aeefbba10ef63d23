"""Forms of the powers pages. They only parse and render: the rules live in
`zhifa.powers.actions`, whose ActionError is mapped back onto the field of the same name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhifa.powers import actions
from zhifa.powers.models import Power, PowerKind, PowerStatus
from zhifa.registry.forms import ANY, FilterForm, _domain_choices
from zhifa.registry.models import Agency


class PowerFilterForm(FilterForm):
    agency = forms.ChoiceField(label=_("实施主体"), required=False)
    kind = forms.ChoiceField(label=_("职权类别"), required=False, choices=ANY + PowerKind.choices)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=ANY + PowerStatus.choices)
    domain = forms.ChoiceField(label=_("执法领域"), required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = ANY + [(a.code, a.name) for a in agencies]
        self.fields["domain"].choices = ANY + _domain_choices()
        self.fields["q"].widget.attrs["placeholder"] = _("名称、编码或违法行为")

    def filter(self, queryset: QuerySet[Power], values: dict[str, Any]) -> QuerySet[Power]:
        if "q" in values:
            q = values["q"].strip()
            queryset = queryset.filter(Q(name__contains=q) | Q(code=q) | Q(conduct__contains=q))
        if "agency" in values:
            queryset = queryset.filter(holder__code=values["agency"])
        if "domain" in values:
            queryset = queryset.filter(domain_id=values["domain"])
        for name in ("kind", "status"):
            if name in values:
                queryset = queryset.filter(**{name: values[name]})
        return queryset


class PowerForm(forms.Form):
    name = forms.CharField(label=_("职权名称"), required=False, max_length=300)
    kind = forms.ChoiceField(label=_("职权类别"), choices=PowerKind.choices)
    holder_code = forms.ChoiceField(label=_("实施主体"))
    domain_code = forms.ChoiceField(label=_("执法领域"))
    status = forms.ChoiceField(
        label=_("状态"), choices=[(PowerStatus.ACTIVE, _("有效")), (PowerStatus.DRAFT, _("草稿"))]
    )
    effective_from = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    conduct = forms.CharField(
        label=_("针对的违法行为/事项"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(
        label=_("法律依据"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一条，如：食品安全法第一百二十二条第一款"),
    )
    reason = forms.CharField(label=_("变更原因"), required=False, max_length=500)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["holder_code"].choices = [(a.code, a.name) for a in agencies]
        self.fields["domain_code"].choices = _domain_choices()
        if editing:
            self.fields["holder_code"].disabled = True
            self.fields["holder_code"].help_text = _("实施主体只能通过职权划转变更")
        else:
            del self.fields["reason"]

    @staticmethod
    def initial_from(power: Power) -> dict[str, Any]:
        return {
            "name": power.name,
            "kind": power.kind,
            "holder_code": power.holder.code,
            "domain_code": power.domain_id,
            "status": power.status if power.status != PowerStatus.REVOKED else PowerStatus.ACTIVE,
            "effective_from": power.effective_from,
            "conduct": power.conduct,
            "basis": "\n".join(b.citation for b in power.bases.all()),
        }

    def to_input(self, power: Power | None = None) -> actions.PowerInput:
        data = self.cleaned_data
        lines = [line.strip() for line in (data["basis"] or "").splitlines() if line.strip()]
        return actions.PowerInput(
            name=data["name"],
            kind=data["kind"],
            holder_code=power.holder.code if power else data["holder_code"],
            domain_code=data["domain_code"],
            code=power.code if power else "",
            conduct=data["conduct"],
            effective_from=data["effective_from"],
            basis=[actions.BasisInput(citation=line) for line in lines],
            provision_ids=list(power.provisions.values_list("pk", flat=True)) if power else [],
            status=data["status"],
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), required=False, max_length=500)
    effective_date = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TransferForm(forms.Form):
    power_codes = forms.MultipleChoiceField(
        label=_("划转的职权"), required=False, widget=forms.SelectMultiple(attrs={"size": 12})
    )
    to_agency_code = forms.ChoiceField(label=_("划入单位"))
    effective_date = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("划转原因"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, powers: QuerySet[Power], agencies: QuerySet[Agency], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["power_codes"].choices = [
            (p.code, f"{p.code} {p.name}（{p.holder.name}）") for p in powers
        ]
        self.fields["to_agency_code"].choices = [(a.code, a.name) for a in agencies]


class ChecklistForm(forms.Form):
    name = forms.CharField(label=_("清单名称"), required=False, max_length=200)
    power_code = forms.CharField(
        label=_("职权编码"), required=False, max_length=40, help_text=_("按职权的清单填写；按场景的清单留空")
    )
    scene = forms.CharField(label=_("场景"), required=False, max_length=100)
    items = forms.CharField(
        label=_("检查项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一项：检查内容 | 法律依据（如 食品安全法第三十五条），依据可省略"),
    )
    reason = forms.CharField(label=_("修订说明"), required=False, max_length=500)

    def to_input(self, agency_code: str) -> actions.ChecklistInput:
        data = self.cleaned_data
        items = []
        for line in (data["items"] or "").splitlines():
            if not line.strip():
                continue
            text, _sep, citation = line.partition("|")
            items.append(actions.ChecklistItemInput(text=text.strip(), citation=citation.strip()))
        return actions.ChecklistInput(
            name=data["name"],
            agency_code=agency_code,
            power_code=data["power_code"].strip(),
            scene=data["scene"],
            items=items,
            reason=data["reason"],
        )
