"""The demo city holds a planted problem of every clue model's kind (issue 7, Demo): the small
demo city (laws, registry, logins, powers, the agencies' exports, platform cases), then the clue
seeder's first run raises clues for every model, a second run raises none new, and the
supervision seeder leaves work in every state of the disposition centre."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from tests.test_cases_demo import add_no_penalty_rules, run_demo
from zhifa.cases import demo
from zhifa.clues import actions
from zhifa.clues import seed as clue_seed
from zhifa.clues.catalogue import MODELS
from zhifa.core import seeding

CASES = 30
DEMO_SEEDERS = {"laws", "registry", "accounts", "powers", "exchange", "clues", "supervision"}


def seed_cases_published() -> str:
    """The demo cases, published to the analytical store at once: the seeder publishes them when
    its transaction commits, which the test's transaction never does."""
    from zhifa.cases.models import Case
    from zhifa.cases.publish import publish_cases

    summary = demo.seed_cases(CASES)
    publish_cases(list(Case.objects.values_list("pk", flat=True)))
    return summary


@pytest.fixture
def seeded(db, settings, tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seeders = {name: s for name, s in seeding.SEEDERS.items() if name in DEMO_SEEDERS}
    seeders["rules"] = seeding.Seeder("rules", add_no_penalty_rules, 65)
    seeders["cases"] = seeding.Seeder("cases", seed_cases_published, 70)
    monkeypatch.setattr(seeding, "SEEDERS", seeders)
    return run_demo()


def test_every_clue_model_raises_on_the_demo_and_a_second_run_raises_none_new(seeded):
    from zhifa.supervision.models import Disposition

    assert demo.REFUSED == []
    report = clue_seed.LAST_REPORT[0]
    raised = {m["model"]: m["raised"] for m in report["models"]}
    assert set(raised) == {m.slug for m in MODELS}
    quiet = sorted(slug for slug, n in raised.items() if n == 0)
    assert not quiet, f"models without a clue on the demo: {quiet}"
    again = actions.do_run_clues(None)
    assert again["new"] == 0 and again["raised"] == report["raised"]

    states = Counter(Disposition.objects.values_list("state", flat=True))
    assert {"triaged", "rectifying", "verifying", "closed", "decision_issued"} <= set(states)
    today = dt.date.today()
    rectifying = Disposition.objects.get(state="rectifying")
    assert rectifying.deadline > today
    decided = Disposition.objects.get(state="decision_issued")
    assert decided.overdue_since is not None
    outcomes = set(Disposition.objects.filter(state="closed").values_list("outcome", flat=True))
    assert outcomes == {"confirmed_rectified", "warning_acknowledged"}
    for disposition in Disposition.objects.prefetch_related("steps"):
        days = [s.done_on for s in disposition.steps.order_by("pk")]
        assert days == sorted(days) and all(d <= today for d in days)
