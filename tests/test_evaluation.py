"""Efficiency evaluation: a hand-computed scheme, explanations adding up to the points lost, the
clue and rectification components, the PDF's text, the API and who may see what."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.test_supervision_support import make_clue
from zhifa.core.roles import Role
from zhifa.evaluation import actions, scoring
from zhifa.evaluation.models import EvaluationResult
from zhifa.evaluation.schemes import DEFAULT_COMPONENTS, Component, markdown_table
from zhifa.indicators.engine import parse_period


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


SCHEME = [
    Component(
        "on_time", "按期办结率", "indicator", Decimal("40"), slug="on_time_rate", low=60, high=100, unit="%"
    ),
    Component(
        "correction",
        "复议诉讼纠错率",
        "indicator",
        Decimal("20"),
        slug="correction_rate",
        low=0,
        high=10,
        unit="%",
    ),
    Component(
        "conversion",
        "举报案件立案查处率",
        "indicator",
        Decimal("20"),
        mapping="rank",
        slug="complaint_conversion",
        unit="%",
    ),
    Component("review", "案卷评查平均分", "review", Decimal("20"), low=60, high=95, unit="分"),
]


@pytest.fixture
def fixed_values(city, monkeypatch):
    c, w, n = city.market_city.code, city.market_wuxing.code, city.ecology_nanxun.code
    indicators = {
        "on_time_rate": {c: 90.0, w: 100.0, n: 50.0},
        "correction_rate": {c: 2.5, w: 0.0, n: 12.0},
        "complaint_conversion": {c: 80.0, w: 80.0, n: 40.0},
        "acts": {c: 200.0, w: 0.0, n: 50.0},
    }
    monkeypatch.setattr(scoring, "indicator_values", lambda period, agencies, slugs: indicators)
    monkeypatch.setattr(scoring, "review_values", lambda period, region: {c: 88.0, w: 95.0})
    return c, w, n


def test_hand_computed_scores_and_explanations(city, users, fixed_values):
    c, w, n = fixed_values
    scheme = actions.do_publish_scheme(users[Role.SUPERVISOR], "测试方案", SCHEME, code="test")
    e = actions.do_evaluate(users[Role.SUPERVISOR], scheme.pk, "2026", "330500")
    results = {r.agency_code: r for r in e.results.all()}
    assert set(results) == {c, w, n}  # the region's agencies, not 杭州's
    # 市局: on time 40×(90−60)/40 = 30; correction 20×(10−2.5)/10 = 15; conversion rank 1 of 3
    # (tied with 吴兴) = 20; review 20×(88−60)/35 = 16 → 81
    assert results[c].score == Decimal("81.00")
    assert results[w].score == Decimal("100.00")
    # 南浔: every value at or beyond the worst end, rank 3 of 3, no review score → 0
    assert results[n].score == Decimal("0.00")
    assert [(r.agency_code, r.rank) for r in e.results.all()] == [(w, 1), (c, 2), (n, 3)]
    for r in results.values():
        lost = sum(Decimal(x["lost"]) for x in r.explanations)
        assert lost == Decimal(100) - r.score
        assert all(x["explanation"] for x in r.explanations)
    texts = {x["code"]: x["explanation"] for x in results[c].explanations}
    assert set(texts) == {"on_time", "correction", "review"}
    assert (
        texts["on_time"]
        == "按期办结率为90%，低于满分标准100%（60%及以下不得分，其间按线性计分），得30分，扣10分"
    )
    assert texts["correction"].startswith("复议诉讼纠错率为2.5%，高于满分标准0%")
    nanxun = {x["code"]: x["explanation"] for x in results[n].explanations}
    assert nanxun["review"] == "案卷评查平均分本期无数据，按方案计0分，扣20分"
    assert "在3个有数据的执法主体中排第3名" in nanxun["conversion"]


def test_clue_and_rectification_components(city, fixed_values):
    from zhifa.supervision.models import Disposition, DispositionStep

    c, w, n = fixed_values
    period = parse_period("2026")
    for _ in range(3):
        clue = make_clue(city.market_city)
        clue.verdict, clue.raised_at = "true_positive", timezone.make_aware(dt.datetime(2026, 5, 1))
        clue.save()
    make_clue(city.ecology_nanxun)  # not confirmed: does not count
    values = scoring.clue_values(period, [c, w, n], {c: 200.0, w: 0.0, n: 50.0})
    assert values == {c: 1.5, w: 0.0, n: 0.0}  # 3 per 200 acts = 1.5 per 100

    def disposition(agency, deadline, report_on, overdue=None):
        clue = make_clue(agency)
        d = Disposition.objects.create(
            clue=clue,
            number=f"D-{clue.pk}",
            agency=agency,
            region_id=agency.region_id,
            state="closed",
            deadline=deadline,
            overdue_since=overdue,
        )
        if report_on:
            DispositionStep.objects.create(
                disposition=d, code="submit_report", done_on=report_on, by="x", data={}
            )

    disposition(city.market_city, dt.date(2026, 3, 31), dt.date(2026, 3, 30))
    disposition(city.market_city, dt.date(2026, 4, 30), dt.date(2026, 5, 6), overdue=dt.date(2026, 5, 1))
    disposition(city.market_wuxing, dt.date(2026, 6, 30), dt.date(2026, 6, 30))
    disposition(city.market_wuxing, dt.date(2025, 6, 30), None)  # another period
    assert scoring.rectification_values(period, [c, w, n]) == {c: 50.0, w: 100.0}
    # the default scheme: 南浔 has no notice due → the rectification component scores full
    clue_c = next(x for x in DEFAULT_COMPONENTS if x.code == "rectification")
    assert scoring.score_component(clue_c, {c: 50.0, w: 100.0}, [c, w, n])[n].points == clue_c.weight


def test_default_scheme_documented_and_weights():
    assert sum(c.weight for c in DEFAULT_COMPONENTS) == 100
    doc = (Path(__file__).resolve().parents[1] / "docs" / "evaluation.md").read_text(encoding="utf-8")
    assert markdown_table() in doc


def test_default_scheme_runs_on_the_engine(city, users):
    """No data at all: every agency gets a result, with an explanation for each point lost."""
    e = actions.do_evaluate(users[Role.SUPERVISOR], None, "2026", "330500")
    assert e.scheme.version == 1 and e.results.count() == 3
    for r in e.results.all():
        assert sum(Decimal(x["lost"]) for x in r.explanations) == Decimal(100) - r.score


def test_api_pdf_and_scope(city, users, api_as, fixed_values, client):
    from pypdf import PdfReader

    c, w, n = fixed_values
    sup = api_as(Role.SUPERVISOR)
    scheme = actions.do_publish_scheme(None, "测试方案", SCHEME, code="test")
    created = sup.post(
        "/evaluation/evaluations", {"period": "2026", "region_code": "330500", "scheme_id": scheme.pk}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [r["agency_code"] for r in body["ranking"]] == [w, c, n]
    detail = sup.get(f"/evaluation/evaluations/{body['id']}/agencies/{c}").json()
    assert detail["score"] == 81.0 and len(detail["explanations"]) == 3

    pdf = sup.get(f"/evaluation/evaluations/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    compact = "".join(text.split())
    for expected in (
        "执法效能评价报告",
        "评价排名",
        "湖州市吴兴区市场监督管理局",
        "失分说明",
        "扣10分",
        "81.00",
    ):
        assert expected in compact, expected

    agency = api_as(Role.AGENCY_LEAD)  # 湖州市市场监督管理局
    mine = agency.get("/evaluation/results").json()
    assert [(r["agency_code"], r["score"]) for r in mine] == [(c, 81.0)]
    assert agency.get(f"/evaluation/evaluations/{body['id']}/agencies/{w}").status_code == 404
    assert agency.get(f"/evaluation/evaluations/{body['id']}").status_code == 403
    assert (
        agency.post("/evaluation/evaluations", {"period": "2026", "region_code": "330500"}).status_code == 403
    )
    for role in (Role.HOTLINE_OPERATOR, Role.AUDITOR, Role.SYSADMIN):
        assert api_as(role).get("/evaluation/results").status_code == 403
    outside = sup.post("/evaluation/evaluations", {"period": "2026", "region_code": "330100"})
    assert outside.status_code == 403

    client.force_login(users[Role.SUPERVISOR])
    page = client.get(f"/evaluation/{body['id']}/").content.decode()
    assert "排名" in page and f"/evaluation/{body['id']}/agencies/{c}/" in page
    drill = client.get(f"/evaluation/{body['id']}/agencies/{c}/").content.decode()
    assert "按期办结率为90%" in drill
    assert client.get(f"/evaluation/{body['id']}/pdf/").status_code == 200
    client.force_login(users[Role.AGENCY_LEAD])
    assert "81.00" in client.get("/evaluation/").content.decode()
    assert EvaluationResult.objects.count() == 3
