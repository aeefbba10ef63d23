"""The evaluation report (执法效能评价报告) as PDF: the scheme, the ranking table, a bar chart of
the scores and every agency's explanation of the points it lost.

Drawn like the cockpit's bulletin and with its helpers (`zhifa.cockpit.bulletin.table`,
`bar_chart`) in the CJK font of `zhifa.documents.render` (its cached cut when every drawn
character is in it, else the full font), so the text extracts."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from zhifa.cockpit import bulletin
from zhifa.documents import render as documents
from zhifa.evaluation.models import Evaluation

TITLE = "执法效能评价报告"
FIXED_TEXTS = [
    TITLE,
    "一、评价方案",
    "二、评价排名",
    "三、得分图",
    "四、失分说明",
    "评价项目",
    "权重",
    "计分方式",
    "名次",
    "执法主体",
    "得分",
    "各执法主体得分",
    "线性计分",
    "按名次计分",
    "无失分。",
    "— 0123456789 —.:：，%（）",
]


def _rule(c: dict[str, Any]) -> str:
    if c["mapping"] == "rank":
        return "按名次计分"
    return f"线性计分 {c['low']:g}–{c['high']:g}{c['unit']}"


def _setup(pdf: Any, texts: list[str]) -> None:
    documents.add_cjk_font(pdf, "cjk", texts)


def render(evaluation: Evaluation, results: list[Any]) -> bytes:
    from fpdf import FPDF

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    scheme = evaluation.scheme
    subtitle = f"{evaluation.region.full_name}　{evaluation.period}　{scheme.name}（第{scheme.version}版）"
    scheme_rows = [[str(c["weight"]), c["label"], _rule(c)] for c in scheme.components]
    ranking = [[str(r.rank), r.agency_name, f"{r.score}"] for r in results]
    explanations = [
        (f"{r.rank}. {r.agency_name}（{r.score}分）", [c["explanation"] for c in r.explanations])
        for r in results
    ]
    today = dt.date.today()
    issued = f"{today.year}年{today.month}月{today.day}日"
    texts = FIXED_TEXTS + [subtitle, issued] + [x for row in scheme_rows + ranking for x in row]
    texts += [h for h, _ in explanations] + [line for _, lines in explanations for line in lines]

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creator("zhifa")
    pdf.set_title(f"{TITLE} {subtitle}")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    _setup(pdf, texts)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("cjk", size=22)
    pdf.set_text_color(180, 0, 0)
    pdf.cell(width, 12, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=11)
    pdf.multi_cell(width, 7, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def heading(text: str) -> None:
        pdf.set_font("cjk", size=14)
        pdf.cell(width, 9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10.5)

    heading("一、评价方案")
    bulletin.table(pdf, ["权重", "评价项目", "计分方式"], scheme_rows, [0.12, 0.5, 0.38])
    pdf.ln(3)
    heading("二、评价排名")
    bulletin.table(pdf, ["名次", "执法主体", "得分"], ranking or [["—", "—", "—"]], [0.15, 0.6, 0.25])
    pdf.ln(3)
    if pdf.get_y() > pdf.h - 100:
        pdf.add_page()
    heading("三、得分图")
    bulletin.bar_chart(pdf, "各执法主体得分", [(r.agency_name, float(r.score)) for r in results])
    pdf.ln(3)
    heading("四、失分说明")
    for head, lines in explanations:
        pdf.set_font("cjk", size=11)
        pdf.multi_cell(width, 7, head, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        for line in lines or ["无失分。"]:
            pdf.multi_cell(width, 5.5, f"— {line}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_font("cjk", size=11)
    pdf.cell(width, 8, issued, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
