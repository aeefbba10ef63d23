"""Enforcement documents: rendering (PDF with an embedded CJK font, DOCX), numbering, immutability."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from docx import Document
from pypdf import PdfReader

from zhifa.core.audit import verify_chain
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.documents import numbering
from zhifa.documents.actions import (
    do_draft_document,
    do_issue_correction,
    do_issue_document,
    render_docx,
    render_pdf,
)
from zhifa.documents.kinds import SPECS, DocumentKind, chinese_date, spec_for
from zhifa.documents.models import DocumentSequence, DocumentStatus, IssuedDocument

PARTY = "湖州某某食品有限公司"
NUMBER = "湖市监罚〔2026〕15号"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def full_context(kind: str) -> dict[str, str]:
    """Every field of the kind filled; amounts and dates in the forms the actions accept."""
    values: dict[str, str] = {}
    for field in spec_for(kind).fields:
        if field.key == "party_name":
            values[field.key] = PARTY
        elif field.key == "fine_amount":
            values[field.key] = "50000"
        elif field.key == "document_date":
            values[field.key] = "2026-11-22"
        elif field.key == "agency_name":
            values[field.key] = "湖州市市场监督管理局"
        elif field.key == "seal_text":
            values[field.key] = "湖州市市场监督管理局（印章）"
        else:
            values[field.key] = f"{field.label}的内容。第二句话，用于检查换行与段落缩进。"
    return values


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_every_kind_renders_pdf_and_docx_with_title_number_party(kind):
    context = full_context(kind)
    pdf = render_pdf(kind, context, NUMBER)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    title = str(DocumentKind(kind).label)
    assert title in text
    assert NUMBER in text
    assert "二〇二六年十一月二十二日" in text
    if "party_name" in context:
        assert PARTY in text
    if "fine_amount" in context:
        assert "50000" in text
    body = docx_text(render_docx(kind, context, NUMBER))
    assert title in body and NUMBER in body and "二〇二六年十一月二十二日" in body
    if "party_name" in context:
        assert PARTY in body


def test_penalty_decision_pdf_carries_amount_and_embeds_a_subset_cjk_font():
    context = full_context(DocumentKind.PENALTY_DECISION)
    pdf = render_pdf(DocumentKind.PENALTY_DECISION, context, NUMBER)
    text = pdf_text(pdf)
    assert "行政处罚决定书" in text and PARTY in text and "人民币50000元" in text
    assert "湖州市市场监督管理局（印章）" in text
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert "/ToUnicode" in font
        embedded.append(str(font["/BaseFont"]))
    # subset fonts are named ABCDEF+Family
    assert embedded and all("+" in name for name in embedded)
    assert len(pdf) < 300_000  # subset, not the whole 20 MB font


def test_pdf_text_extracts_with_pdfminer_too():
    from pdfminer.high_level import extract_text

    pdf = render_pdf(DocumentKind.PENALTY_DECISION, full_context("penalty_decision"), NUMBER)
    text = "".join(extract_text(io.BytesIO(pdf)).split())
    assert "行政处罚决定书" in text and NUMBER in text and PARTY in text and "50000" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_penalty_decision_rasterises(tmp_path):
    path = tmp_path / "decision.pdf"
    path.write_bytes(render_pdf(DocumentKind.PENALTY_DECISION, full_context("penalty_decision"), NUMBER))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)


ART_59 = [
    ("party_name", "当事人姓名或者名称"),
    ("party_address", "当事人地址"),
    ("party_id_code", "统一社会信用代码"),
    ("facts", "违反法律、法规、规章的事实"),
    ("evidence", "证据"),
    ("penalty_kinds", "行政处罚的种类"),
    ("legal_basis", "行政处罚的依据"),
    ("performance_method", "履行方式"),
    ("performance_deadline", "履行期限"),
    ("remedies", "申请行政复议、提起行政诉讼"),
    ("agency_name", "行政机关名称"),
    ("document_date", "作出决定的日期"),
    ("seal_text", "印章"),
]


@pytest.mark.parametrize(("key", "label"), ART_59)
def test_penalty_decision_refuses_a_missing_art59_item(key, label):
    context = full_context(DocumentKind.PENALTY_DECISION)
    context[key] = "  "
    with pytest.raises(ActionError) as refused:
        render_pdf(DocumentKind.PENALTY_DECISION, context, NUMBER)
    assert refused.value.code == "missing_field"
    assert refused.value.field == key
    assert label in refused.value.message


def test_every_kind_declares_date_and_agency():
    for spec in SPECS.values():
        keys = {f.key for f in spec.fields}
        assert {"agency_name", "document_date"} <= keys
        assert spec.letter


def test_chinese_date():
    assert chinese_date(dt.date(2026, 11, 22)) == "二〇二六年十一月二十二日"
    assert chinese_date(dt.date(2030, 1, 10)) == "二〇三〇年一月十日"
    assert chinese_date(dt.date(2026, 10, 31)) == "二〇二六年十月三十一日"


def test_agency_prefix_rule_and_override(city):
    assert numbering.agency_prefix(city.market_city) == "湖市监"
    assert numbering.agency_prefix(city.market_wuxing) == "吴市监"
    assert numbering.derive_agency_prefix("湖州市气象局", "湖州市") == "湖气象"
    with mock.patch.dict(numbering.AGENCY_PREFIX_OVERRIDES, {city.market_city.code: "湖市场监"}):
        assert numbering.agency_prefix(city.market_city) == "湖市场监"


@pytest.mark.django_db
def test_numbering_is_sequential_per_agency_kind_year_and_restarts(city):
    from django.db import transaction

    def take(agency, kind, year):
        with transaction.atomic():
            return numbering.allocate_number(agency, kind, year)

    assert take(city.market_city, "penalty_decision", 2026) == (1, "湖市监罚〔2026〕1号")
    assert take(city.market_city, "penalty_decision", 2026) == (2, "湖市监罚〔2026〕2号")
    assert take(city.market_city, "prior_notice", 2026) == (1, "湖市监告〔2026〕1号")
    assert take(city.market_wuxing, "penalty_decision", 2026) == (1, "吴市监罚〔2026〕1号")
    assert take(city.market_city, "penalty_decision", 2027) == (1, "湖市监罚〔2027〕1号")
    assert take(city.market_city, "penalty_decision", 2026) == (3, "湖市监罚〔2026〕3号")
    # a failed issue returns its number: no gaps
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.allocate_number(city.market_city, "penalty_decision", 2026)
        raise RuntimeError("render failed")
    assert take(city.market_city, "penalty_decision", 2026)[0] == 4
    row = DocumentSequence.objects.get(agency=city.market_city, kind_prefix="罚", year=2026)
    assert row.last == 4


def test_issue_assigns_numbers_stores_pdf_and_audits_its_hash(city, users):
    officer = users[Role.OFFICER]
    context = full_context(DocumentKind.PENALTY_DECISION)
    first = do_issue_document(officer, city.market_city, "penalty_decision", "CASE-1", context)
    second = do_issue_document(officer, city.market_city, "penalty_decision", "CASE-2", context)
    year = first.issued_at.year
    assert first.number == f"湖市监罚〔{year}〕1号" and second.number == f"湖市监罚〔{year}〕2号"
    assert first.status == DocumentStatus.ISSUED and first.issued_by == officer
    assert first.pdf_file.startswith(f"documents/{city.market_city.code}/")
    with default_storage.open(first.pdf_file) as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == first.pdf_sha256
    assert first.number in pdf_text(data)
    assert first.docx_file and first.number in docx_text(default_storage.open(first.docx_file).read())
    entry = AuditEntry.objects.get(action="documents.issue", object_id=str(first.pk))
    assert json.loads(entry.after)["pdf_sha256"] == hashlib.sha256(data).hexdigest()
    assert verify_chain().ok


def test_issue_refuses_incomplete_context_and_keeps_no_number(city, users):
    context = full_context(DocumentKind.PENALTY_DECISION)
    del context["remedies"]
    with pytest.raises(ActionError) as refused:
        do_issue_document(users[Role.OFFICER], city.market_city, "penalty_decision", "", context)
    assert refused.value.code == "missing_field" and refused.value.field == "remedies"
    assert not IssuedDocument.objects.exists()
    assert not DocumentSequence.objects.filter(last__gt=0).exists()


def test_agency_name_defaults_to_the_issuing_agency(city, users):
    context = full_context(DocumentKind.SERVICE_RECEIPT)
    del context["agency_name"]
    document = do_issue_document(users[Role.OFFICER], city.market_city, "service_receipt", "", context)
    assert document.context["agency_name"] == city.market_city.name


def test_permissions_and_own_agency(city, users):
    context = full_context(DocumentKind.PRIOR_NOTICE)
    for role in (Role.LEGAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR, Role.SYSADMIN, Role.HOTLINE_OPERATOR):
        with pytest.raises(PermissionDenied):
            do_issue_document(users[role], city.market_city, "prior_notice", "", context)
    with pytest.raises(PermissionDenied):
        do_issue_document(users[Role.OFFICER], city.market_wuxing, "prior_notice", "", context)
    document = do_issue_document(users[Role.AGENCY_LEAD], city.market_city, "prior_notice", "", context)
    assert IssuedDocument.objects.restrict(users[Role.SUPERVISOR]).filter(pk=document.pk).exists()
    assert IssuedDocument.objects.restrict(users[Role.LEGAL_REVIEWER]).filter(pk=document.pk).exists()
    assert not IssuedDocument.objects.restrict(users[Role.AUDITOR]).exists()


def test_draft_has_docx_no_number_and_may_be_incomplete(city, users):
    draft = do_draft_document(
        users[Role.OFFICER], city.market_city, "penalty_decision", "CASE-9", {"party_name": PARTY}
    )
    assert draft.status == DocumentStatus.DRAFT and draft.number == "" and draft.pdf_file == ""
    text = docx_text(default_storage.open(draft.docx_file).read())
    assert "行政处罚决定书" in text and PARTY in text
    assert not DocumentSequence.objects.exists()
    assert AuditEntry.objects.filter(action="documents.draft", object_id=str(draft.pk)).exists()


def test_issued_documents_are_immutable_and_corrections_link(city, users):
    officer = users[Role.OFFICER]
    context = full_context(DocumentKind.PENALTY_DECISION)
    original = do_issue_document(officer, city.market_city, "penalty_decision", "CASE-1", context)
    original.context = {**original.context, "party_name": "篡改"}
    with pytest.raises(ActionError) as refused:
        original.save()
    assert refused.value.code == "immutable"
    with pytest.raises(ActionError):
        IssuedDocument.objects.get(pk=original.pk).delete()
    original.refresh_from_db()
    assert original.context["party_name"] == PARTY

    corrected_context = {**context, "party_address": "湖州市吴兴区更正后的地址1号"}
    correction = do_issue_correction(officer, original, corrected_context)
    original.refresh_from_db()
    assert original.status == DocumentStatus.CORRECTED
    assert correction.corrects_id == original.pk and correction.status == DocumentStatus.ISSUED
    assert correction.number != original.number and correction.kind == original.kind
    assert list(original.corrections.all()) == [correction]
    marked = AuditEntry.objects.get(action="documents.mark_corrected", object_id=str(original.pk))
    assert (
        json.loads(marked.before)["status"] == "issued" and json.loads(marked.after)["status"] == "corrected"
    )
    # a corrected document cannot be corrected again: correct the newest one
    with pytest.raises(ActionError) as again:
        do_issue_correction(officer, original, corrected_context)
    assert again.value.code == "not_correctable"
    # another agency's officer cannot see, so cannot correct it
    wuxing_officer = users[Role.OFFICER].__class__.objects.create(
        username="wx-officer", role=Role.OFFICER, agency=city.market_wuxing
    )
    with pytest.raises(ActionError) as hidden:
        do_issue_correction(wuxing_officer, correction, corrected_context)
    assert hidden.value.status == 404
    assert verify_chain().ok


def test_unknown_kind_is_refused(city, users):
    with pytest.raises(ActionError) as refused:
        do_issue_document(users[Role.OFFICER], city.market_city, "memo", "", {})
    assert refused.value.code == "invalid_choice" and refused.value.field == "kind"


@pytest.mark.django_db
def test_agencies_deriving_the_same_prefix_get_distinct_fixed_prefixes(city):
    """Three city-level bodies named …综合行政执法… all derive 湖综执: the first to issue keeps it,
    the others take the next free variant, and a prefix once fixed does not change."""
    from django.db import transaction

    from tests.conftest import _agency

    bureau = _agency("湖州市综合行政执法局", "330500", ["market_regulation"])
    team = _agency("湖州市综合行政执法队", "330500", ["market_regulation"])
    third = _agency("湖州市农业综合行政执法队", "330500", ["market_regulation"])
    assert {numbering.agency_prefix(a) for a in (bureau, team, third)} == {"湖综执"}

    def take(agency):
        with transaction.atomic():
            return numbering.allocate_number(agency, "penalty_decision", 2026)[1]

    numbers = [take(team), take(bureau), take(third), take(team), take(bureau)]
    assert numbers == [
        "湖综执罚〔2026〕1号",
        "湖州综执罚〔2026〕1号",
        "湖综执队罚〔2026〕1号",
        "湖综执罚〔2026〕2号",
        "湖州综执罚〔2026〕2号",
    ]
    assert len(set(numbers)) == len(numbers)
    assert numbering.agency_prefix(bureau) == "湖州综执"  # shown before and after: the fixed one
    # an agency added later deriving the same prefix never changes the others'
    fourth = _agency("湖州市交通综合行政执法支队", "330500", ["market_regulation"])
    assert take(fourth) == "湖综执2罚〔2026〕1号"
    assert numbering.agency_prefix(team) == "湖综执"
