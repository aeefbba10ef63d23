"""`zhifa laws provisions LAW_NAME [--json] [--date YYYY-MM-DD]`: the stored penalty
provisions of the version of the law in force on the date (today by default)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhifa.core.errors import ActionError
from zhifa.laws.citations import find_law
from zhifa.laws.models import PenaltyProvision


def _amount(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def provisions_data(provisions: list[PenaltyProvision]) -> list[dict[str, Any]]:
    return [
        {
            "article": p.article.label,
            "paragraph": p.paragraph_number,
            "item": p.item_number,
            "conduct": p.conduct,
            "department": p.department,
            "penalty_kinds": list(p.penalty_kinds),
            "fine_ranges": [
                {
                    "kind": r.kind,
                    "minimum": _amount(r.minimum),
                    "maximum": _amount(r.maximum),
                    "base": r.base,
                    "condition": r.condition,
                    "aggravated": r.aggravated,
                    "party_kind": r.party_kind,
                    "text": r.text,
                }
                for r in p.fine_ranges.all()
            ],
        }
        for p in provisions
    ]


class Command(BaseCommand):
    help = "输出某部法律（在指定日期有效的版本）已提取的罚则。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("law_name", help="法律名称，如 食品安全法")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（默认也是 JSON）")
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or dt.date.today()
        try:
            law = find_law(options["law_name"])
        except ActionError as exc:
            self.stderr.write(exc.message)
            raise SystemExit(1) from exc
        version = law.version_on(day)
        if version is None:
            self.stderr.write(f"{law.name}在 {day:%Y-%m-%d} 尚无有效版本")
            raise SystemExit(1)
        provisions = list(
            PenaltyProvision.objects.filter(article__version=version)
            .select_related("article")
            .prefetch_related("fine_ranges")
            .order_by("article__sort_order", "sort_order")
        )
        self.stdout.write(json.dumps(provisions_data(provisions), ensure_ascii=False, indent=2))
