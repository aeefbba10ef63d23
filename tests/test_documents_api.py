"""Issued documents through the API: scoped metadata, the PDF with its SHA-256, linked from the
case page."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import PASSWORD, ApiClient, make_user
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.core.roles import Role
from zhifa.documents.models import IssuedDocument


@pytest.fixture
def desk(city, users, food_law, settings, tmp_path: Path) -> Desk:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Desk(city, users, food_law)


def test_the_filing_approval_is_served_as_pdf_with_its_hash(desk, users) -> None:
    case = desk.file()
    listed = desk.officer.get("/documents", case_ref=case["number"]).json()
    assert [d["kind"] for d in listed] == ["filing_approval"]
    document = IssuedDocument.objects.get(pk=listed[0]["id"])
    pdf = desk.officer.client.get(f"/api/v1/documents/{document.pk}/pdf", headers=desk.officer.headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == document.pdf_sha256
    assert pdf["X-Content-SHA256"] == document.pdf_sha256


def test_documents_outside_the_scope_are_not_found(desk, city) -> None:
    case = desk.file()
    document = IssuedDocument.objects.get(case_ref=case["number"])
    stranger = ApiClient(make_user(Role.OFFICER, city.other_city))
    assert stranger.get(f"/documents/{document.pk}").status_code == 404
    assert (
        stranger.client.get(f"/api/v1/documents/{document.pk}/pdf", headers=stranger.headers).status_code
        == 404
    )


def test_the_case_page_links_the_pdf(desk, users) -> None:
    case = desk.file()
    document = IssuedDocument.objects.get(case_ref=case["number"])
    browser = Client()
    assert browser.login(username=users[Role.OFFICER].username, password=PASSWORD)
    page = browser.get(f"/cases/{case['id']}/")
    assert f"/api/v1/documents/{document.pk}/pdf" in page.content.decode()
    assert browser.get(f"/api/v1/documents/{document.pk}/pdf").status_code == 200  # the session suffices
