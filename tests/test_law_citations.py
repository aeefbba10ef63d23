"""Parsing citations and resolving them against the version in force on a date."""

from __future__ import annotations

import datetime as dt

import pytest

from zhifa.core.errors import ActionError
from zhifa.laws.citations import Citation, parse_citation, resolve

from .laws_support import import_laws


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("食品安全法第一百二十二条第二款", Citation("食品安全法", 122, 0, 2, None)),
        ("《中华人民共和国行政处罚法》第五十一条", Citation("中华人民共和国行政处罚法", 51)),
        ("《行政处罚法》第五十一条第一款第（三）项", Citation("行政处罚法", 51, 0, 1, 3)),
        ("行政处罚法第51条", Citation("行政处罚法", 51)),
        ("行政处罚法第五十七条第(二)项", Citation("行政处罚法", 57, 0, None, 2)),
        ("行政处罚法第五十七条第二项", Citation("行政处罚法", 57, 0, None, 2)),
        ("体育法第二十条之一", Citation("体育法", 20, 1)),
        (" 《体育法》 第 二十 条 。", Citation("体育法", 20)),
    ],
)
def test_parse_forms(text: str, expected: Citation) -> None:
    assert parse_citation(text) == expected


def test_bare_article_takes_the_default_law() -> None:
    assert parse_citation("第二十条之一", default_law="体育法") == Citation("体育法", 20, 1)
    with pytest.raises(ActionError) as error:
        parse_citation("第二十条之一")
    assert error.value.code == "unparseable_citation"


@pytest.mark.parametrize("text", ["", "食品安全法", "食品安全法第条", "食品安全法第一百二十二款", "第十十条"])
def test_unparseable(text: str) -> None:
    with pytest.raises(ActionError) as error:
        parse_citation(text, default_law="食品安全法")
    assert error.value.code == "unparseable_citation"


@pytest.fixture
def laws(db):
    import_laws("体育法", "行政处罚法", "食品安全法")


def test_version_in_force_decides_the_text(laws) -> None:
    new = resolve("体育法第二十条", dt.date(2023, 1, 1))
    old = resolve("《中华人民共和国体育法》第二十条", dt.date(2020, 1, 1))
    assert str(new.version.effective_date) == "2022-06-24" and str(old.version.effective_date) == "2016-11-07"
    assert new.text != old.text
    assert old.text.startswith("学校应当组织多种形式的课外体育活动")
    assert resolve("体育法第二十条", dt.date(2022, 6, 24)).version == new.version
    with pytest.raises(ActionError) as error:
        resolve("体育法第二十条", dt.date(2010, 1, 1))
    assert error.value.code == "no_version_in_force" and "2016-11-07" in error.value.message


def test_paragraph_and_item(laws) -> None:
    found = resolve("食品安全法第一百二十二条第二款", dt.date(2024, 1, 1))
    assert found.paragraph.number == 2 and found.text.startswith("明知从事前款规定的违法行为")
    assert found.citation == "《中华人民共和国食品安全法》第一百二十二条第二款"
    item = resolve("《行政处罚法》第五十七条第一款第（二）项", dt.date(2024, 1, 1))
    assert item.item.number == 2 and item.text.startswith("（二）")
    assert item.citation == "《中华人民共和国行政处罚法》第五十七条第一款第（二）项"
    short = resolve("行政处罚法第五十七条第(二)项", dt.date(2024, 1, 1))
    assert short.item == item.item
    assert resolve("行政处罚法第51条", dt.date(2024, 1, 1)).article.label == "第五十一条"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("民法典第一条", "unknown_law"),
        ("食品安全法第九百条", "unknown_article"),
        ("食品安全法第一百二十二条第九款", "unknown_paragraph"),
        ("行政处罚法第五十一条第一款第（三）项", "unknown_item"),
        ("体育法第二十条之一", "unknown_article"),
        ("食品安全法第", "unparseable_citation"),
    ],
)
def test_error_codes(laws, text: str, code: str) -> None:
    with pytest.raises(ActionError) as error:
        resolve(text, dt.date(2024, 1, 1))
    assert error.value.code == code and error.value.field in ("cite", "date")


def test_resolve_endpoint(laws, api_as) -> None:
    api = api_as("officer")
    response = api.get("/laws/resolve", cite="《体育法》第二十条", date="2020-05-01")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["law"] == "体育法" and data["version"] == "2016-11-07" and data["article"] == "第二十条"
    assert data["paragraph"] is None and data["item"] is None
    assert data["citation"] == "《中华人民共和国体育法》第二十条" and data["text"].startswith("学校")
    assert (
        api.get("/laws/resolve", cite="体育法第二十条", date="2023-05-01").json()["version"] == "2022-06-24"
    )
    missing = api.get("/laws/resolve", cite="体育法第二十条", date="2001-01-01")
    assert missing.status_code == 404 and missing.json()["code"] == "no_version_in_force"
    bad = api.get("/laws/resolve", cite="随便写写")
    assert bad.status_code == 422 and bad.json()["code"] == "unparseable_citation"
    assert api_as("auditor").get("/laws/resolve", cite="体育法第二十条").status_code == 403
