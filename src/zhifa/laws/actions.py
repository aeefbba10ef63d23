"""The law library's one state change: importing law files.

Each file is one version of one law (its effective date is in the file name). A version whose
content hash is unchanged is left alone — a second import of the same files writes nothing,
not even an audit entry. A changed file for an existing (law, date) replaces that version's
structure. Every imported version is written in its own transaction with one audit entry
(`laws.version_import`), its structure by bulk inserts, and the penalty provisions of its
法律责任 / 罚则 articles as read by `zhifa.laws.provisions.extract_article`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from zhifa.core import audit, roles
from zhifa.core.actions import require_role_permission
from zhifa.laws import provisions
from zhifa.laws.importer import ParsedArticle, ParsedLaw, parse_file
from zhifa.laws.models import (
    Article,
    Division,
    FineRange,
    Item,
    Law,
    LawVersion,
    Paragraph,
    PenaltyProvision,
)

PENALTY_CHAPTER_WORDS = ("法律责任", "罚则")
IMPORT_ACTION = "laws.version_import"


@dataclass
class ImportReport:
    laws: int = 0
    versions: int = 0
    articles: int = 0
    imported: int = 0  # versions created or replaced
    unchanged: int = 0  # versions whose content hash was already stored
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "laws": self.laws,
            "versions": self.versions,
            "articles": self.articles,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def law_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[dict[str, Any]]]:
    """The *.md files named (folders searched recursively), in a stable order, and the paths
    that do not exist."""
    files: list[Path] = []
    missing: list[dict[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append({"file": str(path), "line": 0, "reason": "文件或目录不存在"})
    return files, missing


def is_penalty_chapter(title: str) -> bool:
    return any(word in title for word in PENALTY_CHAPTER_WORDS)


def do_import_law_files(actor: Any, paths: Iterable[str | Path]) -> ImportReport:
    """Import the law files at `paths` (files or folders). Never raises for a bad file: its
    problems are in the report's errors, with file and line."""
    require_role_permission(actor, Law, roles.ADD)
    files, missing = law_files(paths)
    report = ImportReport(errors=list(missing))
    names: set[str] = set()
    seen: dict[tuple[str, Any], ParsedLaw] = {}
    for path in files:
        parsed = parse_file(path)
        report.warnings.extend(parsed.warnings)
        if not parsed.ok:
            report.errors.extend(parsed.errors)
            continue
        key = (parsed.name, parsed.effective_date)
        first = seen.get(key)
        if first is not None:  # the same version filed under two categories: the first one counts
            if first.content_hash != parsed.content_hash:
                report.warnings.append(
                    {
                        "file": parsed.path,
                        "line": 0,
                        "reason": f"与 {first.path} 是同一版本但内容不同，已采用前者",
                    }
                )
            continue
        seen[key] = parsed
        names.add(parsed.name)
        report.versions += 1
        report.articles += len(parsed.articles)
        try:
            changed = import_version(actor, parsed)
        except ProtectedError:
            report.errors.append({"file": parsed.path, "line": 0, "reason": "该版本的条文已被引用，不能替换"})
            continue
        if changed:
            report.imported += 1
        else:
            report.unchanged += 1
    report.laws = len(names)
    return report


def import_version(actor: Any, parsed: ParsedLaw) -> bool:
    """Store one parsed version; False when the same content was already stored."""
    assert parsed.effective_date is not None
    with transaction.atomic():
        law = Law.objects.select_for_update().filter(name=parsed.name).first()
        version = None
        if law is not None:
            version = (
                LawVersion.objects.select_for_update()
                .filter(law=law, effective_date=parsed.effective_date)
                .first()
            )
            if version is not None and version.content_hash == parsed.content_hash:
                return False
        law = _save_law(law, parsed)
        before = audit.snapshot(version)
        if version is None:
            version = LawVersion(law=law, effective_date=parsed.effective_date)
        else:
            version.articles.all().delete()
            version.divisions.all().delete()
        version.title = parsed.title
        version.history = parsed.history
        version.source_file = _source_name(parsed.path)
        version.content_hash = parsed.content_hash
        version.article_count = len(parsed.articles)
        version.save()
        _store_structure(version, parsed)
        audit.record_change(actor, IMPORT_ACTION, version, before)
    return True


def _source_name(path: str) -> str:
    parts = Path(path).parts
    return "/".join(parts[-3:])[-300:]


def _save_law(law: Law | None, parsed: ParsedLaw) -> Law:
    """The law row, with the title and placing of its latest version."""
    if law is None:
        return Law.objects.create(
            name=parsed.name,
            title=parsed.title[:200],
            level=parsed.level,
            category=parsed.category[:100],
            issuer=parsed.issuer[:100],
        )
    latest = law.versions.order_by("-effective_date").values_list("effective_date", flat=True).first()
    if latest is None or parsed.effective_date >= latest:
        law.title = parsed.title[:200]
        law.level = parsed.level
        law.category = parsed.category[:100]
        law.issuer = parsed.issuer[:100] or law.issuer
        law.save(update_fields=["title", "level", "category", "issuer"])
    return law


def _store_structure(version: LawVersion, parsed: ParsedLaw) -> None:
    divisions = [
        Division(
            version=version,
            level=d.level,
            number=d.number,
            label=d.label[:20],
            title=d.title[:200],
            sort_order=i,
        )
        for i, d in enumerate(parsed.divisions)
    ]
    # Parents before children: one bulk insert per depth, so parents have their keys.
    for depth in range(4):
        batch = []
        for parsed_division, division in zip(parsed.divisions, divisions, strict=True):
            if _depth(parsed, parsed_division.parent) != depth:
                continue
            if parsed_division.parent is not None:
                division.parent = divisions[parsed_division.parent]
            batch.append(division)
        if batch:
            Division.objects.bulk_create(batch)

    articles = [
        Article(
            version=version,
            chapter=divisions[a.chapter] if a.chapter is not None else None,
            section=divisions[a.section] if a.section is not None else None,
            number=a.number,
            suffix=a.suffix,
            label=a.label[:30],
            text=a.text,
            line=a.line,
            sort_order=i,
        )
        for i, a in enumerate(parsed.articles)
    ]
    Article.objects.bulk_create(articles, batch_size=500)
    paragraphs: list[Paragraph] = []
    parsed_paragraphs = []
    for article, parsed_article in zip(articles, parsed.articles, strict=True):
        for p in parsed_article.paragraphs:
            paragraphs.append(Paragraph(article=article, number=p.number, text=p.text))
            parsed_paragraphs.append(p)
    Paragraph.objects.bulk_create(paragraphs, batch_size=500)
    items = [
        Item(paragraph=paragraph, number=item.number, text=item.text)
        for paragraph, p in zip(paragraphs, parsed_paragraphs, strict=True)
        for item in p.items
    ]
    Item.objects.bulk_create(items, batch_size=500)
    _store_provisions(version, parsed, articles)


def _depth(parsed: ParsedLaw, parent: int | None) -> int:
    depth = 0
    while parent is not None:
        depth += 1
        parent = parsed.divisions[parent].parent
    return depth


def _penalty_article(parsed: ParsedLaw, article: ParsedArticle) -> bool:
    return article.chapter is not None and is_penalty_chapter(parsed.divisions[article.chapter].title)


def _store_provisions(version: LawVersion, parsed: ParsedLaw, articles: list[Article]) -> None:
    rows: list[PenaltyProvision] = []
    ranges: list[tuple[PenaltyProvision, list[provisions.ExtractedFineRange]]] = []
    for article, parsed_article in zip(articles, parsed.articles, strict=True):
        if not _penalty_article(parsed, parsed_article):
            continue
        try:
            extracted = provisions.extract_article(
                parsed.name, parsed_article.label, [p.text for p in parsed_article.paragraphs]
            )
        except NotImplementedError:  # the extractor is not written yet: no provisions
            extracted = []
        for order, found in enumerate(extracted):
            row = PenaltyProvision(
                article=article,
                paragraph_number=found.paragraph_number,
                item_number=found.item_number,
                conduct=found.conduct,
                department=found.department[:200],
                penalty_kinds=list(found.penalty_kinds),
                text=found.text,
                sort_order=order,
            )
            rows.append(row)
            ranges.append((row, found.fine_ranges))
    if not rows:
        return
    PenaltyProvision.objects.bulk_create(rows, batch_size=500)
    FineRange.objects.bulk_create(
        [
            FineRange(
                provision=row,
                kind=r.kind,
                minimum=r.minimum,
                maximum=r.maximum,
                base=r.base[:60],
                condition=r.condition[:300],
                aggravated=r.aggravated,
                party_kind=r.party_kind[:20],
                text=r.text[:500],
            )
            for row, found_ranges in ranges
            for r in found_ranges
        ],
        batch_size=500,
    )
