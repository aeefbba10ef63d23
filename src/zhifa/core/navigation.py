"""The menu each role sees; built from the same permission matrix the scope uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhifa.core import roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    model_label: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU = [
    NavItem(_("案件工作台"), "cases:workbench", "cases.case"),
    NavItem(_("执法监督驾驶舱"), "cockpit:overview", roles.INDICATOR),
    NavItem(_("处置中心"), "supervision:center", "supervision.disposition"),
    NavItem(_("整改收件箱"), "supervision:inbox", "supervision.inbox"),
    NavItem(_("案卷评查"), "review:index", "review.reviewcase"),
    NavItem(_("效能评价"), "evaluation:index", "evaluation.evaluationresult"),
    NavItem(_("执法主体"), "registry:agency_list", roles.AGENCY),
    NavItem(_("执法人员"), "registry:officer_list", roles.OFFICER),
    NavItem(_("执法证件"), "registry:certificate_list", roles.CERTIFICATE),
    NavItem(_("行政相对人"), "registry:entity_list", roles.ENTITY),
    NavItem(_("行政区划"), "registry:region_list", roles.REGION),
    NavItem(_("法律法规"), "laws:law_list", "laws.law"),
    NavItem(_("权责清单"), "powers:power_list", "powers.power"),
    NavItem(_("数据交换"), "exchange:run_list", roles.IMPORT_RUN),
    NavItem(_("审计日志"), "audit_list", roles.AUDIT),
    NavItem(_("用户管理"), "accounts:user_list", roles.USER),
]


def menu_for(user: Any) -> list[NavItem]:
    return [item for item in MENU if roles.allowed(user.role, item.model_label, roles.VIEW)]
