"""The demo city (small size): structure, valid identifiers, certificate stories, logins, audit."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from zhifa.accounts.models import User
from zhifa.accounts.seed import DEMO_LOGINS, read_logins
from zhifa.core import seeding
from zhifa.core.audit import verify_chain
from zhifa.core.identifiers import ric_problem, uscc_problem
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.registry.demo_data import JUSTICE_CITY, MARKET_CITY
from zhifa.registry.models import (
    Agency,
    AgencyKind,
    Certificate,
    CertificateEvent,
    CertificateStatus,
    Entity,
    EntityKind,
    Officer,
    OfficerRole,
)
from zhifa.registry.seed import Draw, demo_size, org_code_check_char


def run_demo() -> str:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    return out.getvalue()


@pytest.fixture
def data_dir(settings, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    settings.DATA_DIR = tmp_path
    # These tests are about the city and its logins; the law and powers seeders have their own.
    city_seeders = {name: s for name, s in seeding.SEEDERS.items() if name in {"registry", "accounts"}}
    monkeypatch.setattr(seeding, "SEEDERS", city_seeders)
    return tmp_path


@pytest.fixture
def demo(db, data_dir: Path) -> str:
    return run_demo()


def test_small_city_has_agencies_at_city_and_county_level_across_ten_domains(demo):
    agencies = list(Agency.objects.select_related("region").prefetch_related("domains"))
    assert len(agencies) >= 12
    assert {a.region.level for a in agencies} >= {"city", "county"}
    assert len({d.code for a in agencies for d in a.domains.all()}) >= 10
    assert Agency.objects.filter(name=MARKET_CITY, region_id="330500").exists()
    assert Agency.objects.filter(name=JUSTICE_CITY, domains__code="justice").exists()


def test_full_city_plan_has_fifty_agencies_and_entrusted_bodies(monkeypatch):
    from zhifa.registry.seed import select_specs

    monkeypatch.delenv("ZHIFA_DEMO_SIZE", raising=False)
    specs = select_specs(demo_size())
    assert len(specs) >= 50
    assert len({d for s in specs for d in s.domains}) >= 10
    names = [s.name for s in specs]
    entrusted = [s for s in specs if s.kind == AgencyKind.ENTRUSTED]
    assert entrusted and all(names.index(s.supervising) < names.index(s.name) for s in entrusted)
    assert len(names) == len(set(names))


def test_every_identifier_is_valid_and_carries_its_region(demo):
    for code, region in Agency.objects.values_list("code", "region_id"):
        assert uscc_problem(code) is None, code
        assert code[:2] in ("11", "12") and code[2:8] == region[:6]
    for number in Officer.objects.values_list("id_number", flat=True):
        assert ric_problem(number) is None, number
        assert number[:4] == "3305" and 1965 <= int(number[6:10]) <= 2000
    entities = list(Entity.objects.all())
    assert len(entities) == 300
    for entity in entities:
        if entity.kind == EntityKind.ENTERPRISE:
            assert uscc_problem(entity.credit_code) is None, entity.credit_code
            assert entity.credit_code[2:8] == entity.region_id[:6]
        else:
            assert ric_problem(entity.id_number) is None, entity.id_number
        assert entity.region_id.startswith("3305") and len(entity.region_id) == 9
        assert 29.5 < float(entity.latitude) < 31.5 and 119 < float(entity.longitude) < 121


def test_entities_are_mostly_enterprises_with_some_persons(demo):
    persons = Entity.objects.filter(kind=EntityKind.PERSON).count()
    assert 0.05 * 300 <= persons <= 0.2 * 300
    assert Entity.objects.filter(kind=EntityKind.ENTERPRISE, name__endswith="有限公司").count() > 100


def test_officers_have_posts_and_certificates_tell_every_story(demo):
    assert Officer.objects.count() >= 60
    for agency in Agency.objects.all():
        assert agency.officers.filter(role=OfficerRole.LEAD).count() == 1
    reviewers = Officer.objects.filter(role=OfficerRole.LEGAL_REVIEWER)
    assert reviewers.exists() and not reviewers.filter(has_legal_qualification=False).exists()
    today = dt.date.today()
    certificates = Certificate.objects.all()
    assert certificates.filter(status=CertificateStatus.VALID, expires_on__lt=today).count() >= 2
    assert certificates.filter(status=CertificateStatus.SUSPENDED).count() >= 1
    assert certificates.filter(status=CertificateStatus.REVOKED).count() == 1
    assert all(c.number.startswith("33") and len(c.number) == 10 for c in certificates)
    kinds = set(CertificateEvent.objects.values_list("kind", flat=True))
    assert kinds == {"issued", "suspended", "reinstated", "renewed", "revoked"}


def test_logins_file_lists_one_login_per_role_that_really_logs_in(demo, data_dir):
    entries = json.loads((data_dir / "demo-logins.json").read_text(encoding="utf-8"))
    assert [e["username"] for e in entries] == [s.username for s in DEMO_LOGINS]
    assert {e["role"] for e in entries} == set(Role.values)
    for entry in entries:
        assert set(entry) == {"username", "password", "role", "agency_code", "region_code"}
        user = User.objects.select_related("agency").get(username=entry["username"])
        assert user.check_password(entry["password"]) and user.role == entry["role"]
        assert (user.agency.code if user.agency else "") == entry["agency_code"]
        assert (user.region_id or "") == entry["region_code"]
        assert entry["password"] in demo
    market = Agency.objects.get(name=MARKET_CITY)
    for username, post in (
        ("officer", "field_officer"),
        ("agency_lead", "lead"),
        ("legal_reviewer", "legal_reviewer"),
    ):
        user = User.objects.select_related("officer").get(username=username)
        assert user.agency == market and user.officer.agency == market and user.officer.role == post
        assert all(c.is_valid_on(dt.date.today()) for c in user.officer.certificates.all())
    assert User.objects.get(username="supervisor_wuxing").region_id == "330502"


def test_every_seeded_record_is_audited_and_the_chain_verifies(demo):
    assert verify_chain().ok
    for model, object_type in (
        (Agency, "registry.agency"),
        (Officer, "registry.officer"),
        (Certificate, "registry.certificate"),
        (Entity, "registry.entity"),
        (User, "accounts.user"),
    ):
        created = set(
            AuditEntry.objects.filter(object_type=object_type, action__endswith="_create").values_list(
                "object_id", flat=True
            )
        )
        if model is Certificate:
            created = set(
                AuditEntry.objects.filter(action="registry.certificate_issue").values_list(
                    "object_id", flat=True
                )
            )
        assert created == {str(pk) for pk in model.objects.values_list("pk", flat=True)}, object_type


def test_running_the_demo_again_adds_nothing(demo, data_dir):
    counts = [m.objects.count() for m in (Agency, Officer, Certificate, Entity, User, AuditEntry)]
    before = read_logins(data_dir / "demo-logins.json")
    output = run_demo()
    assert "跳过" in output and "http://127.0.0.1:8000/" in output
    assert [m.objects.count() for m in (Agency, Officer, Certificate, Entity, User, AuditEntry)] == counts
    assert read_logins(data_dir / "demo-logins.json") == before


def test_a_lost_logins_file_is_rebuilt_with_new_passwords(demo, data_dir):
    (data_dir / "demo-logins.json").unlink()
    output = run_demo()
    entries = read_logins(data_dir / "demo-logins.json")
    assert len(entries) == len(DEMO_LOGINS) and "重新生成密码" in output
    for entry in entries:
        assert User.objects.get(username=entry["username"]).check_password(entry["password"])
    assert verify_chain().ok


def test_a_fresh_database_reuses_the_passwords_in_the_logins_file(db, data_dir):
    kept = {
        "username": "officer",
        "password": "Kept-from-2025",
        "role": "officer",
        "agency_code": "",
        "region_code": "",
    }
    (data_dir / "demo-logins.json").write_text(json.dumps([kept]), encoding="utf-8")
    run_demo()
    assert User.objects.get(username="officer").check_password("Kept-from-2025")
    entries = read_logins(data_dir / "demo-logins.json")
    assert len(entries) == len(DEMO_LOGINS) and entries[1]["password"] == "Kept-from-2025"
    assert entries[1]["agency_code"] == Agency.objects.get(name=MARKET_CITY).code


def test_the_city_is_reproducible_and_sizes_are_checked(monkeypatch):
    one, two = Draw(), Draw()
    assert [one.credit_code("91", "330502") for _ in range(5)] == [
        two.credit_code("91", "330502") for _ in range(5)
    ]
    assert org_code_check_char("12345678") == "8"  # GB 11714: 201 mod 11 = 3, 11 - 3 = 8
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "huge")
    with pytest.raises(ValueError, match="ZHIFA_DEMO_SIZE"):
        demo_size()
