"""Supervision pages through Django's test client: the centre with the pending clue and its
opening, the step forms (HTMX and plain), the agency's inbox with a report and an uploaded evidence
file, scope and roles, the menu entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import make_user
from tests.test_supervision_support import make_clue, make_justice_bureau
from zhifa.core.roles import Role
from zhifa.evidence.models import EvidenceFile
from zhifa.supervision.models import Disposition

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_supervisor_opens_a_clue_and_issues_a_notice_the_agency_answers(users, city):
    make_justice_bureau()
    clue = make_clue(city.market_city)
    supervisor = _client(users[Role.SUPERVISOR])
    page = supervisor.get("/supervision/")
    assert (
        page.status_code == 200
        and "待受理线索" in page.content.decode()
        and clue.title in page.content.decode()
    )
    opened = supervisor.post(f"/supervision/clues/{clue.pk}/open/")
    d = Disposition.objects.get(clue=clue)
    assert opened.status_code == 302 and opened["Location"] == f"/supervision/{d.pk}/"

    form = supervisor.get(f"/supervision/{d.pk}/steps/triage/", headers=HTMX)
    assert (
        form.status_code == 200
        and "<html" not in form.content.decode()
        and "处置程序" in form.content.decode()
    )
    done = supervisor.post(
        f"/supervision/{d.pk}/steps/triage/",
        {"triage-on": dt.date.today().isoformat(), "triage-procedure": "simple"},
        headers=HTMX,
    )
    assert done.status_code == 200 and done["HX-Redirect"] == f"/supervision/{d.pk}/"
    # a deadline in the past comes back as the form with its Chinese message (HTMX: 200)
    refused = supervisor.post(
        f"/supervision/{d.pk}/steps/issue_notice/",
        {
            "issue_notice-on": dt.date.today().isoformat(),
            "issue_notice-problem": "逾期作出决定",
            "issue_notice-requirement": "限期整改",
            "issue_notice-basis": "《中华人民共和国行政处罚法》第七十五条",
            "issue_notice-deadline": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        },
        headers=HTMX,
    )
    assert refused.status_code == 200 and "期限应晚于办理日期" in refused.content.decode()
    supervisor.post(
        f"/supervision/{d.pk}/steps/issue_notice/",
        {
            "issue_notice-on": dt.date.today().isoformat(),
            "issue_notice-problem": "逾期作出决定",
            "issue_notice-requirement": "限期整改",
            "issue_notice-basis": "《中华人民共和国行政处罚法》第七十五条",
        },
    )
    d.refresh_from_db()
    assert d.state == "notice_issued" and d.deadline is not None
    detail = supervisor.get(f"/supervision/{d.pk}/").content.decode()
    assert "行政执法监督通知书" in detail and "湖司法监通" in detail

    # the agency: the menu, the inbox with the deadline, the report with an uploaded file
    lead = _client(users[Role.AGENCY_LEAD])
    home = lead.get("/").content.decode()
    assert "整改收件箱" in home and "处置中心" in home
    inbox = lead.get("/supervision/inbox/").content.decode()
    assert d.number in inbox and d.deadline.strftime("%Y-%m-%d") in inbox
    page = lead.get(f"/supervision/{d.pk}/").content.decode()
    assert 'data-transition="submit_report"' in page and 'data-transition="accept_rectification"' not in page
    upload = SimpleUploadedFile("整改照片.jpg", b"\xff\xd8\xff rectified", content_type="image/jpeg")
    answered = lead.post(
        f"/supervision/{d.pk}/steps/submit_report/",
        {
            "submit_report-on": dt.date.today().isoformat(),
            "submit_report-text": "已完成整改",
            "submit_report-evidence_kind": "audiovisual",
            "submit_report-files": [upload],
        },
    )
    assert answered.status_code == 302
    d.refresh_from_db()
    assert d.state == "verifying"
    [evidence] = EvidenceFile.objects.filter(case_ref=d.number)
    assert evidence.kind == "audiovisual" and evidence.agency == city.market_city
    assert d.steps.get(code="submit_report").data["evidence"][0]["sha256"] == evidence.sha256

    # roles and scope on the pages
    assert lead.get(f"/supervision/{d.pk}/steps/accept_rectification/").status_code == 403
    assert _client(users[Role.OFFICER]).get(f"/supervision/{d.pk}/steps/submit_report/").status_code == 403
    assert (
        _client(make_user(Role.AGENCY_LEAD, city.other_city)).get(f"/supervision/{d.pk}/").status_code == 404
    )
    assert _client(users[Role.SUPERVISOR]).get("/supervision/inbox/").status_code == 403
    assert _client(users[Role.AUDITOR]).get("/supervision/").status_code == 403
    accepted = supervisor.post(
        f"/supervision/{d.pk}/steps/accept_rectification/",
        {"accept_rectification-on": dt.date.today().isoformat()},
    )
    assert accepted.status_code == 302
    d.refresh_from_db()
    assert d.state == "closed" and d.outcome == "confirmed_rectified"
    assert d.number in lead.get("/supervision/inbox/").content.decode()


def test_center_highlights_overdue_rectifications(users, city, monkeypatch):
    from zhifa.supervision import actions

    make_justice_bureau()
    d = actions.do_open_disposition(None, make_clue(city.market_city).pk)
    actions.do_transition(users[Role.SUPERVISOR], d.pk, "triage", {"procedure": "simple"})
    deadline = dt.date.today() + dt.timedelta(days=3)
    actions.do_transition(
        users[Role.SUPERVISOR],
        d.pk,
        "issue_notice",
        {"requirement": "整改", "deadline": deadline.isoformat()},
    )
    monkeypatch.setattr(actions, "_today", lambda: deadline + dt.timedelta(days=1))
    page = _client(users[Role.SUPERVISOR]).get("/supervision/").content.decode()
    assert 'id="overdue-summary"' in page and "整改逾期" in page
