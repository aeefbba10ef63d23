"""Counts shown on the home page, each read through `restrict` so a role sees only its scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhifa.core import roles
from zhifa.core.web import Card
from zhifa.registry.models import Agency, Certificate, CertificateStatus, Entity, Officer, OfficerStatus

EXPIRY_WARNING_DAYS = 60


def valid_on(day: dt.date) -> Q:
    """Certificates usable on `day` (see Certificate.is_valid_on)."""
    return Q(status=CertificateStatus.VALID, issued_on__lte=day, expires_on__gte=day)


def expiring_within(day: dt.date, days: int = EXPIRY_WARNING_DAYS) -> Q:
    """Certificates valid on `day` that run out within `days` days."""
    return valid_on(day) & Q(expires_on__lte=day + dt.timedelta(days=days))


def certified_officers(user: Any, day: dt.date):
    """Active officers in scope holding at least one certificate valid on `day`."""
    valid = Certificate.objects.restrict(user).filter(valid_on(day), officer=OuterRef("pk"))
    return Officer.objects.restrict(user).filter(status=OfficerStatus.ACTIVE).filter(Exists(valid))


def agency_cards(user: Any, today: dt.date) -> list[Card]:
    """Own agency: its officers, valid certificates, certificates about to expire."""
    certificates = Certificate.objects.restrict(user)
    certificate_list = reverse("registry:certificate_list")
    return [
        Card(
            str(_("本单位执法人员")),
            str(Officer.objects.restrict(user).count()),
            reverse("registry:officer_list"),
        ),
        Card(
            str(_("有效执法证件")),
            str(certificates.filter(valid_on(today)).count()),
            f"{certificate_list}?standing=valid",
        ),
        Card(
            str(_("60日内到期证件")),
            str(certificates.filter(expiring_within(today)).count()),
            f"{certificate_list}?standing=expiring",
            str(_("请及时办理换证")),
        ),
    ]


def supervisor_cards(user: Any, today: dt.date) -> list[Card]:
    """The jurisdiction: agencies, active officers, share of them holding a valid certificate."""
    active = Officer.objects.restrict(user).filter(status=OfficerStatus.ACTIVE).count()
    certified = certified_officers(user, today).count()
    share = f"{certified / active:.1%}" if active else "—"
    return [
        Card(
            str(_("辖区执法主体")),
            str(Agency.objects.restrict(user).count()),
            reverse("registry:agency_list"),
        ),
        Card(str(_("在岗执法人员")), str(active), reverse("registry:officer_list")),
        Card(
            str(_("持证率")),
            share,
            "",
            str(_("持有效证件的在岗人员 {certified} / {active}")).format(certified=certified, active=active),
        ),
    ]


def hotline_cards(user: Any) -> list[Card]:
    return [
        Card(
            str(_("辖区执法主体")),
            str(Agency.objects.restrict(user).count()),
            reverse("registry:agency_list"),
        ),
        Card(
            str(_("辖区行政相对人")),
            str(Entity.objects.restrict(user).count()),
            reverse("registry:entity_list"),
        ),
    ]


def cards_for(user: Any, today: dt.date) -> list[Card]:
    if user.role in roles.AGENCY_ROLES:
        return agency_cards(user, today)
    if user.role == roles.Role.SUPERVISOR:
        return supervisor_cards(user, today)
    if user.role == roles.Role.HOTLINE_OPERATOR:
        return hotline_cards(user)
    return []
