"""`zhifa manage escalate_rectifications [--today YYYY-MM-DD] [--json]`: mark rectifications whose
deadline passed without a report as overdue (a scheduled job, e.g. daily) and list every overdue one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhifa.supervision.actions import do_escalate_overdue, overdue
from zhifa.supervision.models import Disposition


def _row(d: Disposition) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "agency": d.agency.name if d.agency_id else None,
        "state": d.state,
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "overdue_since": d.overdue_since.isoformat() if d.overdue_since else None,
    }


class Command(BaseCommand):
    help = "整改逾期升级：把整改期限已过仍未提交整改报告的处置标记为逾期，并列出全部逾期处置。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按该日期判断（默认今天），格式 YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="只输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else dt.date.today()
        except ValueError as exc:
            raise CommandError("--today 应为 YYYY-MM-DD") from exc
        escalated = do_escalate_overdue(None, today)
        listed = overdue(Disposition.objects.select_related("agency"), today).order_by("deadline", "pk")
        report = {
            "today": today.isoformat(),
            "escalated": len(escalated),
            "escalated_ids": [d.pk for d in escalated],
            "overdue": [_row(d) for d in listed],
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(f"本次升级 {report['escalated']} 件；逾期未整改共 {len(report['overdue'])} 件")
        for row in report["overdue"]:
            self.stdout.write(
                f"{row['number']}  {row['agency'] or '—'}  期限 {row['deadline']}  逾期自 {row['overdue_since']}"
            )
