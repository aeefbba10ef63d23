"""Benchmark: rendering enforcement documents as PDF, cached font against the full font (by hand).

    .venv/bin/python benchmarks/documents_render.py [--documents 40]

In a fresh temporary data directory: renders the same N penalty decisions (varied party, facts
and amounts, every field filled) twice — the old way, parsing the whole CJK font file for every
document with the garbage collector running as before (`render._render_pdf(..., cached_font=
False)`, the baseline measured in this run), and the new way (`render_pdf`: the process's parsed
cuts of the font, collector paused during the render). The warm-up is timed apart: one document
per party, which cuts the font into the data directory and parses both cuts once (南浔's 浔 is
outside the level-1 cut). Prints the median and mean per document for both and the ratio
baseline / new; the machine is shared, run twice. Each PDF is checked: it must embed a font
subset and its text must extract; and the first documents are rendered a third way, decoding the
cut's file for each (`render._DECODE_PER_DOCUMENT`), which must give the same bytes as the shared
decoded cut.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PARTIES = ("湖州某某食品有限公司", "吴兴区张三副食品店", "南浔区李四建材经营部", "德清县王五餐饮店")


def _context(i: int) -> dict[str, str]:
    from zhifa.documents.kinds import spec_for

    values: dict[str, str] = {}
    for field in spec_for("penalty_decision").fields:
        if field.key == "party_name":
            values[field.key] = PARTIES[i % len(PARTIES)]
        elif field.key == "fine_amount":
            values[field.key] = str(1000 * (1 + i % 50))
        elif field.key == "document_date":
            values[field.key] = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        elif field.key == "agency_name":
            values[field.key] = "湖州市市场监督管理局"
        elif field.key == "seal_text":
            values[field.key] = "湖州市市场监督管理局（印章）"
        else:
            values[field.key] = f"{field.label}：第{i + 1}号案件的内容，经调查核实，当事人对上述事实无异议。"
    return values


def _check(pdf: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "行政处罚决定书" in "".join(text.split()), "text does not extract"
    assert b"/FontFile2" in pdf, "no embedded TrueType subset"


def _run(documents: int, *, cached_font: bool) -> list[float]:
    from zhifa.documents.render import _render_pdf, render_pdf

    times = []
    for i in range(documents):
        context = _context(i)
        number = f"湖市监罚〔2026〕{i + 1}号"
        start = time.perf_counter()
        if cached_font:
            pdf = render_pdf("penalty_decision", context, number)
        else:
            pdf = _render_pdf("penalty_decision", context, number, cached_font=False)
        times.append(time.perf_counter() - start)
        _check(pdf)
    return times


def _same_bytes(documents: int) -> None:
    from zhifa.documents import render

    def pdfs() -> list[bytes]:
        return [render.render_pdf("penalty_decision", _context(i), f"N{i}") for i in range(documents)]

    shared = pdfs()
    render._DECODE_PER_DOCUMENT = True
    try:
        decoded = pdfs()
    finally:
        render._DECODE_PER_DOCUMENT = False
    assert shared == decoded, "the shared decoded cut and a per-document decode give different PDFs"
    print(f"{documents} PDFs byte-identical with the cut decoded per document")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=40)
    args = parser.parse_args()

    os.environ["ZHIFA_DATA_DIR"] = tempfile.mkdtemp(prefix="zhifa-bench-render-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    import django

    django.setup()
    from zhifa.documents.render import cjk_fonts

    regular, _ = cjk_fonts()
    print(f"font: {regular.path} (index {regular.index}); {args.documents} penalty decisions each way")

    baseline = _run(args.documents, cached_font=False)
    start = time.perf_counter()
    _run(len(PARTIES), cached_font=True)
    first = time.perf_counter() - start
    cached = _run(args.documents, cached_font=True)

    def line(name: str, times: list[float]) -> str:
        return f"{name:<28} median {statistics.median(times) * 1000:7.1f} ms   mean {statistics.mean(times) * 1000:7.1f} ms"

    print(line("full font per document", baseline))
    print(
        f"{'cached cuts, warm-up':<28} {first * 1000:7.1f} ms ({len(PARTIES)} documents: cuts the font, parses both cuts)"
    )
    print(line("cached cuts, after warm-up", cached))
    _same_bytes(min(args.documents, 8))
    ratio = statistics.median(baseline) / statistics.median(cached)
    print(f"ratio (baseline / cached, medians): {ratio:.1f}x")


if __name__ == "__main__":
    main()
