"""Demo: the first run of every clue model over the demo city, as the system (order 75: after the
exchange imports (60) and the platform cases (70), before the review round (80)), so a newcomer
opening the clue centre finds the planted problems of every model's kind (see docs/operations.md,
"Demo data"). A later `zhifa clues run` raises nothing new on the same data."""

from __future__ import annotations

from typing import Any

from zhifa.clues import actions
from zhifa.core import seeding

LAST_REPORT: list[dict[str, Any]] = []  # the report of the last seeding in this process (tests)


def seed_clues() -> str:
    report = actions.do_run_clues(None)
    LAST_REPORT[:] = [
        {k: v for k, v in report.items() if k != "models"}
        | {"models": [{k: m[k] for k in ("model", "raised", "new")} for m in report["models"]]}
    ]
    models = report["models"]
    quiet = [m["model"] for m in models if not m["raised"]]
    seeding.progress(
        f"问题线索：{len(models)} 个模型，新线索 {report['new']:,} 条（{report['seconds']:.1f} 秒）；"
        + "，".join(f"{m['model']} {m['raised']}" for m in models)
    )
    if quiet:
        seeding.progress(f"未发现线索的模型：{'、'.join(quiet)}")
    return f"问题线索：{len(models) - len(quiet)}/{len(models)} 个模型发现线索，共 {report['new']:,} 条"


@seeding.register("clues", order=75)
def seed_demo_clues() -> str:
    return seed_clues()
