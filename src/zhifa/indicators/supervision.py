"""The supervision indicators' rows (执法监督): read from the relational database, not the store.

Clues (`zhifa.clues`), their dispositions with notices and rectifications (`zhifa.supervision`)
and case-file review scores (`zhifa.review`) live in the Django database. For one period the
engine asks `tables(period)` for the rows of the period and of the same period a year earlier —
a few thousand at most — as Arrow tables, registers them on its DuckDB connection and builds
the prepared relations ``s_clue``, ``s_closed``, ``s_notice``, ``s_rectification`` and
``s_review`` from them (with the agency's region joined from the store's agency view, like the
fact relations), so the catalogue's SQL reads them like every other relation.

Every table but ``s_review`` carries the uniform drill columns (``family``, ``source_system``,
``source_id``, ``number``, ``on_date``, ``entity_name``, ``status``) so `engine.drill` lists the
rows behind a value. ``power_code`` is always NULL: a clue concerns an agency, not a power.

`fingerprint(period)` summarises the database state these rows depend on; `queries.fingerprint`
adds it to the store's, so a materialized closed period is recomputed when a clue is raised or
marked, a disposition moves, or a review round closes.

Models are imported inside the functions: `zhifa.review.queries` imports the engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from zhifa.indicators.engine import Period

RELATIONS = ("s_clue", "s_closed", "s_notice", "s_rectification", "s_review")
# The date column that puts a row in the period ('-': s_review carries its period itself).
DATE_COLUMN = {
    "s_clue": "raised_on",
    "s_closed": "closed_on",
    "s_notice": "issued_on",
    "s_rectification": "due_on",
    "s_review": "-",
}

_DRILL_FIELDS = [
    ("family", pa.string()),
    ("source_system", pa.string()),
    ("source_id", pa.string()),
    ("number", pa.string()),
    ("on_date", pa.date32()),
    ("entity_name", pa.string()),
    ("amount", pa.float64()),
    ("status", pa.string()),
]
_BASE = [("agency_code", pa.string()), ("power_code", pa.string())]
SCHEMAS = {
    "s_clue": pa.schema([*_BASE, ("raised_on", pa.date32()), ("verdict", pa.string()), *_DRILL_FIELDS]),
    "s_closed": pa.schema([*_BASE, ("closed_on", pa.date32()), ("outcome", pa.string()), *_DRILL_FIELDS]),
    "s_notice": pa.schema([*_BASE, ("issued_on", pa.date32()), ("form", pa.string()), *_DRILL_FIELDS]),
    "s_rectification": pa.schema(
        [
            *_BASE,
            ("due_on", pa.date32()),
            ("reported_on", pa.date32()),
            ("on_time", pa.bool_()),
            *_DRILL_FIELDS,
        ]
    ),
    "s_review": pa.schema([*_BASE, ("period", pa.string()), ("score", pa.float64())]),
}


def _aware(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _in_window(day: dt.date | None, period: Period) -> bool:
    return day is not None and period.previous_start <= day < period.end


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.table({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)


def previous_label(period: Period) -> str:
    """The same period a year earlier as a label: 2026-Q3 → 2025-Q3."""
    return f"{period.previous_start.year}{period.label.strip()[4:]}"


def tables(period: Period) -> dict[str, pa.Table]:
    """The rows of the period and of the same period a year earlier, one Arrow table per relation."""
    from django.utils import timezone

    from zhifa.clues.models import Clue
    from zhifa.supervision.models import Disposition, DispositionStep

    clues = []
    for pk, code, raised_at, verdict, title, number in Clue.objects.filter(
        raised_at__gte=_aware(period.previous_start), raised_at__lt=_aware(period.end)
    ).values_list("pk", "agency_code", "raised_at", "verdict", "title", "disposition__number"):
        day = timezone.localtime(raised_at).date()
        clues.append(
            {
                "agency_code": code or None,
                "raised_on": day,
                "verdict": verdict or None,
                "family": "clue",
                "source_system": "zhifa",
                "source_id": str(pk),
                "number": number or f"线索{pk}",
                "on_date": day,
                "entity_name": title,
                "status": verdict or "unmarked",
            }
        )

    closed = []
    for pk, code, closed_on, outcome, number, title in Disposition.objects.filter(
        closed_on__gte=period.previous_start, closed_on__lt=period.end
    ).values_list("pk", "clue__agency_code", "closed_on", "outcome", "number", "clue__title"):
        closed.append(
            {
                "agency_code": code or None,
                "closed_on": closed_on,
                "outcome": outcome or None,
                "family": "disposition",
                "source_system": "zhifa",
                "source_id": str(pk),
                "number": number,
                "on_date": closed_on,
                "entity_name": title,
                "status": outcome or "closed",
            }
        )

    notices = []
    for pk, code, done_on, data, title in DispositionStep.objects.filter(
        code="issue_notice", done_on__gte=period.previous_start, done_on__lt=period.end
    ).values_list("pk", "disposition__clue__agency_code", "done_on", "data", "disposition__clue__title"):
        data = data or {}
        notices.append(
            {
                "agency_code": code or None,
                "issued_on": done_on,
                "form": data.get("form"),
                "family": "notice",
                "source_system": "zhifa",
                "source_id": str(pk),
                "number": data.get("document_number") or f"通知{pk}",
                "on_date": done_on,
                "entity_name": title,
                "status": data.get("form") or "notice",
            }
        )

    return {
        "s_clue": _table("s_clue", clues),
        "s_closed": _table("s_closed", closed),
        "s_notice": _table("s_notice", notices),
        "s_rectification": _table("s_rectification", rectifications(period)),
        "s_review": _table("s_review", _reviews(period)),
    }


def rectifications(period: Period) -> list[dict[str, Any]]:
    """One rectification per notice (`issue_notice` step) whose deadline lies in the window:
    ``due_on`` = the notice's deadline; ``on_time`` when a report was later accepted
    (`accept_rectification`) and that accepted report — the last `submit_report` before the
    acceptance — was submitted on or before ``due_on``. A rectification overdue (escalated, a
    decision issued), rejected and reported again after the deadline, or not yet accepted is
    not on time. A new notice of the same disposition starts a new rectification."""
    from zhifa.supervision.models import DispositionStep

    noticed = (
        DispositionStep.objects.filter(code="issue_notice")
        .values_list("disposition_id", flat=True)
        .distinct()
    )
    steps = (
        DispositionStep.objects.filter(disposition_id__in=noticed)
        .order_by("disposition_id", "done_on", "pk")
        .values_list(
            "disposition_id",
            "code",
            "done_on",
            "data",
            "disposition__clue__agency_code",
            "disposition__number",
            "disposition__clue__title",
        )
    )
    rows: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    last_report: dt.date | None = None

    def finish() -> None:
        if current is not None and _in_window(current["due_on"], period):
            rows.append(current)

    previous_disposition = None
    for disposition_id, code, done_on, data, agency_code, number, title in steps:
        if disposition_id != previous_disposition:
            finish()
            current, last_report, previous_disposition = None, None, disposition_id
        if code == "issue_notice":
            finish()
            deadline = (data or {}).get("deadline")
            due = dt.date.fromisoformat(deadline) if deadline else None
            current = {
                "agency_code": agency_code or None,
                "due_on": due,
                "reported_on": None,
                "on_time": False,
                "family": "rectification",
                "source_system": "zhifa",
                "source_id": str(disposition_id),
                "number": number,
                "on_date": due,
                "entity_name": title,
                "status": "open",
            }
            last_report = None
        elif current is None:
            continue
        elif code == "submit_report":
            last_report = done_on
        elif code == "accept_rectification" and current["status"] in ("open", "overdue"):
            on_time = (
                last_report is not None and current["due_on"] is not None and last_report <= current["due_on"]
            )
            current.update(reported_on=last_report, on_time=on_time, status="on_time" if on_time else "late")
        elif code in ("issue_decision", "escalate") and current["status"] == "open":
            current["status"] = "overdue"
    finish()
    return rows


def _reviews(period: Period) -> list[dict[str, Any]]:
    """Per agency: its average case-file review score in the closed rounds of the period and of
    the same period a year earlier (`review.queries.agency_scores`)."""
    from zhifa.indicators.engine import parse_period
    from zhifa.review.queries import agency_scores

    previous = parse_period(previous_label(period), today=period.today)
    rows = []
    for which, scores in (("cur", agency_scores(period)), ("prev", agency_scores(previous))):
        for code, score in scores.items():
            rows.append({"agency_code": code or None, "period": which, "score": float(score)})
    return rows


def fingerprint(period: Period) -> str:
    """The database state the period's supervision values depend on: the clues raised in the
    window (count, largest id, latest verdict), every disposition and step (count, largest id,
    latest change — a rectification due in the period depends on steps taken long after it), and
    the closed review rounds of the two periods (count, largest id, latest closing)."""
    from django.db.models import Count, Max

    from zhifa.clues.models import Clue
    from zhifa.review.models import ReviewRound, RoundState
    from zhifa.supervision.models import Disposition, DispositionStep

    parts = [
        Clue.objects.filter(
            raised_at__gte=_aware(period.previous_start), raised_at__lt=_aware(period.end)
        ).aggregate(n=Count("pk"), pk=Max("pk"), at=Max("verdict_at")),
        Disposition.objects.aggregate(n=Count("pk"), pk=Max("pk"), at=Max("updated_at")),
        DispositionStep.objects.aggregate(n=Count("pk"), pk=Max("pk")),
        ReviewRound.objects.filter(
            state=RoundState.CLOSED, period_start__gte=period.previous_start, period_end__lte=period.end
        ).aggregate(n=Count("pk"), pk=Max("pk"), at=Max("closed_at")),
    ]
    text = "|".join(f"{p['n']}:{p['pk']}:{p.get('at')}" for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
