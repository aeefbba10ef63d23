"""The review demo on the small demo city: platform cases published by the cases seeder are
sampled from the store and pre-scored from their relational documents and steps; the planted
problems the data can show are deducted; the demo round ends closed with its agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cases_demo import CASES, DEMO_SEEDERS, add_no_penalty_rules, run_demo
from zhifa.cases import demo
from zhifa.cases.publish import publish_cases
from zhifa.core import seeding
from zhifa.review import actions, queries
from zhifa.review.models import ReviewRound, RoundState
from zhifa.review.seed import seed_review


@pytest.fixture
def seeded(db, settings, tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    seeders = {name: s for name, s in seeding.SEEDERS.items() if name in DEMO_SEEDERS}
    seeders["rules"] = seeding.Seeder("rules", add_no_penalty_rules, 65)
    seeders["cases"] = seeding.Seeder("cases", lambda: demo.seed_cases(CASES), 70)
    monkeypatch.setattr(seeding, "SEEDERS", seeders)
    run_demo()
    # the cases seeder publishes after its commit, which never comes inside a test transaction
    publish_cases()
    return seed_review()


def test_demo_round_and_platform_prescoring(seeded):
    assert "已结束" in seeded
    rnd = ReviewRound.objects.get()
    assert rnd.state == RoundState.CLOSED and rnd.cases.exists()
    report = queries.report(rnd)
    assert report["agreement"]["cases"] == rnd.cases.filter(double=True).count()
    platform = [c for c in rnd.cases.all() if c.is_platform_case]
    assert platform, "the platform's own published cases are in the population"
    # platform cases have their document list: the document items are decided, not left open
    general = [c for c in platform if c.record.get("procedure") == "general"]
    assert general and all(c.findings["filing_approval"]["outcome"] != "undecided" for c in general)

    # every closed case of the period: the planted problems the data shows are deducted
    full = actions.do_create_round(
        None,
        actions.RoundInput(
            name="全量", period=rnd.period, region_code=rnd.region_id, sample_size=2000, seed=1
        ),
    )
    actions.do_draw_sample(None, full.pk)
    actions.do_prescore(None, full.pk)
    deducted = {
        (c.case_number, s.item.code)
        for c in full.cases.all()
        for s in c.scores.select_related("item")
        if s.deduction > 0
    }
    drawn = set(full.cases.values_list("case_number", flat=True))
    expected = {
        "late_decision": "decision_on_time",
        "outside_tier": "within_tier",
        "late_service": "service_on_time",
    }
    checked = 0
    for problem in demo.PLANTED:
        item = expected.get(problem.code)
        for number in problem.case_numbers:
            if item and number in drawn:
                assert (number, item) in deducted, (problem.code, number)
                checked += 1
    assert checked, "no planted problem among the closed cases"


def test_demo_evaluation_counts_the_review(seeded):
    from zhifa.evaluation.seed import seed_evaluation

    assert "效能评价" in seed_evaluation()
    from zhifa.evaluation.models import EvaluationResult

    results = list(EvaluationResult.objects.all())
    scores = queries.agency_scores(ReviewRound.objects.get().period)
    assert results and scores
    for r in results:
        review = next(c for c in r.components if c["code"] == "review")
        assert (review["value"] is not None) == (r.agency_code in scores)
        assert sum(float(c["lost"]) for c in r.explanations) == pytest.approx(100 - float(r.score))
