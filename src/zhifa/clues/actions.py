"""State changes of the clues app: running the models, backtests, verdicts, regional parameters.

* `do_run_clues` runs models over the store and stores the clues whose fingerprint is new, in one
  transaction with one audit entry for the run (its counts) — not one per clue: a run may raise
  thousands, and the clues are a pure function of facts that were audited when imported.
* A backtest (`backtest=True`) runs the same way, stores no clue, records the run (flagged) and
  reports what it would raise and its precision against the clues already marked.
* `do_mark_clue` records a verdict (true / false positive); `precision` aggregates them per model.
* `do_set_clue_parameter` sets a region's own value of a model parameter.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zhifa.clues import engine
from zhifa.clues.catalogue import BY_SLUG, ClueModel
from zhifa.clues.models import Clue, ClueModelVersion, ClueParameterSetting, ClueRun, Verdict
from zhifa.core import audit, roles
from zhifa.core.actions import get_for_change, is_system, optional_text, require_role_permission, require_text
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.core.models import Region
from zhifa.registry.models import Agency
from zhifa.rules.catalogue import find_region

CHUNK = 900  # fingerprints per IN (...) lookup: below SQLite's default variable limit


def _username(actor: Any) -> str:
    return "system" if is_system(actor) else actor.username


# --- model versions --------------------------------------------------------------------------


def model_version(model: ClueModel) -> ClueModelVersion:
    """The stored version row of the catalogue entry; refuses a changed definition whose version
    was not raised (a clue must name exactly the definition that raised it)."""
    found, created = ClueModelVersion.objects.get_or_create(
        slug=model.slug,
        version=model.version,
        defaults={"name": model.name, "definition_hash": model.definition_hash, "parameters": model.defaults},
    )
    if not created and found.definition_hash != model.definition_hash:
        raise ActionError(
            "model_changed_without_version",
            f"线索模型“{model.name}”的定义已修改，但版本号仍为 {model.version}，请提升版本号",
            "model",
            status=409,
        )
    return found


# --- parameters ------------------------------------------------------------------------------


def parse_overrides(model: ClueModel, raw: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """Backtest parameters: known names, numbers, within the parameter's bounds."""
    values: dict[str, Decimal] = {}
    for name, text in (raw or {}).items():
        try:
            p = model.param(name)
        except KeyError:
            raise ActionError("unknown_parameter", f"模型“{model.name}”没有参数“{name}”", "params") from None
        try:
            number = Decimal(str(text).strip())
        except (InvalidOperation, ValueError):
            raise ActionError("invalid", f"参数“{p.label}”应为数字", "params") from None
        if (
            not number.is_finite()
            or (p.minimum is not None and number < p.minimum)
            or (p.maximum is not None and number > p.maximum)
        ):
            raise ActionError("out_of_range", f"参数“{p.label}”超出允许范围", "params")
        values[name] = number
    return values


def do_set_clue_parameter(
    actor: Any, slug: str, parameter: str, region_code: str, value: Any, valid_from: dt.date, reason: str
) -> ClueParameterSetting:
    """A region's own value of a model parameter (for its subtree) from `valid_from`. Parameters
    backed by a rule are set in the rules app (`do_set_rule`), so the two can never disagree."""
    require_role_permission(actor, ClueParameterSetting, roles.ADD)
    model = engine.check_models([slug])[0]
    number = parse_overrides(model, {parameter: value})[parameter]
    if model.param(parameter).rule:
        raise ActionError(
            "rule_parameter",
            f"该参数取自规则“{model.param(parameter).rule}”，请在规则参数中设定",
            "parameter",
        )
    region = find_region(region_code, "region_code")
    if region is None:
        raise ActionError("required", "行政区划不能为空", "region_code")
    if not is_system(actor) and (actor.scope_region is None or not region.is_within(actor.scope_region)):
        raise PermissionDenied("只能设定本辖区及下级区划的模型参数")
    if valid_from is None:
        raise ActionError("required", "生效日期不能为空", "valid_from")
    text = require_text(reason, "reason", "设定理由", 2000)
    with transaction.atomic():
        setting = (
            ClueParameterSetting.objects.select_for_update()
            .filter(model_slug=slug, parameter=parameter, region=region, valid_from=valid_from)
            .first()
        )
        before = audit.snapshot(setting)
        if setting is None:
            setting = ClueParameterSetting(
                model_slug=slug, parameter=parameter, region=region, valid_from=valid_from
            )
        setting.value = number
        setting.reason = text
        setting.created_by = _username(actor)
        setting.save()
        audit.record_change(actor, "clues.set_parameter", setting, before)
    return setting


# --- running ---------------------------------------------------------------------------------


def _existing(fingerprints: list[str]) -> dict[str, tuple[int, str]]:
    """fingerprint -> (clue id, verdict) of the clues already stored."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(fingerprints), CHUNK):
        chunk = fingerprints[start : start + CHUNK]
        for pk, fp, verdict in Clue.objects.filter(fingerprint__in=chunk).values_list(
            "pk", "fingerprint", "verdict"
        ):
            found[fp] = (pk, verdict)
    return found


def _places(findings: Iterable[engine.Finding]) -> tuple[dict[str, tuple[int, str]], set[str]]:
    """Registry agencies (code -> (pk, region code)) and the known region codes of the findings."""
    codes = {f.agency_code for f in findings}
    agencies = {
        code: (pk, region)
        for code, pk, region in Agency.objects.filter(code__in=codes).values_list("code", "pk", "region_id")
    }
    snapshot_regions = {f.region_code for f in findings if f.region_code}
    regions = set(Region.objects.filter(code__in=snapshot_regions).values_list("code", flat=True))
    return agencies, regions


def _clue_dict(
    f: engine.Finding, model: ClueModel, stored: tuple[int, str] | None, new: bool
) -> dict[str, Any]:
    return {
        "id": stored[0] if stored else None,
        "fingerprint": f.fingerprint,
        "new": new,
        "agency_code": f.agency_code,
        "severity": model.severity,
        "title": f.title,
        "detail": f.detail,
        "identity": f.identity,
        "evidence": f.evidence,
        "parameters": f.parameters,
        **({"verdict": stored[1]} if stored and stored[1] else {}),
    }


def do_run_clues(
    actor: Any,
    models: Iterable[str] | None = None,
    backtest: bool = False,
    on: dt.date | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    reference: Any = None,
    con: Any = None,
) -> dict[str, Any]:
    """Run the models (default all) as of `on`; store new clues unless `backtest`. The report:
    {"run", "on", "backtest", "raised", "new", "seconds", "models": [{"model", "version", "raised",
    "new", "seconds", "clues": [...]} (+ "marked", "precision", "missed_true" for backtests)]}."""
    require_role_permission(actor, ClueRun, roles.ADD)
    chosen = engine.check_models(models)
    if params and not backtest:
        raise ActionError("params_need_backtest", "修改参数只能用于回测，正式运行使用已生效的参数", "params")
    overrides = {slug: parse_overrides(BY_SLUG[slug], values) for slug, values in (params or {}).items()}
    unknown = [slug for slug in overrides if slug not in {m.slug for m in chosen}]
    if unknown:
        raise ActionError("unknown_model", f"参数所属模型未在本次运行中：{'、'.join(unknown)}", "params")
    day = on or engine.store.today()
    started_at, started = timezone.now(), time.perf_counter()
    versions = {m.slug: model_version(m) for m in chosen}
    outcomes = engine.evaluate(chosen, day, overrides=overrides, reference=reference, con=con)
    findings = [f for o in outcomes for f in o.findings]
    existing = _existing([f.fingerprint for f in findings])
    agencies, regions = _places(findings)
    report_models, to_create, new_total = [], [], 0
    for outcome in outcomes:
        model = outcome.model
        seen_new: set[str] = set()
        clues = []
        for f in outcome.findings:
            new = f.fingerprint not in existing and f.fingerprint not in seen_new
            if new:
                seen_new.add(f.fingerprint)
                to_create.append((f, model))
            clues.append(_clue_dict(f, model, existing.get(f.fingerprint), new and not backtest))
        entry: dict[str, Any] = {
            "model": model.slug,
            "version": model.version,
            "name": model.name,
            "raised": len(outcome.findings),
            "new": 0 if backtest else len(seen_new),
            "seconds": round(outcome.seconds, 3),
            "clues": clues,
        }
        if backtest:
            entry.update(_backtest_summary(model, outcome, existing, overrides.get(model.slug, {})))
        new_total += entry["new"]
        report_models.append(entry)
    with transaction.atomic():
        run = ClueRun.objects.create(
            started_at=started_at,
            started_by=_username(actor),
            as_of=day,
            models_run=[{"model": m.slug, "version": m.version} for m in chosen],
            backtest=backtest,
            parameters={slug: {k: str(v) for k, v in values.items()} for slug, values in overrides.items()},
            raised=len(findings),
            new=new_total,
            counts={
                e["model"]: {"raised": e["raised"], "new": e["new"], "seconds": e["seconds"]}
                for e in report_models
            },
        )
        if not backtest and to_create:
            now = timezone.now()
            created = Clue.objects.bulk_create(
                [
                    _new_clue(f, model, versions[model.slug], run, agencies, regions, now)
                    for f, model in to_create
                ],
                batch_size=500,
            )
            ids = {c.fingerprint: c.pk for c in created if c.pk is not None}
            if len(ids) < len(created):  # backends that do not return ids from bulk inserts
                ids = dict(Clue.objects.filter(run=run).values_list("fingerprint", "pk"))
            for entry in report_models:
                for clue in entry["clues"]:
                    if clue["new"]:
                        clue["id"] = ids.get(clue["fingerprint"])
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["finished_at", "seconds"])
        audit.record_change(actor, "clues.backtest" if backtest else "clues.run", run, None)
    return {
        "run": run.pk,
        "on": day.isoformat(),
        "backtest": backtest,
        "raised": len(findings),
        "new": new_total,
        "seconds": run.seconds,
        "models": report_models,
    }


def _new_clue(
    f: engine.Finding,
    model: ClueModel,
    version: ClueModelVersion,
    run: ClueRun,
    agencies: dict[str, tuple[int, str]],
    regions: set[str],
    now: dt.datetime,
) -> Clue:
    agency = agencies.get(f.agency_code)
    region = agency[1] if agency else (f.region_code if f.region_code in regions else None)
    return Clue(
        model_slug=model.slug,
        model_version=model.version,
        model=version,
        agency_code=f.agency_code,
        agency_id=agency[0] if agency else None,
        region_id=region,
        severity=model.severity,
        title=f.title[:200],
        detail=f.detail,
        evidence=f.evidence,
        identity=f.identity[:400],
        fingerprint=f.fingerprint,
        parameters=f.parameters,
        raised_at=now,
        run=run,
    )


def _backtest_summary(
    model: ClueModel,
    outcome: engine.Outcome,
    existing: dict[str, tuple[int, str]],
    overrides: Mapping[str, Decimal],
) -> dict[str, Any]:
    """What the backtest's hits say against the verdicts already recorded for this model."""
    raised = {f.fingerprint for f in outcome.findings}
    verdicts = [existing[fp][1] for fp in raised if fp in existing]
    true = verdicts.count(Verdict.TRUE_POSITIVE)
    false = verdicts.count(Verdict.FALSE_POSITIVE)
    missed = (
        Clue.objects.filter(model_slug=model.slug, verdict=Verdict.TRUE_POSITIVE)
        .exclude(fingerprint__in=raised)
        .count()
        if len(raised) < 50_000
        else None
    )
    return {
        "parameters": {p.name: str(overrides.get(p.name, p.default)) for p in model.params},
        "marked": {"true_positive": true, "false_positive": false},
        "precision": round(true / (true + false), 4) if true + false else None,
        "missed_true": missed,
    }


# --- verdicts and precision ------------------------------------------------------------------


def do_mark_clue(actor: Any, clue_id: int, verdict: str, note: str | None = None) -> Clue:
    """Mark a clue true or false positive (or "" to clear). Supervisors of its region."""
    require_role_permission(actor, Clue, roles.CHANGE)
    if verdict not in Verdict.values:
        raise ActionError("invalid_choice", "核实结论应为 true_positive、false_positive 或空", "verdict")
    text = optional_text(note, "note", "核实说明", 2000)
    if verdict == Verdict.FALSE_POSITIVE and not text:
        raise ActionError("required", "标记为误报须说明理由", "note")
    with transaction.atomic():
        clue = get_for_change(actor, Clue, pk=clue_id)
        before = audit.snapshot(clue)
        clue.verdict = verdict
        clue.verdict_note = text
        clue.verdict_by = _username(actor) if verdict else ""
        clue.verdict_at = timezone.now() if verdict else None
        clue.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at"])
        audit.record_change(actor, "clues.verdict", clue, before)
    return clue


def precision(queryset: Any = None) -> dict[str, dict[str, Any]]:
    """Per model: raised, marked true/false and precision = true / (true + false) (None unmarked)."""
    rows = (
        (queryset if queryset is not None else Clue.objects.all())
        .values("model_slug", "verdict")
        .annotate(n=Count("pk"))
    )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        slot = out.setdefault(row["model_slug"], {"raised": 0, "true_positive": 0, "false_positive": 0})
        slot["raised"] += row["n"]
        if row["verdict"]:
            slot[row["verdict"]] += row["n"]
    for slot in out.values():
        marked = slot["true_positive"] + slot["false_positive"]
        slot["precision"] = round(slot["true_positive"] / marked, 4) if marked else None
    return out
