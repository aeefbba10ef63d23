"""The cockpit's tables: what a page shows in a table and what its XLSX export holds are the
same `Table` objects, so the export carries the page's numbers (unrounded in the workbook, the
page shows them formatted)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from zhifa.indicators.engine import Value

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Cell:
    value: Any  # what the workbook holds (a number stays a number)
    text: str  # what the page shows
    url: str = ""
    css: str = ""
    title: str = ""


@dataclass
class Table:
    key: str  # an HTML id and the sheet's name stem
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    @property
    def labelled(self) -> list[dict[str, Any]]:
        """Rows for the template: each cell with its column's name (the phone layout's label)."""
        return [
            {
                "cells": list(zip(self.columns, row, strict=False)),
                "css": "is-unused" if any(c.css == "unused" for c in row) else "",
            }
            for row in self.rows
        ]


def number(value: float | None, unit: str = "") -> str:
    """1234567 → "1,234,567"; 95.456 → "95.46"; None → "—". The unit is not appended."""
    if value is None:
        return "—"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def percent_change(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:+.1f}%"


def cell(value: Any, text: str | None = None, **extra: Any) -> Cell:
    if text is None:
        text = (
            number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        )
        if value is None:
            text = "—"
    return Cell(value, text, **extra)


def num(value: float | None, **extra: Any) -> Cell:
    return Cell(value, number(value), **extra)


def yoy_cell(value: Value | None, higher_is_better: bool | None) -> Cell:
    """Year-on-year change; coloured good/bad when the indicator has a direction."""
    change = None if value is None else value.yoy
    css = ""
    if change is not None and change != 0 and higher_is_better is not None:
        css = "good" if (change > 0) == higher_is_better else "bad"
    return Cell(change, percent_change(change), css=css)


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def xlsx(tables: list[Table], title: str) -> bytes:
    """One sheet per table: a title row, the header row, then the rows (numbers as numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        name = _SHEET_BAD.sub("", table.title)[:28] or table.key[:28]
        while name in used:
            name = name[:26] + str(len(used))
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([f"{title} · {table.title}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.columns)
        for c in sheet[2]:
            c.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_excel(c.value) for c in row])
        if table.note:
            sheet.append([])
            sheet.append([table.note])
        for n, _ in enumerate(table.columns):
            letter = sheet.cell(row=2, column=n + 1).column_letter
            sheet.column_dimensions[letter].width = 18 if n else 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)
