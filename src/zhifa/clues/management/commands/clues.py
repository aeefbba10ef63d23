"""`zhifa clues run [--model SLUG]... [--on DATE] [--json]` and
`zhifa clues backtest --model SLUG [--param k=v]... [--on DATE] [--json]`.

Runs as the system (every agency of the installation); the JSON report is what
`actions.do_run_clues` returns: per model {"model", "version", "raised", "new", "clues"}, and the
run's total "new". Schedule `zhifa clues run` nightly (docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.clues.actions import do_run_clues
from zhifa.core.errors import ActionError


class Command(BaseCommand):
    help = "运行问题线索模型（run）或回测（backtest）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="运行模型并保存新线索")
        run.add_argument("--model", action="append", default=None, help="只运行此模型（可重复）")
        run.add_argument("--on", default=None, help="评估日期 YYYY-MM-DD（默认今天）")
        run.add_argument("--json", action="store_true")
        back = sub.add_parser("backtest", help="回测模型（不保存线索）")
        back.add_argument("--model", action="append", required=True)
        back.add_argument("--param", action="append", default=[], help="参数 k=v（可重复）")
        back.add_argument("--on", default=None)
        back.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["on"]) if options["on"] else None
        except ValueError:
            self.stderr.write("bad_date：评估日期格式应为 YYYY-MM-DD")
            raise SystemExit(2) from None
        backtest = options["action"] == "backtest"
        try:
            params = _params(options.get("param") or [], options["model"]) if backtest else None
            report = do_run_clues(None, options["model"], backtest=backtest, on=on, params=params)
        except ActionError as error:
            self.stderr.write(f"{error.code}：{error.message}")
            raise SystemExit(2) from error
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, default=str))
            return
        label = "回测" if backtest else "运行"
        for entry in report["models"]:
            extra = (
                f"，精确率 {entry['precision']}" if backtest and entry.get("precision") is not None else ""
            )
            self.stdout.write(
                f"{entry['model']:<36} v{entry['version']}  命中 {entry['raised']:>6}  新增 {entry['new']:>6}"
                f"  {entry['seconds']:.2f} 秒{extra}"
            )
        self.stdout.write(
            f"{label} #{report['run']}（{report['on']}）：命中 {report['raised']}，新增线索 {report['new']}，"
            f"用时 {report['seconds']:.1f} 秒"
        )


def _params(items: list[str], models: list[str]) -> dict[str, dict[str, str]]:
    """`k=v` (for the only model) or `slug.k=v`."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ActionError("invalid", f"参数应写成 名称=值：{item}", "param")
        slug, dot, param = name.rpartition(".")
        if not dot:
            if len(models) != 1:
                raise ActionError("invalid", "回测多个模型时参数应写成 模型.名称=值", "param")
            slug, param = models[0], name
        out.setdefault(slug, {})[param] = value
    return out
