"""`zhifa import FAMILY FILE... --source NAME [--mapping MAP.yaml] [--json]`.

Runs as the system (imports are operations, not a user's request). Prints the reconciled
counts; with ``--json`` the run report only. On a terminal a progress line shows rows and rate.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.core.errors import ActionError
from zhifa.exchange.actions import do_import_file
from zhifa.exchange.schema import FAMILIES


def _progress(rows: int, seconds: float) -> None:
    rate = rows / seconds if seconds > 0 else 0.0
    sys.stderr.write(f"\r已读取 {rows:,} 行  {rate:,.0f} 行/秒")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "按交换格式导入文件（CSV/XLSX/JSON/JSON Lines），可用映射文件转换；输出对账结果。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("family", choices=FAMILIES, help="数据族")
        parser.add_argument("paths", nargs="+", help="文件")
        parser.add_argument("--source", required=True, help="来源系统代码（source_system）")
        parser.add_argument("--mapping", default=None, help="映射文件（YAML）")
        parser.add_argument("--json", action="store_true", help="只输出 JSON 报告")
        parser.add_argument(
            "--no-refresh",
            action="store_true",
            help="导入后不刷新指标（默认刷新已物化的指标并预热本年度汇总）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = _progress if sys.stderr.isatty() else None
        try:
            report = do_import_file(
                None,
                options["family"],
                options["paths"],
                options["source"],
                mapping_path=options["mapping"],
                progress=progress,
            )
        except ActionError as error:
            self.stderr.write(f"导入失败：{error.message}")
            raise SystemExit(1) from error
        if progress is not None:
            sys.stderr.write("\n")
        data = report.as_dict()
        if not options["no_refresh"] and data["inserted"] + data["updated"]:
            self._refresh_indicators(quiet=options["json"])
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(
            f"读取 {data['read']} = 新增 {data['inserted']} + 更新 {data['updated']} + 未变 {data['unchanged']}"
            f" + 隔离 {data['quarantined']}（{data['seconds']} 秒）"
        )
        for code, count in data["reasons"].items():
            self.stdout.write(f"  {code}: {count}")

    def _refresh_indicators(self, quiet: bool) -> None:
        """New facts change indicator values: refresh the materialized periods now, so the
        cockpit's next visit is fast (docs/indicators.md, "Materialization")."""
        from zhifa.indicators.queries import refresh_stale

        if not quiet:
            sys.stderr.write("正在刷新指标……\n")
        labels = refresh_stale()
        if not quiet:
            sys.stderr.write(f"已刷新指标：{'、'.join(labels) or '无'}\n")
