"""The supervision indicators (执法监督): hand-computed values from the relational database.

The fixture writes clues, dispositions with their steps and review rounds straight through the
ORM (like tests/test_supervision_support.make_clue): the transitions' actions refuse backdated
deadlines ("not before today") and issue documents, and review rounds sample from the store —
what these tests check is how the indicators read the rows, not how the rows are made.

Agencies (tests/conftest.city; the store's agency snapshot gives their regions): W = 吴兴区市场监督管理局
(330502), M = 湖州市市场监督管理局 (330500), N = 南浔 ecology (330503, nothing).

Clues of W: c1 2026-02-10 属实, c2 2026-03-05 误报, c3 2026-05-01 属实, c4 2026-07-01 unmarked;
c5 2025-06-01 属实, c6 2025-01-01 00:30 China time (2024-12-31 in UTC) unmarked. M: c7 2026-04-01 误报.

Dispositions:
* d1 (c1): notice 02-20 due 03-20, report 03-15, accepted 03-25 (closed) → on time;
* d2 (c3): notice 05-10 due 06-10, escalated 06-11, report 06-20, accepted 06-25 (closed) → late;
* d3 (c2): closed unfounded 2026-03-10, no notice;
* d4 (c4): notice 07-05 due 08-05, report 08-01 rejected 08-03 (new deadline 09-01), report
  08-30 accepted 09-02 (closed) → the accepted report came after the notice's deadline: late;
* d5 (c5): notice 2025-06-10 due 07-10, report 07-01, accepted 07-05 (closed) → on time (2025);
* d6 (c6): notice 2026-10-20 due 2026-12-01 — not yet due on 2026-11-22;
* d7 (c7, M): notice 2026-04-10 due 05-10, report 05-08 awaiting verification → not on time.

Review (closed rounds whose period lies in the period): 2026 round W 80, 90 and M 95; 2026-Q2
round W 70; 2025 round W 60; a 2026 round still scoring W 10 (ignored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import City
from zhifa.analytics import store
from zhifa.clues.models import Clue, ClueModelVersion, ClueRun
from zhifa.core.errors import ActionError
from zhifa.core.roles import Role
from zhifa.indicators import engine, queries
from zhifa.indicators.catalogue import BY_SLUG
from zhifa.review.actions import default_rubric
from zhifa.review.models import ReviewCase, ReviewRound, RoundState
from zhifa.supervision.models import Disposition, DispositionStep

D = dt.date
TODAY = D(2026, 11, 22)
SLUGS = [
    "clues_raised",
    "clues_confirmed_rate",
    "clues_closed",
    "supervision_notices",
    "rectification_on_time_rate",
    "review_score",
]
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def raise_clue(agency, raised_at: dt.datetime, verdict: str = "") -> Clue:
    version, _ = ClueModelVersion.objects.get_or_create(
        slug="late_decision",
        version=1,
        defaults={"name": "逾期作出处罚决定", "definition_hash": "0" * 64, "parameters": {"days": 90}},
    )
    run = ClueRun.objects.create(started_at=raised_at, started_by="system", as_of=raised_at.date())
    serial = next(_serial)
    return Clue.objects.create(
        model_slug=version.slug,
        model_version=1,
        model=version,
        agency_code=agency.code,
        agency=agency,
        region_id=agency.region_id,
        severity="high",
        title=f"线索{serial}",
        detail="立案后 120 日才作出处罚决定。",
        identity=f"case:{serial}",
        fingerprint=hashlib.sha256(f"t|{serial}".encode()).hexdigest(),
        raised_at=raised_at,
        run=run,
        verdict=verdict,
        verdict_at=raised_at if verdict else None,
    )


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def dispose(clue: Clue, steps: list[tuple[str, dt.date, dict]], closed_on=None, outcome="") -> Disposition:
    d = Disposition.objects.create(
        clue=clue,
        number=f"监处〔{clue.raised_at.year}〕{clue.pk}号",
        agency=clue.agency,
        region_id=clue.region_id,
        procedure="simple",
        state="closed" if closed_on else "verifying",
        outcome=outcome,
        closed_on=closed_on,
    )
    for code, day, data in steps:
        DispositionStep.objects.create(disposition=d, code=code, done_on=day, by="督查员", data=data)
    return d


def notice(day: dt.date, due: dt.date) -> tuple[str, dt.date, dict]:
    return (
        "issue_notice",
        day,
        {"form": "notice", "deadline": due.isoformat(), "document_number": f"监通{day}"},
    )


def review_round(city: City, label: str, scores: list[tuple[object, float]], state=RoundState.CLOSED) -> None:
    period = engine.parse_period(label, today=TODAY)
    rnd = ReviewRound.objects.create(
        name=f"评查 {label}",
        period=label,
        period_start=period.start,
        period_end=period.end,
        region_id="330500",
        rubric=default_rubric(),
        seed=1,
        sample_size=len(scores),
        state=state,
        closed_at=timezone.now() if state == RoundState.CLOSED else None,
    )
    for n, (agency, score) in enumerate(scores, start=1):
        ReviewCase.objects.create(
            round=rnd,
            position=n,
            source_system="t",
            source_id=f"{label}-{n}",
            case_number=f"案{label}-{n}",
            agency_code=agency.code,
            agency=agency,
            total_first=Decimal(str(score)),
        )


@pytest.fixture
def supervised(city: City) -> City:
    store.snapshot_registry()
    w, m = city.market_wuxing, city.market_city
    c1 = raise_clue(w, _at(D(2026, 2, 10)), "true_positive")
    c2 = raise_clue(w, _at(D(2026, 3, 5)), "false_positive")
    c3 = raise_clue(w, _at(D(2026, 5, 1)), "true_positive")
    c4 = raise_clue(w, _at(D(2026, 7, 1)))
    c5 = raise_clue(w, _at(D(2025, 6, 1)), "true_positive")
    c6 = raise_clue(w, _at(D(2025, 1, 1), 0, 30))
    c7 = raise_clue(m, _at(D(2026, 4, 1)), "false_positive")
    dispose(
        c1,
        [notice(D(2026, 2, 20), D(2026, 3, 20)), ("submit_report", D(2026, 3, 15), {}),
         ("accept_rectification", D(2026, 3, 25), {})],
        D(2026, 3, 25), "confirmed_rectified",
    )  # fmt: skip
    dispose(
        c3,
        [notice(D(2026, 5, 10), D(2026, 6, 10)), ("escalate", D(2026, 6, 11), {}),
         ("submit_report", D(2026, 6, 20), {}), ("accept_rectification", D(2026, 6, 25), {})],
        D(2026, 6, 25), "confirmed_rectified",
    )  # fmt: skip
    dispose(c2, [("close", D(2026, 3, 10), {"outcome": "unfounded"})], D(2026, 3, 10), "unfounded")
    dispose(
        c4,
        [notice(D(2026, 7, 5), D(2026, 8, 5)), ("submit_report", D(2026, 8, 1), {}),
         ("reject_rectification", D(2026, 8, 3), {"deadline": "2026-09-01"}),
         ("submit_report", D(2026, 8, 30), {}), ("accept_rectification", D(2026, 9, 2), {})],
        D(2026, 9, 2), "confirmed_rectified",
    )  # fmt: skip
    dispose(
        c5,
        [notice(D(2025, 6, 10), D(2025, 7, 10)), ("submit_report", D(2025, 7, 1), {}),
         ("accept_rectification", D(2025, 7, 5), {})],
        D(2025, 7, 5), "confirmed_rectified",
    )  # fmt: skip
    dispose(c6, [notice(D(2026, 10, 20), D(2026, 12, 1))])
    dispose(c7, [notice(D(2026, 4, 10), D(2026, 5, 10)), ("submit_report", D(2026, 5, 8), {})])
    review_round(city, "2026", [(w, 80), (w, 90), (m, 95)])
    review_round(city, "2026-Q2", [(w, 70)])
    review_round(city, "2025", [(w, 60)])
    review_round(city, "2026-Q3", [(w, 10)], state=RoundState.SCORING)
    return city


def values(by: str = "agency", period: str = "2026", **kw) -> dict[tuple[str, str], tuple]:
    found = engine.compute(engine.parse_period(period, today=TODAY), by=by, slugs=SLUGS, **kw)
    return {(v.slug, v.key): (v.value, v.previous) for v in found}


def test_each_supervision_indicator_per_agency(supervised: City) -> None:
    w, m, n = supervised.market_wuxing.code, supervised.market_city.code, supervised.ecology_nanxun.code
    found = values()
    assert found[("clues_raised", w)] == (4, 2)  # c1–c4 | c5, c6 (00:30 China time on 2025-01-01)
    assert found[("clues_confirmed_rate", w)] == pytest.approx((200 / 3, 100))  # 2 of 3 marked | c5
    assert found[("clues_closed", w)] == (4, 1)  # d1–d4 | d5
    assert found[("supervision_notices", w)] == (4, 1)  # d1, d2, d4, d6 | d5
    assert found[("rectification_on_time_rate", w)] == pytest.approx((100 / 3, 100))  # d1 of d1, d2, d4
    assert found[("review_score", w)] == (80, 60)  # (80 + 90 + 70) / 3 | 60
    assert found[("clues_raised", m)] == (1, 0)
    assert found[("clues_confirmed_rate", m)] == (0, None)
    assert found[("clues_closed", m)] == (0, 0)
    assert found[("supervision_notices", m)] == (1, 0)
    assert found[("rectification_on_time_rate", m)] == (0, None)  # d7 awaits verification
    assert found[("review_score", m)] == (95, None)
    # Counts are zero-filled for the store's agencies; rates and scores have no value there.
    assert found[("clues_raised", n)] == (0, 0)
    assert ("clues_confirmed_rate", n) not in found and ("review_score", n) not in found
    yoy = {
        v.slug: v.yoy for v in engine.compute(engine.parse_period("2026", today=TODAY), agency=w, slugs=SLUGS)
    }
    assert yoy["clues_raised"] == 1.0 and yoy["review_score"] == pytest.approx(20 / 60, abs=1e-6)


def test_breakdowns_by_region_month_quarter_and_total(supervised: City) -> None:
    region = values("region")
    assert region[("clues_raised", "330502")] == (4, 2)
    assert region[("clues_raised", "330500")] == (1, 0)
    total = values("total")
    assert total[("clues_raised", "*")] == (5, 2)
    assert total[("supervision_notices", "*")] == (5, 1)
    assert total[("rectification_on_time_rate", "*")] == (25, 100)  # d1 of d1, d2, d4, d7 | d5
    assert total[("review_score", "*")] == (87.5, 60)  # mean of the agencies' averages 80, 95
    month = values("month")
    assert month[("clues_raised", "01")] == (
        None,
        1,
    )  # c6 belongs to January 2025 in China (months: no zero-fill)
    assert month[("clues_closed", "03")] == (2, None)  # d1, d3
    assert values("quarter")[("supervision_notices", "Q3")] == (1, None)  # d4
    assert not any(slug == "review_score" for slug, _ in month)  # agency, region, total only
    assert values(period="2026-Q2")[("review_score", supervised.market_wuxing.code)] == (70, None)
    assert values(region="330502").keys() == values(agency=supervised.market_wuxing.code).keys()
    assert set(BY_SLUG["clues_raised"].dimensions) == {"agency", "region", "month", "quarter", "total"}


def test_drill_down_lists_the_clues_and_rectifications(supervised: City) -> None:
    w = supervised.market_wuxing.code
    clues = engine.drill(engine.parse_period("2026", today=TODAY), "clues_raised", agency=w)
    assert clues.total == 4 and clues.rows[0]["on"] == "2026-07-01"
    assert {r["family"] for r in clues.rows} == {"clue"}
    marked = engine.drill(engine.parse_period("2026", today=TODAY), "clues_confirmed_rate", agency=w)
    assert marked.total == 3
    rect = engine.drill(engine.parse_period("2026", today=TODAY), "rectification_on_time_rate", agency=w)
    assert {r["status"] for r in rect.rows} == {"on_time", "late", "open"}  # d6 not yet due: open
    with pytest.raises(ActionError) as refused:
        engine.drill("2026", "review_score")
    assert refused.value.code == "no_records"


def test_a_materialized_period_refreshes_when_a_clue_is_raised(supervised: City) -> None:
    w = supervised.market_wuxing.code
    period = engine.parse_period("2025-Q2")
    assert period.closed
    first = {(v.slug, v.key): v.value for v in queries.indicator_values(period, slugs=SLUGS)}
    assert first[("clues_raised", w)] == 1  # c5
    stamp = queries.fingerprint(period)
    raise_clue(supervised.market_wuxing, _at(D(2025, 5, 20)), "false_positive")
    assert queries.fingerprint(period) != stamp
    again = {(v.slug, v.key): v.value for v in queries.indicator_values(period, slugs=SLUGS)}
    assert again[("clues_raised", w)] == 2
    assert again[("clues_confirmed_rate", w)] == 50
    # A disposition moving (a step recorded) changes the fingerprint too.
    stamp = queries.fingerprint(period)
    d = Disposition.objects.get(clue__agency=supervised.market_city)
    DispositionStep.objects.create(disposition=d, code="accept_rectification", done_on=D(2026, 5, 12), by="x")
    assert queries.fingerprint(period) != stamp


def test_the_api_returns_them_within_the_callers_scope(supervised: City, api_as) -> None:
    params = {"period": "2026-Q1", "slugs": ",".join(SLUGS)}
    response = api_as(Role.SUPERVISOR).get("/indicators", **params)
    assert response.status_code == 200, response.content
    found = {(v["slug"], v["key"]): (v["value"], v["previous"]) for v in response.json()["values"]}
    w = supervised.market_wuxing.code
    assert found[("clues_raised", w)] == (2, 1)  # c1, c2 | c6
    assert found[("rectification_on_time_rate", w)] == (100, None)  # d1
    assert found[("clues_closed", w)] == (2, 0)
    mine = api_as(Role.OFFICER).get("/indicators", **params).json()["values"]
    assert {v["key"] for v in mine} == {supervised.market_city.code}
    total = api_as(Role.OFFICER).get("/indicators", by="total", **params).json()["values"]
    assert {v["slug"]: v["value"] for v in total}["clues_raised"] == 0  # W's clues are not counted
    catalogue = {i["slug"]: i for i in api_as(Role.OFFICER).get("/indicators/catalogue").json()}
    assert catalogue["review_score"]["group"] == "执法监督"
    records = api_as(Role.OFFICER).get("/indicators/clues_raised/records", period="2026").json()
    assert [r["agency_code"] for r in records["rows"]] == [supervised.market_city.code]
