"""The law library API and pages: reads through restrict, auditor refused, search, UI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from zhifa.core.roles import Role
from zhifa.laws import provisions
from zhifa.laws.models import Article, Law, LawVersion

from .laws_support import import_laws


def _fake_extractor(law_name: str, label: str, paragraphs: list[str]) -> list[provisions.ExtractedProvision]:
    if label != "第一百二十二条":
        return []
    return [
        provisions.ExtractedProvision(
            paragraph_number=1,
            item_number=None,
            conduct="未取得食品生产经营许可从事食品生产经营活动",
            department="县级以上人民政府食品安全监督管理部门",
            penalty_kinds=["fine"],
            fine_ranges=[
                provisions.ExtractedFineRange(
                    "fixed",
                    Decimal("50000"),
                    Decimal("100000"),
                    condition="货值金额不足一万元的",
                    text="五万元以上十万元以下",
                )
            ],
            text="……",
        )
    ]


@pytest.fixture
def laws(db, monkeypatch):
    monkeypatch.setattr(provisions, "extract_article", _fake_extractor)
    import_laws("体育法", "行政处罚法", "食品安全法")


@pytest.fixture
def web(users):
    def for_role(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return for_role


def test_list_and_filter_laws(laws, api_as) -> None:
    api = api_as(Role.SUPERVISOR)
    data = api.get("/laws").json()
    assert data["count"] == 3
    assert {i["name"]: i["version_count"] for i in data["items"]} == {
        "体育法": 2,
        "行政处罚法": 1,
        "食品安全法": 1,
    }
    assert [i["name"] for i in api.get("/laws", q="食品").json()["items"]] == ["食品安全法"]
    assert api.get("/laws", level="departmental_rule").json()["count"] == 0
    assert api.get("/laws", category="行政法").json()["count"] == 3


def test_law_version_articles(laws, api_as) -> None:
    api = api_as(Role.OFFICER)
    law = api.get("/laws/体育法").json()
    assert [v["effective_date"] for v in law["versions"]] == ["2016-11-07", "2022-06-24"]
    assert law["versions"][0]["history"][0].startswith("1995年8月29日")
    version = api.get("/laws/行政处罚法/versions/2021-01-22").json()
    assert version["article_count"] == 86
    assert version["divisions"][0]["label"] == "第一章" and version["divisions"][0]["title"] == "总则"
    page = api.get("/laws/行政处罚法/versions/2021-01-22/articles", limit=10, offset=80).json()
    assert page["count"] == 86 and [a["number"] for a in page["items"]] == list(range(81, 87))
    article = api.get("/laws/行政处罚法/versions/2021-01-22/articles/9").json()
    assert article["label"] == "第九条" and len(article["paragraphs"][0]["items"]) == 6
    assert article["chapter"].startswith("第二章")
    assert api.get("/laws/行政处罚法/versions/2021-01-22/articles/第九条").json()["number"] == 9
    assert api.get("/laws/行政处罚法/versions/2021-01-22/articles/999").status_code == 404
    assert api.get("/laws/行政处罚法/versions/2020-01-01").status_code == 404
    assert api.get("/laws/民法典").status_code == 404


def test_article_with_provisions(laws, api_as) -> None:
    data = api_as(Role.LEGAL_REVIEWER).get("/laws/食品安全法/versions/2021-04-29/articles/122").json()
    (provision,) = data["provisions"]
    assert provision["paragraph"] == 1 and provision["penalty_kinds"] == ["fine"]
    fine = provision["fine_ranges"][0]
    assert fine["kind"] == "fixed" and Decimal(str(fine["minimum"])) == 50000
    assert fine["condition"] == "货值金额不足一万元的"


def test_full_text_search(laws, api_as) -> None:
    api = api_as(Role.HOTLINE_OPERATOR)
    data = api.get("/laws/search", q="货值金额不足一万元").json()
    assert data["count"] >= 1
    hit = data["items"][0]
    assert hit["law"] == "食品安全法" and "货值金额不足一万元" in hit["snippet"]
    assert len(hit["snippet"]) < 120
    scoped = api.get("/laws/search", q="体育", law="体育法").json()
    assert scoped["count"] > 0 and {i["law"] for i in scoped["items"]} == {"体育法"}
    assert api.get("/laws/search", q=" ").status_code == 422


@pytest.mark.parametrize(
    "path",
    ["/laws", "/laws/search?q=罚款", "/laws/体育法", "/laws/体育法/versions/2022-06-24/articles"],
)
def test_auditor_is_refused(laws, api_as, path: str) -> None:
    response = api_as(Role.AUDITOR).client.get(f"/api/v1{path}", headers=api_as(Role.AUDITOR).headers)
    assert response.status_code == 403


def test_pages(laws, web) -> None:
    client = web(Role.OFFICER)
    home = client.get("/laws/")
    assert home.status_code == 200 and "体育法" in home.content.decode()
    partial = client.get("/laws/", {"q": "食品"}, headers={"HX-Request": "true"}).content.decode()
    assert "食品安全法" in partial and "体育法" not in partial and "<html" not in partial
    assert "法律法规" in client.get("/").content.decode()

    law = Law.objects.get(name="体育法")
    detail = client.get(f"/laws/{law.pk}/").content.decode()
    assert "2016-11-07" in detail and "2022-06-24" in detail and "现行有效" in detail

    version = LawVersion.objects.get(law__name="行政处罚法")
    text = client.get(f"/laws/versions/{version.pk}/").content.decode()
    assert "第一章 总则" in text and "第八十六条" in text and "目录" in text

    article = Article.objects.get(version__law__name="食品安全法", number=122)
    page = client.get(f"/laws/articles/{article.pk}/").content.decode()
    assert "县级以上人民政府食品安全监督管理部门" in page and "货值金额不足一万元的" in page

    found = client.get("/laws/search/", {"q": "货值金额"}).content.decode()
    assert "<mark>货值金额</mark>" in found
    live = client.get("/laws/search/", {"q": "货值金额"}, headers={"HX-Request": "true"}).content.decode()
    assert "<mark>" in live and "<html" not in live

    resolved = client.get("/laws/resolve/", {"cite": "体育法第二十条", "date": "2020-01-01"}).content.decode()
    assert "学校应当组织多种形式的课外体育活动" in resolved
    assert (
        "尚无有效版本"
        in client.get("/laws/resolve/", {"cite": "体育法第二十条", "date": "2000-01-01"}).content.decode()
    )


def test_pages_refuse_the_auditor(laws, web) -> None:
    client = web(Role.AUDITOR)
    assert client.get("/laws/").status_code == 403
    article = Article.objects.filter(version__law__name="体育法").first()
    assert client.get(f"/laws/articles/{article.pk}/").status_code == 403
    assert "法律法规" not in client.get("/audit/").content.decode()
