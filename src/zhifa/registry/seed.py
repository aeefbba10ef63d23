"""The demo city 湖州市: agencies, officers with certificates, and the regulated entities.

Everything is drawn from one fixed random stream, so two seedings produce the same city, and
every record is written through the registry actions (the bulk ones for volume), so each has
its audit entry and `zhifa audit verify` holds on the demo. Identifiers are valid: credit
codes carry the county's region digits, a GB 11714 organisation code and the GB 32100 check
character; ID numbers carry a real county prefix, a birth date and the GB 11643 check.

`ZHIFA_DEMO_SIZE=small` seeds a reduced city (13 agencies, 60 officers, 300 entities) for
tests; the default is the full city (84 agencies, about 1,200 officers, 20,000 entities).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass

from zhifa.core import seeding
from zhifa.core.identifiers import ric_check_char, uscc_check_char
from zhifa.core.models import Region, RegionLevel
from zhifa.registry import actions
from zhifa.registry.demo_data import (
    CITY_CODE,
    CITY_NAME,
    COMPANY_FORMS,
    COOPERATIVES,
    COUNTIES,
    COUNTY_BY_CODE,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MARKET_CITY,
    RESIDENCES,
    SOCIAL_ORGS,
    SURNAMES,
    TRADE_CHARS,
    TRADES,
    AgencySpec,
    County,
    Trade,
    agency_specs,
)
from zhifa.registry.models import Agency, CertificateEventKind, Officer, OfficerRole, OfficerStatus

RANDOM_SEED = 20260501
CERTIFICATE_YEARS = 5
ISSUING_AUTHORITY = "浙江省人民政府"
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "166",
    "177",
    "180",
    "182",
    "183",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)


@dataclass(frozen=True)
class DemoSize:
    name: str
    small_agencies_only: bool
    officers: int
    entities: int


SIZES = {
    "normal": DemoSize("normal", small_agencies_only=False, officers=1200, entities=20_000),
    "small": DemoSize("small", small_agencies_only=True, officers=60, entities=300),
}


def demo_size() -> DemoSize:
    """The size asked for in ZHIFA_DEMO_SIZE (normal when unset)."""
    name = os.environ.get("ZHIFA_DEMO_SIZE", "").strip().lower() or "normal"
    if name not in SIZES:
        raise ValueError(f"ZHIFA_DEMO_SIZE 应为 {' 或 '.join(SIZES)}，而不是 {name!r}")
    return SIZES[name]


# --- random material ---------------------------------------------------------------------------


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-digit organisation code body (the 9th character)."""
    total = sum(int(ch) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Draw:
    """The demo's random stream and the identifiers already handed out (they must be unique)."""

    def __init__(self, seed: int = RANDOM_SEED):
        self.rng = random.Random(seed)
        self._used: set[str] = set()
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_cum = list(itertools.accumulate(w for _, w in SURNAMES))

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def credit_code(self, kind: str, region_code: str) -> str:
        def make() -> str:
            body = self.digits(8)
            first17 = f"{kind}{region_code}{body}{org_code_check_char(body)}"
            return first17 + uscc_check_char(first17)

        return self._unique(make)

    def date_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    def id_number(self, region_code: str, birth: dt.date, male: bool) -> str:
        def make() -> str:
            sequence = f"{self.rng.randrange(100):02d}{self.rng.choice('13579' if male else '02468')}"
            first17 = f"{region_code}{birth:%Y%m%d}{sequence}"
            return first17 + ric_check_char(first17)

        return self._unique(make)

    def person_name(self, male: bool) -> str:
        surname = self._surnames[
            bisect.bisect_right(self._surname_cum, self.rng.random() * self._surname_cum[-1])
        ]
        return surname + self.rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + self.digits(8)

    def landline(self) -> str:
        return f"0572-{self.rng.randint(2, 8)}{self.digits(6)}"

    def trade_name(self) -> str:
        first, second = self.rng.sample(TRADE_CHARS, 2)
        return first + second

    def weighted(self, options: Sequence, weights: Sequence[float]):
        return self.rng.choices(options, weights=weights)[0]


# --- agencies ------------------------------------------------------------------------------------


def _agency_address(draw: Draw, spec: AgencySpec) -> str:
    county = COUNTY_BY_CODE.get(spec.region_code, COUNTIES[0])  # city bureaus sit in 吴兴区
    return f"{CITY_NAME}{county.name}{draw.rng.choice(county.roads)}{draw.rng.randint(1, 999)}号"


def create_agencies(draw: Draw, specs: Sequence[AgencySpec]) -> list[tuple[AgencySpec, Agency]]:
    created: list[tuple[AgencySpec, Agency]] = []
    codes: dict[str, str] = {}
    for spec in specs:
        code = draw.credit_code("11" if spec.organ else "12", spec.region_code)
        agency = actions.do_create_agency(
            None,
            actions.AgencyInput(
                code=code,
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                region_code=spec.region_code,
                domain_codes=spec.domains,
                supervising_agency_code=codes.get(spec.supervising) if spec.supervising else None,
                address=_agency_address(draw, spec),
                phone=draw.landline(),
            ),
        )
        codes[spec.name] = code
        created.append((spec, agency))
    return created


def select_specs(size: DemoSize) -> list[AgencySpec]:
    specs = agency_specs()
    if size.small_agencies_only:
        specs = [s for s in specs if s.small]
    names = {s.name for s in specs}
    return [s for s in specs if s.supervising is None or s.supervising in names]


# --- officers and certificates -------------------------------------------------------------------


def headcounts(specs: Sequence[AgencySpec], total: int) -> list[int]:
    """Officers per agency in proportion to its staff weight; every agency has a lead and at
    least two field officers (Art. 42 needs two to act), plus its legal reviewer."""
    weight_sum = sum(s.staff_weight for s in specs)
    return [max(3 + s.legal_reviewer, round(total * s.staff_weight / weight_sum)) for s in specs]


def _officer_region(draw: Draw, agency: Agency) -> str:
    """Where the officer's ID number was issued: the agency's county, or any county for city bodies."""
    code = agency.region_id[:6]
    if code in COUNTY_BY_CODE:
        return code
    return draw.weighted([c.code for c in COUNTIES], [c.share for c in COUNTIES])


def _post(index: int, spec: AgencySpec, draw: Draw) -> tuple[str, bool]:
    if index == 0:
        return OfficerRole.LEAD, draw.rng.random() < 0.3
    if index == 1 and spec.legal_reviewer:
        return OfficerRole.LEGAL_REVIEWER, True
    return OfficerRole.FIELD_OFFICER, draw.rng.random() < 0.06


def officer_rows(
    draw: Draw, agencies: Sequence[tuple[AgencySpec, Agency]], total: int
) -> list[actions.OfficerInput]:
    rows = []
    for (spec, agency), count in zip(agencies, headcounts([s for s, _ in agencies], total), strict=True):
        for index in range(count):
            male = draw.rng.random() < 0.68
            role, qualified = _post(index, spec, draw)
            birth = draw.date_between(dt.date(1965, 1, 1), dt.date(2000, 12, 31))
            rows.append(
                actions.OfficerInput(
                    name=draw.person_name(male),
                    id_number=draw.id_number(_officer_region(draw, agency), birth, male),
                    agency_code=agency.code,
                    role=role,
                    gender="M" if male else "F",
                    phone=draw.mobile(),
                    has_legal_qualification=qualified,
                )
            )
    return rows


@dataclass(frozen=True)
class CertificatePlan:
    """Which certificates tell which story: most valid, a few expired, suspended, revoked."""

    rows: list[actions.CertificateInput]
    expired: list[str]
    suspended: list[str]
    reinstated: list[str]
    renewed: list[str]
    revoked: str


def _protected_officers(officers: Sequence[Officer]) -> set[int]:
    """The market bureau's first lead, reviewer and field officer back demo logins: keep them valid."""
    keep: set[int] = set()
    for role in (OfficerRole.LEAD, OfficerRole.LEGAL_REVIEWER, OfficerRole.FIELD_OFFICER):
        first = next((o for o in officers if o.agency.name == MARKET_CITY and o.role == role), None)
        if first is not None:
            keep.add(first.pk)
    return keep


def certificate_plan(
    draw: Draw, officers: Sequence[Officer], domains: dict[int, Sequence[str]]
) -> CertificatePlan:
    """Every officer holds a certificate for the agency's main domain, some also for its other
    domains. A few (about 3%) date from 2019–2021 and have run out; a few valid ones are picked
    to be suspended, reinstated or renewed; the officer who left has his certificate revoked."""
    serials = iter(draw.rng.sample(range(100_000, 1_000_000), len(officers) * 2))
    protected = _protected_officers(officers)
    candidates = [o for o in officers if o.pk not in protected]
    count = max(2, len(officers) // 33)
    stale = set(draw.rng.sample([o.pk for o in candidates], count))
    rows, expired, by_officer = [], [], {}
    for officer in officers:
        main, *others = domains[officer.agency_id]
        held = [main] + [d for d in others if draw.rng.random() < 0.3]
        for domain in held:
            if officer.pk in stale:
                issued = draw.date_between(dt.date(2019, 3, 1), dt.date(2021, 6, 30))
            else:
                issued = draw.date_between(dt.date(2021, 12, 1), dt.date(2025, 12, 31))
            number = f"3305{next(serials)}"
            rows.append(
                actions.CertificateInput(
                    number=number,
                    officer_id=officer.pk,
                    domain_code=domain,
                    issued_on=issued,
                    expires_on=add_years(issued, CERTIFICATE_YEARS) - dt.timedelta(days=1),
                    issuing_authority=ISSUING_AUTHORITY,
                )
            )
            by_officer.setdefault(officer.pk, number)
            if officer.pk in stale:
                expired.append(number)
    fresh = [by_officer[o.pk] for o in candidates if o.pk not in stale and o.status == OfficerStatus.ACTIVE]
    picked = draw.rng.sample(fresh, max(3, len(officers) // 100) + 2)
    left = next(o for o in candidates if o.status == OfficerStatus.LEFT)
    return CertificatePlan(
        rows,
        expired,
        suspended=picked[:-2],
        reinstated=picked[:1],
        renewed=picked[-2:],
        revoked=by_officer[left.pk],
    )


SUSPENSION_REASONS = (
    "未按规定参加年度行政执法人员公共法律知识培训考试",
    "涉嫌违反执法纪律，正在调查",
    "年度考核不称职",
)


def apply_certificate_history(draw: Draw, plan: CertificatePlan) -> None:
    """Suspensions, a reinstatement, renewals and a revocation through the real actions, so the
    certificates' event history (CertificateEvent) looks lived-in."""
    for number in plan.suspended:
        actions.do_change_certificate_status(
            None,
            number,
            CertificateEventKind.SUSPENDED,
            dt.date(2026, 3, 2),
            draw.rng.choice(SUSPENSION_REASONS),
        )
    for number in plan.reinstated:
        actions.do_change_certificate_status(
            None,
            number,
            CertificateEventKind.REINSTATED,
            dt.date(2026, 6, 15),
            "培训考试补考合格，恢复执法资格",
        )
    for number in plan.renewed:
        actions.do_renew_certificate(None, number, dt.date(2031, 12, 31), "换发新版执法证件")
    actions.do_change_certificate_status(
        None, plan.revoked, CertificateEventKind.REVOKED, dt.date(2026, 4, 1), "调离执法岗位，证件注销"
    )


def create_officers(draw: Draw, agencies: Sequence[tuple[AgencySpec, Agency]], total: int) -> list[Officer]:
    rows = officer_rows(draw, agencies, total)
    # One field officer has moved to a desk job: still on the books, certificate to be revoked.
    leaver = next(i for i, r in enumerate(rows) if r.role == OfficerRole.FIELD_OFFICER and i > len(rows) // 2)
    rows[leaver].status = OfficerStatus.LEFT
    actions.do_bulk_create_officers(None, rows)
    return list(Officer.objects.select_related("agency").order_by("id"))


# --- entities ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    region: Region
    county: County
    latitude: float
    longitude: float
    weight: float

    @property
    def stem(self) -> str:
        """镇/乡 name without its suffix (织里镇 → 织里); streets (街道) keep theirs."""
        name = self.region.name
        return name[:-1] if name.endswith(("镇", "乡")) else name.removesuffix("街道")

    @property
    def urban(self) -> bool:
        return self.region.name.endswith("街道")


def load_streets(draw: Draw) -> dict[str, list[Street]]:
    """The county's real streets and towns, each with a made-up centre near the county seat
    (街道 close in, towns further out) around which its entities are scattered."""
    streets: dict[str, list[Street]] = {c.code: [] for c in COUNTIES}
    for region in Region.objects.filter(parent_id__in=list(streets), level=RegionLevel.STREET).order_by(
        "code"
    ):
        county = COUNTY_BY_CODE[region.parent_id]
        urban = region.name.endswith("街道")
        spread = 0.035 if urban else 0.11
        streets[county.code].append(
            Street(
                region,
                county,
                county.latitude + draw.rng.uniform(-spread, spread),
                county.longitude + draw.rng.uniform(-spread, spread) * 1.2,
                weight=2.5 if urban else 1.0,
            )
        )
    return streets


class EntityFactory:
    """Builds one regulated entity at a time: an enterprise of some kind, or a person."""

    def __init__(self, draw: Draw):
        self.draw = draw
        self.names: set[str] = set()
        self.trade_weights = [t.weight for t in TRADES]
        self.shop_trades = [t for t in TRADES if t.shop_words]

    def _unique_name(self, make) -> str:
        for _ in range(30):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        name = make() + f"（{len(self.names)}）"  # practically unreachable with the word lists above
        self.names.add(name)
        return name

    def _place(self, street: Street) -> tuple[float, float]:
        rng = self.draw.rng
        scatter = 0.006 if street.urban else 0.015
        return round(street.latitude + rng.gauss(0, scatter), 6), round(
            street.longitude + rng.gauss(0, scatter), 6
        )

    def _road(self, street: Street) -> str:
        rng = self.draw.rng
        if street.urban:
            return rng.choice(street.county.roads)
        return rng.choice(
            (
                f"{street.stem}大道",
                f"{street.stem}路",
                "兴业路",
                "振兴路",
                "工业园区创业路",
                "商贸街",
                "新街",
                "老街",
                "中心路",
                "文化路",
                "人民路",
            )
        )

    def business_address(self, street: Street) -> str:
        return f"{CITY_NAME}{street.county.name}{street.region.name}{self._road(street)}{self.draw.rng.randint(1, 888)}号"

    def home_address(self, street: Street) -> str:
        rng = self.draw.rng
        prefix = f"{CITY_NAME}{street.county.name}{street.region.name}"
        if street.urban or rng.random() < 0.4:
            estate = self.draw.trade_name() + rng.choice(RESIDENCES)
            return f"{prefix}{estate}{rng.randint(1, 36)}幢{rng.randint(1, 26)}0{rng.randint(1, 4)}室"
        village = rng.choice("东西南北新大小上下前后") + rng.choice("塘桥港浜湾山圩漾溪庄湖安丰联合胜利兴")
        return f"{prefix}{village}村{rng.randint(1, 320)}号"

    def company(self, street: Street) -> actions.EntityInput:
        draw, county = self.draw, street.county
        trade: Trade = draw.weighted(TRADES, self.trade_weights)
        form = draw.weighted([f for f, _ in COMPANY_FORMS], [w for _, w in COMPANY_FORMS])
        place = "浙江" if draw.rng.random() < 0.08 else county.trade_prefix
        name = self._unique_name(
            lambda: f"{place}{draw.trade_name()}{draw.rng.choice(trade.company_words)}{form}"
        )
        return self._enterprise("91", street, name, trade.industry)

    def shop(self, street: Street) -> actions.EntityInput:
        """A 个体工商户: 吴兴区老沈面馆, 德清县鑫源便利店."""
        draw = self.draw
        trade: Trade = draw.weighted(self.shop_trades, [t.weight for t in self.shop_trades])

        def make() -> str:
            roll = draw.rng.random()
            owner = draw.person_name(True)
            brand = owner[0] + "记" if roll < 0.25 else ("老" + owner[0] if roll < 0.4 else draw.trade_name())
            return f"{street.county.name}{brand}{draw.rng.choice(trade.shop_words)}"

        return self._enterprise("92", street, self._unique_name(make), trade.industry)

    def cooperative(self, street: Street) -> actions.EntityInput:
        draw = self.draw
        name = self._unique_name(
            lambda: f"{street.county.name}{street.stem}{draw.trade_name()}{draw.rng.choice(COOPERATIVES)}"
        )
        return self._enterprise("93", street, name, "A")

    def social_organisation(self, street: Street) -> actions.EntityInput:
        draw = self.draw
        suffix, industry, kind = draw.rng.choice(SOCIAL_ORGS)
        if kind == "51":  # associations are per county and few; name them after the county
            name = self._unique_name(lambda: f"{street.county.name}{draw.trade_name()}{suffix}")
        else:
            name = self._unique_name(lambda: f"{CITY_NAME}{street.county.name}{draw.trade_name()}{suffix}")
        return self._enterprise(kind, street, name, industry)

    def _enterprise(self, kind: str, street: Street, name: str, industry: str) -> actions.EntityInput:
        draw = self.draw
        latitude, longitude = self._place(street)
        return actions.EntityInput(
            kind="enterprise",
            name=name,
            region_code=street.region.code,
            credit_code=draw.credit_code(kind, street.county.code),
            legal_representative=draw.person_name(draw.rng.random() < 0.7),
            address=self.business_address(street),
            industry=industry,
            phone=draw.landline() if draw.rng.random() < 0.55 else draw.mobile(),
            latitude=latitude,
            longitude=longitude,
        )

    def person(self, street: Street) -> actions.EntityInput:
        draw = self.draw
        male = draw.rng.random() < 0.55
        birth = draw.date_between(dt.date(1950, 1, 1), dt.date(2004, 12, 31))
        latitude, longitude = self._place(street)
        return actions.EntityInput(
            kind="person",
            name=draw.person_name(male),
            region_code=street.region.code,
            id_number=draw.id_number(street.county.code, birth, male),
            address=self.home_address(street),
            phone=draw.mobile(),
            latitude=latitude,
            longitude=longitude,
        )

    def any(self, street: Street) -> actions.EntityInput:
        roll = self.draw.rng.random()
        if roll < 0.12:
            return self.person(street)
        if roll < 0.66:
            return self.company(street)
        if roll < 0.94:
            return self.shop(street)
        if roll < 0.975:
            return self.cooperative(street)
        return self.social_organisation(street)


def entity_rows(draw: Draw, total: int) -> list[actions.EntityInput]:
    streets = load_streets(draw)
    factory = EntityFactory(draw)
    counties = [c for c in COUNTIES if streets[c.code]]
    rows = []
    for _ in range(total):
        county = draw.weighted(counties, [c.share for c in counties])
        options = streets[county.code]
        street = draw.weighted(options, [s.weight for s in options])
        rows.append(factory.any(street))
    return rows


def create_entities(draw: Draw, total: int, batch: int = 5000) -> int:
    rows = entity_rows(draw, total)
    for start in range(0, len(rows), batch):
        actions.do_bulk_create_entities(None, rows[start : start + batch])
    return len(rows)


# --- the seeder ------------------------------------------------------------------------------------


@seeding.register("registry", order=10)
def seed_registry() -> str:
    """Seed the demo city. Runs inside the transaction `zhifa.core.seeding.run_once` opens."""
    size = demo_size()
    draw = Draw()
    agencies = create_agencies(draw, select_specs(size))
    domains = {d for spec, _ in agencies for d in spec.domains}
    seeding.progress(f"执法主体 {len(agencies)} 个（{len(domains)} 个执法领域）")
    officers = create_officers(draw, agencies, size.officers)
    seeding.progress(f"执法人员 {len(officers)} 名")
    plan = certificate_plan(draw, officers, {agency.pk: spec.domains for spec, agency in agencies})
    actions.do_bulk_issue_certificates(None, plan.rows)
    apply_certificate_history(draw, plan)
    seeding.progress(
        f"执法证件 {len(plan.rows)} 张（已过期 {len(plan.expired)}，暂扣 {len(plan.suspended) - len(plan.reinstated)}，"
        f"注销 1）"
    )
    entities = create_entities(draw, size.entities)
    seeding.progress(f"行政相对人 {entities} 个")
    return (
        f"{CITY_NAME}（{CITY_CODE}）：执法主体 {len(agencies)} 个，执法人员 {len(officers)} 名，"
        f"执法证件 {len(plan.rows)} 张，行政相对人 {entities} 个"
    )
