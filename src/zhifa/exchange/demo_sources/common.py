"""Shared pieces of the demo generators: the year, random draws, identifiers gone wrong, and the
plan of deliberately bad rows each export carries."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from zhifa.core.identifiers import USCC_ALPHABET, uscc_check_char
from zhifa.exchange.demo_sources.world import AgencyRef, CertificateRef, DemoWorld, EntityRef

YEAR = 2025
YEAR_START = dt.datetime(YEAR, 1, 1)
YEAR_DAYS = 365
REGION_NAMES = {
    "330500": "湖州市",
    "330502": "吴兴区",
    "330503": "南浔区",
    "330521": "德清县",
    "330522": "长兴县",
    "330523": "安吉县",
}
BAD_SHARE = 0.015  # ≈1.5 % of the rows of every export are deliberately wrong

# Reasons a planted bad row must be refused for (see docs/mapping.md, "Demo sources").
MALFORMED = "malformed_row"
INVALID_DATE = "invalid_date"
UNKNOWN_CODE = "unknown_code"
CHECK_DIGIT = "invalid_check_digit"
UNKNOWN_AGENCY = "unknown_agency"
DATE_ORDER = "date_order"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class BadRow:
    row: int  # row number as the readers count it (`_row`)
    reason: str


class BadPlan:
    """Which rows are spoiled and how: about `share` of them, every kind at least once, never
    the first row (duplicates need an earlier row to copy). Seeded, so reproducible."""

    def __init__(self, rng: random.Random, kinds: Sequence[str], count: int, share: float = BAD_SHARE):
        total = min(max(len(kinds), round(count * share)), max(0, count - 1))
        positions = sorted(rng.sample(range(2, count + 1), total)) if total else []
        order = list(kinds)
        rng.shuffle(order)
        self.kinds = {index: order[n % len(order)] for n, index in enumerate(positions)}
        self.planted: list[BadRow] = []

    def draw(self, index: int) -> str | None:
        """The kind of damage for the `index`-th row (from 1), or None."""
        return self.kinds.get(index)

    def record(self, row: int, reason: str) -> None:
        self.planted.append(BadRow(row, reason))


def wrong_check_digit(code: str) -> str:
    """The same credit code with a different (wrong) check character."""
    good = code[17]
    alphabet = USCC_ALPHABET
    return code[:17] + alphabet[(alphabet.index(good) + 7) % 31]


def unknown_agency_code(rng: random.Random, region: str = "330500") -> str:
    """A well-formed agency credit code (correct check character) no demo agency holds."""
    body = "11" + region + "MB" + "".join(rng.choice("0123456789") for _ in range(7))
    return body + uscc_check_char(body)


def moment(
    rng: random.Random,
    day: int | None = None,
    first_hour: int = 8,
    last_hour: int = 17,
    workdays: bool = True,
) -> dt.datetime:
    """A time of day on a (random) day of the year; with `workdays`, a weekend moves to the
    Monday after (so later days never come out earlier)."""
    if day is None:
        day = rng.randrange(YEAR_DAYS)
    date = YEAR_START + dt.timedelta(days=day)
    if workdays and date.weekday() >= 5:
        date += dt.timedelta(days=7 - date.weekday())
    minute = rng.randrange(first_hour * 60, last_hour * 60)
    return date.replace(hour=minute // 60, minute=minute % 60, second=rng.randrange(60))


class PlantPlan:
    """Which good rows carry a planted *problem* (for the clue models: lawful-looking records
    supervision should notice), and which: `kinds` maps a problem to its share of the rows, at
    least `minimum` rows each (so the small demo holds every one). Never a bad row. Seeded."""

    def __init__(
        self,
        rng: random.Random,
        kinds: dict[str, float],
        count: int,
        bad: BadPlan | None = None,
        minimum: int = 2,
    ):
        taken = set(bad.kinds) if bad else set()
        free = [i for i in range(2, count + 1) if i not in taken]
        wanted = {k: max(minimum, round(count * share)) for k, share in kinds.items()}
        positions = rng.sample(free, min(len(free), sum(wanted.values())))
        self.kinds: dict[int, str] = {}
        for kind, n in wanted.items():
            for index in positions[:n]:
                self.kinds[index] = kind
            positions = positions[n:]
        self.planted: list[tuple[int, str]] = []

    def draw(self, index: int) -> str | None:
        return self.kinds.get(index)


def valid_all_year(cert: CertificateRef) -> bool:
    """A certificate valid on every day of the demo year (the pool officers act with)."""
    return cert.issued_on <= YEAR_START.date() and cert.expires_on >= dt.date(YEAR, 12, 31)


def expired_in_year(world: DemoWorld, agency_code: str | None = None) -> list[CertificateRef]:
    """Certificates (of the agency, or all) that ran out before the year's last days: a planted
    problem uses one after its expiry."""
    end = dt.date(YEAR, 12, 20)
    return [c for c in world.certificates if c.expires_on < end and agency_code in (None, c.agency_code)]


def pick_officers(
    rng: random.Random, pool: Sequence[CertificateRef], single_share: float = 0.03
) -> list[str]:
    """Two certificate numbers of the pool (Art. 42), occasionally just one."""
    if not pool:
        return []
    count = 1 if len(pool) == 1 or rng.random() < single_share else 2
    return [c.number for c in rng.sample(list(pool), count)]


def officer_pool(world: DemoWorld, agency: AgencyRef, domain: str) -> list[CertificateRef]:
    """The agency's certificates for the domain valid all year (officers whose certificate runs
    out mid-year renew it in time; a handful of rows using an expired one are planted apart)."""
    pool = [c for c in world.certificates_of(agency.code, domain) if valid_all_year(c)]
    if len(pool) >= 2:
        return pool
    wider = [c for d in agency.domains for c in world.certificates_of(agency.code, d) if valid_all_year(c)]
    return wider if len(wider) >= 2 else world.certificates_of(agency.code, domain)


def near(rng: random.Random, entity: EntityRef, far_share: float = 0.01) -> tuple[float, float]:
    """Device GPS: within ~50 m of the entity, now and then kilometres away (a clue later)."""
    spread = 0.02 if rng.random() < far_share else 0.0004
    return round(entity.latitude + rng.gauss(0, spread), 6), round(entity.longitude + rng.gauss(0, spread), 6)


def local_entities(world: DemoWorld, agency: AgencyRef, pool: Sequence[EntityRef]) -> list[EntityRef]:
    """Entities in the agency's county (all of them for a city-level agency)."""
    if agency.region_code.endswith("00"):
        return list(pool)
    local = [e for e in pool if e.region_code.startswith(agency.region_code)]
    return local or list(pool)


def amount(rng: random.Random, low: float | None, high: float | None, outside_share: float = 0.02) -> float:
    """A fine inside the statutory range (rounded to hundreds), now and then above it."""
    low = low if low is not None else 500.0
    high = high if high is not None and high > low else max(low * 10, 20000.0)
    if rng.random() < outside_share:
        return float(round(high * rng.uniform(1.1, 1.5), -2))
    value = low + (high - low) * rng.betavariate(1.3, 4.0)
    return float(max(low, min(high, round(value, -2))))
