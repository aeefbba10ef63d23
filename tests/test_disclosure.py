"""Public disclosure of penalty decisions: masking, default-deny whitelist, feed, withdrawal."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core.errors import ActionError, NotFound, PermissionDenied
from zhifa.core.identifiers import ric_check_char
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.disclosure import actions
from zhifa.disclosure.masking import mask_person_name, scrub_text
from zhifa.disclosure.models import Disclosure, DisclosureStatus

from .conftest import make_credit_code, make_id_number

_refs = itertools.count(1)


def next_ref() -> str:
    return f"案-2026-{next(_refs):05d}"


def person_decision(**overrides) -> dict:
    decision = {
        "party_kind": "person",
        "party_name": "张伟",
        "party_id_number": make_id_number(),
        "party_address": "湖州市吴兴区凤凰路12号",
        "party_phone": "13812345678",
        "party_is_minor": False,
        "facts": "当事人张伟于2026年3月在其经营的摊位销售过期食品。",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第三项",
        "penalty_kinds": ["警告", "罚款"],
        "fine_amount": "50000",
        "confiscation": "没收过期食品12箱",
        "decided_on": "2026-04-01",
        "decision_number": "湖市监罚〔2026〕12号",
        "region_code": "330502",
    }
    decision.update(overrides)
    return decision


# --- masking units ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张某"),
        ("王小明", "王某"),
        ("欧阳娜娜", "欧阳某"),
        ("司马光", "司马某"),
        ("诸葛亮", "诸葛某"),
        ("上官婉儿", "上官某"),
        ("尉迟恭", "尉迟某"),
        ("买买提·艾力", "买买提某"),
        ("阿依古丽•吐尔逊", "阿依古丽某"),
        (" 李 娜 ", "李某"),
        ("", ""),
    ],
)
def test_mask_person_name(name, masked):
    assert mask_person_name(name) == masked


def test_a_two_character_name_that_looks_like_a_compound_surname_keeps_one_character():
    # 欧阳 alone is more likely surname 欧 + given name 阳 than a bare compound surname.
    assert mask_person_name("欧阳") == "欧某"


@pytest.mark.parametrize(
    "secret",
    [
        "33050219850317123X",
        "33050219850317123x",
        "330502198503171234",
        "330502850317123",  # 15-digit old number
        "330502 19850317 123X",
        "6222021234567890123",  # bank card 19 digits
        "6222 0212 3456 7890",
        "6222-0212-3456-7890-123",
    ],
)
def test_scrub_removes_id_numbers_and_bank_cards(secret):
    scrubbed = scrub_text(f"当事人证件{secret}，已核实。")
    assert secret not in scrubbed
    assert not any(ch.isdigit() for ch in scrubbed)
    assert scrubbed.endswith("，已核实。")


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "１３８１２３４５６７８",
        "1381234 5678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "(+86)138 1234 5678",
        "008613812345678",
        "8613812345678",
        "0571-8888 8888",
        "0571-88888888",
        "(0571)88888888",
        "0572 2123456",
        "010-12345678转123",
    ],
)
def test_scrub_removes_phone_numbers_in_many_spellings(phone):
    scrubbed = scrub_text(f"联系人电话为{phone}，请勿外传")
    digits = "".join(ch for ch in phone if ch.isdigit())
    assert phone not in scrubbed
    assert digits[-8:] not in "".join(ch for ch in scrubbed if ch.isdigit())
    assert scrubbed.endswith("，请勿外传")


def test_scrub_removes_email_and_addresses_after_their_labels():
    text = "当事人住址：湖州市吴兴区凤凰路12号3幢（南区）601室，户籍地安徽省宿州市某村；邮箱zhang.wei@example.com。家住湖州市南浔区练市镇1号。居住于杭州市西湖区文三路5号，经营地湖州市吴兴区织里镇。"
    scrubbed = scrub_text(text)
    for leaked in ("凤凰路", "601室", "南区", "宿州", "zhang.wei", "example.com", "练市镇", "文三路"):
        assert leaked not in scrubbed
    assert "住址：****，" in scrubbed
    assert "经营地湖州市吴兴区织里镇" in scrubbed  # a business place is not a home address


def test_scrub_replaces_full_names_and_keeps_ordinary_numbers():
    text = (
        "张伟、欧阳娜娜于2026年3月5日销售过期食品，货值金额1200元，依据第一百二十四条，湖市监罚〔2026〕12号。"
    )
    scrubbed = scrub_text(text, ["张伟", "欧阳娜娜"])
    assert (
        scrubbed
        == "张某、欧阳某于2026年3月5日销售过期食品，货值金额1200元，依据第一百二十四条，湖市监罚〔2026〕12号。"
    )


def test_scrub_catches_names_written_with_spaces():
    assert scrub_text("张 伟与张　伟、欧阳 娜娜", ["张伟", "欧阳娜娜"]) == "张某与张某、欧阳某"


# --- the default-deny whitelist --------------------------------------------------------------


def test_person_keeps_masked_name_only(city, users):
    officer = users[Role.OFFICER]
    decision = person_decision(party_credit_code="ignored", secret_note="内部意见：从重")
    disclosure = actions.do_publish_decision(officer, next_ref(), city.market_city, decision)
    fields = disclosure.published_fields
    assert fields["party_name"] == "张某"
    dumped = json.dumps(fields, ensure_ascii=False)
    for leaked in ("张伟", decision["party_id_number"], "13812345678", "凤凰路", "内部意见", "ignored"):
        assert leaked not in dumped
    assert set(fields) <= {
        "party_kind", "party_name", "party_credit_code", "facts", "legal_basis", "penalty_kinds",
        "fine_amount", "confiscation", "decided_on", "decision_number", "agency_name", "agency_code",
        "region_code",
    }  # fmt: skip
    assert fields["fine_amount"] == "50000.00"
    assert disclosure.region_id == "330502"
    assert AuditEntry.objects.filter(action="disclosure.publish", object_id=str(disclosure.pk)).count() == 1


def test_organisation_keeps_name_and_credit_code(city, users):
    code = make_credit_code("330502", "91")
    decision = person_decision(
        party_kind="organisation",
        party_name="湖州某某食品有限公司",
        party_credit_code=code,
        facts="湖州某某食品有限公司（法定代表人张伟，手机13812345678）销售过期食品。",
    )
    fields = actions.do_publish_decision(
        users[Role.AGENCY_LEAD], next_ref(), city.market_city, decision
    ).published_fields
    assert fields["party_name"] == "湖州某某食品有限公司"
    assert fields["party_credit_code"] == code
    assert "13812345678" not in fields["facts"]


def test_minor_publishes_nothing_about_the_party(city, users):
    decision = person_decision(
        party_name="李小明",
        party_is_minor=True,
        facts="李小明（李某明）于…在校门口住址：湖州市吴兴区1号，滋事。",
    )
    fields = actions.do_publish_decision(
        users[Role.OFFICER], next_ref(), city.market_city, decision
    ).published_fields
    dumped = json.dumps(fields, ensure_ascii=False)
    assert fields["party_name"] == actions.PARTY_WITHHELD
    for leaked in ("李小明", "李某", decision["party_id_number"], "13812345678", "吴兴区1号"):
        assert leaked not in dumped


def test_publish_is_refused_outside_role_and_agency(city, users):
    with pytest.raises(PermissionDenied):
        actions.do_publish_decision(
            users[Role.HOTLINE_OPERATOR], next_ref(), city.market_city, person_decision()
        )
    with pytest.raises(PermissionDenied):
        actions.do_publish_decision(users[Role.SUPERVISOR], next_ref(), city.market_city, person_decision())
    with pytest.raises(NotFound):
        actions.do_publish_decision(users[Role.OFFICER], next_ref(), city.market_wuxing, person_decision())
    with pytest.raises(ActionError) as bad_kind:
        actions.do_publish_decision(
            users[Role.OFFICER], next_ref(), city.market_city, person_decision(party_kind="x")
        )
    assert bad_kind.value.field == "party_kind"
    ref = next_ref()
    actions.do_publish_decision(users[Role.OFFICER], ref, city.market_city, person_decision())
    with pytest.raises(ActionError) as duplicate:
        actions.do_publish_decision(users[Role.OFFICER], ref, city.market_city, person_decision())
    assert duplicate.value.code == "already_published"
    assert not Disclosure.objects.filter(agency=city.market_wuxing).exists()


# --- the public feed ---------------------------------------------------------------------------


def test_feed_is_public_and_filters(city, users):
    officer = users[Role.OFFICER]
    first = actions.do_publish_decision(officer, next_ref(), city.market_city, person_decision())
    actions.do_publish_decision(
        None, next_ref(), city.ecology_nanxun, person_decision(region_code="330503", decided_on="2025-01-10")
    )
    client = Client()  # anonymous
    body = client.get("/api/v1/disclosures").json()
    assert body["count"] == 2
    assert client.get("/api/v1/disclosures", {"agency": city.market_city.code}).json()["count"] == 1
    assert client.get("/api/v1/disclosures", {"region": "330503"}).json()["count"] == 1
    assert client.get("/api/v1/disclosures", {"region": "330500"}).json()["count"] == 2
    assert client.get("/api/v1/disclosures", {"region": "999999"}).json()["count"] == 0
    in_2026 = client.get("/api/v1/disclosures", {"date_from": "2026-01-01", "date_to": "2026-12-31"}).json()
    assert [item["id"] for item in in_2026["items"]] == [first.pk]
    detail = client.get(f"/api/v1/disclosures/{first.pk}")
    assert detail.status_code == 200
    assert detail.json()["fields"]["party_name"] == "张某"
    assert detail.json()["agency_name"] == city.market_city.name
    assert client.get("/api/v1/disclosures/999999").status_code == 404


def test_withdrawal_removes_from_feed_and_is_audited(city, users):
    officer = users[Role.OFFICER]
    ref = next_ref()
    disclosure = actions.do_publish_decision(officer, ref, city.market_city, person_decision())
    with pytest.raises(ActionError) as no_reason:
        actions.do_withdraw_disclosure(officer, ref, " ", 3)
    assert no_reason.value.field == "reason"
    with pytest.raises(PermissionDenied):
        actions.do_withdraw_disclosure(users[Role.LEGAL_REVIEWER], ref, "复议撤销", 3)
    withdrawn = actions.do_withdraw_disclosure(officer, ref, "行政复议决定撤销原处罚决定", 3)
    assert withdrawn.status == DisclosureStatus.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdraw_due_at - withdrawn.withdrawn_at == dt.timedelta(days=3)
    entry = AuditEntry.objects.get(action="disclosure.withdraw", object_id=str(disclosure.pk))
    assert entry.actor_id == officer.pk
    assert "行政复议决定撤销原处罚决定" in entry.after
    client = Client()
    assert client.get("/api/v1/disclosures").json()["count"] == 0
    assert client.get(f"/api/v1/disclosures/{disclosure.pk}").status_code == 404
    assert client.get(f"/gongshi/{disclosure.pk}/").status_code == 404
    with pytest.raises(ActionError) as again:
        actions.do_withdraw_disclosure(officer, ref, "再次撤下", 3)
    assert again.value.code == "already_withdrawn"
    assert not actions.overdue_withdrawals().exists()


def test_overdue_withdrawals(city, users):
    officer = users[Role.OFFICER]
    late, pending, on_time = next_ref(), next_ref(), next_ref()
    for ref in (late, pending, on_time):
        actions.do_publish_decision(officer, ref, city.market_city, person_decision())
    # revoked ten days ago, three days allowed, withdrawn only now
    actions.do_withdraw_disclosure(
        officer, late, "法院判决撤销", 3, requested_at=timezone.now() - dt.timedelta(days=10)
    )
    actions.do_request_withdrawal(officer, pending, "决定被确认违法", 0)
    actions.do_request_withdrawal(officer, on_time, "决定被撤销", 3)
    actions.do_withdraw_disclosure(officer, on_time, "决定被撤销", 3)
    overdue = {d.case_ref for d in actions.overdue_withdrawals(timezone.now() + dt.timedelta(seconds=1))}
    assert overdue == {late, pending}
    # a pending request stays in the feed until it is carried out
    assert Client().get("/api/v1/disclosures").json()["count"] == 1


def test_republish_supersedes_the_old_version(city, users):
    officer = users[Role.OFFICER]
    ref = next_ref()
    old = actions.do_publish_decision(officer, ref, city.market_city, person_decision())
    new = actions.do_republish(
        officer, ref, person_decision(fine_amount="20000", decision_number="湖市监罚〔2026〕12-1号")
    )
    old.refresh_from_db()
    assert (old.status, old.superseded_by_id, new.version) == (DisclosureStatus.WITHDRAWN, new.pk, 2)
    items = Client().get("/api/v1/disclosures").json()["items"]
    assert [(i["id"], i["fields"]["fine_amount"]) for i in items] == [(new.pk, "20000.00")]
    assert AuditEntry.objects.filter(action="disclosure.supersede", object_id=str(old.pk)).count() == 1
    assert AuditEntry.objects.filter(action="disclosure.republish", object_id=str(new.pk)).count() == 1
    with pytest.raises(NotFound):
        actions.do_republish(officer, "案-不存在", person_decision())


# --- the public page --------------------------------------------------------------------------


def test_public_page_renders_masked_data_without_login(city, users):
    for _ in range(12):
        actions.do_publish_decision(users[Role.OFFICER], next_ref(), city.market_city, person_decision())
    client = Client()
    page = client.get("/gongshi/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "行政处罚决定公示" in html and "张某" in html
    assert "张伟" not in html and "13812345678" not in html
    assert "site-nav" not in html and "退出" not in html  # no logged-in menu for the public
    assert 'name="viewport"' in html
    partial = client.get("/gongshi/", {"page": 2}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert "第 2 / 2 页" in partial.content.decode()
    item = Disclosure.objects.first()
    detail = client.get(f"/gongshi/{item.pk}/").content.decode()
    assert "张某" in detail and "张伟" not in detail and "凤凰路" not in detail


# --- property-based: nothing personal ever reaches the feed ---------------------------------

SURNAMES = list("张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
COMPOUND = [
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "令狐",
    "公孙",
    "慕容",
    "尉迟",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红梅鹏飞宇轩浩然子涵欣怡")
MINORITY_FIRST = ["买买提", "阿依古丽", "热依拉", "扎西", "次仁", "艾尔肯", "古丽娜尔"]
MINORITY_LAST = ["艾力", "多吉", "卓玛", "吐尔逊", "阿不都", "热合曼"]
FILLER = "的了是在有和这中大为上个我以要时来用们生到作地于出就分对成会可发年动同工也能下过说产种面而方后多定行学法所得经进着等部度家电力里如水化高自理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你看原又利比或但质气第向道命此变条只没结解问意建月公无系很情者最立代想已通并提直题程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别手角期根论运农指几九区强放决西被干做必战先回则任取据处府研"
FILLER_TEXT = st.text(alphabet=FILLER + "，。；：、 -()（）0123456789abXx", max_size=30)
ROADS = ["凤凰路", "人民路", "解放路", "爱山街道", "织里镇", "练市镇", "文三路", "青铜街"]


@st.composite
def person_names(draw) -> str:
    kind = draw(st.sampled_from(["single", "compound", "minority"]))
    if kind == "minority":
        return f"{draw(st.sampled_from(MINORITY_FIRST))}·{draw(st.sampled_from(MINORITY_LAST))}"
    surname = draw(st.sampled_from(SURNAMES if kind == "single" else COMPOUND))
    return surname + "".join(draw(st.lists(st.sampled_from(GIVEN), min_size=1, max_size=2)))


@st.composite
def id_numbers(draw) -> str:
    region = draw(st.sampled_from(["330502", "330503", "110101", "440305", "652801"]))
    birth = draw(st.dates(dt.date(1940, 1, 1), dt.date(2015, 12, 31)))
    body = f"{region}{birth:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    number = body + ric_check_char(body)
    return number.lower() if draw(st.booleans()) else number


@st.composite
def phones(draw) -> tuple[str, str]:
    """(digits, as written)."""
    digits = f"1{draw(st.sampled_from('3456789'))}{draw(st.integers(0, 999_999_999)):09d}"
    a, b, c = digits[:3], digits[3:7], digits[7:]
    written = draw(
        st.sampled_from(
            [
                digits,
                f"{a} {b} {c}",
                f"{a}-{b}-{c}",
                f"+86 {digits}",
                f"+86-{a}-{b}-{c}",
                f"(+86){a} {b} {c}",
                f"86{digits}",
                f"{a}.{b}.{c}",
            ]
        )
    )
    return digits, written


@st.composite
def addresses(draw) -> str:
    return f"湖州市{draw(st.sampled_from(['吴兴区', '南浔区', '德清县']))}{draw(st.sampled_from(ROADS))}{draw(st.integers(1, 999))}号"


@st.composite
def embedded(draw, pieces: list[str]) -> str:
    """The pieces in random order at random positions inside random free text."""
    order = draw(st.permutations(pieces))
    parts = [draw(FILLER_TEXT)]
    for piece in order:
        parts += [piece, draw(FILLER_TEXT)]
    return "".join(parts)


@st.composite
def decisions(draw) -> dict:
    name = draw(person_names())
    id_number = draw(id_numbers())
    digits, phone = draw(phones())
    address = draw(addresses())
    secrets = [name, id_number, phone, f"住址：{address}，"]
    decision = {
        "party_kind": "person",
        "party_name": name,
        "party_id_number": id_number,
        "party_phone": phone,
        "party_address": draw(st.sampled_from([address, f"住址{address}", ""])),
        "party_is_minor": draw(st.booleans()),
        "facts": draw(embedded(secrets)),
        "legal_basis": draw(embedded([name, id_number])),
        "confiscation": draw(embedded([phone])),
        "penalty_kinds": [draw(embedded([name])), "罚款"],
        "fine_amount": draw(st.integers(0, 200_000)),
        "decided_on": draw(st.dates(dt.date(2024, 1, 1), dt.date(2026, 6, 30))).isoformat(),
        "decision_number": f"湖市监罚〔2026〕{draw(st.integers(1, 9999))}号",
    }
    return {"decision": decision, "digits": digits, "address": address}


PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@PROPERTY_SETTINGS
@given(case=decisions())
def test_feed_never_contains_personal_data(city, users, case):
    decision = case["decision"]
    name, id_number = decision["party_name"], decision["party_id_number"]
    disclosure = actions.do_publish_decision(users[Role.OFFICER], next_ref(), city.market_city, decision)
    client = Client()
    detail = client.get(f"/api/v1/disclosures/{disclosure.pk}").content.decode()
    feed = client.get("/api/v1/disclosures", {"limit": 1000}).content.decode()
    page = client.get(f"/gongshi/{disclosure.pk}/").content.decode()
    for body in (detail, feed, page):
        assert name not in body
        assert id_number.upper() not in body.upper()
        assert case["digits"] not in body
        assert decision["party_phone"] not in body
        assert case["address"] not in body
    if decision["party_is_minor"]:
        assert mask_person_name(name) not in detail
        assert mask_person_name(name) not in page
        assert json.loads(detail)["fields"]["party_name"] == actions.PARTY_WITHHELD
    else:
        assert json.loads(detail)["fields"]["party_name"] == mask_person_name(name)


@PROPERTY_SETTINGS
@given(text=FILLER_TEXT, id_number=id_numbers(), phone=phones(), name=person_names())
def test_scrub_text_property(text, id_number, phone, name):
    digits, written = phone
    scrubbed = scrub_text(f"{text}{id_number}{text}{written}{text}{name}{text}", [name])
    assert id_number.upper() not in scrubbed.upper()
    assert digits not in scrubbed and written not in scrubbed
    assert name not in scrubbed


def test_other_persons_named_in_the_texts_are_masked(city, users):
    decision = person_decision(
        party_kind="organisation",
        party_name="湖州某某食品有限公司",
        party_credit_code=make_credit_code("330502", "91"),
        legal_representative="欧阳明华",
        other_person_names=["赵敏"],
        facts="法定代表人欧阳明华组织员工赵敏销售过期食品。",
    )
    fields = actions.do_publish_decision(
        users[Role.OFFICER], next_ref(), city.market_city, decision
    ).published_fields
    assert fields["facts"] == "法定代表人欧阳某组织员工赵某销售过期食品。"
    assert "legal_representative" not in fields and "other_person_names" not in fields
    minor = person_decision(
        party_name="李小明", party_is_minor=True, other_person_names=["王芳"], facts="李小明与王芳争执。"
    )
    fields = actions.do_publish_decision(
        users[Role.OFFICER], next_ref(), city.market_city, minor
    ).published_fields
    assert fields["facts"] == "当事人与王某争执。"


def test_withdrawal_notices_are_public_and_scrubbed(city, users):
    officer = users[Role.OFFICER]
    adult, child = next_ref(), next_ref()
    first = actions.do_publish_decision(officer, adult, city.market_city, person_decision())
    actions.do_publish_decision(
        officer, child, city.market_city, person_decision(party_name="李小明", party_is_minor=True)
    )
    actions.do_withdraw_disclosure(officer, adult, "复议撤销，当事人手机13812345678已通知", 3)
    actions.do_withdraw_disclosure(officer, child, "李小明的监护人申请复议，决定撤销", 3)
    client = Client()
    notices = client.get("/api/v1/disclosures/withdrawals")
    body = notices.content.decode()
    assert notices.status_code == 200 and notices.json()["count"] == 2
    assert "13812345678" not in body and "李小明" not in body and "监护人" not in body
    by_id = {n["id"]: n for n in notices.json()["items"]}
    assert by_id[first.pk]["reason"] == "复议撤销，当事人手机****已通知"
    assert by_id[first.pk]["statement"] == actions.WITHDRAWAL_STATEMENT
    page = client.get("/gongshi/withdrawn/").content.decode()
    assert "撤回公示说明" in page and "复议撤销" in page and "李小明" not in page
    assert client.get("/api/v1/disclosures").json()["count"] == 0
