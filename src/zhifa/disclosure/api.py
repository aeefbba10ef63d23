"""The public disclosure feed: no login (auth=None), published versions only, whitelisted fields only."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core.errors import NotFound
from zhifa.core.models import Region
from zhifa.disclosure.actions import published, withdrawal_notice, withdrawn
from zhifa.disclosure.models import Disclosure

router = Router(tags=["执法公示"])


class DisclosureOut(Schema):
    id: int
    version: int
    decision_number: str
    agency_code: str
    agency_name: str
    region_code: str
    decided_on: dt.date | None
    published_at: dt.datetime
    fields: dict[str, Any]

    @staticmethod
    def resolve_agency_code(obj: Disclosure) -> str:
        return obj.published_fields.get("agency_code", "")

    @staticmethod
    def resolve_agency_name(obj: Disclosure) -> str:
        return obj.published_fields.get("agency_name", "")

    @staticmethod
    def resolve_region_code(obj: Disclosure) -> str:
        return obj.published_fields.get("region_code", "")

    @staticmethod
    def resolve_fields(obj: Disclosure) -> dict[str, Any]:
        return obj.published_fields


class DisclosureFilter(Schema):
    agency: str | None = Field(None, description="执法机关统一社会信用代码")
    region: str | None = Field(None, description="行政区划代码（含下级区划）")
    date_from: dt.date | None = Field(None, description="决定日期起")
    date_to: dt.date | None = Field(None, description="决定日期止")

    def apply(self, queryset: QuerySet[Disclosure]) -> QuerySet[Disclosure]:
        return filter_feed(queryset, self.agency, self.region, self.date_from, self.date_to)


def filter_feed(
    queryset: QuerySet[Disclosure],
    agency: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Disclosure]:
    if agency:
        queryset = queryset.filter(agency__code=agency.strip().upper())
    if region:
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            return queryset.none()
        queryset = queryset.filter(region__path__startswith=place.path)
    if date_from:
        queryset = queryset.filter(decided_on__gte=date_from)
    if date_to:
        queryset = queryset.filter(decided_on__lte=date_to)
    return queryset


@router.get("/disclosures", response=list[DisclosureOut], auth=None, summary="行政处罚决定公示（公开）")
@paginate(LimitOffsetPagination)
def list_disclosures(request: HttpRequest, filters: Query[DisclosureFilter]):
    return filters.apply(published())


class WithdrawalOut(Schema):
    id: int
    version: int
    decision_number: str
    agency_code: str
    agency_name: str
    withdrawn_at: dt.datetime | None
    superseded: bool
    statement: str
    reason: str

    @staticmethod
    def resolve_agency_code(obj: Disclosure) -> str:
        return withdrawal_notice(obj)["agency_code"]

    @staticmethod
    def resolve_agency_name(obj: Disclosure) -> str:
        return withdrawal_notice(obj)["agency_name"]

    @staticmethod
    def resolve_superseded(obj: Disclosure) -> bool:
        return withdrawal_notice(obj)["superseded"]

    @staticmethod
    def resolve_statement(obj: Disclosure) -> str:
        return withdrawal_notice(obj)["statement"]

    @staticmethod
    def resolve_reason(obj: Disclosure) -> str:
        return withdrawal_notice(obj)["reason"]


@router.get(
    "/disclosures/withdrawals", response=list[WithdrawalOut], auth=None, summary="撤回公示的说明（公开）"
)
@paginate(LimitOffsetPagination)
def list_withdrawals(request: HttpRequest, filters: Query[DisclosureFilter]):
    return filters.apply(withdrawn()).order_by("-withdrawn_at", "-pk")


@router.get("/disclosures/{int:disclosure_id}", response=DisclosureOut, auth=None, summary="公示详情（公开）")
def get_disclosure(request: HttpRequest, disclosure_id: int):
    disclosure = published().filter(pk=disclosure_id).first()
    if disclosure is None:
        raise NotFound()
    return disclosure
