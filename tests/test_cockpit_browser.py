"""A real browser (Debian's Chromium through Playwright) through the cockpit of the seeded demo
city, against the real server (`zhifa serve`): a supervisor opens the overview, a KPI tile shows
the API's number for the same slice, an agency's page shows the API's value for that agency, a
power's page lists its records and a record's page shows its number. The charts are drawn by
the locally served ECharts. Server, database and browser handling: tests/test_browser.py.

The demo city is seeded at the small size (13 agencies, ≈2,400 facts in the analytical store,
all dated 2025) by the demo seeders the exchange needs — laws, registry, accounts, powers,
exchange — in ≈15 s; the cases seeder is left out (it only adds case-handling records)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest

from tests.test_browser import SCREENSHOT_DIR, Server, chromium_browser, seeded_server
from tests.test_browser import _login as login

pytestmark = pytest.mark.browser

PERIOD = "2025"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}

# Runs inside `zhifa manage shell`: the demo city through the demo seeders, and the demo
# supervisor's password set to the browser tests' one.
SEED = """
import json, os
os.environ["ZHIFA_DEMO_SIZE"] = "small"
from django.core.management import call_command
from zhifa.accounts.models import User
from zhifa.core import seeding
keep = {"laws", "registry", "accounts", "powers", "exchange"}
seeding.SEEDERS = {name: s for name, s in seeding.SEEDERS.items() if name in keep}
call_command("demo", "--no-serve")
supervisor = User.objects.get(username="supervisor")
supervisor.set_password(PASSWORD)
supervisor.save()
print("SEED " + json.dumps({"supervisor": supervisor.username}))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with seeded_server(SEED, "zhifa-cockpit-browser-") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server):
    with chromium_browser() as chromium:
        yield chromium


def _number(text: str) -> float:
    return float(text.replace(",", "").strip())


def _api_values(page, **params: str) -> dict[tuple[str, str], float | None]:
    query = "&".join(f"{k}={v}" for k, v in {"period": PERIOD, **params}.items())
    response = page.request.get(f"/api/v1/indicators?{query}")
    assert response.ok, response.text()
    return {(v["slug"], v["key"]): v["value"] for v in response.json()["values"]}


def test_supervisor_drills_from_the_region_to_a_record(browser, server: Server) -> None:
    context, page = login(browser, server, server.seed["supervisor"])
    try:
        page.goto(f"/cockpit/?period={PERIOD}")
        assert page.locator("h1").first.inner_text() == "执法监督驾驶舱"

        # a KPI tile equals the API's total for the same slice (the supervisor's region)
        totals = _api_values(page, by="total")
        tile = page.locator('.kpi[data-slug="penalties"] .kpi-value')
        assert totals[("penalties", "*")] and totals[("penalties", "*")] > 0
        assert _number(tile.inner_text()) == totals[("penalties", "*")]
        acts = page.locator('.kpi[data-slug="acts"] .kpi-value')
        assert _number(acts.inner_text()) == totals[("acts", "*")]

        # the charts are drawn by the local ECharts
        page.wait_for_selector('[data-chart="planets"][data-ready="1"] canvas')
        page.wait_for_selector('[data-chart="lines"][data-ready="1"] canvas')
        page.screenshot(path=str(SCREENSHOT_DIR / "cockpit-overview.png"), full_page=True)

        # choose the colouring indicator: the page reloads with it in the ranking
        with page.expect_navigation():
            page.select_option("#indicator-select", "penalties")
        assert "行政处罚决定数" in page.locator("#rankings h2").inner_text()

        # click the first agency of the ranking
        link = page.locator("#rankings tbody a").first
        name = link.inner_text()
        link.click()
        page.wait_for_url(re.compile(r"/cockpit/agencies/"))
        code = unquote(urlsplit(page.url).path).rstrip("/").split("/")[-1]
        assert page.locator("#agency-name").inner_text() and name
        assert code in page.locator(".details dd.mono").first.inner_text()
        page.screenshot(path=str(SCREENSHOT_DIR / "cockpit-agency.png"), full_page=True)
        agency_values = _api_values(page, agency=code)
        cell = page.locator('#indicators td[data-key="penalties"]')
        assert _number(cell.inner_text()) == agency_values[("penalties", code)]
        cell = page.locator('#indicators td[data-key="inspections"]')
        assert _number(cell.inner_text()) == agency_values[("inspections", code)]

        # click a power the agency used in the period: its records appear
        power = page.locator("#powers tbody tr:not(.is-unused) a").first
        power.click()
        page.wait_for_url(re.compile(r"/cockpit/powers/"))
        assert page.locator("#power-name").inner_text()
        page.wait_for_selector("#records-list .record-link")
        page.screenshot(path=str(SCREENSHOT_DIR / "cockpit-power.png"), full_page=True)
        record = page.locator("#records-list .record-link").first
        number = record.inner_text().strip()
        assert number
        record.click()
        page.wait_for_url(re.compile(r"/cockpit/records/"))
        assert page.locator("#record-number").inner_text().strip() == number
    except Exception:
        page.screenshot(path=str(SCREENSHOT_DIR / "cockpit-failure.png"), full_page=True)
        raise
    finally:
        context.close()


def test_overview_fits_a_phone_screen(browser, server: Server) -> None:
    context, page = login(browser, server, server.seed["supervisor"], **PHONE)
    try:
        for url in (f"/cockpit/?period={PERIOD}", f"/cockpit/alignment/?period={PERIOD}"):
            page.goto(url)
            page.wait_for_selector('[data-chart][data-ready="1"] canvas')
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (url, overflow)
    except Exception:
        page.screenshot(path=str(SCREENSHOT_DIR / "cockpit-phone-failure.png"), full_page=True)
        raise
    finally:
        context.close()
