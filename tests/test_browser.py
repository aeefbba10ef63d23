"""A real browser (Debian's Chromium through Playwright) against the real server (`zhifa serve`,
gunicorn) on a fresh database: login, HTMX search, forms with Chinese errors, scope, audit,
and the phone-width layout.

The server runs as a subprocess rather than through pytest-django's live_server, whose flush
between tests would empty the regions loaded by a data migration."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BIN = Path(sys.executable).parent
PASSWORD = "Zf-browser-pass-2026"
SCREENSHOT_DIR = Path(tempfile.gettempdir())

pytestmark = pytest.mark.browser

# Runs inside `zhifa manage shell`: a small city built through the action functions.
SEED = """
import datetime as dt, json
from zhifa.accounts.actions import UserInput, do_create_user
from zhifa.accounts.models import User
from zhifa.core.identifiers import ric_check_char, uscc_check_char
from zhifa.registry import actions

def credit(region, serial, kind="11"):
    body = f"{kind}{region}{serial:09d}"[:17]
    return body + uscc_check_char(body)

def ric(region, serial):
    body = f"{region}19850317{serial:03d}"
    return body + ric_check_char(body)

def agency(name, region, serial):
    return actions.do_create_agency(None, actions.AgencyInput(
        code=credit(region, serial), name=name, kind="statutory", region_code=region,
        domain_codes=["market_regulation"]))

def officer(agency, name, serial, number, expires_on):
    o = actions.do_create_officer(None, actions.OfficerInput(
        name=name, id_number=ric(agency.region_id, serial), agency_code=agency.code, phone="13905720000"))
    actions.do_issue_certificate(None, actions.CertificateInput(
        number=number, officer_id=o.pk, domain_code="market_regulation",
        issued_on=dt.date.today() - dt.timedelta(days=400), expires_on=expires_on))
    return o

today = dt.date.today()
market = agency("湖州市市场监督管理局", "330500", 1)
other = agency("杭州市市场监督管理局", "330100", 2)
zhang = officer(market, "张伟", 3, "ZJ3305-0001", today + dt.timedelta(days=900))
li = officer(market, "李娜", 4, "ZJ3305-0002", today + dt.timedelta(days=30))
officer(other, "王芳", 5, "ZJ3301-0001", today + dt.timedelta(days=900))
for i, name in enumerate(["湖州织里童装有限公司", "湖州南浔木业有限公司", "湖州吴兴茶叶合作社"]):
    actions.do_create_entity(None, actions.EntityInput(
        kind="enterprise", name=name, region_code="330502", credit_code=credit("330502", 10 + i, "91"),
        industry="C"))
admin_of_users = User(username="sysadmin", role="sysadmin", region_id="330500", full_name="系统管理员")
admin_of_users.set_password(PASSWORD)
admin_of_users.save()
for username, role, full_name, agency_id, region_id in [
    ("hz-admin", "agency_admin", "钱进", market.pk, None),
    ("hz-supervisor", "supervisor", "孙监督", None, "330500"),
    ("auditor", "auditor", "周审计", None, None),
]:
    do_create_user(admin_of_users, UserInput(username=username, role=role, full_name=full_name,
                                             agency_id=agency_id, region_id=region_id), PASSWORD)
print("SEED " + json.dumps({"other_agency": other.pk, "market_agency": market.pk, "li": li.pk,
                            "li_id_number": li.id_number}))
"""


@dataclass
class Server:
    url: str
    seed: dict
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _database(data_dir: Path) -> Iterator[str]:
    """A fresh PostgreSQL database when DATABASE_URL names a server, else SQLite in the data dir."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{data_dir / 'browser.sqlite3'}"
        return
    import psycopg

    name = f"zhifa_browser_{os.getpid()}"
    parts = urlsplit(base)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"server did not answer /healthz within {timeout}s:\n{log.read_text()}")


@contextmanager
def seeded_server(seed_script: str, prefix: str) -> Iterator[Server]:
    """`zhifa serve` on a fresh data directory (and database) seeded by `seed_script`, run in
    `zhifa manage shell`; the script prints one line ``SEED {json}`` handed to the tests."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with _database(data_dir) as database_url:
            env = {
                **os.environ,
                "ZHIFA_DATA_DIR": str(data_dir),
                "DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "zhifa.settings",
            }
            env.pop("ZHIFA_DEBUG", None)
            zhifa = str(BIN / "zhifa")
            _run([zhifa, "manage", "migrate", "--no-input", "-v", "0"], env)
            out = _run([zhifa, "manage", "shell", "-c", f"PASSWORD = {PASSWORD!r}\n{seed_script}"], env)
            seed = json.loads(re.search(r"^SEED (.*)$", out, re.M).group(1))
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            log = data_dir / "server.log"
            with log.open("w") as log_file:
                process = subprocess.Popen(
                    [zhifa, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                _wait_healthy(url, process, log)
                yield Server(url, seed, log)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def chromium_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with seeded_server(SEED, "zhifa-browser-") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server):
    with chromium_browser() as chromium:
        yield chromium


def _login(browser, server: Server, username: str, **context_args):
    context = browser.new_context(base_url=server.url, locale="zh-CN", **context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    return context, page


def _is_htmx(response) -> bool:
    return response.request.headers.get("hx-request") == "true"


def _agency_admin_walks_the_registry(browser, server: Server) -> None:
    from playwright.sync_api import expect

    context, page = _login(browser, server, "hz-admin")
    try:
        expect(page.locator("h1")).to_contain_text("您好，钱进")
        expect(page.locator(".userbox")).to_contain_text("单位管理员")
        expect(page.locator(".userbox")).to_contain_text("湖州市市场监督管理局")
        expiring = page.locator(".stat").filter(has_text="60日内到期证件")
        expect(expiring.locator(".stat-value")).to_have_text("1")

        # officers: HTMX search swaps only the table and pushes the URL
        page.click("#site-nav >> text=执法人员")
        expect(page.locator("#results tbody tr")).to_have_count(2)
        search = page.locator("input[name=q]")
        with page.expect_response(lambda r: "q=" in r.url and _is_htmx(r)) as answer:
            search.fill("李")
            search.press("End")  # keyup: hx-trigger="keyup changed delay:300ms"
        assert answer.value.status == 200 and "<html" not in answer.value.text()
        expect(page.locator("#results tbody tr")).to_have_count(1)
        expect(page.locator("#results")).to_contain_text("李娜")
        expect(page).to_have_url(re.compile(r"/registry/officers/\?q=%E6%9D%8E"))

        # officer detail: full ID number for the agency admin, the certificate and its standing today
        page.click("#results >> text=李娜")
        expect(page.locator("h1")).to_have_text("李娜")
        expect(page.locator(".id-number")).to_have_text(server.seed["li_id_number"])
        expect(page.locator("#certificates")).to_contain_text("ZJ3305-0002")
        expect(page.locator("#certificates .badge")).to_have_text("有效")
        expect(page.locator("#certificate-events")).to_contain_text("发证")

        # certificates: the standing filter refreshes the table through HTMX
        page.click("#site-nav >> text=执法证件")
        expect(page.locator("#results tbody tr")).to_have_count(2)
        with page.expect_response(lambda r: "standing=expiring" in r.url and _is_htmx(r)):
            page.select_option("select[name=standing]", "expiring")
        expect(page.locator("#results tbody tr")).to_have_count(1)
        expect(page.locator("#results")).to_contain_text("ZJ3305-0002")

        # entities: a wrong credit code is refused next to its field, then the right one is saved
        page.click("#site-nav >> text=行政相对人")
        expect(page.locator("#results tbody tr")).to_have_count(3)
        page.click("text=新增行政相对人")
        page.fill("#id_name", "湖州浏览器测试食品有限公司")
        page.fill("#id_credit_code", "91330502MA2B3C4D5X")
        page.fill("#id_region_code", "330502")
        page.click("button:has-text('保存')")
        expect(page.locator(".field-credit_code .errors")).to_have_text("统一社会信用代码校验位错误")
        expect(page.locator("#id_credit_code")).to_have_attribute("aria-invalid", "true")
        page.fill("#id_credit_code", _valid_credit_code("91330502MA2B3C4D5"))
        page.click("button:has-text('保存')")
        expect(page.locator("h1")).to_have_text("湖州浏览器测试食品有限公司")
        expect(page.locator(".alert.success")).to_have_text("行政相对人已登记")
        expect(page.locator("#history")).to_contain_text("新增行政相对人")
        expect(page.locator("#history")).to_contain_text("hz-admin")

        # regions: from my jurisdiction down one level, inside the results fragment
        page.click("#site-nav >> text=行政区划")
        page.click("text=我的辖区")
        expect(page.locator("#results")).to_contain_text("吴兴区")
        with page.expect_response(lambda r: "parent=330502" in r.url and _is_htmx(r)):
            page.click("#results tbody >> text=吴兴区")
        expect(page.locator("#results .breadcrumbs")).to_contain_text("浙江省")
        expect(page.locator("#results .breadcrumbs")).to_contain_text("吴兴区")
        expect(page.locator("#results tbody")).to_contain_text("街道")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SCREENSHOT_DIR / "zhifa_regions_desktop.png"), full_page=False)
    finally:
        context.close()


def _valid_credit_code(first17: str) -> str:
    from zhifa.core.identifiers import uscc_check_char

    return first17 + uscc_check_char(first17)


def _supervisor_gets_404_outside_its_region(browser, server: Server) -> None:
    from playwright.sync_api import expect

    context, page = _login(browser, server, "hz-supervisor")
    try:
        outside = page.goto(f"/registry/agencies/{server.seed['other_agency']}/")
        assert outside.status == 404
        expect(page.locator("h1")).to_have_text("记录不存在")
        inside = page.goto(f"/registry/agencies/{server.seed['market_agency']}/")
        assert inside.status == 200
        expect(page.locator("h1")).to_have_text("湖州市市场监督管理局")
        page.goto(f"/registry/officers/{server.seed['li']}/")
        masked = page.locator(".id-number").inner_text()
        assert masked != server.seed["li_id_number"] and masked.count("*") == 8
    finally:
        context.close()


def _auditor_sees_the_entity_creation(browser, server: Server) -> None:
    from playwright.sync_api import expect

    context, page = _login(browser, server, "auditor")
    try:
        expect(page.locator("#site-nav a")).to_have_text(["审计日志"])
        page.click("#site-nav >> text=审计日志")
        with page.expect_response(lambda r: "action=registry.entity_create" in r.url and _is_htmx(r)):
            page.fill("input[name=action]", "registry.entity_create")
            page.press("input[name=action]", "Enter")
        rows = page.locator("#results tbody tr")
        created_by_admin = rows.filter(has_text="hz-admin")
        expect(created_by_admin).to_have_count(1)  # the entity the agency admin created in the browser
        expect(created_by_admin).to_contain_text("新增行政相对人")
        created_by_admin.locator("a").first.click()
        expect(page.locator("pre.json").last).to_contain_text("湖州浏览器测试食品有限公司")
        expect(page.locator(".hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        assert page.goto("/registry/entities/").status == 403
    finally:
        context.close()


def _phone_width_menu_collapses_and_nothing_overflows(browser, server: Server) -> None:
    from playwright.sync_api import expect

    phone = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2}
    context, page = _login(browser, server, "hz-admin", **phone)
    try:
        nav = page.locator("#site-nav")
        toggle = page.locator(".nav-toggle")
        expect(toggle).to_be_visible()
        expect(nav).to_be_hidden()
        toggle.click()
        expect(nav).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav.locator("a")).to_have_text(
            [
                "案件工作台",
                "执法监督驾驶舱",
                "处置中心",
                "整改收件箱",
                "案卷评查",
                "效能评价",
                "执法主体",
                "执法人员",
                "执法证件",
                "行政相对人",
                "行政区划",
                "法律法规",
                "权责清单",
            ]
        )
        nav.locator("text=行政相对人").click()
        expect(page.locator("#results tbody tr").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the phone screen"
        # stacked table: each cell carries its column name
        label = page.evaluate(
            "getComputedStyle(document.querySelector('#results tbody td'), '::before').content"
        )
        assert label == '"名称/姓名"'
        expect(nav).to_be_hidden()  # a new page starts with the menu folded
        page.screenshot(path=str(SCREENSHOT_DIR / "zhifa_mobile_entities.png"), full_page=True)
        toggle.click()
        expect(nav).to_be_visible()
        page.screenshot(path=str(SCREENSHOT_DIR / "zhifa_mobile_menu.png"))
    finally:
        context.close()


def test_walkthrough_in_a_real_browser(browser, server: Server) -> None:
    """One ordered walk: later steps look for what earlier ones created (and xdist must not
    split them across workers with separate servers)."""
    _agency_admin_walks_the_registry(browser, server)
    _supervisor_gets_404_outside_its_region(browser, server)
    _auditor_sees_the_entity_creation(browser, server)
    _phone_width_menu_collapses_and_nothing_overflows(browser, server)
