"""The supervision cockpit's pages (Django test client): scope, the numbers against the indicators
API for the same slice, the power and record pages, alignment, XLSX export and the PDF bulletin."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pyarrow as pa
import pytest
from django.test import Client

from tests.conftest import City, make_credit_code
from tests.powers_support import STANDARD_TIERS, add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.analytics import store
from zhifa.core.roles import Role
from zhifa.indicators import engine
from zhifa.powers import actions as powers
from zhifa.powers.models import Power
from zhifa.registry import actions as registry

PERIOD = "2025"


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _entity(name: str, industry: str) -> str:
    code = make_credit_code("330502", "91")
    registry.do_create_entity(
        None,
        registry.EntityInput(
            kind="enterprise", name=name, region_code="330502", credit_code=code, industry=industry
        ),
    )
    return code


def _upsert(family: str, rows: list[dict], run: str) -> None:
    columns = {key: [row.get(key) for row in rows] for key in rows[0]}
    store.upsert(family, pa.table(columns), run)


class Facts:
    city: City
    power: Power
    unused: Power
    maker: str  # industry C (manufacturing)
    restaurant: str  # industry H (catering)


@pytest.fixture
def facts(city: City, food_law) -> Facts:
    """Two powers of the city market bureau (one never used), entities in two industries, and
    2025 inspections, decisions and complaints of the 湖州 agencies and one 杭州 agency."""
    f = Facts()
    f.city = city
    f.power = add_penalty_power(city.market_city, food_law)
    powers.do_set_benchmark(None, f.power.code, STANDARD_TIERS)
    f.unused = add_penalty_power(city.market_city, food_law, name="对食品生产经营者未按规定公示的行政处罚")
    f.maker = _entity("湖州织里童装有限公司", "C")
    f.restaurant = _entity("湖州南浔饭店有限公司", "H")
    store.snapshot_registry()
    certificate = city.officer_city.certificates.first().number
    market, wuxing, other = city.market_city.code, city.market_wuxing.code, city.other_city.code

    def inspection(source_id: str, agency: str, day: dt.date, power: str | None = None) -> dict:
        return {
            "source_system": "t",
            "source_id": source_id,
            "record_number": f"JC-{source_id}",
            "agency_code": agency,
            "power_code": power or "OTHER",
            "entity_kind": "enterprise",
            "entity_credit_code": f.maker,
            "entity_name": "湖州织里童装有限公司",
            "officer_certificates": [certificate] if agency == market else [],
            "started_at": dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC),
        }

    _upsert(
        "inspection",
        [
            inspection("i1", market, dt.date(2025, 3, 1), f.power.code),
            inspection("i2", market, dt.date(2025, 7, 1), f.power.code),
            inspection("i3", wuxing, dt.date(2025, 5, 1)),
            inspection("i4", other, dt.date(2025, 6, 1)),
            inspection("i5", market, dt.date(2024, 3, 1), f.power.code),
        ],
        "run-i",
    )

    def decision(source_id: str, agency: str, day: dt.date, fine: float) -> dict:
        return {
            "source_system": "t",
            "source_id": source_id,
            "decision_number": f"湖市监罚〔2025〕{source_id}号",
            "agency_code": agency,
            "power_code": f.power.code,
            "entity_kind": "enterprise",
            "entity_credit_code": f.maker,
            "entity_name": "湖州织里童装有限公司",
            "decided_on": day,
            "fine_amount": fine,
            "status": "issued",
        }

    _upsert(
        "decision",
        [
            decision("d1", market, dt.date(2025, 3, 10), 60000.0),
            decision("d2", market, dt.date(2025, 7, 2), 90000.0),
            decision("d3", other, dt.date(2025, 7, 3), 1000.0),
        ],
        "run-d",
    )

    def complaint(source_id: str, entity: str, day: dt.date) -> dict:
        return {
            "source_system": "t",
            "source_id": source_id,
            "ticket_number": f"12345-{source_id}",
            "routed_agency_code": market,
            "entity_kind": "enterprise",
            "entity_credit_code": entity,
            "received_at": dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC),
        }

    _upsert(
        "complaint",
        [
            complaint("k1", f.restaurant, dt.date(2025, 2, 1)),
            complaint("k2", f.restaurant, dt.date(2025, 4, 1)),
            complaint("k3", f.restaurant, dt.date(2025, 6, 1)),
            complaint("k4", f.maker, dt.date(2025, 8, 1)),
        ],
        "run-k",
    )
    return f


@pytest.fixture
def as_role(users):
    def login(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return login


def _api(api_as, role: str, **params) -> dict[tuple[str, str], float | None]:
    response = api_as(role).get("/indicators", period=PERIOD, **params)
    assert response.status_code == 200, response.content
    return {(v["slug"], v["key"]): v["value"] for v in response.json()["values"]}


def _tiles(html: str) -> dict[str, float | None]:
    found = re.findall(r'class="kpi" data-slug="(\w+)" data-value="([^"]*)"', html)
    return {slug: (float(value) if value not in ("", "None") else None) for slug, value in found}


def _cells(html: str, key: str) -> list[float]:
    """data-value of the table cells marked with data-key=key."""
    return [float(v) for v in re.findall(rf'data-key="{re.escape(key)}" data-value="([^"]+)"', html)]


# --- scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSADMIN, Role.HOTLINE_OPERATOR])
def test_roles_without_indicator_access_get_403(facts: Facts, as_role, role: str) -> None:
    client = as_role(role)
    for url in (
        "/cockpit/",
        f"/cockpit/agencies/{facts.city.market_city.code}/",
        f"/cockpit/powers/{facts.power.code}/",
        "/cockpit/records/inspection/t/i1/",
        "/cockpit/alignment/",
        "/cockpit/bulletin/",
    ):
        assert client.get(url, {"period": PERIOD}).status_code == 403, url


def test_anonymous_users_are_sent_to_login(facts: Facts) -> None:
    response = Client().get("/cockpit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_officer_sees_only_its_agency(facts: Facts, as_role) -> None:
    client = as_role(Role.OFFICER)
    html = client.get("/cockpit/", {"period": PERIOD}).content.decode()
    market, wuxing = facts.city.market_city.code, facts.city.market_wuxing.code
    assert f"/cockpit/agencies/{market}/" in html
    assert f"/cockpit/agencies/{wuxing}/" not in html
    assert _tiles(html)["inspections"] == 2  # i1, i2 (2025) of its own agency only
    assert client.get(f"/cockpit/agencies/{wuxing}/", {"period": PERIOD}).status_code == 404
    assert client.get(f"/cockpit/agencies/{market}/", {"period": PERIOD}).status_code == 200
    assert client.get("/cockpit/records/inspection/t/i3/").status_code == 404  # 吴兴's record
    assert client.get("/cockpit/records/inspection/t/i1/").status_code == 200


def test_a_supervisor_sees_its_region_and_gets_404_outside(facts: Facts, as_role) -> None:
    client = as_role(Role.SUPERVISOR)
    html = client.get("/cockpit/", {"period": PERIOD}).content.decode()
    for agency in (facts.city.market_city, facts.city.market_wuxing, facts.city.ecology_nanxun):
        assert f"/cockpit/agencies/{agency.code}/" in html
    assert f"/cockpit/agencies/{facts.city.other_city.code}/" not in html
    assert client.get(f"/cockpit/agencies/{facts.city.other_city.code}/").status_code == 404
    assert client.get("/cockpit/records/inspection/t/i4/").status_code == 404  # 杭州
    assert client.get("/cockpit/records/decision/t/d3/").status_code == 404  # 杭州
    assert client.get("/cockpit/records/nothing/t/i1/").status_code == 404
    assert client.get("/cockpit/records/inspection/t/missing/").status_code == 404


def test_navigation_shows_the_cockpit_to_roles_that_may_see_it(facts: Facts, as_role) -> None:
    assert "/cockpit/" in as_role(Role.SUPERVISOR).get("/").content.decode()
    assert "/cockpit/" in as_role(Role.OFFICER).get("/").content.decode()
    assert "/cockpit/" not in as_role(Role.AUDITOR).get("/").content.decode()


# --- numbers equal the API's -----------------------------------------------------------------


def test_overview_tiles_and_rankings_equal_the_api(facts: Facts, as_role, api_as) -> None:
    html = (
        as_role(Role.SUPERVISOR)
        .get("/cockpit/", {"period": PERIOD, "indicator": "inspections"})
        .content.decode()
    )
    totals = _api(api_as, Role.SUPERVISOR, by="total")
    tiles = _tiles(html)
    assert tiles["inspections"] == totals[("inspections", "*")] == 3
    assert tiles["penalties"] == totals[("penalties", "*")] == 2
    assert tiles["fines_total"] == totals[("fines_total", "*")] == 150000
    for slug in ("acts", "licences", "complaints"):
        assert tiles[slug] == totals[(slug, "*")], slug
    assert "150,000" in html
    by_agency = _api(api_as, Role.SUPERVISOR)
    for code in (facts.city.market_city.code, facts.city.market_wuxing.code):
        assert _cells(html, code) == [by_agency[("inspections", code)]]
    # the region grid: the 湖州 city bureau (330500) and 吴兴 (330502) rows
    assert 'data-key="330500"' in html and 'data-key="330502"' in html


def test_agency_page_shows_every_indicator_with_the_api_values(facts: Facts, as_role, api_as) -> None:
    code = facts.city.market_city.code
    response = as_role(Role.SUPERVISOR).get(f"/cockpit/agencies/{code}/", {"period": PERIOD})
    html = response.content.decode()
    api = _api(api_as, Role.SUPERVISOR, agency=code)
    for slug in ("inspections", "penalties", "fines_total", "acts", "officers", "exercise_rate"):
        assert _cells(html, slug) == [api[(slug, code)]], slug
    assert _cells(html, "inspections") == [2.0]
    # previous year: one inspection in 2024 → yoy +100%
    assert "+100.0%" in html
    # peers: the 吴兴 market bureau is county-level, the city bureau has no peer in scope
    assert "查看范围内无同类执法主体" in html
    alone = {row[1].value: row for row in response.context["tables"]["indicators"].rows}["行政检查数"]
    assert (alone[6].text, alone[7].text) == ("—", "—")
    # the never-used power is listed first and marked
    powers_table = response.context["tables"]["powers"]
    assert powers_table.rows[0][0].value == facts.unused.code
    assert powers_table.rows[0][3].css == "unused" and powers_table.rows[0][3].value == 0
    assert powers_table.rows[1][0].value == facts.power.code and powers_table.rows[1][3].value == 4  # 2 + 2
    # officers' workload: 张伟's certificate is on the two 2025 inspections
    officers = {row[0].value: row for row in response.context["tables"]["officers"].rows}
    assert officers["张伟"][3].value == 2


def test_peers_share_a_domain_and_a_level(facts: Facts, as_role, city: City) -> None:
    from tests.conftest import _agency

    peer = _agency("湖州市南浔区市场监督管理局", "330503", ["market_regulation"], city.market_city)
    store.snapshot_registry()
    response = as_role(Role.SUPERVISOR).get(
        f"/cockpit/agencies/{city.market_wuxing.code}/", {"period": PERIOD}
    )
    html = response.content.decode()
    assert peer.name in html or (peer.short_name and peer.short_name in html)
    rows = {row[1].value: row for row in response.context["tables"]["indicators"].rows}
    inspections = rows["行政检查数"]
    assert inspections[6].value == 0.5  # median of 1 (吴兴) and 0 (南浔)
    assert inspections[7].text == "1 / 2"


def test_power_page_use_fines_and_records(facts: Facts, as_role, food_law) -> None:
    client = as_role(Role.SUPERVISOR)
    response = client.get(f"/cockpit/powers/{facts.power.code}/", {"period": PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert facts.power.name in html and "未取得食品生产经营许可从事食品生产经营活动" in html
    assert "第一百二十二条" in html  # the legal basis
    use = response.context["tables"]["use"]
    months = {row[0].value: row for row in use.rows}
    assert months["2025-03"][1].value == 2 and months["2025-07"][1].value == 2  # acts
    assert months["2025-07"][5].value == 90000  # fines_total
    # the total row is the engine's by="power" value and equals the sum of the months
    acts_total = use.rows[-1][1].value
    supervisor_agencies = [
        facts.city.market_city.code,
        facts.city.market_wuxing.code,
        facts.city.ecology_nanxun.code,
    ]
    by_power = {
        v.key: v.value
        for v in engine.compute(PERIOD, by="power", agencies=supervisor_agencies, slugs=["acts"])
    }
    assert acts_total == by_power[facts.power.code] == sum(row[1].value for row in use.rows[:-1]) == 4
    tiers = {row[0].value: row[3].value for row in response.context["tables"]["fines"].rows}
    assert tiers["从轻"] == 1 and tiers["从重"] == 1 and tiers["一般"] == 0
    assert "湖市监罚〔2025〕d2号" in html and "JC-i1" in html
    assert 'href="/cockpit/records/decision/t/d2/' in html
    partial = client.get(
        f"/cockpit/powers/{facts.power.code}/",
        {"period": PERIOD, "part": "records", "page": "1"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert partial.lstrip().startswith('<div id="records-list">') and "<html" not in partial
    hidden = add_penalty_power(facts.city.other_city, food_law)
    assert client.get(f"/cockpit/powers/{hidden.code}/").status_code == 404


def test_record_page_shows_the_stored_fields(facts: Facts, as_role) -> None:
    html = (
        as_role(Role.SUPERVISOR).get("/cockpit/records/decision/t/d1/", {"period": PERIOD}).content.decode()
    )
    assert 'id="record-number"' in html and "湖市监罚〔2025〕d1号" in html
    assert "60,000" in html and facts.power.code in html


# --- alignment, export, bulletin ---------------------------------------------------------------


def test_alignment_gap_list_and_overlap_equal_the_engine(facts: Facts, as_role, api_as) -> None:
    response = as_role(Role.SUPERVISOR).get("/cockpit/alignment/", {"period": PERIOD})
    assert response.status_code == 200
    code = facts.city.market_city.code
    gaps = response.context["tables"]["gaps"].rows
    assert [(r[1].value, r[2].value) for r in gaps] == [("H 住宿和餐饮业", 3)]
    assert gaps[0][3].value == 75.0 and gaps[0][4].value == 0.0
    api = _api(api_as, Role.SUPERVISOR, agency=code)
    # complaints: C 25 %, H 75 %; acts (2 inspections + 2 decisions): C 100 % → Σ min = 25
    assert api[("alignment", code)] == 25.0
    assert _cells(response.content.decode(), code) == [25.0]
    from zhifa.cockpit import queries

    found = queries.alignment_rows(engine.parse_period(PERIOD), [code])
    assert found[code].overlap == pytest.approx(api[("alignment", code)])


def test_xlsx_export_holds_the_page_numbers(facts: Facts, as_role, api_as) -> None:
    from openpyxl import load_workbook

    client = as_role(Role.SUPERVISOR)
    response = client.get("/cockpit/", {"period": PERIOD, "indicator": "inspections", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    kpis = {row[0]: row[2] for row in book["关键指标"].iter_rows(min_row=3, values_only=True) if row[0]}
    totals = _api(api_as, Role.SUPERVISOR, by="total")
    assert kpis["行政检查数"] == totals[("inspections", "*")] == 3
    assert kpis["罚款总额"] == totals[("fines_total", "*")]
    ranking = [row for row in book.worksheets[1].iter_rows(min_row=3, values_only=True)]
    assert ranking[0][2] == 2  # the city bureau's two inspections, first
    agency = client.get(
        f"/cockpit/agencies/{facts.city.market_city.code}/", {"period": PERIOD, "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(agency.content)).worksheets[0]
    values = {row[1]: row[3] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["行政检查数"] == 2 and values["罚款总额"] == 150000
    for url in (
        f"/cockpit/powers/{facts.power.code}/",
        "/cockpit/alignment/",
        "/cockpit/records/decision/t/d1/",
    ):
        exported = client.get(url, {"period": PERIOD, "format": "xlsx"})
        assert exported.status_code == 200 and load_workbook(io.BytesIO(exported.content)).worksheets, url


def test_bulletin_is_a_pdf_with_extractable_chinese_text(facts: Facts, as_role) -> None:
    from pypdf import PdfReader

    response = as_role(Role.SUPERVISOR).get("/cockpit/bulletin/", {"period": "2025-Q3"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = re.sub(r"\s+", "", text)
    assert "执法情况通报" in compact
    assert "2025年第3季度" in compact
    # Q3: inspection i2 (July) and decision d2 (July, 90,000 yuan) of the 湖州 agencies
    assert "90,000" in compact
    assert "行政处罚决定数" in compact


def test_a_bad_period_falls_back_with_a_message(facts: Facts, as_role) -> None:
    response = as_role(Role.SUPERVISOR).get("/cockpit/", {"period": "2025-13"})
    assert response.status_code == 200
    assert "统计期间格式" in response.content.decode()


def test_the_default_year_is_the_latest_with_substantial_data() -> None:
    from zhifa.cockpit.queries import substantial_year

    assert substantial_year({}) is None
    assert substantial_year({2025: 200_000, 2026: 900}) == 2025  # 2026: only the platform's own cases so far
    assert substantial_year({2025: 200_000, 2026: 150_000}) == 2026
    assert substantial_year({2024: 10, 2025: 12}) == 2025
