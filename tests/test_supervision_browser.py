"""A real browser (Debian's Chromium through Playwright) against the real server (`zhifa serve`) on
a fresh database: the supervisor takes up a clue in the 处置中心, triages it, investigates and
issues a 监督意见书; the agency lead finds it in the 整改收件箱 and submits a rectification report
with an evidence file; the supervisor accepts it and the disposition is closed. A second
disposition whose rectification deadline passed is highlighted as overdue and ends with a
监督决定书.

Server, database and browser handling follow tests/test_browser.py (whose helpers are reused).
The clues are written into the database by the seed (raising them is the clues app's business);
the overdue one is walked to its notice through the actions and then its deadline is moved into
the past in the database — the passage of time, which a browser cannot wait for."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.test_browser import SCREENSHOT_DIR, Server, chromium_browser, seeded_server
from tests.test_browser import _login as login

pytestmark = pytest.mark.browser

SEED = """
import datetime as dt, hashlib, json
from django.utils import timezone
from zhifa.accounts.models import User
from zhifa.clues.models import Clue, ClueModelVersion, ClueRun
from zhifa.core.identifiers import uscc_check_char
from zhifa.registry import actions
from zhifa.supervision import actions as supervision
from zhifa.supervision.models import Disposition

def credit(region, serial, kind="11"):
    body = f"{kind}{region}{serial:09d}"[:17]
    return body + uscc_check_char(body)

today = dt.date.today()
market = actions.do_create_agency(None, actions.AgencyInput(
    code=credit("330500", 1), name="湖州市市场监督管理局", kind="statutory", region_code="330500",
    domain_codes=["market_regulation"]))
actions.do_create_agency(None, actions.AgencyInput(
    code=credit("330500", 2), name="湖州市司法局", kind="statutory", region_code="330500",
    domain_codes=["justice"]))
users = {}
for username, role, agency, region in [("hz-supervisor", "supervisor", None, "330500"),
                                       ("hz-lead", "agency_lead", market, None)]:
    user = User(username=username, role=role, agency=agency, region_id=region)
    user.set_password(PASSWORD)
    user.save()
    users[username] = user
version = ClueModelVersion.objects.create(slug="late_decision", version=1, name="逾期作出处罚决定",
                                          definition_hash="0" * 64, parameters={"days": 90})
run = ClueRun.objects.create(started_at=timezone.now(), started_by="system", as_of=today)

def clue(n, title):
    return Clue.objects.create(
        model_slug="late_decision", model_version=1, model=version, agency_code=market.code, agency=market,
        region_id="330500", severity="high", title=title, detail=f"案件 湖市监罚〔2026〕{n}号 立案后 120 日才作出决定。",
        evidence=[{"family": "case", "source_system": "zhifa", "source_id": str(n), "number": f"湖市监罚〔2026〕{n}号"}],
        identity=f"case:{n}", fingerprint=hashlib.sha256(f"late_decision|{n}".encode()).hexdigest(),
        raised_at=timezone.now(), run=run)

fresh = clue(1, "处罚决定超期未作出（浏览器）")
late = clue(2, "处罚决定超期未作出（逾期整改）")
d = supervision.do_open_disposition(None, late.pk)
supervision.do_transition(users["hz-supervisor"], d.pk, "triage", {"procedure": "simple"})
supervision.do_transition(users["hz-supervisor"], d.pk, "issue_notice",
                          {"requirement": "逐件说明原因", "deadline": (today + dt.timedelta(days=5)).isoformat()})
Disposition.objects.filter(pk=d.pk).update(deadline=today - dt.timedelta(days=3))  # time passes
print("SEED " + json.dumps({"fresh": fresh.pk, "late": d.pk, "deadline": (today + dt.timedelta(days=20)).isoformat()}))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with seeded_server(SEED, "zhifa-supervision-browser-") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server):
    with chromium_browser() as chromium:
        yield chromium


def _open_step(page, name: str) -> None:
    from playwright.sync_api import expect

    with page.expect_response(lambda r: f"/steps/{name}/" in r.url) as answer:
        page.click(f"#disposition-actions a[data-transition={name}]")
    assert answer.value.status == 200 and "<html" not in answer.value.text()
    expect(page.locator(f"#step-{name}")).to_be_visible()


def _submit_step(page, name: str, state_label: str) -> None:
    from playwright.sync_api import expect

    page.locator(f"#step-{name} button[type=submit]").click()
    expect(page.locator(".alert.success")).to_contain_text("已办理")
    expect(page.locator("#disposition-state")).to_have_text(state_label)


def test_clue_from_triage_to_verified_close(browser, server: Server, tmp_path) -> None:
    from playwright.sync_api import expect

    seed = server.seed
    context, page = login(browser, server, "hz-supervisor")
    try:
        page.click("#site-nav >> text=处置中心")
        expect(page.locator("h1")).to_have_text("处置中心")
        pending = page.locator(f"#pending-clues li[data-clue='{seed['fresh']}']")
        expect(pending).to_contain_text("处罚决定超期未作出（浏览器）")
        pending.locator("button[type=submit]").click()
        expect(page.locator(".alert.success")).to_contain_text("已受理线索")
        expect(page.locator("#disposition-state")).to_have_text("待分拣")
        number = page.locator("h1").inner_text()
        assert re.fullmatch(r"监处〔\d{4}〕\d+号", number), number
        url = page.url

        _open_step(page, "triage")
        page.select_option("#id_triage-procedure", "general")
        _submit_step(page, "triage", "已分拣")
        _open_step(page, "start_investigation")
        _submit_step(page, "start_investigation", "核查中")
        _open_step(page, "issue_notice")
        page.fill("#id_issue_notice-requirement", "对超期案件逐件说明原因，建立办案期限预警")
        page.fill("#id_issue_notice-deadline", seed["deadline"])
        _submit_step(page, "issue_notice", "已发监督通知")
        expect(page.locator("#disposition-documents")).to_contain_text("行政执法监督意见书")
        expect(page.locator("#disposition-documents")).to_contain_text(re.compile(r"湖司法监意〔\d{4}〕1号"))
        expect(page.locator("#disposition-deadline")).to_contain_text(seed["deadline"])
    finally:
        context.close()

    # the agency lead: the inbox shows the notice and its deadline; the report with a file
    context, page = login(browser, server, "hz-lead")
    try:
        page.click("#site-nav >> text=整改收件箱")
        row = page.locator("#inbox-rectifying li.disposition").filter(has_text=number)
        expect(row).to_contain_text(seed["deadline"])
        row.locator("a").first.click()
        expect(page.locator("h1")).to_have_text(number)
        expect(page.locator("#disposition-documents")).to_contain_text("行政执法监督意见书")
        pdf = page.request.get(page.locator("#disposition-documents a").first.get_attribute("href"))
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        _open_step(page, "submit_report")
        page.fill("#id_submit_report-text", "已逐件说明原因，并上线办案期限预警功能")
        proof = tmp_path / "整改台账.pdf"
        proof.write_bytes(b"%PDF-1.4 rectification ledger")
        page.set_input_files("#id_submit_report-files", str(proof))
        _submit_step(page, "submit_report", "待验收")
        expect(page.locator("#disposition-steps tr[data-step=submit_report]")).to_contain_text("整改台账.pdf")
        expect(page.locator("#disposition-actions a[data-transition=accept_rectification]")).to_have_count(0)
    finally:
        context.close()

    # the supervisor verifies and closes
    context, page = login(browser, server, "hz-supervisor")
    try:
        page.goto(url)
        _open_step(page, "accept_rectification")
        page.fill("#id_accept_rectification-opinion", "整改到位")
        _submit_step(page, "accept_rectification", "已办结")
        expect(page.locator("#disposition-outcome")).to_have_text("整改到位")
        timeline = page.locator("#disposition-timeline")
        for label in ("受理线索", "签发文书", "上传整改证据", "提交整改报告", "验收通过、办结"):
            expect(timeline).to_contain_text(label)
        page.screenshot(path=str(SCREENSHOT_DIR / "zhifa-supervision-closed.png"), full_page=True)
    finally:
        context.close()


def test_overdue_rectification_ends_with_a_decision(browser, server: Server) -> None:
    from playwright.sync_api import expect

    late = server.seed["late"]
    context, page = login(browser, server, "hz-supervisor")
    try:
        page.goto("/supervision/")
        expect(page.locator("#overdue-summary")).to_contain_text("整改已逾期")
        row = page.locator(f"li.disposition[data-disposition='{late}']")
        expect(row).to_have_class(re.compile(r"\boverdue\b"))
        row.locator("a").first.click()
        expect(page.locator("#disposition-deadline .badge")).to_have_text("已逾期")
        _open_step(page, "issue_decision")
        page.fill("#id_issue_decision-decision", "责令限期纠正超期案件，并报送纠正结果")
        _submit_step(page, "issue_decision", "已作出监督决定")
        expect(page.locator("#disposition-documents")).to_contain_text("行政执法监督决定书")
        _open_step(page, "close")
        _submit_step(page, "close", "已办结")
        expect(page.locator("#disposition-outcome")).to_have_text("已作出监督决定")
    finally:
        context.close()
