"""Forms of the registry pages.

Filter forms turn query parameters into queryset filters (a bad value is ignored, the list
still renders). Edit forms only parse and render: the rules live in `zhifa.registry.actions`,
whose ActionError is mapped back onto the field of the same name (see core.web)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhifa.core.models import Region, RegionLevel
from zhifa.registry import actions
from zhifa.registry.models import (
    INDUSTRY_SECTIONS,
    Agency,
    AgencyKind,
    AgencyStatus,
    Certificate,
    CertificateEventKind,
    CertificateStatus,
    Domain,
    Entity,
    EntityKind,
    Officer,
    OfficerRole,
    OfficerStatus,
)
from zhifa.registry.summaries import expiring_within, valid_on

ANY = [("", _("全部"))]


def _domain_choices() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in Domain.objects.all()]


def region_subtree(code: str, prefix: str = "region__") -> Q:
    """Records in the region with this code or below it; no match for an unknown code."""
    region = Region.objects.filter(code=code.strip()).first()
    return Q(**{f"{prefix}path__startswith": region.path}) if region else Q(pk__in=[])


class FilterForm(forms.Form):
    """Base of the list filters. Subclasses implement `filter` over the valid values."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None, False)}
        return self.filter(queryset, values)

    def filter(self, queryset: QuerySet[Any], values: dict[str, Any]) -> QuerySet[Any]:
        raise NotImplementedError


# --- agencies -------------------------------------------------------------------------------


class AgencyFilterForm(FilterForm):
    domain = forms.ChoiceField(label=_("执法领域"), required=False)
    kind = forms.ChoiceField(label=_("主体类别"), required=False, choices=ANY + AgencyKind.choices)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=ANY + AgencyStatus.choices)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=12)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = ANY + _domain_choices()
        self.fields["q"].widget.attrs["placeholder"] = _("名称或统一社会信用代码")

    def filter(self, queryset: QuerySet[Agency], values: dict[str, Any]) -> QuerySet[Agency]:
        if "q" in values:
            q = values["q"].strip()
            queryset = queryset.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code=q.upper()))
        if "domain" in values:
            queryset = queryset.filter(domains__code=values["domain"])
        for name in ("kind", "status"):
            if name in values:
                queryset = queryset.filter(**{name: values[name]})
        if "region" in values:
            queryset = queryset.filter(region_subtree(values["region"]))
        return queryset.distinct()


class AgencyForm(forms.Form):
    code = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=18)
    name = forms.CharField(label=_("名称"), required=False, max_length=100)
    short_name = forms.CharField(label=_("简称"), required=False, max_length=20)
    kind = forms.ChoiceField(label=_("主体类别"), choices=AgencyKind.choices)
    region_code = forms.CharField(label=_("所属区划代码"), required=False, max_length=12)
    supervising_agency_code = forms.CharField(
        label=_("上级/委托机关统一社会信用代码"),
        required=False,
        max_length=18,
        help_text=_("受委托组织必须填写委托机关"),
    )
    domain_codes = forms.MultipleChoiceField(
        label=_("执法领域"), required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(label=_("状态"), choices=AgencyStatus.choices, initial=AgencyStatus.ACTIVE)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)

    # What an agency's own admin may change (do_update_agency keeps the rest as they were).
    AGENCY_ROLE_EDITABLE = actions.AGENCY_ROLE_EDITABLE_FIELDS

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain_codes"].choices = _domain_choices()
        if locked:
            for name, field in self.fields.items():
                field.disabled = name not in self.AGENCY_ROLE_EDITABLE

    @staticmethod
    def initial_from(agency: Agency) -> dict[str, Any]:
        return {
            "code": agency.code,
            "name": agency.name,
            "short_name": agency.short_name,
            "kind": agency.kind,
            "region_code": agency.region_id,
            "supervising_agency_code": agency.supervising_agency.code if agency.supervising_agency else "",
            "domain_codes": [d.code for d in agency.domains.all()],
            "status": agency.status,
            "address": agency.address,
            "phone": agency.phone,
        }

    def to_input(self) -> actions.AgencyInput:
        data = self.cleaned_data
        return actions.AgencyInput(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            region_code=data["region_code"],
            domain_codes=list(data["domain_codes"]),
            short_name=data["short_name"],
            supervising_agency_code=data["supervising_agency_code"] or None,
            status=data["status"],
            address=data["address"],
            phone=data["phone"],
        )


# --- officers -------------------------------------------------------------------------------


def _agency_choices(agencies: QuerySet[Agency]) -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in agencies.order_by("region_id", "name")]


class OfficerFilterForm(FilterForm):
    agency = forms.ChoiceField(label=_("所属单位"), required=False)
    role = forms.ChoiceField(label=_("岗位"), required=False, choices=ANY + OfficerRole.choices)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=ANY + OfficerStatus.choices)
    domain = forms.ChoiceField(label=_("持证领域"), required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = ANY + _agency_choices(agencies)
        self.fields["domain"].choices = ANY + _domain_choices()
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或执法证号")

    def filter(self, queryset: QuerySet[Officer], values: dict[str, Any]) -> QuerySet[Officer]:
        if "q" in values:
            q = values["q"].strip()
            queryset = queryset.filter(Q(name__contains=q) | Q(certificates__number__contains=q))
        if "agency" in values:
            queryset = queryset.filter(agency__code=values["agency"])
        for name in ("role", "status"):
            if name in values:
                queryset = queryset.filter(**{name: values[name]})
        if "domain" in values:
            queryset = queryset.filter(certificates__domain_id=values["domain"])
        return queryset.distinct()


class OfficerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), required=False, max_length=40)
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=18)
    agency_code = forms.ChoiceField(label=_("所属单位"))
    role = forms.ChoiceField(label=_("岗位"), choices=OfficerRole.choices, initial=OfficerRole.FIELD_OFFICER)
    gender = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", _("按身份证号判断")), ("M", _("男")), ("F", _("女"))]
    )
    phone = forms.CharField(label=_("手机号"), required=False, max_length=20)
    has_legal_qualification = forms.BooleanField(label=_("具有法律职业资格"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=OfficerStatus.choices, initial=OfficerStatus.ACTIVE)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].choices = _agency_choices(agencies)

    @staticmethod
    def initial_from(officer: Officer) -> dict[str, Any]:
        return {
            "name": officer.name,
            "id_number": officer.id_number,
            "agency_code": officer.agency.code,
            "role": officer.role,
            "gender": officer.gender,
            "phone": officer.phone,
            "has_legal_qualification": officer.has_legal_qualification,
            "status": officer.status,
        }

    def to_input(self) -> actions.OfficerInput:
        return actions.OfficerInput(**self.cleaned_data)


# --- certificates ---------------------------------------------------------------------------


class Standing(forms.ChoiceField):
    """A certificate's standing today, as a filter (expiry is a date, not a status)."""

    CHOICES = [
        ("valid", _("今日有效")),
        ("expiring", _("60日内到期")),
        ("expired", _("已过期")),
        ("suspended", _("暂扣")),
        ("revoked", _("吊销/注销")),
    ]

    @staticmethod
    def condition(value: str, today: dt.date) -> Q:
        return {
            "valid": valid_on(today),
            "expiring": expiring_within(today),
            "expired": Q(status=CertificateStatus.VALID, expires_on__lt=today),
            "suspended": Q(status=CertificateStatus.SUSPENDED),
            "revoked": Q(status=CertificateStatus.REVOKED),
        }[value]


class CertificateFilterForm(FilterForm):
    standing = forms.ChoiceField(label=_("证件状态"), required=False, choices=ANY + Standing.CHOICES)
    domain = forms.ChoiceField(label=_("执法领域"), required=False)
    agency = forms.ChoiceField(label=_("所属单位"), required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], today: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["agency"].choices = ANY + _agency_choices(agencies)
        self.fields["domain"].choices = ANY + _domain_choices()
        self.fields["q"].widget.attrs["placeholder"] = _("证件号或持证人姓名")

    def filter(self, queryset: QuerySet[Certificate], values: dict[str, Any]) -> QuerySet[Certificate]:
        if "q" in values:
            q = values["q"].strip()
            queryset = queryset.filter(Q(number__contains=q) | Q(officer__name__contains=q))
        if "standing" in values:
            queryset = queryset.filter(Standing.condition(values["standing"], self.today))
        if "domain" in values:
            queryset = queryset.filter(domain_id=values["domain"])
        if "agency" in values:
            queryset = queryset.filter(officer__agency__code=values["agency"])
        return queryset


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CertificateIssueForm(forms.Form):
    number = forms.CharField(label=_("证件号"), required=False, max_length=32)
    domain_code = forms.ChoiceField(label=_("执法领域"))
    issued_on = forms.DateField(label=_("发证日期"), widget=DateInput())
    expires_on = forms.DateField(label=_("有效期至"), widget=DateInput())
    issuing_authority = forms.CharField(label=_("发证机关"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain_code"].choices = _domain_choices()

    def to_input(self, officer: Officer) -> actions.CertificateInput:
        return actions.CertificateInput(officer_id=officer.pk, **self.cleaned_data)


class CertificateStatusForm(forms.Form):
    kind = forms.ChoiceField(label=_("变更事项"))
    effective_on = forms.DateField(label=_("生效日期"), widget=DateInput())
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def __init__(self, *args: Any, certificate: Certificate, **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(CertificateEventKind.choices)
        # Offer only the changes the action allows from the current status.
        self.fields["kind"].choices = [
            (kind, labels[kind])
            for kind, (allowed_from, _after) in actions.STATUS_TRANSITIONS.items()
            if certificate.status in allowed_from
        ]


class CertificateRenewForm(forms.Form):
    expires_on = forms.DateField(label=_("新的有效期至"), widget=DateInput())
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)


# --- entities -------------------------------------------------------------------------------


class EntityFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=ANY + EntityKind.choices)
    industry = forms.ChoiceField(label=_("行业门类"), required=False, choices=ANY + INDUSTRY_SECTIONS)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=12)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("名称、统一社会信用代码或身份证号")

    def filter(self, queryset: QuerySet[Entity], values: dict[str, Any]) -> QuerySet[Entity]:
        if "q" in values:
            q = values["q"].strip()
            queryset = queryset.filter(
                Q(name__contains=q) | Q(credit_code=q.upper()) | Q(id_number=q.upper())
            )
        for name in ("kind", "industry"):
            if name in values:
                queryset = queryset.filter(**{name: values[name]})
        if "region" in values:
            queryset = queryset.filter(region_subtree(values["region"]))
        return queryset


class EntityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=EntityKind.choices, initial=EntityKind.ENTERPRISE)
    name = forms.CharField(label=_("名称/姓名"), required=False, max_length=120)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), required=False, max_length=18, help_text=_("单位必填，18位")
    )
    id_number = forms.CharField(
        label=_("身份证号"), required=False, max_length=18, help_text=_("个人必填，18位")
    )
    legal_representative = forms.CharField(label=_("法定代表人/负责人"), required=False, max_length=40)
    region_code = forms.CharField(
        label=_("所在区划代码"), required=False, max_length=12, help_text=_("6位县级或9位乡镇街道代码")
    )
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    industry = forms.ChoiceField(label=_("行业门类"), required=False, choices=[("", "—"), *INDUSTRY_SECTIONS])
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    latitude = forms.CharField(label=_("纬度"), required=False, max_length=20)
    longitude = forms.CharField(label=_("经度"), required=False, max_length=20)

    def __init__(self, *args: Any, regions: QuerySet[Region] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region_options = list(regions) if regions is not None else []
        if self.region_options:
            self.fields["region_code"].widget.attrs["list"] = "region-options"

    @staticmethod
    def initial_from(entity: Entity) -> dict[str, Any]:
        names = (
            "kind",
            "name",
            "credit_code",
            "id_number",
            "legal_representative",
            "address",
            "industry",
            "phone",
            "latitude",
            "longitude",
        )
        return {**{n: getattr(entity, n) or "" for n in names}, "region_code": entity.region_id}

    def to_input(self) -> actions.EntityInput:
        data = dict(self.cleaned_data)
        data["credit_code"] = data["credit_code"] or None
        data["id_number"] = data["id_number"] or None
        return actions.EntityInput(**data)


def region_options(user: Any) -> QuerySet[Region]:
    """Suggestions for a region field: the user's region and its divisions down to county level."""
    scope_region = getattr(user, "scope_region", None)
    if scope_region is None:
        return Region.objects.none()
    regions = Region.objects.restrict(user).filter(path__startswith=scope_region.path)
    return regions.exclude(level=RegionLevel.STREET)
