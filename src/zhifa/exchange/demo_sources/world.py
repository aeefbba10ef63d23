"""The demo city as plain Python data: what the demo exports refer to.

Loaded once from the seeded database (agencies, certificates, entities, powers), so the
generators never touch the ORM while writing millions of rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class AgencyRef:
    code: str
    name: str
    region_code: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class CertificateRef:
    number: str
    agency_code: str
    domain: str
    issued_on: dt.date
    expires_on: dt.date
    status: str


@dataclass(frozen=True)
class EntityRef:
    kind: str  # enterprise | person
    name: str
    credit_code: str | None
    id_number: str | None
    region_code: str
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PowerRef:
    code: str
    name: str
    kind: str
    agency_code: str
    domain: str
    legal_basis: tuple[str, ...]
    fine_min: float | None = None
    fine_max: float | None = None


@dataclass
class DemoWorld:
    agencies: list[AgencyRef]
    certificates: list[CertificateRef]
    entities: list[EntityRef]
    powers: list[PowerRef]
    _certs: dict[tuple[str, str], list[CertificateRef]] = field(default_factory=dict, repr=False)
    _powers: dict[tuple[str, str], list[PowerRef]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        certs: dict[tuple[str, str], list[CertificateRef]] = defaultdict(list)
        for cert in self.certificates:
            if cert.status == "valid":
                certs[(cert.agency_code, cert.domain)].append(cert)
        powers: dict[tuple[str, str], list[PowerRef]] = defaultdict(list)
        for power in self.powers:
            powers[(power.agency_code, power.kind)].append(power)
        self._certs, self._powers = dict(certs), dict(powers)

    def agencies_in(self, domain: str) -> list[AgencyRef]:
        return [a for a in self.agencies if domain in a.domains]

    def certificates_of(self, agency_code: str, domain: str) -> list[CertificateRef]:
        return self._certs.get((agency_code, domain), [])

    def powers_of(self, agency_code: str, kind: str) -> list[PowerRef]:
        return self._powers.get((agency_code, kind), [])

    @property
    def enterprises(self) -> list[EntityRef]:
        return [e for e in self.entities if e.kind == "enterprise"]


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def load_world() -> DemoWorld:
    """Read the seeded demo city from the database."""
    from zhifa.registry.models import Agency, Certificate, Entity

    agencies = [
        AgencyRef(a.code, a.name, a.region_id, tuple(sorted(d.code for d in a.domains.all())))
        for a in Agency.objects.prefetch_related("domains").order_by("code")
    ]
    certificates = [
        CertificateRef(c.number, c.officer.agency.code, c.domain_id, c.issued_on, c.expires_on, c.status)
        for c in Certificate.objects.select_related("officer__agency").order_by("number")
    ]
    entities = [
        EntityRef(
            e.kind,
            e.name,
            e.credit_code or None,
            e.id_number or None,
            e.region_id,
            e.address,
            _float(e.latitude) or 30.87,
            _float(e.longitude) or 120.10,
        )
        for e in Entity.objects.order_by("pk").iterator(chunk_size=5000)
    ]
    return DemoWorld(agencies, certificates, entities, _load_powers())


def _load_powers() -> list[PowerRef]:
    from zhifa.powers.models import Power, PowerStatus

    out = []
    query = (
        Power.objects.filter(status=PowerStatus.ACTIVE)
        .select_related("holder")
        .prefetch_related("bases", "provisions__fine_ranges")
        .order_by("code")
    )
    for power in query:
        ranges = [
            r for p in power.provisions.all() for r in p.fine_ranges.all() if r.kind == "fixed" and r.maximum
        ]
        low = min((r.minimum or Decimal(0) for r in ranges), default=None)
        high = max((r.maximum for r in ranges), default=None)
        basis = tuple(b.citation for b in power.bases.all() if b.citation)
        out.append(
            PowerRef(
                power.code,
                power.name,
                power.kind,
                power.holder.code,
                power.domain_id,
                basis,
                _float(low),
                _float(high),
            )
        )
    return out
