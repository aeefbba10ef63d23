"""Supervision settings: the default rectification period, the basis printed on the documents and
the supervising body that issues them.

**Why these are not in `zhifa.rules.catalogue`.** The catalogue holds only numbers with a legal
source that can be cited (an article of the Administrative Penalty Law). No national law fixes the
period an agency has to rectify after a supervision notice: provinces set it in their own
administrative-enforcement-supervision regulations or leave it to the notice. So the period is a
setting of this app, chosen by each installation (and per region), and every notice states its
own deadline, which is what binds.

Django settings read here (all optional):

* `SUPERVISION_RECTIFICATION_DAYS` (int, default 30): calendar days from the notice's date to the
  rectification deadline when the supervisor names no deadline; a deadline on a rest day moves
  to the next working day (the agency must be able to hand in its report at an office).
* `SUPERVISION_RECTIFICATION_DAYS_BY_REGION` (dict region code → int): a region's own period; the
  nearest region up the tree that sets one wins (330502 → 330500 → 330000).
* `SUPERVISION_BASIS` (str): the basis printed on notices and decisions. Default: the national
  《中华人民共和国行政处罚法》第七十五条 (行政处罚的监督制度) only; an installation adds its
  province's regulation here, e.g. "《中华人民共和国行政处罚法》第七十五条；《××省行政执法监督条例》".
  No provincial article is invented by default.
* `SUPERVISION_BASIS_BY_REGION` (dict region code → str): a region's own basis text, nearest wins.
* `SUPERVISION_BODIES` (dict region code → agency credit code): the body (usually the justice
  bureau, 司法局) that issues the documents of supervisors of that region; nearest wins. Without
  one, the active agency of the `justice` domain in the supervisor's region (then up the tree).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from zhifa.core.errors import ActionError
from zhifa.core.models import Region
from zhifa.registry.models import Agency, AgencyStatus
from zhifa.rules.holidays import next_working_day

DEFAULT_RECTIFICATION_DAYS = 30
DEFAULT_BASIS = "《中华人民共和国行政处罚法》第七十五条"
JUSTICE_DOMAIN = "justice"


def _codes_up(region: Region | None) -> list[str]:
    """The region's code and its ancestors' codes, nearest first (from the materialised path)."""
    if region is None:
        return []
    return [code for code in reversed(region.path.strip("/").split("/")) if code]


def _nearest(mapping: dict[str, Any], region: Region | None) -> Any:
    for code in _codes_up(region):
        if code in mapping:
            return mapping[code]
    return None


def rectification_days(region: Region | None) -> int:
    by_region = getattr(settings, "SUPERVISION_RECTIFICATION_DAYS_BY_REGION", {}) or {}
    days = _nearest(by_region, region)
    if days is None:
        days = getattr(settings, "SUPERVISION_RECTIFICATION_DAYS", DEFAULT_RECTIFICATION_DAYS)
    return int(days)


def default_deadline(issued_on: dt.date, region: Region | None) -> dt.date:
    """The rectification deadline when the supervisor names none (see the module docstring)."""
    return next_working_day(issued_on + dt.timedelta(days=rectification_days(region)))


def basis_text(region: Region | None) -> str:
    by_region = getattr(settings, "SUPERVISION_BASIS_BY_REGION", {}) or {}
    return _nearest(by_region, region) or getattr(settings, "SUPERVISION_BASIS", DEFAULT_BASIS)


def supervising_body(region: Region | None) -> Agency:
    """The agency in whose name (and number sequence) the supervision documents are issued."""
    configured = getattr(settings, "SUPERVISION_BODIES", {}) or {}
    code = _nearest(configured, region)
    if code:
        body = Agency.objects.select_related("region").filter(code=code).first()
        if body is not None:
            return body
    for region_code in _codes_up(region):
        body = (
            Agency.objects.select_related("region")
            .filter(region_id=region_code, domains=JUSTICE_DOMAIN, status=AgencyStatus.ACTIVE)
            .order_by("pk")
            .first()
        )
        if body is not None:
            return body
    raise ActionError(
        "no_supervising_body",
        "本区划未登记执法监督机关（司法行政部门），无法制发监督文书；请先登记司法局或配置 SUPERVISION_BODIES",
        None,
    )
