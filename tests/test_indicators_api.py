"""Indicators through the API and the command: scope, errors, agreement, materialization."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pyarrow as pa
import pytest
from django.core.management import call_command

from tests.conftest import City
from zhifa.analytics import store
from zhifa.core.roles import Role
from zhifa.indicators import engine, queries
from zhifa.indicators.models import IndicatorValue


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _inspections(rows: list[tuple[str, str, dt.date]], run: str) -> None:
    store.upsert(
        "inspection",
        pa.table(
            {
                "source_system": ["t"] * len(rows),
                "source_id": [source_id for source_id, _, _ in rows],
                "agency_code": [agency for _, agency, _ in rows],
                "power_code": ["P"] * len(rows),
                "entity_kind": ["enterprise"] * len(rows),
                "entity_name": ["某公司"] * len(rows),
                "started_at": [dt.datetime(d.year, d.month, d.day, 10) for _, _, d in rows],
            }
        ),
        run,
    )


@pytest.fixture
def facts(city: City) -> City:
    """The registry snapshotted into the store, and inspections of three agencies in 2025."""
    store.snapshot_registry()
    _inspections(
        [
            ("i1", city.market_city.code, dt.date(2025, 3, 1)),
            ("i2", city.market_city.code, dt.date(2025, 4, 1)),
            ("i3", city.market_wuxing.code, dt.date(2025, 5, 1)),
            ("i4", city.other_city.code, dt.date(2025, 6, 1)),
        ],
        "run-1",
    )
    return city


def _values(response) -> dict[tuple[str, str], float | None]:
    assert response.status_code == 200, response.content
    return {(v["slug"], v["key"]): v["value"] for v in response.json()["values"]}


def test_an_officer_sees_only_its_agency(facts: City, api_as) -> None:
    found = _values(api_as(Role.OFFICER).get("/indicators", period="2025"))
    assert {key for _, key in found} == {facts.market_city.code}
    assert found[("inspections", facts.market_city.code)] == 2
    other = api_as(Role.OFFICER).get("/indicators", period="2025", agency=facts.market_wuxing.code)
    assert other.status_code == 404 and other.json()["field"] == "agency"


def test_a_supervisor_sees_its_region_subtree(facts: City, api_as) -> None:
    found = _values(api_as(Role.SUPERVISOR).get("/indicators", period="2025"))
    keys = {key for _, key in found}
    assert keys == {facts.market_city.code, facts.market_wuxing.code, facts.ecology_nanxun.code}
    assert facts.other_city.code not in keys  # 杭州 lies outside 湖州
    assert found[("inspections", facts.market_wuxing.code)] == 1
    region = _values(api_as(Role.SUPERVISOR).get("/indicators", period="2025", region="330502"))
    assert {key for _, key in region} == {facts.market_wuxing.code}
    total = _values(api_as(Role.SUPERVISOR).get("/indicators", period="2025", by="total"))
    assert total[("inspections", "*")] == 3  # the 杭州 inspection is not counted


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSADMIN, Role.HOTLINE_OPERATOR])
def test_roles_without_indicators_get_403(facts: City, api_as, role: str) -> None:
    for path in ("/indicators", "/indicators/catalogue", "/indicators/inspections/records"):
        response = api_as(role).get(path, period="2025")
        assert response.status_code == 403, (role, path)
        assert response.json()["code"] == "permission_denied"


def test_bad_period_region_and_agency_have_stable_codes(facts: City, api_as) -> None:
    client = api_as(Role.SUPERVISOR)
    bad = client.get("/indicators", period="2025-13")
    assert bad.status_code == 422
    assert bad.json() == {"code": "bad_period", "message": bad.json()["message"], "field": "period"}
    assert "统计期间" in bad.json()["message"]
    region = client.get("/indicators", period="2025", region="999999")
    assert (region.status_code, region.json()["code"], region.json()["field"]) == (
        422,
        "bad_region",
        "region",
    )
    agency = client.get("/indicators", period="2025", agency="NOPE")
    assert (agency.status_code, agency.json()["code"]) == (404, "not_found")
    slug = client.get("/indicators", period="2025", slugs="nope")
    assert slug.json()["code"] == "unknown_indicator"
    dimension = client.get("/indicators", period="2025", by="planet")
    assert dimension.json()["code"] == "bad_dimension"


def test_catalogue_and_drill_down_endpoints(facts: City, api_as) -> None:
    catalogue = api_as(Role.OFFICER).get("/indicators/catalogue").json()
    assert len(catalogue) >= 25 and all(item["name"] and item["definition"] for item in catalogue)
    records = api_as(Role.SUPERVISOR).get(
        "/indicators/inspections/records", period="2025", agency=facts.market_city.code
    )
    assert records.status_code == 200
    body = records.json()
    assert body["total"] == 2 and [r["source_id"] for r in body["rows"]] == ["i2", "i1"]
    mine = api_as(Role.OFFICER).get("/indicators/inspections/records", period="2025").json()
    assert {r["agency_code"] for r in mine["rows"]} == {facts.market_city.code}
    hidden = api_as(Role.OFFICER).get(
        "/indicators/inspections/records", period="2025", agency=facts.market_wuxing.code
    )
    assert hidden.status_code == 404


def test_the_command_and_the_api_return_the_same_values(facts: City, api_as) -> None:
    for options, params in [
        ({}, {}),
        ({"region": "330500"}, {"region": "330500"}),
        ({"agency": facts.market_wuxing.code}, {"agency": facts.market_wuxing.code}),
        ({"region": "330500", "by": "month"}, {"region": "330500", "by": "month"}),
    ]:
        out = StringIO()
        call_command("indicators", "--period", "2025", *_flags(options), stdout=out)
        from_cli = json.loads(out.getvalue())
        from_api = api_as(Role.SUPERVISOR).get("/indicators", period="2025", **params).json()
        if not options:  # the command runs as the system: every agency; the API the region's
            keep = {facts.market_city.code, facts.market_wuxing.code, facts.ecology_nanxun.code}
            from_cli["values"] = [v for v in from_cli["values"] if v["key"] in keep]
        assert from_cli == from_api, options
    out = StringIO()
    call_command("indicators", "--period", "2025", "--format", "csv", "--slugs", "inspections", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "slug,name,unit,key,value,previous,yoy" and len(lines) == 5


def _flags(options: dict[str, str]) -> list[str]:
    return [part for name, value in options.items() for part in (f"--{name}", value)]


def test_closed_periods_are_materialized_and_refreshed_when_facts_arrive(facts: City, monkeypatch) -> None:
    calls: list[str] = []
    real = engine.compute

    def counting(period, **kw):
        calls.append(period.label)
        return real(period, **kw)

    monkeypatch.setattr(engine, "compute", counting)
    code = facts.market_city.code
    first = {(v.slug, v.key): v.value for v in queries.indicator_values("2025")}
    assert first[("inspections", code)] == 2 and calls == ["2025"]
    assert IndicatorValue.objects.filter(period="2025", slug="inspections", key=code).get().value == 2
    queries.indicator_values("2025")
    assert calls == ["2025"]  # served from the stored values

    _inspections([("i9", code, dt.date(2023, 1, 5))], "run-2")  # a fact of another year …
    queries.indicator_values("2025")
    assert calls == ["2025"]  # … leaves 2025 (which reads 2024 and 2025) alone

    _inspections([("i10", code, dt.date(2025, 9, 9))], "run-3")  # a late fact of 2025
    again = {(v.slug, v.key): v.value for v in queries.indicator_values("2025")}
    assert calls == ["2025", "2025"] and again[("inspections", code)] == 3
    assert IndicatorValue.objects.filter(period="2025", slug="inspections", key=code).get().value == 3


def test_open_periods_are_computed_live(facts: City) -> None:
    queries.indicator_values(engine.parse_period("2026", today=dt.date(2026, 11, 22)))
    assert not IndicatorValue.objects.filter(period="2026").exists()
