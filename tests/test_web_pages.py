"""The server-rendered pages: per-role rendering, scope (404) and role (403) refusals, forms that
write through actions and show their Chinese errors next to the field, HTMX partials, masking."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, make_credit_code, make_id_number, make_user
from zhifa.accounts.actions import attempt_login
from zhifa.accounts.models import User
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.registry import actions
from zhifa.registry.models import Agency, Certificate, CertificateStatus, Entity, Officer

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
AGENCY_ROLES = [Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN]


@pytest.fixture
def as_role(users):
    """A logged-in test client for one of the fixture users."""

    def login(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return login


def field_block(html: str, name: str) -> str:
    """The rendered form field wrapper (label, input, errors, help) of one field: from its
    opening tag up to the next field or the form's buttons."""
    match = re.search(
        rf'<div class="field field-{name}[ "].*?(?=<div class="field |<div class="form-actions")', html, re.S
    )
    assert match, f"field {name} not rendered"
    return match.group(0)


def text(response) -> str:
    return response.content.decode()


def person(region: str = "330502", name: str = "赵敏") -> Entity:
    return actions.do_create_entity(
        None,
        actions.EntityInput(
            kind="person",
            name=name,
            region_code=region,
            id_number=make_id_number(region),
            phone="13905721234",
        ),
    )


# --- login, logout, layout ------------------------------------------------------------------


def test_anonymous_pages_redirect_to_login_and_htmx_gets_a_full_page_redirect(city):
    client = Client()
    response = client.get(reverse("registry:agency_list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    partial = client.get(reverse("registry:agency_list"), headers=HX)
    assert partial.status_code == 204 and partial["HX-Redirect"].startswith("/login/?next=")
    page = client.get(reverse("login"))
    assert page.status_code == 200 and "登录执法监督平台" in text(page)


def test_login_shows_the_lockout_message_and_stays_locked_against_the_right_password(users):
    user = users[Role.OFFICER]
    client = Client()
    wrong = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert "用户名或密码错误" in text(wrong) and "_auth_user_id" not in client.session
    for _ in range(4):
        response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert "账号已锁定" in text(response)
    locked = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert "账号已锁定" in text(locked)
    assert "_auth_user_id" not in client.session


def test_login_goes_to_next_on_this_site_only(users):
    user = users[Role.SUPERVISOR]
    client = Client()
    form = {"username": user.username, "password": PASSWORD}
    offsite = client.post(reverse("login") + "?next=https://evil.example/", form)
    assert offsite.status_code == 302 and offsite["Location"] == "/"
    client.post(reverse("logout"))
    onsite = client.post(reverse("login") + "?next=/registry/agencies/", form)
    assert onsite["Location"] == "/registry/agencies/"


def test_logout_requires_post_and_ends_the_session(as_role):
    client = as_role(Role.OFFICER)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_layout_loads_assets_locally_and_sends_csrf_with_htmx(as_role, users):
    html = text(as_role(Role.AGENCY_ADMIN).get(reverse("home")))
    assert '<script src="/static/vendor/htmx.min.js"' in html
    assert '<link rel="stylesheet" href="/static/css/zhifa.css">' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "every asset must be served locally"
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]{32,}\"\}'", html)
    assert "执法监督平台" in html and "单位管理员" in html and "湖州市市场监督管理局" in html
    assert 'action="/logout/"' in html and 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.AUDITOR, ["审计日志"], ["执法主体", "用户管理", "执法人员"]),
        (Role.SYSADMIN, ["用户管理", "执法主体"], ["审计日志", "执法人员"]),
        (Role.HOTLINE_OPERATOR, ["执法主体", "行政相对人"], ["执法人员", "执法证件", "审计日志"]),
        (Role.AGENCY_ADMIN, ["执法人员", "执法证件", "行政区划"], ["审计日志", "用户管理"]),
    ],
)
def test_menu_is_filtered_by_role(as_role, role, shown, hidden):
    nav = re.search(r'<nav id="site-nav".*?</ul>', text(as_role(role).get(reverse("home"))), re.S).group(0)
    for label in shown:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav


# --- home -----------------------------------------------------------------------------------


def cards(response) -> dict[str, str]:
    return {card.label: card.value for card in response.context["cards"]}


def test_home_for_agency_roles_counts_own_agency_and_expiring_certificates(as_role, city):
    today = dt.date.today()
    actions.do_issue_certificate(
        None,
        actions.CertificateInput(
            number="EXP-1",
            officer_id=city.officer_city.pk,
            domain_code="market_regulation",
            issued_on=today - dt.timedelta(days=300),
            expires_on=today + dt.timedelta(days=30),
        ),
    )
    actions.do_issue_certificate(
        None,
        actions.CertificateInput(
            number="EXP-OTHER",
            officer_id=city.officer_wuxing.pk,
            domain_code="market_regulation",
            issued_on=today - dt.timedelta(days=300),
            expires_on=today + dt.timedelta(days=10),
        ),
    )
    for role in AGENCY_ROLES:
        response = as_role(role).get(reverse("home"))
        assert response.status_code == 200 and "您好" in text(response)
        assert cards(response) == {"本单位执法人员": "1", "有效执法证件": "2", "60日内到期证件": "1"}


def test_home_for_supervisor_shows_agencies_officers_and_certified_share(as_role, city):
    actions.do_change_certificate_status(
        None, city.officer_wuxing.certificates.get().number, "suspended", dt.date.today(), "调查期间暂扣"
    )
    response = as_role(Role.SUPERVISOR).get(reverse("home"))
    assert cards(response) == {"辖区执法主体": "3", "在岗执法人员": "2", "持证率": "50.0%"}
    assert "持证率" in text(response)


def test_home_for_hotline_auditor_and_sysadmin(as_role, users):
    hotline = text(as_role(Role.HOTLINE_OPERATOR).get(reverse("home")))
    assert "查询行政相对人" in hotline and 'action="/registry/entities/"' in hotline
    auditor = as_role(Role.AUDITOR).get(reverse("home"))
    latest = list(auditor.context["latest_audit"])
    assert latest and latest[0].seq == AuditEntry.objects.order_by("-seq").first().seq
    assert "最新审计日志" in text(auditor) and 'href="/audit/"' in text(auditor)
    for _ in range(5):
        attempt_login(users[Role.OFFICER].username, "wrong")
    sysadmin = as_role(Role.SYSADMIN).get(reverse("home"))
    assert cards(sysadmin)["锁定中的用户"] == "1"
    assert cards(sysadmin)["用户总数"] == str(User.objects.count())


# --- role (403) and scope (404) -------------------------------------------------------------

LIST_PAGES = [
    "registry:agency_list",
    "registry:officer_list",
    "registry:certificate_list",
    "registry:entity_list",
    "registry:region_list",
    "audit_list",
    "accounts:user_list",
]
ALLOWED = {
    Role.OFFICER: {
        "registry:agency_list",
        "registry:officer_list",
        "registry:certificate_list",
        "registry:entity_list",
        "registry:region_list",
    },
    Role.SUPERVISOR: {
        "registry:agency_list",
        "registry:officer_list",
        "registry:certificate_list",
        "registry:entity_list",
        "registry:region_list",
    },
    Role.HOTLINE_OPERATOR: {"registry:agency_list", "registry:entity_list", "registry:region_list"},
    Role.AUDITOR: {"audit_list"},
    Role.SYSADMIN: {"registry:agency_list", "registry:region_list", "accounts:user_list"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_list_pages_render_for_their_roles_and_refuse_others(as_role, role):
    client = as_role(role)
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        if name in ALLOWED[role]:
            assert response.status_code == 200, name
            assert 'id="results"' in text(response) and "<table" in text(response)
        else:
            assert response.status_code == 403, name
            assert "无权访问" in text(response)


def test_out_of_scope_details_answer_404(as_role, city):
    supervisor = as_role(Role.SUPERVISOR)
    response = supervisor.get(reverse("registry:agency_detail", args=[city.other_city.pk]))
    assert response.status_code == 404 and "不在您的管辖范围内" in text(response)
    assert supervisor.get(reverse("registry:agency_detail", args=[city.ecology_nanxun.pk])).status_code == 200
    assert supervisor.get(reverse("registry:officer_detail", args=[city.officer_other.pk])).status_code == 404
    officer = as_role(Role.OFFICER)
    assert officer.get(reverse("registry:officer_detail", args=[city.officer_wuxing.pk])).status_code == 404
    assert officer.get(reverse("registry:officer_detail", args=[city.officer_city.pk])).status_code == 200
    other_cert = city.officer_other.certificates.get()
    assert officer.get(reverse("registry:certificate_detail", args=[other_cert.pk])).status_code == 404
    hangzhou_entity = person(region="330102")
    assert officer.get(reverse("registry:entity_detail", args=[hangzhou_entity.pk])).status_code == 404
    assert supervisor.get(reverse("registry:agency_edit", args=[city.other_city.pk])).status_code == 404


def test_roles_that_may_not_see_a_kind_get_403(as_role, city):
    hotline = as_role(Role.HOTLINE_OPERATOR)
    assert hotline.get(reverse("registry:officer_detail", args=[city.officer_city.pk])).status_code == 403
    auditor = as_role(Role.AUDITOR)
    assert auditor.get(reverse("registry:agency_detail", args=[city.market_city.pk])).status_code == 403
    assert as_role(Role.SYSADMIN).get(reverse("audit_detail", args=[1])).status_code == 403
    # visible but not changeable: an officer may read its agency, not edit it
    officer = as_role(Role.OFFICER)
    assert officer.get(reverse("registry:agency_edit", args=[city.market_city.pk])).status_code == 403
    assert officer.get(reverse("registry:officer_create")).status_code == 403
    assert as_role(Role.AGENCY_ADMIN).get(reverse("registry:agency_create")).status_code == 403


# --- masking --------------------------------------------------------------------------------


def test_officer_id_numbers_are_masked_for_supervisor_and_shown_to_agency_admin(as_role, city):
    officer = city.officer_city
    masked = officer.id_number[:6] + "********" + officer.id_number[-4:]
    for page in (reverse("registry:officer_detail", args=[officer.pk]), reverse("registry:officer_list")):
        supervisor = text(as_role(Role.SUPERVISOR).get(page))
        assert masked in supervisor and officer.id_number not in supervisor
        admin = text(as_role(Role.AGENCY_ADMIN).get(page))
        assert officer.id_number in admin
        lead = text(as_role(Role.AGENCY_LEAD).get(page))
        assert officer.id_number not in lead  # only the agency admin keeps personnel records


def test_person_id_numbers_and_phones_are_masked_outside_agency_roles(as_role, city):
    entity = person(region="330500")
    page = reverse("registry:entity_detail", args=[entity.pk])
    for role in (Role.SUPERVISOR, Role.HOTLINE_OPERATOR):
        html = text(as_role(role).get(page))
        assert entity.id_number not in html and "13905721234" not in html
        assert entity.id_number[:6] + "********" + entity.id_number[-4:] in html and "139****1234" in html
    html = text(as_role(Role.OFFICER).get(page))
    assert entity.id_number in html and "13905721234" in html


# --- lists: search, filters, HTMX partials, pagination ---------------------------------------


def test_htmx_search_returns_only_the_table_fragment(as_role, city):
    client = as_role(Role.SUPERVISOR)
    partial = client.get(reverse("registry:officer_list"), {"q": "李"}, headers=HX)
    html = text(partial)
    assert partial.status_code == 200 and html.lstrip().startswith('<div class="table-wrap">')
    assert "<html" not in html and "site-nav" not in html and 'class="filters"' not in html
    assert "李娜" in html and "张伟" not in html
    assert "HX-Request" in partial["Vary"]
    full = text(client.get(reverse("registry:officer_list"), {"q": "李"}))
    assert full.startswith("<!DOCTYPE html>") and "李娜" in full
    assert 'hx-trigger="keyup changed delay:300ms' in full
    restore_headers = {**HX, "HX-History-Restore-Request": "true"}
    restore = client.get(reverse("registry:officer_list"), headers=restore_headers)
    assert text(restore).startswith("<!DOCTYPE html>")


def test_agency_filters_narrow_the_list(as_role, city):
    client = as_role(Role.SUPERVISOR)
    url = reverse("registry:agency_list")
    by_domain = text(client.get(url, {"domain": "ecology_environment"}))
    assert "湖州市生态环境局南浔分局" in by_domain and "湖州市吴兴区市场监督管理局" not in by_domain
    by_region = text(client.get(url, {"region": "330502"}))
    assert "湖州市吴兴区市场监督管理局" in by_region and "湖州市生态环境局南浔分局" not in by_region
    by_code = text(client.get(url, {"q": city.ecology_nanxun.code}))
    assert "湖州市生态环境局南浔分局" in by_code and "湖州市市场监督管理局<" not in by_code
    outside = text(client.get(url, {"region": "330100"}))  # a filter never widens the scope
    assert "杭州市市场监督管理局" not in outside and "没有符合条件的执法主体" in outside


def test_certificate_list_filters_expiring_within_60_days(as_role, city):
    today = dt.date.today()
    actions.do_issue_certificate(
        None,
        actions.CertificateInput(
            number="SOON-1",
            officer_id=city.officer_city.pk,
            domain_code="market_regulation",
            issued_on=today - dt.timedelta(days=700),
            expires_on=today + dt.timedelta(days=59),
        ),
    )
    actions.do_issue_certificate(
        None,
        actions.CertificateInput(
            number="LATER-1",
            officer_id=city.officer_city.pk,
            domain_code="market_regulation",
            issued_on=today - dt.timedelta(days=700),
            expires_on=today + dt.timedelta(days=61),
        ),
    )
    actions.do_issue_certificate(
        None,
        actions.CertificateInput(
            number="GONE-1",
            officer_id=city.officer_city.pk,
            domain_code="market_regulation",
            issued_on=today - dt.timedelta(days=700),
            expires_on=today - dt.timedelta(days=1),
        ),
    )
    client = as_role(Role.AGENCY_ADMIN)
    expiring = text(client.get(reverse("registry:certificate_list"), {"standing": "expiring"}, headers=HX))
    assert "SOON-1" in expiring and "LATER-1" not in expiring and "GONE-1" not in expiring
    expired = text(client.get(reverse("registry:certificate_list"), {"standing": "expired"}, headers=HX))
    assert "GONE-1" in expired and "已过期" in expired and "SOON-1" not in expired


def test_entity_list_paginates_with_htmx_links(as_role, city):
    actions.do_bulk_create_entities(
        None,
        [
            actions.EntityInput(
                kind="enterprise",
                name=f"湖州测试商贸有限公司{i:02d}",
                region_code="330502",
                credit_code=make_credit_code("330502", "91"),
                industry="F",
            )
            for i in range(25)
        ],
    )
    client = as_role(Role.OFFICER)
    first = client.get(reverse("registry:entity_list"), {"q": "测试商贸"})
    html = text(first)
    assert html.count("湖州测试商贸有限公司") == 20 and "第 1 / 2 页，共 25 条" in html
    assert 'hx-get="?q=%E6%B5%8B%E8%AF%95%E5%95%86%E8%B4%B8&amp;page=2"' in html
    second = text(client.get(reverse("registry:entity_list"), {"q": "测试商贸", "page": 2}, headers=HX))
    assert second.count("湖州测试商贸有限公司") == 5 and "<html" not in second and "上一页" in second


def test_region_browser_walks_the_tree_and_searches(as_role):
    client = as_role(Role.HOTLINE_OPERATOR)
    top = text(client.get(reverse("registry:region_list")))
    assert "浙江省" in top and "吴兴区" not in top
    city = client.get(reverse("registry:region_list"), {"parent": "330500"}, headers=HX)
    html = text(city)
    assert "吴兴区" in html and "南浔区" in html and "<html" not in html
    assert re.search(r"全国</a>\s*/\s*<a[^>]*>浙江省</a>\s*/\s*<a[^>]*>湖州市</a>", html)
    found = text(client.get(reverse("registry:region_list"), {"q": "吴兴"}))
    assert "330502" in found and "搜索“吴兴”的结果" in found


# --- forms through actions ------------------------------------------------------------------


def entity_form(**overrides: str) -> dict[str, str]:
    return {
        "kind": "enterprise",
        "name": "湖州南太湖食品有限公司",
        "credit_code": make_credit_code("330502", "91"),
        "region_code": "330502",
        "industry": "C",
        "address": "吴兴区织里镇",
        **overrides,
    }


def test_entity_create_shows_check_digit_error_next_to_the_field_then_creates(as_role, users):
    client = as_role(Role.OFFICER)
    good = entity_form()
    bad_code = good["credit_code"][:17] + ("0" if good["credit_code"][17] != "0" else "1")
    refused = client.post(reverse("registry:entity_create"), {**good, "credit_code": bad_code})
    assert refused.status_code == 422
    block = field_block(text(refused), "credit_code")
    assert "has-error" in block and "统一社会信用代码校验位错误" in block and f'value="{bad_code}"' in block
    assert "校验位错误" not in field_block(text(refused), "name")
    assert not Entity.objects.filter(name=good["name"]).exists()

    created = client.post(reverse("registry:entity_create"), good)
    entity = Entity.objects.get(credit_code=good["credit_code"])
    assert created.status_code == 302
    assert created["Location"] == reverse("registry:entity_detail", args=[entity.pk])
    entry = AuditEntry.objects.get(object_type="registry.entity", object_id=str(entity.pk))
    assert entry.action == "registry.entity_create" and entry.actor_username == users[Role.OFFICER].username
    detail = text(client.get(created["Location"]))
    assert "行政相对人已登记" in detail and "新增行政相对人" in detail
    assert users[Role.OFFICER].username in detail


def test_entity_create_refuses_a_region_outside_scope_next_to_the_region_field(as_role):
    refused = as_role(Role.OFFICER).post(reverse("registry:entity_create"), entity_form(region_code="330102"))
    assert refused.status_code == 422
    assert "不在您的管辖范围内" in field_block(text(refused), "region_code")


def test_entity_edit_goes_through_the_action_and_appears_in_history(as_role, city):
    entity = person(region="330500")
    client = as_role(Role.AGENCY_LEAD)
    form = text(client.get(reverse("registry:entity_edit", args=[entity.pk])))
    assert f'value="{entity.id_number}"' in form
    data = {
        "kind": "person",
        "name": "赵敏（已更名）",
        "id_number": entity.id_number,
        "region_code": "330500",
        "phone": "13905721234",
        "credit_code": "",
        "industry": "",
    }
    assert client.post(reverse("registry:entity_edit", args=[entity.pk]), data).status_code == 302
    entity.refresh_from_db()
    assert entity.name == "赵敏（已更名）"
    detail = text(as_role(Role.SUPERVISOR).get(reverse("registry:entity_detail", args=[entity.pk])))
    assert "修改行政相对人" in detail and "新增行政相对人" in detail
    assert f'href="/registry/entities/{entity.pk}/edit/"' not in detail  # supervisor: read only


def test_supervisor_creates_an_agency_and_duplicate_name_is_refused_on_the_name_field(as_role, city):
    client = as_role(Role.SUPERVISOR)
    data = {
        "code": make_credit_code("330503", "11"),
        "name": "湖州市南浔区综合行政执法局",
        "kind": "statutory",
        "region_code": "330503",
        "domain_codes": ["urban_management"],
        "status": "active",
    }
    response = client.post(reverse("registry:agency_create"), data)
    agency = Agency.objects.get(name=data["name"])
    assert response.status_code == 302
    assert list(agency.domains.values_list("code", flat=True)) == ["urban_management"]
    again = client.post(reverse("registry:agency_create"), {**data, "code": make_credit_code("330503", "11")})
    assert again.status_code == 422 and "同名执法主体已存在" in field_block(text(again), "name")
    no_domain = client.post(
        reverse("registry:agency_create"),
        {**data, "name": "另一个局", "code": make_credit_code("330503"), "domain_codes": []},
    )
    assert "至少选择一个执法领域" in field_block(text(no_domain), "domain_codes")


def test_agency_admin_edits_only_contact_details_of_its_own_agency(as_role, city):
    client = as_role(Role.AGENCY_ADMIN)
    url = reverse("registry:agency_edit", args=[city.market_city.pk])
    form = text(client.get(url))
    assert re.search(r'name="name"[^>]*disabled', form)
    assert not re.search(r'name="address"[^>]*disabled', form)
    data = {
        "name": "改名企图",
        "address": "吴兴区仁皇山路1号",
        "phone": "0572-2220000",
        "short_name": "湖州市监局",
    }
    assert client.post(url, data).status_code == 302
    city.market_city.refresh_from_db()
    assert city.market_city.name == "湖州市市场监督管理局"
    assert city.market_city.address == "吴兴区仁皇山路1号"
    assert client.get(reverse("registry:agency_edit", args=[city.market_wuxing.pk])).status_code == 404
    detail = text(client.get(reverse("registry:agency_detail", args=[city.market_city.pk])))
    assert "修改执法主体" in detail and f'href="{url}"' in detail


def test_officer_create_error_on_id_number_then_success(as_role, city):
    client = as_role(Role.AGENCY_ADMIN)
    good = make_id_number("330502")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    data = {
        "name": "陈静",
        "id_number": bad,
        "agency_code": city.market_city.code,
        "role": "field_officer",
        "status": "active",
    }
    refused = client.post(reverse("registry:officer_create"), data)
    assert refused.status_code == 422 and "身份证号校验位错误" in field_block(text(refused), "id_number")
    done = client.post(reverse("registry:officer_create"), {**data, "id_number": good})
    officer = Officer.objects.get(id_number=good)
    assert done.status_code == 302 and officer.agency == city.market_city
    edit = client.post(
        reverse("registry:officer_edit", args=[officer.pk]),
        {**data, "id_number": good, "role": "legal_reviewer"},
    )
    assert edit.status_code == 422 and "法律职业资格" in field_block(text(edit), "has_legal_qualification")


def test_certificate_issue_suspend_and_renew_through_forms(as_role, city):
    client = as_role(Role.AGENCY_ADMIN)
    officer = city.officer_city
    issue_url = reverse("registry:certificate_issue", args=[officer.pk])
    issued = client.post(
        issue_url,
        {
            "number": "HZ-2026-001",
            "domain_code": "market_regulation",
            "issued_on": "2026-01-01",
            "expires_on": "2025-12-31",
        },
    )
    assert issued.status_code == 422 and "有效期至不能早于发证日期" in field_block(text(issued), "expires_on")
    issued = client.post(
        issue_url,
        {
            "number": "HZ-2026-001",
            "domain_code": "market_regulation",
            "issued_on": "2024-01-01",
            "expires_on": "2031-12-31",
        },
    )
    cert = Certificate.objects.get(number="HZ-2026-001")
    assert issued["Location"] == reverse("registry:certificate_detail", args=[cert.pk])

    status_url = reverse("registry:certificate_status", args=[cert.pk])
    no_reason = client.post(status_url, {"kind": "suspended", "effective_on": "2026-02-01", "reason": ""})
    assert no_reason.status_code == 422 and "原因不能为空" in field_block(text(no_reason), "reason")
    suspend = {"kind": "suspended", "effective_on": "2026-02-01", "reason": "涉嫌违规执法"}
    assert client.post(status_url, suspend).status_code == 302
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.SUSPENDED
    detail = text(client.get(reverse("registry:certificate_detail", args=[cert.pk])))
    assert "涉嫌违规执法" in detail and "暂扣执法证件" in detail and 'value="reinstated"' in detail
    assert 'value="suspended"' not in detail  # only changes allowed from the current status are offered

    renew_url = reverse("registry:certificate_renew", args=[cert.pk])
    earlier = client.post(renew_url, {"expires_on": "2030-01-01", "reason": ""})
    assert earlier.status_code == 422
    assert "新的有效期不能早于原有效期" in field_block(text(earlier), "expires_on")
    assert client.post(renew_url, {"expires_on": "2033-12-31", "reason": "换发新证"}).status_code == 302
    cert.refresh_from_db()
    assert cert.expires_on == dt.date(2033, 12, 31)
    officer_page = text(client.get(reverse("registry:officer_detail", args=[officer.pk])))
    assert "HZ-2026-001" in officer_page and "换证/延期" in officer_page and "暂扣" in officer_page


def test_officer_may_read_certificates_but_not_change_them(as_role, city):
    cert = city.officer_city.certificates.get()
    client = as_role(Role.OFFICER)
    detail = text(client.get(reverse("registry:certificate_detail", args=[cert.pk])))
    assert "有效" in detail and 'id="status-form"' not in detail
    refused = client.post(
        reverse("registry:certificate_status", args=[cert.pk]),
        {"kind": "revoked", "effective_on": "2026-01-01", "reason": "x"},
    )
    assert refused.status_code == 403
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.VALID


# --- object history and the audit browser ---------------------------------------------------


def test_object_history_lists_only_that_objects_entries(as_role, city):
    page = reverse("registry:agency_detail", args=[city.market_city.pk])
    html = text(as_role(Role.HOTLINE_OPERATOR).get(page))
    history = html[html.index('id="history"') :]
    assert "新增执法主体" in history and "system" in history
    assert "新增执法人员" not in history  # the officer's entries belong to the officer page


def test_audit_browser_filters_and_shows_entry_detail_with_hashes(as_role, city):
    client = as_role(Role.AUDITOR)
    listed = client.get(reverse("audit_list"), {"action": "registry.officer"}, headers=HX)
    html = text(listed)
    assert "新增执法人员" in html and "新增执法主体" not in html and "<html" not in html
    by_object = text(
        client.get(
            reverse("audit_list"), {"object_type": "registry.agency", "object_id": str(city.other_city.pk)}
        )
    )
    assert by_object.count("新增执法主体") == 1
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert "没有符合条件的审计日志" in text(client.get(reverse("audit_list"), {"since": tomorrow}))
    entry = AuditEntry.objects.get(object_type="registry.agency", object_id=str(city.other_city.pk))
    detail = text(client.get(reverse("audit_detail", args=[entry.seq])))
    assert entry.hash in detail and entry.prev_hash in detail
    # pretty-printed: one key a line, indented
    assert "\n  &quot;name&quot;: &quot;杭州市市场监督管理局&quot;" in detail


def test_audit_browser_is_for_the_auditor_only(as_role):
    for role in (Role.SYSADMIN, Role.SUPERVISOR, Role.AGENCY_ADMIN):
        assert as_role(role).get(reverse("audit_list")).status_code == 403


# --- user management ------------------------------------------------------------------------


def test_sysadmin_creates_edits_resets_and_unlocks_users(as_role, city, users):
    client = as_role(Role.SYSADMIN)
    listing = text(client.get(reverse("accounts:user_list")))
    assert users[Role.SUPERVISOR].username in listing and "单位管理员" in listing

    data = {
        "username": "wuxing-admin",
        "full_name": "周强",
        "role": "agency_admin",
        "agency_code": "",
        "region_code": "",
        "is_active": "on",
        "password": "12345678901",
    }
    no_agency = client.post(reverse("accounts:user_create"), data)
    assert no_agency.status_code == 422 and "必须选择所属单位" in field_block(text(no_agency), "agency_code")
    weak = client.post(reverse("accounts:user_create"), {**data, "agency_code": city.market_city.code})
    assert weak.status_code == 422 and "密码只包含数字" in field_block(text(weak), "password")
    created = client.post(
        reverse("accounts:user_create"),
        {**data, "agency_code": city.market_city.code, "password": "Huzhou-2026-admin"},
    )
    assert created.status_code == 302
    user = User.objects.get(username="wuxing-admin")
    assert user.agency == city.market_city and user.check_password("Huzhou-2026-admin")

    edit = client.post(
        reverse("accounts:user_edit", args=[user.pk]),
        {
            "username": "ignored",
            "full_name": "周强",
            "role": "supervisor",
            "region_code": "330502",
            "is_active": "on",
        },
    )
    user.refresh_from_db()
    assert edit.status_code == 302 and user.role == "supervisor" and user.region_id == "330502"
    assert user.username == "wuxing-admin"

    mismatch = client.post(
        reverse("accounts:user_password", args=[user.pk]),
        {"password": "Another-pass-2026", "password_confirm": "different"},
    )
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in text(mismatch)
    client.post(
        reverse("accounts:user_password", args=[user.pk]),
        {"password": "Another-pass-2026", "password_confirm": "Another-pass-2026"},
    )
    user.refresh_from_db()
    assert user.check_password("Another-pass-2026")

    for _ in range(5):
        attempt_login("wuxing-admin", "wrong")
    assert "锁定至" in text(client.get(reverse("accounts:user_list"), {"state": "locked"}))
    assert client.post(reverse("accounts:user_unlock", args=[user.pk])).status_code == 302
    user.refresh_from_db()
    assert not user.is_locked() and user.failed_logins == 0
    assert attempt_login("wuxing-admin", "Another-pass-2026").ok


def test_user_pages_refuse_other_roles(as_role, users):
    target = users[Role.OFFICER]
    for role in (Role.AUDITOR, Role.AGENCY_ADMIN, Role.SUPERVISOR):
        client = as_role(role)
        assert client.get(reverse("accounts:user_create")).status_code == 403
        assert client.get(reverse("accounts:user_edit", args=[target.pk])).status_code == 403
        assert client.post(reverse("accounts:user_unlock", args=[target.pk])).status_code == 403


def test_district_supervisor_cannot_reach_city_agency_by_url(city):
    client = Client()
    client.force_login(make_user(Role.SUPERVISOR, region="330502"))
    assert client.get(reverse("registry:agency_detail", args=[city.market_city.pk])).status_code == 404
    html = text(client.get(reverse("registry:agency_list")))
    assert "湖州市吴兴区市场监督管理局" in html and "湖州市生态环境局南浔分局" not in html
