"""Registry endpoints. Thin: parse, call the scoped query or the action, shape the answer."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core import roles
from zhifa.core.api_helpers import partial_schema, scoped, scoped_get
from zhifa.core.identifiers import mask_id_number, mask_phone
from zhifa.core.models import Region
from zhifa.registry import actions
from zhifa.registry.models import Agency, Certificate, CertificateEvent, Entity, Officer

router = Router()


def _user_role(context: dict[str, Any] | None) -> str | None:
    request = (context or {}).get("request")
    return getattr(getattr(request, "user", None), "role", None)


def _region_filter(field_prefix: str, code: str | None) -> Q:
    if not code:
        return Q()
    region = Region.objects.filter(code=code).first()
    return Q(**{f"{field_prefix}path__startswith": region.path}) if region else Q(pk__in=[])


# --- agencies -------------------------------------------------------------------------------


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_display: str = Field(..., alias="get_kind_display")
    region_code: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.full_name")
    supervising_agency_code: str | None = Field(None, alias="supervising_agency.code")
    domain_codes: list[str]
    status: str
    address: str
    phone: str

    @staticmethod
    def resolve_domain_codes(obj: Agency) -> list[str]:
        return [d.code for d in obj.domains.all()]


class AgencyIn(Schema):
    code: str
    name: str
    kind: str
    region_code: str
    domain_codes: list[str]
    short_name: str = ""
    supervising_agency_code: str | None = None
    status: str = "active"
    address: str = ""
    phone: str = ""


AgencyPatch = partial_schema(AgencyIn)


class AgencyFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__contains", "code"])] = None
    kind: str | None = None
    status: str | None = None
    domain: Annotated[str | None, FilterLookup("domains__code")] = None
    region: str | None = Field(None, description="区划代码（含下级）")

    def filter_region(self, value: str | None) -> Q:
        return _region_filter("region__", value)


def _agency_qs(request: HttpRequest):
    return scoped(request, Agency).select_related("region", "supervising_agency").prefetch_related("domains")


def _agency_as_input(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "region_code": agency.region_id,
        "domain_codes": [d.code for d in agency.domains.all()],
        "short_name": agency.short_name,
        "supervising_agency_code": agency.supervising_agency.code if agency.supervising_agency else None,
        "status": agency.status,
        "address": agency.address,
        "phone": agency.phone,
    }


@router.get("/agencies", response=list[AgencyOut], tags=["执法主体"])
@paginate(LimitOffsetPagination)
def list_agencies(request: HttpRequest, filters: Query[AgencyFilter]):
    return filters.filter(_agency_qs(request)).distinct()


@router.get("/agencies/{code}", response=AgencyOut, tags=["执法主体"])
def get_agency(request: HttpRequest, code: str):
    return scoped_get(request, Agency, _agency_qs(request), code=code)


@router.post("/agencies", response={201: AgencyOut}, tags=["执法主体"])
def create_agency(request: HttpRequest, payload: AgencyIn):
    agency = actions.do_create_agency(request.user, actions.AgencyInput(**payload.dict()))
    return Status(201, _agency_qs(request).get(pk=agency.pk))


@router.patch("/agencies/{code}", response=AgencyOut, tags=["执法主体"])
def update_agency(request: HttpRequest, code: str, payload: AgencyPatch):
    current = scoped_get(request, Agency, _agency_qs(request), code=code)
    merged = {**_agency_as_input(current), **payload.dict(exclude_unset=True)}
    agency = actions.do_update_agency(request.user, code, actions.AgencyInput(**merged))
    return _agency_qs(request).get(pk=agency.pk)


# --- officers -------------------------------------------------------------------------------


class CertificateBrief(Schema):
    number: str
    domain_code: str = Field(..., alias="domain_id")
    expires_on: dt.date
    status: str
    standing: str

    @staticmethod
    def resolve_standing(obj: Certificate) -> str:
        return obj.standing_on(dt.date.today())


class OfficerOut(Schema):
    id: int
    name: str
    id_number: str
    gender: str
    phone: str
    agency_code: str = Field(..., alias="agency.code")
    agency_name: str = Field(..., alias="agency.name")
    role: str
    role_display: str = Field(..., alias="get_role_display")
    has_legal_qualification: bool
    status: str
    certificates: list[CertificateBrief]

    @staticmethod
    def resolve_id_number(obj: Officer, context: dict[str, Any]) -> str:
        show = _user_role(context) in roles.SEES_OFFICER_PERSONAL_IDS
        return obj.id_number if show else mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Officer, context: dict[str, Any]) -> str:
        return obj.phone if _user_role(context) in roles.SEES_OFFICER_PERSONAL_IDS else mask_phone(obj.phone)

    @staticmethod
    def resolve_certificates(obj: Officer) -> list[Certificate]:
        return list(obj.certificates.all())


class OfficerIn(Schema):
    name: str
    id_number: str
    agency_code: str
    role: str = "field_officer"
    gender: str = ""
    phone: str = ""
    has_legal_qualification: bool = False
    status: str = "active"


OfficerPatch = partial_schema(OfficerIn)


class OfficerFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__contains", "certificates__number"])] = None
    agency_code: Annotated[str | None, FilterLookup("agency__code")] = None
    role: str | None = None
    status: str | None = None
    domain: Annotated[str | None, FilterLookup("certificates__domain_id")] = None


def _officer_qs(request: HttpRequest):
    return scoped(request, Officer).select_related("agency").prefetch_related("certificates")


@router.get("/officers", response=list[OfficerOut], tags=["执法人员"])
@paginate(LimitOffsetPagination)
def list_officers(request: HttpRequest, filters: Query[OfficerFilter]):
    return filters.filter(_officer_qs(request)).distinct()


@router.get("/officers/{int:officer_id}", response=OfficerOut, tags=["执法人员"])
def get_officer(request: HttpRequest, officer_id: int):
    return scoped_get(request, Officer, _officer_qs(request), pk=officer_id)


@router.post("/officers", response={201: OfficerOut}, tags=["执法人员"])
def create_officer(request: HttpRequest, payload: OfficerIn):
    officer = actions.do_create_officer(request.user, actions.OfficerInput(**payload.dict()))
    return Status(201, _officer_qs(request).get(pk=officer.pk))


@router.patch("/officers/{int:officer_id}", response=OfficerOut, tags=["执法人员"])
def update_officer(request: HttpRequest, officer_id: int, payload: OfficerPatch):
    current = scoped_get(request, Officer, _officer_qs(request), pk=officer_id)
    merged = {
        "name": current.name,
        "id_number": current.id_number,
        "agency_code": current.agency.code,
        "role": current.role,
        "gender": current.gender,
        "phone": current.phone,
        "has_legal_qualification": current.has_legal_qualification,
        "status": current.status,
        **payload.dict(exclude_unset=True),
    }
    officer = actions.do_update_officer(request.user, officer_id, actions.OfficerInput(**merged))
    return _officer_qs(request).get(pk=officer.pk)


# --- certificates ---------------------------------------------------------------------------


class CertificateOut(Schema):
    number: str
    officer_id: int
    officer_name: str = Field(..., alias="officer.name")
    agency_code: str = Field(..., alias="officer.agency.code")
    domain_code: str = Field(..., alias="domain_id")
    domain_name: str = Field(..., alias="domain.name")
    issued_on: dt.date
    expires_on: dt.date
    status: str
    standing: str
    issuing_authority: str

    @staticmethod
    def resolve_standing(obj: Certificate) -> str:
        return obj.standing_on(dt.date.today())


class CertificateIn(Schema):
    number: str
    officer_id: int
    domain_code: str
    issued_on: dt.date
    expires_on: dt.date
    issuing_authority: str = ""


class CertificateStatusIn(Schema):
    kind: str = Field(..., description="suspended | reinstated | revoked")
    effective_on: dt.date
    reason: str


class CertificateRenewIn(Schema):
    expires_on: dt.date
    reason: str = ""


class CertificateEventOut(Schema):
    kind: str
    kind_display: str = Field(..., alias="get_kind_display")
    effective_on: dt.date
    reason: str
    status_after: str
    expires_on_after: dt.date
    actor_username: str
    recorded_at: dt.datetime


class CertificateFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["number__contains", "officer__name__contains"])] = None
    agency_code: Annotated[str | None, FilterLookup("officer__agency__code")] = None
    domain: Annotated[str | None, FilterLookup("domain_id")] = None
    status: str | None = None
    expires_before: Annotated[dt.date | None, FilterLookup("expires_on__lt")] = None


def _certificate_qs(request: HttpRequest):
    return scoped(request, Certificate).select_related("officer__agency", "domain")


@router.get("/certificates", response=list[CertificateOut], tags=["执法证件"])
@paginate(LimitOffsetPagination)
def list_certificates(request: HttpRequest, filters: Query[CertificateFilter]):
    return filters.filter(_certificate_qs(request))


@router.get("/certificates/{number}", response=CertificateOut, tags=["执法证件"])
def get_certificate(request: HttpRequest, number: str):
    return scoped_get(request, Certificate, _certificate_qs(request), number=number)


@router.get("/certificates/{number}/history", response=list[CertificateEventOut], tags=["执法证件"])
def certificate_history(request: HttpRequest, number: str):
    cert = scoped_get(request, Certificate, _certificate_qs(request), number=number)
    return list(CertificateEvent.objects.filter(certificate=cert).order_by("recorded_at", "id"))


@router.post("/certificates", response={201: CertificateOut}, tags=["执法证件"])
def issue_certificate(request: HttpRequest, payload: CertificateIn):
    cert = actions.do_issue_certificate(request.user, actions.CertificateInput(**payload.dict()))
    return Status(201, _certificate_qs(request).get(pk=cert.pk))


@router.post("/certificates/{number}/status", response=CertificateOut, tags=["执法证件"])
def change_certificate_status(request: HttpRequest, number: str, payload: CertificateStatusIn):
    cert = actions.do_change_certificate_status(
        request.user, number, payload.kind, payload.effective_on, payload.reason
    )
    return _certificate_qs(request).get(pk=cert.pk)


@router.post("/certificates/{number}/renew", response=CertificateOut, tags=["执法证件"])
def renew_certificate(request: HttpRequest, number: str, payload: CertificateRenewIn):
    cert = actions.do_renew_certificate(request.user, number, payload.expires_on, payload.reason)
    return _certificate_qs(request).get(pk=cert.pk)


# --- entities -------------------------------------------------------------------------------


class EntityOut(Schema):
    id: int
    kind: str
    name: str
    credit_code: str | None
    id_number: str | None
    legal_representative: str
    region_code: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.full_name")
    address: str
    industry: str
    phone: str
    latitude: Decimal | None
    longitude: Decimal | None

    @staticmethod
    def resolve_id_number(obj: Entity, context: dict[str, Any]) -> str | None:
        show = _user_role(context) in roles.SEES_ENTITY_PERSONAL_IDS
        return obj.id_number if show else mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Entity, context: dict[str, Any]) -> str:
        show = _user_role(context) in roles.SEES_ENTITY_PERSONAL_IDS or obj.kind == "enterprise"
        return obj.phone if show else mask_phone(obj.phone)


class EntityIn(Schema):
    kind: str
    name: str
    region_code: str
    credit_code: str | None = None
    id_number: str | None = None
    legal_representative: str = ""
    address: str = ""
    industry: str = ""
    phone: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


EntityPatch = partial_schema(EntityIn)


class EntityFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__contains", "credit_code", "id_number"])] = None
    kind: str | None = None
    industry: str | None = None
    credit_code: str | None = None
    region: str | None = Field(None, description="区划代码（含下级）")

    def filter_region(self, value: str | None) -> Q:
        return _region_filter("region__", value)


def _entity_qs(request: HttpRequest):
    return scoped(request, Entity).select_related("region")


@router.get("/entities", response=list[EntityOut], tags=["行政相对人"])
@paginate(LimitOffsetPagination)
def list_entities(request: HttpRequest, filters: Query[EntityFilter]):
    return filters.filter(_entity_qs(request))


@router.get("/entities/{int:entity_id}", response=EntityOut, tags=["行政相对人"])
def get_entity(request: HttpRequest, entity_id: int):
    return scoped_get(request, Entity, _entity_qs(request), pk=entity_id)


@router.post("/entities", response={201: EntityOut}, tags=["行政相对人"])
def create_entity(request: HttpRequest, payload: EntityIn):
    entity = actions.do_create_entity(request.user, actions.EntityInput(**payload.dict()))
    return Status(201, _entity_qs(request).get(pk=entity.pk))


@router.patch("/entities/{int:entity_id}", response=EntityOut, tags=["行政相对人"])
def update_entity(request: HttpRequest, entity_id: int, payload: EntityPatch):
    current = scoped_get(request, Entity, _entity_qs(request), pk=entity_id)
    fields = [f for f in EntityIn.model_fields if f != "region_code"]
    merged = {
        **{f: getattr(current, f) for f in fields},
        "region_code": current.region_id,
        **payload.dict(exclude_unset=True),
    }
    entity = actions.do_update_entity(request.user, entity_id, actions.EntityInput(**merged))
    return _entity_qs(request).get(pk=entity.pk)
