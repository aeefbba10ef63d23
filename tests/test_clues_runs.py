"""Runs, dedup, versions, backtests, verdicts and precision, regional parameters, scope, the
API, the command and docs/clues.md — over the conftest city snapshotted into an isolated store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.core.management import call_command

from tests.conftest import City
from zhifa.analytics import store
from zhifa.clues import actions, catalogue, engine
from zhifa.clues.models import Clue, ClueModelVersion, ClueRun
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role

D = dt.date
ON = D(2026, 11, 22)
SLUG = "decision_overdue"


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _cases(rows: list[tuple[str, str, dt.date, dt.date]], run: str = "r1") -> None:
    """(source_id, agency code, filed_on, decided_on) general-procedure cases."""
    n = len(rows)
    store.upsert(
        "case",
        pa.table(
            {
                "source_system": ["t"] * n,
                "source_id": [r[0] for r in rows],
                "case_number": [f"案-{r[0]}" for r in rows],
                "agency_code": [r[1] for r in rows],
                "power_code": ["P"] * n,
                "entity_kind": ["enterprise"] * n,
                "entity_name": ["某公司"] * n,
                "procedure": ["general"] * n,
                "filed_on": [r[2] for r in rows],
                "decided_on": [r[3] for r in rows],
                "notice_served_on": [r[3] for r in rows],
                "status": ["decided"] * n,
            }
        ),
        run,
    )


@pytest.fixture
def late(city: City) -> City:
    """Three late decisions (150 days): two of the Wuxing bureau (330502), one of Hangzhou (330100)."""
    store.snapshot_registry()
    _cases(
        [
            ("c1", city.market_wuxing.code, D(2026, 1, 1), D(2026, 6, 1)),
            ("c2", city.market_wuxing.code, D(2026, 2, 1), D(2026, 7, 1)),
            ("c3", city.other_city.code, D(2026, 1, 1), D(2026, 6, 1)),
            ("ok", city.market_wuxing.code, D(2026, 1, 1), D(2026, 2, 1)),
        ]
    )
    return city


def _run(actor: Any = None, **kwargs: Any) -> dict[str, Any]:
    return actions.do_run_clues(actor, [SLUG], on=ON, **kwargs)


def test_a_run_stores_new_clues_once_with_one_audit_entry(late: City) -> None:
    before = AuditEntry.objects.count()
    report = _run()
    assert report["new"] == 3 and report["raised"] == 3
    (entry,) = report["models"]
    assert {k: entry[k] for k in ("model", "version", "raised", "new")} == {
        "model": SLUG,
        "version": 1,
        "raised": 3,
        "new": 3,
    }
    assert all(c["new"] and c["id"] for c in entry["clues"])
    assert AuditEntry.objects.count() == before + 1
    audit_entry = AuditEntry.objects.order_by("-seq").first()
    assert audit_entry.action == "clues.run" and '"new":3' in audit_entry.after
    clue = Clue.objects.get(agency_code=late.other_city.code)
    assert clue.agency == late.other_city and clue.region_id == "330100"
    assert clue.model.slug == SLUG and clue.model_version == 1 and clue.evidence[0]["source_id"] == "c3"
    second = _run()
    assert second["new"] == 0 and second["raised"] == 3
    assert not any(c["new"] for c in second["models"][0]["clues"])
    assert Clue.objects.count() == 3 and ClueRun.objects.count() == 2


def test_new_facts_raise_only_their_own_clue(late: City) -> None:
    _run()
    _cases([("c4", late.market_city.code, D(2026, 3, 1), D(2026, 9, 1))], run="r2")
    assert _run()["new"] == 1


def test_a_new_model_version_does_not_raise_the_same_problem_again(late: City, monkeypatch) -> None:
    _run()
    model = catalogue.BY_SLUG[SLUG]
    changed = dataclasses.replace(model, version=2, sql=model.sql + "\n-- v2")
    monkeypatch.setitem(catalogue.BY_SLUG, SLUG, changed)
    monkeypatch.setattr(engine, "BY_SLUG", catalogue.BY_SLUG)
    report = _run()
    assert report["models"][0]["version"] == 2 and report["new"] == 0
    assert set(ClueModelVersion.objects.filter(slug=SLUG).values_list("version", flat=True)) == {1, 2}
    assert set(Clue.objects.values_list("model_version", flat=True)) == {1}


def test_a_changed_definition_needs_a_new_version(late: City, monkeypatch) -> None:
    _run()
    model = catalogue.BY_SLUG[SLUG]
    monkeypatch.setitem(catalogue.BY_SLUG, SLUG, dataclasses.replace(model, sql=model.sql + "\n-- edited"))
    monkeypatch.setattr(engine, "BY_SLUG", catalogue.BY_SLUG)
    with pytest.raises(ActionError) as error:
        _run()
    assert error.value.code == "model_changed_without_version" and error.value.status == 409


def test_a_backtest_stores_no_clue_and_reports_precision(late: City, users) -> None:
    _run()
    supervisor = users[Role.SUPERVISOR]
    wuxing = list(Clue.objects.filter(agency_code=late.market_wuxing.code).order_by("pk"))
    actions.do_mark_clue(supervisor, wuxing[0].pk, "true_positive", "属实")
    actions.do_mark_clue(supervisor, wuxing[1].pk, "false_positive", "已批准延长，来源系统漏报")
    count = Clue.objects.count()
    same = actions.do_run_clues(supervisor, [SLUG], backtest=True, on=ON)
    entry = same["models"][0]
    assert same["backtest"] and same["new"] == 0 and entry["raised"] == 3
    assert entry["marked"] == {"true_positive": 1, "false_positive": 1} and entry["precision"] == 0.5
    # c2 took 150 days, c1 151: a 150-day limit keeps only c1 — the true one
    stricter = actions.do_run_clues(
        supervisor, [SLUG], backtest=True, on=ON, params={SLUG: {"decision_days": "150"}}
    )
    entry = stricter["models"][0]
    assert entry["parameters"]["decision_days"] == "150"
    assert entry["precision"] == 1.0 and entry["missed_true"] == 0
    assert Clue.objects.count() == count
    assert ClueRun.objects.filter(backtest=True).count() == 2
    assert actions.precision()[SLUG] == {
        "raised": 3,
        "true_positive": 1,
        "false_positive": 1,
        "precision": 0.5,
    }


def test_parameters_are_for_backtests_only_and_checked(late: City) -> None:
    with pytest.raises(ActionError) as error:
        _run(params={SLUG: {"decision_days": "100"}})
    assert error.value.code == "params_need_backtest"
    with pytest.raises(ActionError) as error:
        _run(backtest=True, params={SLUG: {"nope": "1"}})
    assert error.value.code == "unknown_parameter"
    with pytest.raises(ActionError) as error:
        actions.do_run_clues(None, ["no_such_model"], on=ON)
    assert error.value.code == "unknown_model"


def test_a_region_sets_its_own_parameter(late: City, users) -> None:
    """湖州 (330500) allows 200 days for the gap-inspection model's cousin: here the rule-backed
    extension is not touched; a model-owned parameter of another model is set for 330502."""
    actions.do_set_clue_parameter(
        users[Role.SUPERVISOR],
        "fine_outlier_low",
        "ratio",
        "330502",
        "0.5",
        D(2026, 1, 1),
        "本地同类案件差异大",
    )
    model = catalogue.BY_SLUG["fine_outlier_low"]
    agencies = [(late.market_wuxing.code, "330502"), (late.other_city.code, "330100")]
    from zhifa.clues import params

    groups = {codes: dict(values)["ratio"] for values, codes in params.groups(model, agencies, ON)}
    assert {str(v) for v in groups.values()} == {"0.5000", "0.2"}
    with pytest.raises(PermissionDenied):
        actions.do_set_clue_parameter(
            users[Role.SUPERVISOR], "fine_outlier_low", "ratio", "330100", "0.5", D(2026, 1, 1), "越权"
        )
    with pytest.raises(ActionError) as error:
        actions.do_set_clue_parameter(
            users[Role.SUPERVISOR], SLUG, "decision_days", "330502", "100", D(2026, 1, 1), "规则参数"
        )
    assert error.value.code == "rule_parameter"


def test_a_regional_rule_setting_changes_a_rule_backed_parameter(late: City) -> None:
    from zhifa.rules.actions import do_set_rule

    do_set_rule(None, "decision_extension_days", "330502", "60", D(2025, 1, 1), "部门规章规定")
    model = catalogue.BY_SLUG[SLUG]
    agencies = [(late.market_wuxing.code, "330502"), (late.other_city.code, "330100")]
    from zhifa.clues import params

    found = {codes: dict(values)["extension_days"] for values, codes in params.groups(model, agencies, ON)}
    assert found == {frozenset({late.market_wuxing.code}): 60, frozenset({late.other_city.code}): 30}


def test_verdicts_are_for_supervisors_of_the_region(late: City, users) -> None:
    _run()
    other = Clue.objects.get(agency_code=late.other_city.code)
    mine = Clue.objects.filter(agency_code=late.market_wuxing.code).first()
    with pytest.raises(ActionError) as error:
        actions.do_mark_clue(users[Role.SUPERVISOR], other.pk, "true_positive")
    assert error.value.status == 404  # 杭州 lies outside 湖州
    with pytest.raises(PermissionDenied):
        actions.do_mark_clue(users[Role.OFFICER], mine.pk, "true_positive")
    with pytest.raises(ActionError) as error:
        actions.do_mark_clue(users[Role.SUPERVISOR], mine.pk, "false_positive", "")
    assert error.value.code == "required"
    with pytest.raises(ActionError) as error:
        actions.do_mark_clue(users[Role.SUPERVISOR], mine.pk, "maybe")
    assert error.value.code == "invalid_choice"
    marked = actions.do_mark_clue(users[Role.SUPERVISOR], mine.pk, "true_positive", "核实属实")
    assert marked.verdict_by == users[Role.SUPERVISOR].username and marked.verdict_at is not None
    assert AuditEntry.objects.filter(action="clues.verdict", object_id=str(mine.pk)).count() == 1


# --- API -------------------------------------------------------------------------------------


def test_the_api_lists_clues_in_scope(late: City, api_as) -> None:
    _run()
    supervisor = api_as(Role.SUPERVISOR).get("/clues")
    assert supervisor.status_code == 200
    assert {c["agency_code"] for c in supervisor.json()["items"]} == {late.market_wuxing.code}
    assert supervisor.json()["count"] == 2
    officer = api_as(Role.OFFICER).get("/clues")  # the officer works at the city bureau: none
    assert officer.status_code == 200 and officer.json()["count"] == 0
    for role in (Role.AUDITOR, Role.SYSADMIN, Role.HOTLINE_OPERATOR):
        assert api_as(role).get("/clues").status_code == 403
    other = Clue.objects.get(agency_code=late.other_city.code)
    assert api_as(Role.SUPERVISOR).get(f"/clues/{other.pk}").status_code == 404
    mine = supervisor.json()["items"][0]
    detail = api_as(Role.SUPERVISOR).get(f"/clues/{mine['id']}").json()
    assert detail["evidence"][0]["family"] == "case" and detail["model_slug"] == SLUG
    filtered = api_as(Role.SUPERVISOR).get("/clues", model=SLUG, verdict="unset", severity="medium")
    assert filtered.json()["count"] == 2
    assert api_as(Role.SUPERVISOR).get("/clues", model="power_unexercised").json()["count"] == 0


def test_the_api_marks_a_clue_and_reports_precision(late: City, api_as) -> None:
    _run()
    client = api_as(Role.SUPERVISOR)
    clue = client.get("/clues").json()["items"][0]
    response = client.post(f"/clues/{clue['id']}/verdict", {"verdict": "true_positive", "note": "属实"})
    assert response.status_code == 200 and response.json()["verdict"] == "true_positive"
    bad = client.post(f"/clues/{clue['id']}/verdict", {"verdict": "bogus"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_choice"
    assert api_as(Role.OFFICER).post(f"/clues/{clue['id']}/verdict", {"verdict": ""}).status_code == 403
    models = {m["slug"]: m for m in client.get("/clues/models").json()}
    assert len(models) == len(catalogue.MODELS)
    assert models[SLUG]["precision"] == 1.0 and models[SLUG]["raised"] == 2
    assert models[SLUG]["params"][0]["rule"] == "decision_days"


def test_the_api_runs_and_backtests(late: City, api_as) -> None:
    response = api_as(Role.SUPERVISOR).post("/clues/runs", {"models": [SLUG], "on": "2026-11-22"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["new"] == 3 and body["models"][0]["new"] == 3
    assert {c["agency_code"] for c in body["models"][0]["clues"]} == {late.market_wuxing.code}
    sysadmin = api_as(Role.SYSADMIN).post("/clues/runs", {"models": [SLUG], "on": "2026-11-22"})
    assert sysadmin.status_code == 200 and sysadmin.json()["new"] == 0
    assert sysadmin.json()["models"][0]["clues"] == []  # 三员分立: counts, no clue contents
    assert api_as(Role.OFFICER).post("/clues/runs", {}).status_code == 403
    back = api_as(Role.SUPERVISOR).post(
        "/clues/backtest", {"model": SLUG, "params": {"decision_days": "200"}, "on": "2026-11-22"}
    )
    assert back.status_code == 200 and back.json()["models"][0]["raised"] == 0
    unknown = api_as(Role.SUPERVISOR).post("/clues/backtest", {"model": "nope"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_model"


# --- command and docs ------------------------------------------------------------------------


def _command(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("clues", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_reports_json(late: City) -> None:
    first = _command("run", "--model", SLUG, "--on", "2026-11-22", "--json")
    assert first["new"] == 3
    (entry,) = first["models"]
    assert set(entry) >= {"model", "version", "raised", "new", "clues"}
    clue = entry["clues"][0]
    assert set(clue) >= {"fingerprint", "agency_code", "title", "detail", "evidence", "severity"}
    assert clue["evidence"][0]["family"] == "case"
    assert _command("run", "--model", SLUG, "--on", "2026-11-22", "--json")["new"] == 0
    back = _command(
        "backtest", "--model", SLUG, "--param", "decision_days=200", "--on", "2026-11-22", "--json"
    )
    assert back["backtest"] and back["models"][0]["raised"] == 0
    everything = _command("run", "--on", "2026-11-22", "--json")
    assert [m["model"] for m in everything["models"]] == [m.slug for m in catalogue.MODELS]


def test_the_command_refuses_bad_input(late: City) -> None:
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("clues", "run", "--model", "nope", stderr=err)
    assert "unknown_model" in err.getvalue()


def test_docs_list_every_model() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "clues.md").read_text(encoding="utf-8")
    assert catalogue.markdown_table() in text
