"""`zhifa laws import PATH...`: import law files or folders; prints the JSON report."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.laws.actions import do_import_law_files


class Command(BaseCommand):
    help = "导入法律法规文件（文件或目录，递归查找 *.md），输出 JSON 报告；有错误时退出码为 1。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="法律文件或目录")

    def handle(self, *args: Any, **options: Any) -> None:
        report = do_import_law_files(None, options["paths"])
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        if report.errors:
            raise SystemExit(1)
