"""`zhifa indicators --period 2026 [--region CODE | --agency CODE] [--by agency] [--format json|csv]`.

Prints the same values as `GET /api/v1/indicators` (both call `queries.indicator_values`), for
every agency of the installation (the command runs as the system, outside any user's scope)."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.core.errors import ActionError
from zhifa.indicators import engine
from zhifa.indicators.catalogue import BY_SLUG
from zhifa.indicators.queries import indicator_values


class Command(BaseCommand):
    help = "计算执法监督指标（与 API 同一结果）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="统计期间：2026、2026-Q3 或 2026-07")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--region", default=None, help="行政区划代码（含下级）")
        where.add_argument("--agency", default=None, help="执法主体统一社会信用代码")
        parser.add_argument(
            "--by", default="agency", help="分组维度：agency region power domain month quarter total"
        )
        parser.add_argument("--slugs", default=None, help="只算这些指标（逗号分隔）")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = engine.parse_period(options["period"])
            slugs = [s for s in options["slugs"].split(",") if s] if options["slugs"] else None
            values = indicator_values(
                period, by=options["by"], region=options["region"], agency=options["agency"], slugs=slugs
            )
        except ActionError as error:
            self.stderr.write(f"{error.code}：{error.message}")
            raise SystemExit(2) from error
        if options["format"] == "json":
            payload = {"period": period.label, "by": options["by"], "values": [v.as_dict() for v in values]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        out = csv.writer(self.stdout)
        out.writerow(["slug", "name", "unit", "key", "value", "previous", "yoy"])
        for v in values:
            indicator = BY_SLUG[v.slug]
            out.writerow([v.slug, indicator.name, indicator.unit, v.key, v.value, v.previous, v.yoy])
