"""Forms of the user management pages. Placement and password rules live in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhifa.accounts.actions import UserInput
from zhifa.accounts.models import User
from zhifa.core.models import Region
from zhifa.core.roles import Role
from zhifa.registry.models import Agency

ANY = [("", _("全部"))]


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名")}),
    )
    role = forms.ChoiceField(label=_("角色"), required=False, choices=ANY + Role.choices)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[*ANY, ("active", _("正常")), ("locked", _("锁定中")), ("inactive", _("已停用"))],
    )

    def apply(self, queryset: QuerySet[User]) -> QuerySet[User]:
        self.is_valid()
        values = getattr(self, "cleaned_data", {})
        if q := (values.get("q") or "").strip():
            queryset = queryset.filter(Q(username__contains=q) | Q(full_name__contains=q))
        if values.get("role"):
            queryset = queryset.filter(role=values["role"])
        locked = Q(locked_until__gt=timezone.now())
        state = values.get("state")
        if state == "locked":
            queryset = queryset.filter(locked)
        elif state == "inactive":
            queryset = queryset.filter(is_active=False)
        elif state == "active":
            queryset = queryset.filter(is_active=True).exclude(locked)
        return queryset


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name}（{obj.code}）"


class UserForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), required=False, max_length=40)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    agency_code = AgencyChoiceField(
        label=_("所属单位"),
        required=False,
        queryset=Agency.objects.none(),
        to_field_name="code",
        help_text=_("执法人员、负责人、法制审核人员、单位管理员必选"),
    )
    region_code = forms.CharField(
        label=_("管辖区划代码"),
        required=False,
        max_length=12,
        help_text=_("监督人员、热线话务员、系统管理员必填"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("至少10位，不能是常见密码或纯数字"),
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].queryset = agencies.order_by("region_id", "name")
        if editing:
            self.fields["username"].disabled = True
            del self.fields["password"]

    @staticmethod
    def initial_from(user: User) -> dict[str, Any]:
        return {
            "username": user.username,
            "full_name": user.full_name,
            "role": user.role,
            "agency_code": user.agency.code if user.agency_id else None,
            "region_code": user.region_id or "",
            "is_active": user.is_active,
        }

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        if code and not Region.objects.filter(code=code).exists():
            raise forms.ValidationError(_("行政区划代码不存在：%(code)s"), params={"code": code})
        return code

    def to_input(self) -> UserInput:
        data = self.cleaned_data
        agency = data.get("agency_code")
        return UserInput(
            username=data["username"].strip(),
            role=data["role"],
            full_name=data["full_name"],
            agency_id=agency.pk if agency else None,
            region_id=data["region_code"] or None,
            is_active=data["is_active"],
        )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("至少10位，不能是常见密码或纯数字"),
    )
    password_confirm = forms.CharField(label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致"))
        return data
