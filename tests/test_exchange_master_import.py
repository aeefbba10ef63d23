"""Officer, certificate and power files go into the registry through its audited actions."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest

from tests.conftest import City, make_credit_code, make_id_number
from tests.powers_support import FoodLaw, add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.core.errors import ActionError
from zhifa.core.models import AuditEntry
from zhifa.exchange.actions import ImportReport, do_import_file
from zhifa.exchange.models import QuarantinedRow
from zhifa.powers.models import Power, PowerTransfer
from zhifa.registry import actions as registry
from zhifa.registry.models import Certificate, Officer

SOURCE = "hz_rsxt"


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(dict.fromkeys(name for row in rows for name in row))
    buffer = StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return report.read, report.inserted, report.updated, report.unchanged, report.quarantined


def _quarantined(path: Path) -> dict[int, list[str]]:
    rows = QuarantinedRow.objects.filter(run__file_name=path.name).order_by("row_number")
    return {q.row_number: list(q.reason_codes) for q in rows}


def _audited(action: str, pk: int) -> bool:
    return AuditEntry.objects.filter(action=action, object_id=str(pk)).exists()


def test_unknown_family_is_still_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", [{"source_id": "1"}])
    with pytest.raises(ActionError) as refused:
        do_import_file(None, "staff", [path], SOURCE)
    assert refused.value.code == "unknown_family"


# --- officers --------------------------------------------------------------------------------


def _officer_row(source_id: str, officer_id: str, name: str, agency: str, **changes: str) -> dict[str, str]:
    row = {
        "source_id": source_id,
        "id_number": officer_id,
        "name": name,
        "agency_code": agency,
        "role": "field_officer",
        "status": "active",
        "has_legal_qualification": "false",
    }
    return {**row, **changes}


def test_officer_file_creates_updates_and_quarantines(tmp_path: Path, city: City) -> None:
    new_id = make_id_number("330502")
    rows = [
        _officer_row("P1", new_id, "陈刚", city.market_wuxing.code, role="lead", phone="13905720001"),
        _officer_row("P2", city.officer_wuxing.id_number, "李娜", city.market_wuxing.code, status="left"),
        _officer_row("P3", city.officer_city.id_number, "张伟", city.market_city.code),
        # row 5: refused by the action (法制审核人员 without the legal qualification)
        _officer_row("P4", make_id_number("330502"), "赵敏", city.market_city.code, role="legal_reviewer"),
        # row 6: refused by validation (agency not registered)
        _officer_row("P5", make_id_number("330502"), "钱进", make_credit_code("330502")),
    ]
    path = _write(tmp_path / "officers.csv", rows)

    report = do_import_file(None, "officer", [path], SOURCE)

    assert _counts(report) == (5, 1, 1, 1, 2)
    assert report.reconciled
    assert dict(report.reasons) == {"qualification_required": 1, "unknown_reference": 1}
    created = Officer.objects.get(id_number=new_id)
    assert (created.name, created.agency, created.role, created.phone) == (
        "陈刚",
        city.market_wuxing,
        "lead",
        "13905720001",
    )
    assert Officer.objects.get(pk=city.officer_wuxing.pk).status == "left"
    assert _audited("registry.officer_create", created.pk)
    assert _audited("registry.officer_update", city.officer_wuxing.pk)
    assert not _audited("registry.officer_update", city.officer_city.pk)
    assert _quarantined(path) == {5: ["qualification_required"], 6: ["unknown_reference"]}

    again = do_import_file(None, "officer", [path], SOURCE)
    assert _counts(again) == (5, 0, 0, 3, 2)
    assert QuarantinedRow.objects.count() == 2


def test_officer_csv_onboarded_with_a_mapping(tmp_path: Path, city: City) -> None:
    mapping = tmp_path / "rsxt.yaml"
    mapping.write_text(
        "family: officer\n"
        "rename: {编号: source_id, 姓名: name, 身份证号: id_number, 单位代码: agency_code, 岗位: role, 状态: status}\n"
        "translate:\n"
        "  role: {table: {执法人员: field_officer, 负责人: lead}}\n"
        "  status: {table: {在岗: active, 离岗: left}}\n",
        encoding="utf-8",
    )
    new_id = make_id_number("330502")
    lines = [
        "编号,姓名,身份证号,单位代码,岗位,状态",
        f"R1,周洋,{new_id},{city.market_wuxing.code},负责人,在岗",
        f"R2,李娜,{city.officer_wuxing.id_number},{city.market_wuxing.code},执法人员,离岗",
        f"R3,吴昊,{make_id_number('330502')},{city.market_wuxing.code},科员,在岗",  # unknown code
    ]
    path = tmp_path / "rsxt.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = do_import_file(None, "officer", [path], SOURCE, mapping_path=mapping)

    assert _counts(report) == (3, 1, 1, 0, 1)
    assert report.reasons["unknown_code"] == 1
    assert Officer.objects.get(id_number=new_id).role == "lead"
    assert Officer.objects.get(pk=city.officer_wuxing.pk).status == "left"


# --- certificates ----------------------------------------------------------------------------


def _cert_row(source_id: str, cert: Certificate | None = None, **values: str) -> dict[str, str]:
    row = {"source_id": source_id, "status": "valid", "issuing_authority": ""}
    if cert is not None:
        row |= {
            "certificate_number": cert.number,
            "officer_id_number": cert.officer.id_number,
            "domain": cert.domain_id,
            "issued_on": cert.issued_on.isoformat(),
            "expires_on": cert.expires_on.isoformat(),
            "issuing_authority": cert.issuing_authority,
        }
    return {**row, **values}


def _events(number: str) -> list[str]:
    return list(Certificate.objects.get(number=number).events.values_list("kind", flat=True))


def test_certificate_file_keeps_the_certificate_history(tmp_path: Path, city: City) -> None:
    same = Certificate.objects.get(officer=city.officer_city)
    renewed = Certificate.objects.get(officer=city.officer_wuxing)
    shortened = Certificate.objects.get(officer=city.officer_other)
    fixed = registry.do_issue_certificate(
        None,
        registry.CertificateInput(
            number="HZ-OLD-0001",
            officer_id=city.officer_city.pk,
            domain_code="ecology_environment",
            issued_on=dt.date(2024, 1, 1),
            expires_on=dt.date(2028, 1, 1),
            issuing_authority="湖州市人民政府",
        ),
    )
    new_values = {
        "officer_id_number": city.officer_wuxing.id_number,
        "domain": "market_regulation",
        "issued_on": "2025-01-01",
        "expires_on": "2029-12-31",
    }
    rows = [
        _cert_row("C1", certificate_number="HZ-2025-0001", issuing_authority="湖州市人民政府", **new_values),
        _cert_row("C2", certificate_number="HZ-2025-0002", **{**new_values, "status": "revoked"}),
        _cert_row("C3", renewed, expires_on="2031-01-01", status="suspended"),
        _cert_row("C4", same),
        _cert_row("C5", shortened, expires_on="2029-01-01"),  # row 6: renewal cannot shorten
        _cert_row("C6", fixed, issuing_authority="湖州市司法局"),  # row 7: fixed once issued
        # row 8: holder not registered as an officer
        _cert_row(
            "C7", certificate_number="HZ-2025-0003", **{**new_values, "officer_id_number": make_id_number()}
        ),
        # row 9: refused by validation (expires before issue)
        _cert_row("C8", certificate_number="HZ-2025-0004", **{**new_values, "expires_on": "2024-01-01"}),
    ]
    path = _write(tmp_path / "certificates.csv", rows)

    report = do_import_file(None, "certificate", [path], SOURCE)

    assert _counts(report) == (8, 2, 1, 1, 4)
    assert report.reconciled
    assert _quarantined(path) == {
        6: ["invalid_date_order"],
        7: ["immutable_field"],
        8: ["unknown_reference"],
        9: ["date_order"],
    }
    first = Certificate.objects.get(number="HZ-2025-0001")
    assert (first.officer, first.status, first.expires_on) == (
        city.officer_wuxing,
        "valid",
        dt.date(2029, 12, 31),
    )
    assert first.issuing_authority == "湖州市人民政府"
    assert _events("HZ-2025-0001") == ["issued"]
    assert _events("HZ-2025-0002") == ["issued", "revoked"]
    renewed.refresh_from_db()
    assert (renewed.status, renewed.expires_on) == ("suspended", dt.date(2031, 1, 1))
    assert _events(renewed.number) == ["issued", "renewed", "suspended"]
    shortened.refresh_from_db()
    assert shortened.expires_on == dt.date(2030, 1, 1)
    assert _audited("registry.certificate_issue", first.pk)
    assert _audited("registry.certificate_renew", renewed.pk)
    assert _audited("registry.certificate_suspended", renewed.pk)
    assert _audited("registry.certificate_revoked", Certificate.objects.get(number="HZ-2025-0002").pk)

    again = do_import_file(None, "certificate", [path], SOURCE)
    assert _counts(again) == (8, 0, 0, 4, 4)
    assert _events(renewed.number) == ["issued", "renewed", "suspended"]


def test_a_refused_status_change_leaves_the_renewal_undone(tmp_path: Path, city: City) -> None:
    cert = Certificate.objects.get(officer=city.officer_wuxing)
    registry.do_change_certificate_status(None, cert.number, "revoked", dt.date(2025, 1, 1), "调离")
    cert.refresh_from_db()
    path = _write(tmp_path / "c.csv", [_cert_row("C1", cert, status="valid", expires_on="2031-01-01")])

    report = do_import_file(None, "certificate", [path], SOURCE)

    assert _counts(report) == (1, 0, 0, 0, 1)
    assert report.reasons["invalid_transition"] == 1
    cert.refresh_from_db()
    assert (cert.status, cert.expires_on) == ("revoked", dt.date(2030, 1, 1))


def test_certificate_csv_onboarded_with_a_mapping(tmp_path: Path, city: City) -> None:
    cert = Certificate.objects.get(officer=city.officer_city)
    mapping = tmp_path / "zj.yaml"
    mapping.write_text(
        "family: certificate\n"
        "rename: {序号: source_id, 证号: certificate_number, 持证人身份证: officer_id_number,"
        " 领域: domain, 发证日期: issued_on, 有效期至: expires_on, 证件状态: status}\n"
        "translate:\n"
        "  status: {table: {正常: valid, 暂扣: suspended, 注销: revoked}}\n"
        "  domain: {table: {市场监管: market_regulation}}\n"
        "dates:\n"
        "  issued_on: {formats: ['%Y年%m月%d日'], output: date}\n"
        "  expires_on: {formats: ['%Y年%m月%d日'], output: date}\n",
        encoding="utf-8",
    )
    officer = city.officer_wuxing.id_number
    lines = [
        "序号,证号,持证人身份证,领域,发证日期,有效期至,证件状态",
        f"1,HZ-2025-0100,{officer},市场监管,2025年3月1日,2030年2月28日,正常",
        f"2,{cert.number},{city.officer_city.id_number},市场监管,2024年1月1日,2030年1月1日,暂扣",
    ]
    path = tmp_path / "zj.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = do_import_file(None, "certificate", [path], SOURCE, mapping_path=mapping)

    assert _counts(report) == (2, 1, 1, 0, 0)
    assert Certificate.objects.get(number="HZ-2025-0100").issued_on == dt.date(2025, 3, 1)
    assert Certificate.objects.get(pk=cert.pk).status == "suspended"


# --- powers ----------------------------------------------------------------------------------


def _power_row(source_id: str, power: Power | None = None, **values: str) -> dict[str, str]:
    row = {"source_id": source_id, "status": "active", "kind": "penalty", "domain": "market_regulation"}
    if power is not None:
        row |= {
            "power_code": power.code,
            "name": power.name,
            "kind": power.kind,
            "holder_agency_code": power.holder.code,
            "domain": power.domain_id,
            "status": power.status,
            "effective_from": power.effective_from.isoformat() if power.effective_from else "",
            "conduct": power.conduct,
            "legal_basis": "/".join(b.citation for b in power.bases.all()),
        }
    return {**row, **values}


def test_power_file_versions_every_change(tmp_path: Path, city: City, food_law: FoodLaw) -> None:
    changed = add_penalty_power(city.market_wuxing, food_law)
    same = add_penalty_power(city.market_wuxing, food_law, name="对无证生产经营的行政处罚（吴兴）")
    new = {
        "holder_agency_code": city.market_wuxing.code,
        "name": "对食品生产经营者未按规定履行义务的行政处罚",
        "conduct": "食品生产经营者未按规定履行义务",
        "effective_from": "2024-01-01",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十六条",
    }
    rows = [
        _power_row("Q1", power_code="330502CF0101", **new),
        _power_row("Q2", power_code="330502CF0102", status="revoked", **new),
        # moved to the city bureau and renamed: a transfer, then a change
        _power_row("Q3", changed, holder_agency_code=city.market_city.code, name="对无证经营的处罚"),
        # spelled differently, same provision: unchanged
        _power_row("Q4", same, legal_basis="中华人民共和国食品安全法第一百二十二条第一款"),
        # row 6: the citation names no article of the law
        _power_row("Q5", power_code="330502CF0103", **{**new, "legal_basis": "《食品安全法》第九百九十九条"}),
        # row 7: the holder has no duties in that domain
        _power_row("Q6", power_code="330502CF0104", **{**new, "domain": "ecology_environment"}),
        # row 8: refused by validation (holder not registered)
        _power_row("Q7", power_code="330502CF0105", **{**new, "holder_agency_code": make_credit_code()}),
    ]
    path = _write(tmp_path / "powers.csv", rows)

    report = do_import_file(None, "power", [path], SOURCE)

    assert _counts(report) == (7, 2, 1, 1, 3)
    assert report.reconciled
    assert _quarantined(path) == {6: ["unknown_article"], 7: ["domain_not_held"], 8: ["unknown_reference"]}
    created = Power.objects.get(code="330502CF0101")
    assert (created.holder, created.status, created.version) == (city.market_wuxing, "active", 1)
    assert [b.article for b in created.bases.all()] == [food_law.art126]
    revoked = Power.objects.get(code="330502CF0102")
    assert (revoked.status, list(revoked.versions.values_list("action", flat=True))) == (
        "revoked",
        ["create", "revoke"],
    )
    changed.refresh_from_db()
    assert (changed.holder, changed.name) == (city.market_city, "对无证经营的处罚")
    assert list(changed.versions.values_list("action", flat=True)) == ["create", "transfer", "change"]
    assert list(changed.provisions.all()) == [food_law.p122_1]  # kept: the file has no provisions
    assert PowerTransfer.objects.filter(powers=changed, to_agency=city.market_city).exists()
    assert _audited("powers.power_create", created.pk)
    assert _audited("powers.power_transfer", changed.pk) and _audited("powers.power_change", changed.pk)
    assert Power.objects.get(pk=same.pk).version == 1

    again = do_import_file(None, "power", [path], SOURCE)
    assert _counts(again) == (7, 0, 0, 4, 3)


def test_power_csv_onboarded_with_a_mapping(tmp_path: Path, city: City, food_law: FoodLaw) -> None:
    mapping = tmp_path / "qzqd.yaml"
    mapping.write_text(
        "family: power\n"
        "rename: {编号: source_id, 事项编码: power_code, 事项名称: name, 类别: kind,"
        " 实施主体: holder_agency_code, 依据: legal_basis}\n"
        "translate:\n"
        "  kind: {table: {行政处罚: penalty, 行政检查: inspection}}\n"
        "constants: {domain: market_regulation, status: active}\n",
        encoding="utf-8",
    )
    lines = [
        "编号,事项编码,事项名称,类别,实施主体,依据",
        f"1,330502JC0001,食品生产经营监督检查,行政检查,{city.market_wuxing.code},《食品安全法》第一百一十条",
    ]
    path = tmp_path / "qzqd.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = do_import_file(None, "power", [path], SOURCE, mapping_path=mapping)

    assert _counts(report) == (1, 1, 0, 0, 0)
    power = Power.objects.get(code="330502JC0001")
    assert (power.kind, power.name, power.holder) == (
        "inspection",
        "食品生产经营监督检查",
        city.market_wuxing,
    )
