"""docs/indicators.md lists every indicator's formula exactly as the catalogue declares it."""

from __future__ import annotations

from zhifa.indicators.catalogue import CATALOGUE
from zhifa.indicators.docs import PAGE, current_section, render_catalogue


def test_the_page_matches_the_catalogue() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert current_section(text) == render_catalogue(), (
        "docs/indicators.md is out of date: run .venv/bin/python -m zhifa.indicators.docs"
    )
    for indicator in CATALOGUE:
        assert f"`{indicator.slug}`" in text
