"""The enforcement bulletin (执法情况通报): a PDF for a month, quarter or year of the caller's
scope — header, summary paragraph, KPI table, rankings, a bar chart (acts per agency) and a line
chart (acts per month), drawn with fpdf2's primitives in the CJK font of
`zhifa.documents.render` (the cached cut when every character is in it), so its text extracts."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from zhifa.cockpit import queries
from zhifa.cockpit.tables import number, percent_change
from zhifa.documents import render as documents
from zhifa.indicators.catalogue import BY_SLUG
from zhifa.indicators.engine import Period

TITLE = "执法情况通报"
RANKING_SLUGS = ("acts", "on_time_rate", "exercise_rate")
TOP = 10


@dataclass
class Bulletin:
    title: str
    subtitle: str
    summary: str
    kpis: list[tuple[str, str, str, str]]  # name, value, unit, yoy
    rankings: list[tuple[str, list[tuple[str, str, str]]]]  # indicator, [(rank, agency, value)]
    bars: list[tuple[str, float]]  # agency, acts
    months: list[tuple[str, float]]  # month label, acts
    issued: str = ""
    notes: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        out = [self.title, self.subtitle, self.summary, self.issued, *self.notes]
        out += [x for row in self.kpis for x in row]
        for name, rows in self.rankings:
            out.append(name)
            out += [x for row in rows for x in row]
        out += [name for name, _ in self.bars] + [label for label, _ in self.months]
        out += [
            "一、总体情况",
            "二、主要指标",
            "三、执法主体排名",
            "四、图表",
            "指标",
            "本期",
            "单位",
            "同比",
        ]
        out += [
            "名次",
            "执法主体",
            "数值",
            "各执法主体执法行为数（前十）",
            "执法行为数按月",
            "— 0123456789 —",
        ]
        return out


def build(user: Any, period: Period, agencies: Collection[str], scope_name: str) -> Bulletin:
    totals = queries.totals(period, agencies, queries.KPI_SLUGS)
    by_agency = queries.values_by_agency(period, agencies)
    info = queries.agencies_by_code(user, agencies)
    names = {c: (a.short_name or a.name) for c, a in info.items()}
    monthly = queries.breakdown(period, agencies, "month", ["acts"]).get("acts", {})

    def total(slug: str) -> float | None:
        value = totals.get(slug)
        return None if value is None else value.value

    acts, penalties, fines = total("acts"), total("penalties"), total("fines_total")
    acts_yoy = totals["acts"].yoy if "acts" in totals else None
    summary = (
        f"{queries.period_title(period)}，{scope_name or '本辖区'}共 {len(agencies)} 个执法主体纳入统计，"
        f"实施执法行为 {number(acts)} 件（同比 {percent_change(acts_yoy)}），"
        f"其中行政检查 {number(total('inspections'))} 次、行政处罚决定 {number(penalties)} 件、"
        f"行政许可 {number(total('licences'))} 件，罚款总额 {number(fines)} 元；"
        f"按期办结率 {number(total('on_time_rate'))}%，职权履行率 {number(total('exercise_rate'))}%，"
        f"收到投诉举报 {number(total('complaints'))} 件，投诉执法吻合度 {number(total('alignment'))}%。"
    )
    kpis = []
    for slug in queries.KPI_SLUGS:
        value = totals.get(slug)
        kpis.append(
            (
                BY_SLUG[slug].name,
                number(None if value is None else value.value),
                BY_SLUG[slug].unit,
                percent_change(None if value is None else value.yoy),
            )
        )
    rankings = []
    for slug in RANKING_SLUGS:
        indicator = BY_SLUG[slug]
        ranked = queries.ranking(indicator, by_agency.get(slug, {}), agencies)[:TOP]
        rankings.append(
            (
                f"{indicator.name}（{indicator.unit}）" if indicator.unit else indicator.name,
                [(str(r.rank), names.get(r.code, r.code), number(r.value)) for r in ranked],
            )
        )
    acts_by_agency = by_agency.get("acts", {})
    bars = sorted(
        ((names.get(c, c), float(acts_by_agency[c].value or 0)) for c in agencies if c in acts_by_agency),
        key=lambda item: -item[1],
    )[:TOP]
    months = [
        (f"{int(m)}月", float(monthly[m].value or 0) if m in monthly else 0.0)
        for m in queries.month_keys(period)
    ]
    today = dt.date.today()
    return Bulletin(
        title=TITLE,
        subtitle=f"{scope_name}　{queries.period_title(period)}",
        summary=summary,
        kpis=kpis,
        rankings=rankings,
        bars=bars,
        months=months,
        issued=f"{today.year}年{today.month}月{today.day}日",
        notes=["数据来源：执法监督平台分析库；指标口径见指标目录。"],
    )


def render(content: Bulletin) -> bytes:
    from fpdf import FPDF

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creator("zhifa")
    pdf.set_title(f"{content.title} {content.subtitle}")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    documents.add_cjk_font(pdf, "cjk", content.texts())
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("cjk", size=22)
    pdf.set_text_color(180, 0, 0)
    pdf.cell(width, 12, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=12)
    pdf.cell(width, 8, content.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1
    pdf.set_draw_color(200, 0, 0)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_y(y + 4)

    def heading(text: str) -> None:
        pdf.set_font("cjk", size=14)
        pdf.cell(width, 9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10.5)

    heading("一、总体情况")
    pdf.multi_cell(width, 6.5, content.summary, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    heading("二、主要指标")
    table(pdf, ["指标", "本期", "单位", "同比"], [list(r) for r in content.kpis], [0.4, 0.25, 0.15, 0.2])
    pdf.ln(3)

    heading("三、执法主体排名")
    for name, rows in content.rankings:
        pdf.set_font("cjk", size=11)
        pdf.cell(width, 7, name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10.5)
        table(
            pdf, ["名次", "执法主体", "数值"], [list(r) for r in rows] or [["—", "—", "—"]], [0.15, 0.6, 0.25]
        )
        pdf.ln(2)

    if pdf.get_y() > pdf.h - 120:
        pdf.add_page()
    heading("四、图表")
    bar_chart(pdf, "各执法主体执法行为数（前十）", content.bars)
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 80:
        pdf.add_page()
    line_chart(pdf, "执法行为数按月", content.months)
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    for note in content.notes:
        pdf.multi_cell(width, 5, note, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(width, 8, content.issued, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def table(pdf: Any, header: list[str], rows: list[list[str]], shares: list[float]) -> None:
    widths = [pdf.epw * s for s in shares]
    pdf.set_fill_color(235, 239, 244)
    for text, w in zip(header, widths, strict=True):
        pdf.cell(w, 7, text, border=1, align="C", fill=True)
    pdf.ln(7)
    for row in rows:
        if pdf.get_y() > pdf.h - 30:
            pdf.add_page()
        for n, (text, w) in enumerate(zip(row, widths, strict=True)):
            pdf.cell(w, 6.5, text, border=1, align="L" if n == 1 or (len(row) == 4 and n == 0) else "R")
        pdf.ln(6.5)


def _axis_max(values: list[float]) -> float:
    top = max(values, default=0.0)
    return top if top > 0 else 1.0


def bar_chart(pdf: Any, title: str, bars: list[tuple[str, float]]) -> None:
    """Horizontal bars: a label column, a bar scaled to the largest value, the number at its end."""
    pdf.set_font("cjk", size=11)
    pdf.cell(pdf.epw, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    label_w, row_h = 55.0, 7.0
    bar_w = pdf.epw - label_w - 20
    top = _axis_max([v for _, v in bars])
    x0 = pdf.l_margin + label_w
    y = pdf.get_y() + 1
    pdf.set_fill_color(46, 110, 180)
    for label, value in bars:
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w - 2, row_h, label[:16], align="R")
        length = bar_w * value / top
        if length > 0:
            pdf.rect(x0, y + 1.2, length, row_h - 2.4, style="F")
        pdf.set_xy(x0 + length + 1, y)
        pdf.cell(18, row_h, number(value))
        y += row_h
    pdf.line(x0, pdf.get_y() if not bars else y - row_h * len(bars), x0, y)
    pdf.set_y(y + 2)


def line_chart(pdf: Any, title: str, points: list[tuple[str, float]]) -> None:
    """A line over the months with markers and values, axes and the month labels."""
    pdf.set_font("cjk", size=11)
    pdf.cell(pdf.epw, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    left, height = pdf.l_margin + 12, 45.0
    width = pdf.epw - 16
    top_y = pdf.get_y() + 4
    bottom = top_y + height
    top = _axis_max([v for _, v in points])
    pdf.set_draw_color(120, 120, 120)
    pdf.line(left, top_y, left, bottom)
    pdf.line(left, bottom, left + width, bottom)
    for frac in (0.5, 1.0):
        y = bottom - height * frac
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(11, 4, number(round(top * frac)), align="R")
    step = width / max(len(points), 1)
    coords = []
    for n, (label, value) in enumerate(points):
        x = left + step * (n + 0.5)
        y = bottom - height * value / top
        coords.append((x, y))
        pdf.set_xy(x - step / 2, bottom + 1)
        pdf.cell(step, 4, label, align="C")
        pdf.set_xy(x - step / 2, y - 5)
        pdf.cell(step, 4, number(value), align="C")
    pdf.set_draw_color(200, 60, 40)
    pdf.set_line_width(0.6)
    for (x1, y1), (x2, y2) in itertools.pairwise(coords):
        pdf.line(x1, y1, x2, y2)
    pdf.set_fill_color(200, 60, 40)
    for x, y in coords:
        pdf.circle(x=x, y=y, radius=0.9, style="F")
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(bottom + 6)
