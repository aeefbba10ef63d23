"""Rendering a document as PDF (fpdf2, CJK font embedded as a subset) and as DOCX (python-docx).

Layout after GB/T 9704 (党政机关公文格式), adapted to enforcement documents: A4, margins 37 mm top,
28 mm left, 26 mm right, 35 mm bottom; the agency name and the title centred in large type
(二号, 22 pt); the number line centred below (三号, 16 pt); the body in 三号 with a two-character
first-line indent; the signature block (agency name, seal text, date in Chinese numerals such as
二〇二六年十一月二十二日) at the right; page numbers "— 1 —" at the foot.

Fonts are read from the machine, never fetched: AR PL UMing CN (明体, Debian `fonts-arphic-uming`,
installed by `make browser-deps`), else WenQuanYi Micro/Zen Hei, else Noto CJK; all TrueType
collections except Noto. `ZHIFA_CJK_FONT` / `ZHIFA_CJK_FONT_BOLD` (and `ZHIFA_CJK_FONT_INDEX` for a
.ttc) name another file. fpdf2 embeds only the glyphs used (tens of KB) with a ToUnicode map, so
the text is extractable.

Speed (`docs/documents.md`, "Rendering speed"): parsing the 21 MB collection for every document cost
≈0.25–0.4 s. The process now keeps one parsed copy of a smaller font — the collection cut once to
ASCII, CJK punctuation, full-width forms and GB2312's level-1 汉字 (`common`, ≈4,400 glyphs; the
whole of GB2312, ≈7,600, as the second cut), cached under `$ZHIFA_DATA_DIR/fonts/` — and gives
each document a font of shallow copies of the decoded tables for fpdf2 to subset, ≈25 ms a PDF. A
document with a character outside both cuts (a rare name character) falls back to the full font,
as before; so do CFF fonts (Noto), which keep the old path.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import io
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhifa.core.errors import ActionError
from zhifa.documents.kinds import SIGNATURE_KEYS, KindSpec, chinese_date, clean_context, spec_for

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

log = logging.getLogger(__name__)

_NOTO = Path("/usr/share/fonts/opentype/noto")
_ARPHIC = Path("/usr/share/fonts/truetype/arphic")
_WQY = Path("/usr/share/fonts/truetype/wqy")
# (regular, bold, family wanted inside a collection), best first. TrueType outlines come first:
# they embed as CIDFontType2 with Identity-H, which every extractor (pypdf, pdfminer.six,
# pdftotext) reads; Noto CJK is CFF, which fpdf2 embeds with a custom encoding CMap that only
# some extractors follow, so it is the last resort.
FONT_CANDIDATES: tuple[tuple[Path, Path, str], ...] = (
    (_ARPHIC / "uming.ttc", _ARPHIC / "uming.ttc", "AR PL UMing CN"),  # 明体 (宋体-like serif)
    (_WQY / "wqy-microhei.ttc", _WQY / "wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    (_WQY / "wqy-zenhei.ttc", _WQY / "wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
    (_NOTO / "NotoSerifCJK-Regular.ttc", _NOTO / "NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
    (_NOTO / "NotoSansCJK-Regular.ttc", _NOTO / "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
)

# DOCX names the fonts government PCs have; Word/WPS substitutes when one is missing.
DOCX_TITLE_FONT = "方正小标宋简体"
DOCX_BODY_FONT = "仿宋_GB2312"
DOCX_HEADING_FONT = "黑体"

PT_TITLE, PT_BODY, PT_SMALL = 22, 16, 14
LINE_MM = 10.0  # about 22 lines to the 225 mm text block, as GB/T 9704 asks
MARGINS_MM = {"top": 37, "left": 28, "right": 26, "bottom": 35}


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int  # the font's number inside a collection (.ttc), 0 otherwise


def _collection_index(path: Path, family: str) -> int:
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            if font["name"].getBestFamilyName() == family:
                return index
    finally:
        collection.close()
    return 0


@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[FontFile, FontFile]:
    """(regular, bold) font files; refuses with `font_missing` when the machine has none."""
    regular_env, bold_env = os.environ.get("ZHIFA_CJK_FONT"), os.environ.get("ZHIFA_CJK_FONT_BOLD")
    if regular_env:
        regular = Path(regular_env)
        bold = Path(bold_env) if bold_env else regular
        if regular.is_file() and bold.is_file():
            index = int(os.environ.get("ZHIFA_CJK_FONT_INDEX", "0"))
            return FontFile(regular, index), FontFile(bold, index)
    for regular, bold, family in FONT_CANDIDATES:
        if regular.is_file():
            bold = bold if bold.is_file() else regular
            return (
                FontFile(regular, _collection_index(regular, family)),
                FontFile(bold, _collection_index(bold, family)),
            )
    raise ActionError(
        "font_missing",
        "未找到中文字体，无法生成 PDF 文书：请安装 fonts-noto-cjk（make browser-deps）或设置 ZHIFA_CJK_FONT",
        None,
        status=500,
    )


# --- the cached cut of the CJK font (see the module docstring) -----------------------------------

SUBSET_VERSION = 1  # bump when the character set or the cutting options change
# tables no PDF subset needs (fpdf2 drops most of them again at output): bitmap strikes, layout
# and vertical metrics — horizontal text only
_DROP_TABLES = ("BDF ", "EBDT", "EBLC", "EBSC", "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx")
_DROP_TABLES += ("meta", "sbix", "CBDT", "CBLC", "SVG ", "CPAL", "COLR", "vhea", "vmtx", "VORG")


@lru_cache(maxsize=2)
def cut_codepoints(cut: str) -> frozenset[int]:
    """What a cut keeps: printable ASCII, general punctuation, CJK symbols and punctuation,
    full-width forms, and GB2312's symbols with its level-1 汉字 (`common`: the 3,755 most used,
    rows 0xB0–0xD7) or all its 6,763 汉字 (`gb2312`). Per-document cost grows with the glyph
    count, so documents try the smaller cut first."""
    last_row = 0xD7 if cut == "common" else 0xF7
    points = set(range(0x20, 0x7F)) | set(range(0x2000, 0x2070))
    points |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, last_row + 1):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(points)


CUTS = ("common", "gb2312")


def _cut_font(font: FontFile, cut: str) -> bytes:
    """The font cut to `cut_codepoints(cut)` as TrueType bytes (≈0.5 s for uming.ttc). Glyph names
    and hinting are kept, bounding boxes are not recomputed: the glyphs are the original bytes."""
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    source = TTFont(
        str(font.path), fontNumber=font.index, lazy=True, recalcTimestamp=False, recalcBBoxes=False
    )
    try:
        for tag in _DROP_TABLES:
            if tag in source:
                del source[tag]
        wanted = cut_codepoints(cut) & set(source.getBestCmap())
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
        options.name_IDs, options.name_languages, options.layout_features = ["*"], ["*"], []
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(source)
        cmap = source["cmap"]
        if any(t.platformID == 3 for t in cmap.tables):  # one Windows table is enough for fpdf2
            cmap.tables = [t for t in cmap.tables if t.platformID == 3]
        buffer = io.BytesIO()
        source.save(buffer)
        return buffer.getvalue()
    finally:
        source.close()


def _cut_path(font: FontFile, cut: str) -> Path | None:
    """Where the cut is cached: in the data directory, named after the source file's size and
    modification time, so a changed font is cut again."""
    try:
        from django.conf import settings

        data_dir = Path(settings.DATA_DIR)
    except Exception:  # no Django settings (a script): keep the cut in memory only
        return None
    stat = font.path.stat()
    name = f"{font.path.stem}-{font.index}-{cut}-{stat.st_size}-{int(stat.st_mtime)}-v{SUBSET_VERSION}.ttf"
    return data_dir / "fonts" / name


def _cut_bytes(font: FontFile, cut: str) -> bytes:
    """The cached cut, made (and written atomically) when missing or unreadable."""
    path = _cut_path(font, cut)
    if path is not None and path.is_file():
        data = path.read_bytes()
        if data[:4] in (b"\x00\x01\x00\x00", b"true"):
            return data
    data = _cut_font(font, cut)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.part")
            partial.write_bytes(data)
            os.replace(partial, path)
        except OSError as exc:  # a read-only data directory: the cut stays in memory
            log.warning("CJK font cut not cached at %s: %s", path, exc)
    return data


@dataclass(frozen=True)
class CachedFace:
    """A font parsed once per process: the cut's bytes, the cut fully decoded (`master`, never
    handed to fpdf2 itself), and an fpdf2 font object whose metrics (cmap, widths, glyph ids,
    descriptor) every document shares."""

    data: bytes
    master: TTFont
    template: TTFFont
    codepoints: frozenset[int]


_faces: dict[tuple[FontFile, str], CachedFace | None] = {}
_DECODE_PER_DOCUMENT = False  # True: decode the cut's file for every document (the benchmark's check)
_faces_lock = threading.Lock()


def cached_face(font: FontFile, cut: str = CUTS[0]) -> CachedFace | None:
    """The process's parsed cut of `font`, or None for fonts the cut is not for (CFF outlines)."""
    with _faces_lock:
        if (font, cut) not in _faces:
            _faces[font, cut] = _load_face(font, cut)
        return _faces[font, cut]


def _load_face(font: FontFile, cut: str) -> CachedFace | None:
    from fontTools.ttLib import TTFont
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    probe = TTFont(str(font.path), fontNumber=font.index, lazy=True)
    try:
        if "glyf" not in probe:
            return None
    finally:
        probe.close()
    data = _cut_bytes(font, cut)
    template = TTFFont(FPDF(), io.BytesIO(data), "cjk", "")  # type: ignore[arg-type]
    template.ttfont.close()
    template.ttfont = None  # type: ignore[assignment]  # every document gets its own
    master = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    master.getGlyphOrder()
    for tag in master.keys():
        master[tag]  # decode every table now, once
    for subtable in master["cmap"].tables:
        subtable.ensureDecompiled()
    return CachedFace(data, master, template, frozenset(template.cmap))


class _CopyOnRead(dict):  # type: ignore[type-arg]
    """The master's glyph records, handed out as copies: the subsetter keeps what it reads and
    then changes it in place (component glyph ids renumbered, padding trimmed)."""

    def __getitem__(self, key: str) -> Any:
        return copy.copy(dict.__getitem__(self, key))


def _document_font(master: TTFont) -> TTFont:
    """A font for one document, ≈1 ms instead of decoding the cut again (≈30 ms): every table a
    shallow copy of the master's, the cmap subtables copied, the glyph records copied when read.
    fpdf2's subsetter only rebinds the tables' attributes (`glyphs`, `metrics`, `cmap`, …), so
    the master stays as decoded; `tests/test_documents.py` checks the result, and the benchmark
    compares it byte for byte with a font decoded from the file."""
    from fontTools.ttLib import TTFont

    font = TTFont(recalcBBoxes=False, recalcTimestamp=False)
    font.sfntVersion = master.sfntVersion
    for tag in master.keys():
        if tag != "GlyphOrder":
            font.tables[tag] = copy.copy(master[tag])
    cmap = font.tables["cmap"]
    cmap.tables = [copy.copy(subtable) for subtable in cmap.tables]
    glyf = font.tables["glyf"]
    glyf.glyphs = _CopyOnRead(master["glyf"].glyphs)
    font.setGlyphOrder(list(master.getGlyphOrder()))
    return font


def _attach_face(pdf: FPDF, family: str, style: str, face: CachedFace) -> None:
    """What `pdf.add_font` does, without parsing: a new fpdf2 font object sharing the template's
    read-only metrics, with its own font file object (fpdf2 subsets that in place at output,
    so it can never be shared), its own width map and its own subset map."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap, TTFFont

    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(face.template, slot):
            setattr(font, slot, getattr(face.template, slot))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    if _DECODE_PER_DOCUMENT:
        font.ttfont = TTFont(io.BytesIO(face.data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    else:
        font.ttfont = _document_font(face.master)
    font.cw = face.template.cw.copy()  # a defaultdict: reading an unknown character inserts
    font.missing_glyphs, font.biggest_size_pt, font._hbfont, font.color_font = [], 0, None, None
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


def add_cjk_font(pdf: FPDF, family: str, texts: Iterable[str]) -> None:
    """Register the CJK font as `family` on an fpdf2 document of one's own (bulletins, reports):
    the smallest cached cut that covers every character of `texts` (parsed once per process),
    else the full font. The texts must include everything the document will draw."""
    regular, _ = cjk_fonts()
    drawn = {ord(c) for text in texts for c in text if ord(c) >= 0x20}
    faces = _covering_faces([("", regular)], drawn)
    if faces is not None:
        _attach_face(pdf, family, "", faces[0])
    else:
        pdf.add_font(family, "", str(regular.path), collection_font_number=regular.index)


def _covering_faces(styles: list[tuple[str, FontFile]], drawn: set[int]) -> list[CachedFace] | None:
    """The smallest cut whose faces have every drawn character, None when none has (CFF fonts,
    rare characters): then the full font is parsed for the document."""
    for cut in CUTS:
        faces = [cached_face(font, cut) for _, font in styles]
        if all(face is not None and drawn <= face.codepoints for face in faces):
            return faces  # type: ignore[return-value]
        if any(face is None for face in faces):
            return None
    return None


def _drawn_characters(content: Layout) -> set[int]:
    texts = [content.title, content.number, content.agency_name, *content.signature, "— 0123456789 —："]
    for label, value, _ in content.lines:
        texts += [label, value]
    return {ord(c) for text in texts for c in text if ord(c) >= 0x20}


@dataclass(frozen=True)
class Layout:
    """What both renderers print, in order."""

    title: str
    number: str
    agency_name: str
    lines: list[tuple[str, str, bool]]  # (label, value, paragraph)
    signature: list[str]


def layout(kind: str, context: dict[str, object], number: str, *, complete: bool = True) -> Layout:
    spec: KindSpec = spec_for(kind)
    values = clean_context(kind, context, complete=complete)
    lines: list[tuple[str, str, bool]] = []
    for f in spec.fields:
        if f.key in SIGNATURE_KEYS or f.key not in values:
            continue
        value = values[f.key]
        if f.key == "fine_amount":
            value = f"人民币{value}元"
        lines.append((f.label, value, f.paragraph))
    agency_name = values.get("agency_name", "")
    signature = [agency_name]
    if spec.seal and values.get("seal_text"):
        signature.append(f"（{values['seal_text']}）")
    date = values.get("document_date")
    signature.append(chinese_date(dt.date.fromisoformat(date)) if date else "　　年　　月　　日")
    return Layout(spec.title, number or "〔　　〕　　号", agency_name, lines, [s for s in signature if s])


def render_pdf(kind: str, context: dict[str, object], number: str, *, cached_font: bool = True) -> bytes:
    """The document as PDF bytes. Refuses (`missing_field`) when a required field is empty.

    `cached_font=False` parses the full font file for this document, as before the cache (the
    benchmark's baseline, and the fallback for characters outside the cut)."""
    with _no_collection():
        return _render_pdf(kind, context, number, cached_font)


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a PDF is made. The font subsetting allocates
    tens of thousands of short-lived objects; collections during the render promote them to the
    oldest generation, which soon triggers a full collection of the whole process (≈70 ms in a
    Django process, every few documents). They die by reference counting right after; the
    collector resumes afterwards (only if it was running: nested or concurrent renders leave
    it as they found it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _render_pdf(kind: str, context: dict[str, object], number: str, cached_font: bool) -> bytes:
    from fpdf import FPDF

    # the subsetter drops the embedded bitmap strikes (BDF) of some CJK fonts, and says so
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    content = layout(kind, context, number)
    regular, bold = cjk_fonts()

    class _Document(FPDF):
        def footer(self) -> None:
            self.set_y(-25)
            self.set_font("cjk", size=PT_SMALL)
            self.cell(0, 8, f"— {self.page_no()} —", align="C")

    pdf = _Document(format="A4", unit="mm")
    pdf.set_creator("zhifa")
    pdf.set_title(f"{content.title} {content.number}")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # reproducible bytes
    has_bold = bold != regular
    styles = [("", regular), ("B", bold)] if has_bold else [("", regular)]
    faces = _covering_faces(styles, _drawn_characters(content)) if cached_font else None
    if faces is not None:
        for (style, _), face in zip(styles, faces, strict=True):
            _attach_face(pdf, "cjk", style, face)
    else:
        if cached_font:
            log.info("PDF %s: characters outside the cached font cuts, full font used", content.number)
        for style, font in styles:
            pdf.add_font("cjk", style, str(font.path), collection_font_number=font.index)

    def title(text: str, height: float) -> None:
        """Bold from the bold face, or (one-face fonts) drawn with a thin outline stroke, inside
        its own graphics state so the stroke mode does not leak into the body."""
        if has_bold:
            pdf.set_font("cjk", "B", PT_TITLE)
            pdf.multi_cell(pdf.epw, height, text, align="C", new_x="LMARGIN", new_y="NEXT")
            return
        pdf.set_font("cjk", "", PT_TITLE)
        with pdf.local_context(text_mode="FILL_STROKE", line_width=0.3):
            pdf.multi_cell(pdf.epw, height, text, align="C", new_x="LMARGIN", new_y="NEXT")

    def body_font(size: int = PT_BODY) -> None:
        pdf.set_font("cjk", "", size)

    pdf.set_margins(MARGINS_MM["left"], MARGINS_MM["top"], MARGINS_MM["right"])
    pdf.set_auto_page_break(True, margin=MARGINS_MM["bottom"])
    pdf.add_page()
    width = pdf.epw

    if content.agency_name:
        title(content.agency_name, 12)
    title(content.title, 14)
    body_font()
    pdf.multi_cell(width, LINE_MM, content.number, align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 2
    pdf.set_draw_color(200, 0, 0)  # the red separator line under the number
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(y + 4)

    indent = 2 * PT_BODY * 0.3528  # two characters, in mm
    for label, value, paragraph in content.lines:
        body_font()
        if paragraph:
            pdf.multi_cell(width, LINE_MM, f"{label}：", new_x="LMARGIN", new_y="NEXT")
            for part in value.splitlines() or [value]:
                if part.strip():
                    # first-line indent: start two characters in, later lines wrap to the margin
                    pdf.set_x(pdf.l_margin + indent)
                    pdf.write(LINE_MM, part.strip())
                    pdf.ln(LINE_MM)
        else:
            pdf.multi_cell(width, LINE_MM, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(LINE_MM)
    if pdf.get_y() + LINE_MM * len(content.signature) > pdf.h - MARGINS_MM["bottom"]:
        pdf.add_page()
    body_font()
    for line in content.signature:
        # right-aligned, four characters in from the right margin, as the 公文 signature block
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width - 2 * indent, LINE_MM, line, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_docx(kind: str, context: dict[str, object], number: str, *, complete: bool = True) -> bytes:
    """The document as DOCX bytes, for officers to read or (drafts) edit. `complete=False` lets a
    draft leave required fields empty."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    content = layout(kind, context, number, complete=complete)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])

    def run(paragraph, text: str, font: str, size: int, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
        r = paragraph.add_run(text)
        r.font.size = Pt(size)
        r.font.bold = bold
        r.font.name = font
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    def paragraph(
        text: str, font: str = DOCX_BODY_FONT, size: int = PT_BODY, *, align=None, bold: bool = False
    ):  # type: ignore[no-untyped-def]
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = Pt(28)
        run(p, text, font, size, bold)
        return p

    if content.agency_name:
        paragraph(content.agency_name, DOCX_TITLE_FONT, PT_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(content.title, DOCX_TITLE_FONT, PT_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(content.number, DOCX_BODY_FONT, PT_BODY, align=WD_ALIGN_PARAGRAPH.CENTER)
    for label, value, is_paragraph in content.lines:
        if is_paragraph:
            paragraph(f"{label}：", DOCX_HEADING_FONT, PT_BODY)
            for part in value.splitlines() or [value]:
                if part.strip():
                    p = paragraph(part.strip())
                    p.paragraph_format.first_line_indent = Pt(2 * PT_BODY)
        else:
            paragraph(f"{label}：{value}")
    paragraph("")
    for line in content.signature:
        p = paragraph(line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(4 * PT_BODY)

    # page number "— N —" centred in the footer (a PAGE field)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(footer, "— ", DOCX_BODY_FONT, PT_SMALL)
    field_run = footer.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        field_run._element.append(element)
    run(footer, " —", DOCX_BODY_FONT, PT_SMALL)

    document.core_properties.title = f"{content.title} {content.number}".strip()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
