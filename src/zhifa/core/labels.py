"""Chinese labels for audit codes, shown on history and audit pages (unknown codes show as is)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "registry.agency_create": _("新增执法主体"),
    "registry.agency_update": _("修改执法主体"),
    "registry.officer_create": _("新增执法人员"),
    "registry.officer_update": _("修改执法人员"),
    "registry.certificate_issue": _("发放执法证件"),
    "registry.certificate_renew": _("执法证件延期"),
    "registry.certificate_suspended": _("暂扣执法证件"),
    "registry.certificate_reinstated": _("恢复执法证件"),
    "registry.certificate_revoked": _("吊销/注销执法证件"),
    "registry.entity_create": _("新增行政相对人"),
    "registry.entity_update": _("修改行政相对人"),
    "accounts.login": _("登录"),
    "accounts.login_failed": _("登录失败"),
    "accounts.login_locked": _("登录被锁定"),
    "accounts.token_create": _("签发API令牌"),
    "accounts.user_create": _("新增用户"),
    "accounts.user_update": _("修改用户"),
    "accounts.password_set": _("设置密码"),
    "accounts.user_unlock": _("解除锁定"),
}

OBJECT_TYPE_LABELS = {
    "core.region": _("行政区划"),
    "registry.agency": _("执法主体"),
    "registry.officer": _("执法人员"),
    "registry.certificate": _("执法证件"),
    "registry.entity": _("行政相对人"),
    "accounts.user": _("用户"),
    "accounts.apitoken": _("API令牌"),
}

OUTCOME_LABELS = {"success": _("成功"), "failure": _("失败")}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def object_type_label(code: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(code, code))


def outcome_label(code: str) -> str:
    return str(OUTCOME_LABELS.get(code, code))
