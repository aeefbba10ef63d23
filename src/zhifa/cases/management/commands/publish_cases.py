"""`zhifa manage publish_cases [--json]`: publish every case into the analytical store."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.cases.publish import publish_cases


class Command(BaseCommand):
    help = "把本平台的行政处罚案件（案件、处罚决定）按数据交换格式写入分析库；未变化的记录不重写。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = publish_cases()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(f"案件 {report['cases']:,} 件")
            for family, label in (("case", "案件记录"), ("decision", "处罚决定记录")):
                t = report[family]
                self.stdout.write(
                    f"{label}：{t['records']:,} 条，新增 {t['inserted']:,}，更新 {t['updated']:,}，"
                    f"未变 {t['unchanged']:,}，未通过校验 {t['rejected']:,}"
                )
            for entry in report["rejected"]:
                reasons = "；".join(p["message"] for p in entry["problems"])
                self.stderr.write(f"未通过校验：{entry['family']} {entry['case_number']}：{reasons}")
