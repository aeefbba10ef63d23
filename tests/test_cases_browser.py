"""A real browser (Debian's Chromium through Playwright) on a phone-sized viewport against the real
server (`zhifa serve`) on a fresh database: an officer files a general-procedure case through the
pages and walks it to the lead's decision inside the benchmark tier — investigation, prior notice
served, statement received and answered — checking the state and the statutory clocks shown at
each step, and a refused decision that shows its article and keeps what the lead typed.

Server, database and browser handling follow tests/test_browser.py (whose helpers are reused)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.test_browser import SCREENSHOT_DIR, Server, chromium_browser, seeded_server
from tests.test_browser import _login as login

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}

# Runs inside `zhifa manage shell`: a market bureau with a food-safety penalty power and its
# benchmark, two certified officers, an officer and a lead user. Dates relative to today.
SEED = """
import datetime as dt, json
from decimal import Decimal
from zhifa.accounts.models import User
from zhifa.core.identifiers import ric_check_char, uscc_check_char
from zhifa.laws.models import Article, FineRange, Law, LawVersion, Paragraph, PenaltyProvision
from zhifa.powers import actions as powers
from zhifa.registry import actions
from zhifa.rules import clocks

def credit(region, serial, kind="11"):
    body = f"{kind}{region}{serial:09d}"[:17]
    return body + uscc_check_char(body)

def ric(region, serial):
    body = f"{region}19850317{serial:03d}"
    return body + ric_check_char(body)

today = dt.date.today()
market = actions.do_create_agency(None, actions.AgencyInput(
    code=credit("330500", 1), name="湖州市市场监督管理局", kind="statutory", region_code="330500",
    domain_codes=["market_regulation"]))

def officer(name, serial, number):
    o = actions.do_create_officer(None, actions.OfficerInput(
        name=name, id_number=ric("330500", serial), agency_code=market.code))
    actions.do_issue_certificate(None, actions.CertificateInput(
        number=number, officer_id=o.pk, domain_code="market_regulation",
        issued_on=today - dt.timedelta(days=400), expires_on=today + dt.timedelta(days=900)))
    return o

zhang = officer("张伟", 3, "ZJ3305-0001")
liu = officer("刘洋", 4, "ZJ3305-0002")
text = ("违反本法规定，未取得食品生产经营许可从事食品生产经营活动的，……货值金额不足一万元的，"
        "并处五万元以上十万元以下罚款；货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款。")
law = Law.objects.create(name="食品安全法", title="中华人民共和国食品安全法")
version = LawVersion.objects.create(law=law, effective_date=dt.date(2021, 4, 29), title=law.title,
                                    content_hash="0" * 64)
art = Article.objects.create(version=version, number=122, label="第一百二十二条", text=text, sort_order=122)
Paragraph.objects.create(article=art, number=1, text=text)
provision = PenaltyProvision.objects.create(
    article=art, paragraph_number=1, conduct="未取得食品生产经营许可从事食品生产经营活动",
    department="县级以上人民政府食品安全监督管理部门",
    penalty_kinds=["confiscate_gains", "confiscate_property", "fine"], text=text)
FineRange.objects.create(provision=provision, kind="fixed", minimum=Decimal(50000), maximum=Decimal(100000),
                         condition="货值金额不足一万元的", text="并处五万元以上十万元以下罚款")
power = powers.do_add_power(None, powers.PowerInput(
    name="对未取得食品生产经营许可从事食品生产经营活动的行政处罚", kind="penalty", holder_code=market.code,
    domain_code="market_regulation", conduct="未取得食品生产经营许可从事食品生产经营活动",
    effective_from=dt.date(2024, 1, 1),
    basis=[powers.BasisInput(article_id=art.pk, paragraph_number=1)], provision_ids=[provision.pk]))
powers.do_set_benchmark(None, power.code, [
    powers.TierInput(tier="lenient", minimum=50000, maximum=65000, circumstances="货值金额较小", base_below=10000),
    powers.TierInput(tier="general", minimum=65000, maximum=85000, circumstances="一般情形", base_below=10000),
    powers.TierInput(tier="aggravated", minimum=85000, maximum=100000, circumstances="多次违法", base_below=10000),
])
tiers = {t.tier: t.pk for t in power.benchmarks.get().tiers.all()}
for username, role, full_name, linked in [("hz-officer", "officer", "张伟", zhang), ("hz-lead", "agency_lead", "钱局长", None)]:
    user = User(username=username, role=role, full_name=full_name, agency=market, officer=linked)
    user.set_password(PASSWORD)
    user.save()
print("SEED " + json.dumps({
    "power": power.pk, "zhang": zhang.pk, "liu": liu.pk, "lenient": tiers["lenient"],
    "today": today.isoformat(),
    "started": (today - dt.timedelta(days=40)).isoformat(), "ended": (today - dt.timedelta(days=30)).isoformat(),
    "decision_due": clocks.decision_deadline(today, 0, market.region).isoformat(),
    "service_due": clocks.service_deadline(today, market.region).isoformat(),
}))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with seeded_server(SEED, "zhifa-cases-browser-") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server):
    with chromium_browser() as chromium:
        yield chromium


def _login(browser, server: Server, username: str):
    return login(browser, server, username, **PHONE)


def _no_overflow(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone screen"


def _open_step(page, name: str) -> None:
    """Click a transition button: HTMX loads its small form under the buttons."""
    from playwright.sync_api import expect

    with page.expect_response(lambda r: f"/steps/{name}/" in r.url) as answer:
        page.click(f"#case-actions a[data-transition={name}]")
    assert answer.value.status == 200 and "<html" not in answer.value.text()
    expect(page.locator(f"#step-{name}")).to_be_visible()


def _submit_step(page, name: str, state_label: str) -> None:
    """Submit the open form; on success the server tells HTMX to reload the case page."""
    from playwright.sync_api import expect

    page.locator(f"#step-{name} button[type=submit]").click()
    expect(page.locator(".alert.success")).to_contain_text("已办理")
    expect(page.locator("#case-state")).to_have_text(state_label)


def _clock(page, code: str):
    return page.locator(f"#case-clocks li[data-clock={code}]")


def test_officer_walks_a_general_case_from_filing_to_decision(browser, server: Server) -> None:
    from playwright.sync_api import expect

    seed = server.seed
    context, page = _login(browser, server, "hz-officer")
    try:
        # the menu (folded on the phone) leads to the workbench, and from there to filing
        page.click(".nav-toggle")
        page.click("#site-nav >> text=案件工作台")
        expect(page.locator("h1")).to_have_text("案件工作台")
        page.click(".page-head >> text=立案")
        expect(page.locator("h1")).to_have_text("立案")
        _no_overflow(page)
        page.select_option("select[name=power]", str(seed["power"]))
        page.check(f"input[name=officers][value='{seed['zhang']}']")
        page.check(f"input[name=officers][value='{seed['liu']}']")
        page.select_option("select[name=party_kind]", "organisation")
        page.fill("#id_party_name", "湖州浏览器食品有限公司")
        page.fill("#id_party_address", "湖州市吴兴区凤凰路1号")
        page.fill("#id_violation_started_on", seed["started"])
        page.fill("#id_violation_ended_on", seed["ended"])
        page.fill("#id_facts", "未取得食品经营许可从事食品销售，货值金额5000元")
        page.click("#file-case button[type=submit]")
        expect(page.locator(".alert.success")).to_contain_text("已立案")
        expect(page.locator("#case-state")).to_have_text("立案")
        case_url = page.url
        number = page.locator("h1").inner_text()
        assert re.fullmatch(r".+罚〔\d{4}〕1号", number), number
        decision = _clock(page, "decision")
        expect(decision).to_contain_text(seed["decision_due"])
        expect(decision).to_have_attribute("data-state", "running")
        expect(page.locator("#case-documents")).to_contain_text("立案审批表")
        _no_overflow(page)

        # 调查取证 → 案件审查
        _open_step(page, "investigate")
        _submit_step(page, "investigate", "调查取证")
        _open_step(page, "submit_review")
        expect(page.locator("#id_submit_review-facts")).to_have_value(re.compile("货值金额5000元"))
        _submit_step(page, "submit_review", "案件审查")

        # 事先告知: proposed fine of 60,000 yuan (below the hearing threshold for organisations)
        _open_step(page, "serve_notice")
        page.check("input[name='serve_notice-proposed_kinds'][value=fine]")
        page.fill("#id_serve_notice-proposed_fine", "60000")
        _submit_step(page, "serve_notice", "事先告知")
        expect(page.locator("#case-documents")).to_contain_text("行政处罚事先告知书")
        expect(_clock(page, "decision")).to_have_attribute("data-state", "running")
        expect(page.locator("#case-clocks li[data-clock=hearing_request]")).to_have_count(0)

        # 陈述申辩 received; the decision is the lead's, not offered to the officer
        _open_step(page, "receive_statement")
        page.fill("#id_receive_statement-text", "初次违法，请求从轻处罚")
        _submit_step(page, "receive_statement", "事先告知")
        expect(page.locator("#case-actions a[data-transition=decide]")).to_have_count(0)
        expect(page.locator("#case-actions")).to_contain_text("其他角色可办理")
        _no_overflow(page)

        # the lead tries to decide before the statement was answered: refused, input kept
        lead_context, lead = _login(browser, server, "hz-lead")
        try:
            lead.goto(case_url)
            _open_step(lead, "decide")
            lead.select_option("#id_decide-benchmark_tier_id", str(seed["lenient"]))
            lead.fill("#id_decide-base_amount", "5000")
            lead.fill("#id_decide-evidence", "现场检查笔录、询问笔录、销售台账")
            expect(lead.locator("#id_decide-fine_amount")).to_have_value(re.compile(r"^60000"))
            lead.locator("#step-decide button[type=submit]").click()
            expect(lead.locator("#step-decide .alert.error")).to_contain_text("第四十五条")
            expect(lead.locator("#id_decide-evidence")).to_have_value("现场检查笔录、询问笔录、销售台账")
            expect(lead.locator("#id_decide-base_amount")).to_have_value(re.compile(r"^5000"))
            expect(lead.locator("#case-state")).to_have_text("事先告知")
            _no_overflow(lead)
            lead.screenshot(path=str(SCREENSHOT_DIR / "zhifa_case_refused.png"), full_page=True)

            # the officer answers the statement
            _open_step(page, "answer_statement")
            page.fill("#id_answer_statement-text", "经复核，当事人系初次违法，已在裁量阶次内从轻")
            page.check("#id_answer_statement-adopted")
            _submit_step(page, "answer_statement", "事先告知")

            # the lead submits the same form again: decided inside the lenient tier
            lead.locator("#step-decide button[type=submit]").click()
            expect(lead.locator(".alert.success")).to_contain_text("作出决定")
            expect(lead.locator("#case-state")).to_have_text("决定")
        finally:
            lead_context.close()

        # the officer sees the decision, the clocks and the next step (service)
        page.goto(case_url)
        expect(page.locator("#case-state")).to_have_text("决定")
        expect(_clock(page, "decision")).to_have_attribute("data-state", "met")
        expect(_clock(page, "decision")).to_contain_text(f"已完成 {seed['today']}")
        service = _clock(page, "service")
        expect(service).to_contain_text(seed["service_due"])
        expect(service).to_have_attribute("data-state", "running")
        expect(page.locator("#case-facts")).to_contain_text("60000")
        expect(page.locator("#case-documents")).to_contain_text("行政处罚决定书")
        expect(page.locator("#case-actions a[data-transition=serve]")).to_be_visible()
        expect(page.locator("#case-timeline")).to_contain_text("作出决定")
        expect(page.locator("#case-timeline")).to_contain_text("hz-lead")
        _no_overflow(page)
        page.screenshot(path=str(SCREENSHOT_DIR / "zhifa_case_decided.png"), full_page=True)

        # back on the workbench: the case with its state and service clock, among my cases
        page.goto("/cases/?mine=1")
        row = page.locator(".case-row").filter(has_text=number)
        expect(row).to_have_count(1)
        expect(row.locator(".case-state")).to_have_text("决定")
        expect(row.locator("li[data-clock=service]")).to_contain_text(seed["service_due"])
        expect(page.locator("#my-steps")).to_contain_text("送达决定书")
        _no_overflow(page)
    finally:
        context.close()
