"""Evidence files: hashing, content-addressed storage, verification, supersede, refusals, scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tests.conftest import ApiClient, make_user
from zhifa.core.errors import ActionError
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.evidence.actions import do_add_evidence, do_supersede_evidence, verify_evidence
from zhifa.evidence.models import EvidenceFile, EvidenceKind, EvidenceStatus

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def add(actor, agency, data: bytes = PHOTO, **overrides) -> EvidenceFile:
    args = {
        "case_ref": "湖市监罚〔2026〕12号",
        "step": "investigation",
        "kind": EvidenceKind.PHYSICAL,
        "title": "现场照片",
        "fileobj": io.BytesIO(data),
        "original_name": "IMG_0001.jpg",
        "content_type": "image/jpeg",
        **overrides,
    }
    return do_add_evidence(actor, agency, **args)


def stored_files(media_root: Path) -> list[Path]:
    root = media_root / "evidence"
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]


def test_upload_hashes_stores_and_audits(city, users, media_root):
    officer = users[Role.OFFICER]
    collected = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    evidence = add(officer, city.market_city, collected_at=collected, gps=(30.8927, 120.0868))

    expected = hashlib.sha256(PHOTO).hexdigest()
    assert evidence.sha256 == expected
    assert evidence.size == len(PHOTO)
    assert evidence.storage_path == f"evidence/{expected[:2]}/{expected[2:4]}/{expected}"
    assert (media_root / evidence.storage_path).read_bytes() == PHOTO
    assert evidence.uploaded_by == officer and evidence.status == EvidenceStatus.CURRENT
    assert evidence.gps == (30.8927, 120.0868) and evidence.collected_at == collected
    assert verify_evidence(evidence)

    entry = AuditEntry.objects.get(action="evidence.add", object_id=str(evidence.pk))
    after = json.loads(entry.after)
    assert after["sha256"] == expected and after["size"] == len(PHOTO)
    assert entry.actor_username == officer.username
    assert list((media_root / "evidence" / "tmp").iterdir()) == []


def test_same_bytes_stored_once_two_rows(city, users, media_root):
    first = add(users[Role.OFFICER], city.market_city)
    second = add(users[Role.AGENCY_LEAD], city.market_city, case_ref="湖市监罚〔2026〕13号", title="复印件")
    assert first.pk != second.pk and first.storage_path == second.storage_path
    assert EvidenceFile.objects.count() == 2
    assert len(stored_files(media_root)) == 1
    assert (
        json.loads(AuditEntry.objects.get(action="evidence.add", object_id=str(second.pk)).after)[
            "stored_new_file"
        ]
        is False
    )


def test_flipped_byte_fails_verification_and_command(city, users, media_root, capsys):
    good = add(users[Role.OFFICER], city.market_city, data=b"%PDF-1.7 good", content_type="application/pdf")
    evidence = add(users[Role.OFFICER], city.market_city)
    call_command("verify_evidence")
    assert "ok 2 evidence files" in capsys.readouterr().out

    path = media_root / evidence.storage_path
    os.chmod(path, 0o644)  # stored files are read-only; the attacker has shell access
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))

    assert verify_evidence(good)
    assert not verify_evidence(evidence)
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_evidence")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"evidence id={evidence.pk}" in err and evidence.sha256 in err


def test_missing_file_fails_verification(city, users, media_root):
    evidence = add(users[Role.OFFICER], city.market_city)
    (media_root / evidence.storage_path).unlink()
    assert not verify_evidence(evidence)
    with pytest.raises(SystemExit):
        call_command("verify_evidence")


def test_supersede_keeps_both(city, users, media_root):
    officer = users[Role.OFFICER]
    old = add(officer, city.market_city)
    corrected = PHOTO + b"corrected"
    new = do_supersede_evidence(
        officer, old, io.BytesIO(corrected), "IMG_0001-2.jpg", "image/jpeg", reason="原照片拍摄角度不清"
    )
    old.refresh_from_db()
    assert old.status == EvidenceStatus.SUPERSEDED and new.status == EvidenceStatus.CURRENT
    assert new.replaces == old and new.reason == "原照片拍摄角度不清"
    assert (new.case_ref, new.step, new.kind, new.title) == (old.case_ref, old.step, old.kind, old.title)
    assert verify_evidence(old) and verify_evidence(new)
    assert len(stored_files(media_root)) == 2
    supersede_entry = AuditEntry.objects.get(action="evidence.supersede", object_id=str(old.pk))
    assert json.loads(supersede_entry.before)["status"] == "current"
    assert json.loads(supersede_entry.after)["replaced_by_id"] == new.pk
    assert (
        json.loads(AuditEntry.objects.get(action="evidence.add", object_id=str(new.pk)).after)["sha256"]
        == hashlib.sha256(corrected).hexdigest()
    )

    with pytest.raises(ActionError) as again:
        do_supersede_evidence(officer, old, io.BytesIO(b"x" * 10), "a.jpg", "image/jpeg", reason="再次替换")
    assert again.value.code == "already_superseded"
    with pytest.raises(ActionError) as same:
        do_supersede_evidence(officer, new, io.BytesIO(corrected), "a.jpg", "image/jpeg", reason="同一文件")
    assert same.value.code == "same_content"
    with pytest.raises(ActionError) as no_reason:
        do_supersede_evidence(officer, new, io.BytesIO(b"other"), "a.jpg", "image/jpeg", reason=" ")
    assert no_reason.value.code == "required" and no_reason.value.field == "reason"


@pytest.mark.parametrize(
    ("overrides", "code", "status"),
    [
        ({"data": b""}, "empty_file", 422),
        ({"data": b"x" * 65}, "file_too_large", 413),
        (
            {"content_type": "application/x-msdownload", "original_name": "a.exe"},
            "content_type_not_allowed",
            415,
        ),
        ({"content_type": "text/html"}, "content_type_not_allowed", 415),
        ({"kind": "rumour"}, "invalid_choice", 422),
        ({"gps": (91.0, 120.0)}, "invalid_gps", 422),
        ({"collected_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}, "collected_in_future", 422),
    ],
)
def test_refusals(city, users, media_root, settings, overrides, code, status):
    settings.EVIDENCE_MAX_BYTES = 64
    with pytest.raises(ActionError) as refused:
        add(users[Role.OFFICER], city.market_city, **overrides)
    assert (refused.value.code, refused.value.status) == (code, status)
    assert EvidenceFile.objects.count() == 0
    if (media_root / "evidence").exists():
        assert stored_files(media_root) == []
        assert list((media_root / "evidence" / "tmp").iterdir()) == []
    assert not AuditEntry.objects.filter(action="evidence.add").exists()


def test_allowed_types_include_office_and_text(city, users):
    for content_type in (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain; charset=utf-8",
        "video/mp4",
        "audio/mpeg",
    ):
        evidence = add(
            users[Role.OFFICER], city.market_city, data=content_type.encode(), content_type=content_type
        )
        assert evidence.content_type == content_type.split(";")[0]


def test_roles_and_agency_for_actions(city, users):
    for role in (Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.LEGAL_REVIEWER, Role.AUDITOR):
        with pytest.raises(ActionError) as denied:
            add(users[role], city.market_city)
        assert denied.value.status == 403
    with pytest.raises(ActionError) as other:
        add(users[Role.OFFICER], city.market_wuxing)
    assert (other.value.code, other.value.status) == ("out_of_scope", 403)
    evidence = add(None, city.market_wuxing)  # the system (imports, seeders)
    with pytest.raises(ActionError) as hidden:
        do_supersede_evidence(
            users[Role.OFFICER], evidence, io.BytesIO(b"new"), "a.jpg", "image/jpeg", "原因"
        )
    assert hidden.value.status == 404


# --- API ---------------------------------------------------------------------------------------


def upload(
    client: ApiClient, data: bytes = PHOTO, name: str = "现场.jpg", content_type: str = "image/jpeg", **fields
):
    body = {
        "case_ref": "湖市监罚〔2026〕12号",
        "step": "investigation",
        "kind": "audiovisual",
        "title": "执法记录仪截图",
        "file": SimpleUploadedFile(name, data, content_type=content_type),
        **fields,
    }
    return client.client.post("/api/v1/evidence", body, headers=client.headers)


def test_api_upload_read_and_download(city, users, api_as):
    officer = api_as(Role.OFFICER)
    response = upload(officer, collected_at="2026-03-01T09:30:00+08:00", gps_lat="30.89", gps_lon="120.08")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert body["agency_code"] == city.market_city.code and body["original_name"] == "现场.jpg"
    assert body["gps"] == {"lat": 30.89, "lon": 120.08} and body["kind_display"] == "视听资料"

    listed = officer.get("/evidence", case_ref="湖市监罚〔2026〕12号").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert officer.get("/evidence", case_ref="另一案").json()["items"] == []
    assert officer.get(f"/evidence/{body['id']}").json()["sha256"] == body["sha256"]

    content = officer.get(f"/evidence/{body['id']}/content")
    assert content.status_code == 200
    assert b"".join(content.streaming_content) == PHOTO
    assert content["X-Content-SHA256"] == body["sha256"]
    assert content["Content-Type"] == "image/jpeg"
    assert "attachment" in content["Content-Disposition"]

    # A supervisor of the region reads; it may not add.
    supervisor = api_as(Role.SUPERVISOR)
    assert supervisor.get(f"/evidence/{body['id']}").status_code == 200
    assert supervisor.get(f"/evidence/{body['id']}/content").status_code == 200
    assert len(supervisor.get("/evidence").json()["items"]) == 1
    assert upload(supervisor).status_code == 403


def test_api_refusals_and_supersede(city, users, api_as, settings):
    officer = api_as(Role.OFFICER)
    bad = upload(officer, data=b"MZ\x90\x00", name="a.exe", content_type="application/x-msdownload")
    assert bad.status_code == 415 and bad.json()["code"] == "content_type_not_allowed"
    empty = upload(officer, data=b"")
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_file"), empty.content
    settings.EVIDENCE_MAX_BYTES = 16
    big = upload(officer)
    assert big.status_code == 413 and big.json()["code"] == "file_too_large"
    settings.EVIDENCE_MAX_BYTES = 1 << 20

    first = upload(officer).json()
    response = officer.client.post(
        f"/api/v1/evidence/{first['id']}/supersede",
        {
            "reason": "更清晰的截图",
            "file": SimpleUploadedFile("b.png", b"\x89PNG new", content_type="image/png"),
        },
        headers=officer.headers,
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["replaces_id"] == first["id"] and new["status"] == "current"
    old = officer.get(f"/evidence/{first['id']}").json()
    assert old["status"] == "superseded" and old["replaced_by_id"] == new["id"]
    assert len(officer.get("/evidence", case_ref=first["case_ref"]).json()["items"]) == 2


def test_api_scope(city, users, api_as):
    evidence_id = upload(api_as(Role.OFFICER)).json()["id"]

    other_officer = ApiClient(make_user(Role.OFFICER, city.other_city))
    assert other_officer.get(f"/evidence/{evidence_id}").status_code == 404
    assert other_officer.get(f"/evidence/{evidence_id}/content").status_code == 404
    assert other_officer.get("/evidence").json()["items"] == []
    # Posting to another agency's case is refused.
    assert upload(other_officer, agency_code=city.market_city.code).status_code == 403
    superseded = other_officer.client.post(
        f"/api/v1/evidence/{evidence_id}/supersede",
        {"reason": "x", "file": SimpleUploadedFile("b.png", b"\x89PNG", content_type="image/png")},
        headers=other_officer.headers,
    )
    assert superseded.status_code == 404

    # An agency role without the permission: 403 on list, detail and content.
    admin = api_as(Role.AGENCY_ADMIN)
    for path in ("/evidence", f"/evidence/{evidence_id}", f"/evidence/{evidence_id}/content"):
        assert admin.get(path).status_code == 403
    assert api_as(Role.HOTLINE_OPERATOR).get("/evidence").status_code == 403
    assert api_as(Role.AUDITOR).get(f"/evidence/{evidence_id}").status_code == 403

    # The legal reviewer of the agency reads; a supervisor of another region does not see it.
    assert api_as(Role.LEGAL_REVIEWER).get(f"/evidence/{evidence_id}").status_code == 200
    hangzhou_supervisor = ApiClient(make_user(Role.SUPERVISOR, region="330100"))
    assert hangzhou_supervisor.get(f"/evidence/{evidence_id}").status_code == 404
    assert Client().get(f"/api/v1/evidence/{evidence_id}").status_code == 401
