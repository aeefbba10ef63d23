"""Helpers for the law library tests: import a few corpus files by law name."""

from __future__ import annotations

from pathlib import Path

from zhifa.laws.actions import ImportReport, do_import_law_files

CORPUS = Path(__file__).resolve().parents[1] / "src" / "zhifa" / "laws" / "corpus"


def corpus_files(*names: str) -> list[Path]:
    """The corpus files of these laws (first file per version: some are filed twice)."""
    found: dict[str, Path] = {}
    for path in sorted(CORPUS.rglob("*.md")):
        if path.name.partition("(")[0] in names:
            found.setdefault(path.name, path)
    return sorted(found.values())


def import_laws(*names: str) -> ImportReport:
    report = do_import_law_files(None, corpus_files(*names))
    assert report.errors == []
    return report
