import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core import actions
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.models import AuditEntry, Region

router = Router()


class RegionOut(Schema):
    code: str
    name: str
    full_name: str
    level: str
    parent_code: str | None = Field(None, alias="parent_id")
    valid_from: dt.date | None
    valid_to: dt.date | None


class RegionIn(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class RegionPatch(Schema):
    name: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class RegionFilter(FilterSchema):
    parent_code: Annotated[str | None, FilterLookup("parent_id")] = None
    level: str | None = None
    within: str | None = Field(None, description="只列出该区划及其下级")
    q: Annotated[str | None, FilterLookup(["name__contains", "code__startswith"])] = None

    def filter_within(self, value: str | None) -> Q:
        if not value:
            return Q()
        region = Region.objects.filter(code=value).first()
        return Q(path__startswith=region.path) if region else Q(pk__in=[])


@router.get("/regions", response=list[RegionOut], tags=["行政区划"])
@paginate(LimitOffsetPagination)
def list_regions(request: HttpRequest, filters: Query[RegionFilter]):
    return filters.filter(scoped(request, Region))


@router.get("/regions/{code}", response=RegionOut, tags=["行政区划"])
def get_region(request: HttpRequest, code: str):
    return scoped_get(request, Region, code=code)


@router.post("/regions", response={201: RegionOut}, tags=["行政区划"])
def create_region(request: HttpRequest, payload: RegionIn):
    return Status(201, actions.do_create_region(request.user, actions.RegionInput(**payload.dict())))


@router.patch("/regions/{code}", response=RegionOut, tags=["行政区划"])
def update_region(request: HttpRequest, code: str, payload: RegionPatch):
    current = scoped_get(request, Region, code=code)
    merged = {"name": current.name, "valid_from": current.valid_from, "valid_to": current.valid_to}
    merged.update(payload.dict(exclude_unset=True))
    return actions.do_update_region(request.user, code, **merged)


class AuditEntryOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor_username: str
    actor_role: str
    actor_agency_code: str
    action: str
    object_type: str
    object_id: str
    before: str
    after: str
    outcome: str
    request_id: str
    source_ip: str
    algorithm: str
    prev_hash: str
    hash: str


class AuditFilter(FilterSchema):
    actor: Annotated[str | None, FilterLookup("actor_username")] = None
    action: Annotated[str | None, FilterLookup("action__startswith")] = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: Annotated[dt.datetime | None, FilterLookup("occurred_at__gte")] = None
    until: Annotated[dt.datetime | None, FilterLookup("occurred_at__lt")] = None


@router.get("/audit", response=list[AuditEntryOut], tags=["审计"])
@paginate(LimitOffsetPagination)
def list_audit_entries(request: HttpRequest, filters: Query[AuditFilter]):
    return filters.filter(scoped(request, AuditEntry)).order_by("-seq")
