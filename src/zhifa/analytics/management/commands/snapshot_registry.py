"""`zhifa snapshot [FAMILY...]`: copy the registry's master data into the analytical store."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.analytics.actions import do_snapshot_registry
from zhifa.core.errors import ActionError


class Command(BaseCommand):
    help = "把主数据（执法主体、人员、证件、职权、行政相对人）的当日快照写入分析库。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("families", nargs="*", help="主数据类别（默认全部）")
        parser.add_argument("--json", action="store_true", help="只输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = do_snapshot_registry(None, options["families"] or None)
        except ActionError as error:
            self.stderr.write(f"快照失败：{error.message}")
            raise SystemExit(1) from error
        if options["json"]:
            self.stdout.write(json.dumps(written, ensure_ascii=False))
            return
        for family, rows in written.items():
            self.stdout.write(f"{family}：{rows:,} 行")
