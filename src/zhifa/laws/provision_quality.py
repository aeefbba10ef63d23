"""Measuring the penalty provision extractor against a hand-labelled set.

The labelled set (tests/data/penalty_provisions_labelled.json) was written by reading the
statutes, one entry per provision, for whole articles: every provision of a labelled article
is listed, so provisions the extractor finds beyond the labels count against its precision.

This module reads the articles straight from the corpus Markdown (no database: the importer is
developed separately and the measurement must not depend on it), runs `extract_article` and
computes precision and recall per field. `python -m zhifa.laws.provision_quality` prints the
table that docs/laws.md reports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from zhifa.laws.provisions import ExtractedFineRange, ExtractedProvision, extract_article

CORPUS = Path(__file__).resolve().parent / "corpus"
LABELLED = Path(__file__).resolve().parents[3] / "tests" / "data" / "penalty_provisions_labelled.json"
ARTICLE_HEAD = re.compile(
    r"^(?P<label>第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)[\s　]*(?P<rest>.*)$"
)
ITEM_LINE = re.compile(r"^（[一二三四五六七八九十]+）")


# --- a tiny article reader ----------------------------------------------------------------


def read_articles(path: Path) -> dict[str, list[str]]:
    """{article label: paragraphs} of a corpus file; item lines stay in their paragraph, one
    per line, as `extract_article` expects."""
    articles: dict[str, list[str]] = {}
    current: list[str] | None = None
    body_started = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if "INFO END" in line:
            body_started = True
            continue
        if not body_started or not line:
            continue
        if line.startswith("#"):
            current = None
            continue
        head = ARTICLE_HEAD.match(line)
        if head:
            current = [head.group("rest")] if head.group("rest") else []
            articles[head.group("label")] = current
        elif current is not None:
            if ITEM_LINE.match(line) and current:
                current[-1] += "\n" + line
            else:
                current.append(line)
    return articles


def corpus_file(name: str) -> Path:
    """A corpus file by its path relative to the corpus folder (行政法/食品安全法(2021-04-29).md)."""
    return CORPUS / name


# --- the labelled set ---------------------------------------------------------------------


@dataclass
class LabelledRange:
    kind: str
    minimum: Decimal | None
    maximum: Decimal | None
    base: str = ""
    condition: str = ""
    aggravated: bool = False
    party_kind: str = ""


@dataclass
class LabelledProvision:
    file: str
    article: str
    paragraph: int | None
    item: int | None
    conduct: str
    department: str
    penalty_kinds: list[str]
    fine_ranges: list[LabelledRange] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, int | None, int | None]:
        return (self.file, self.article, self.paragraph, self.item)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def load_labelled(path: Path = LABELLED) -> list[LabelledProvision]:
    data = json.loads(path.read_text(encoding="utf-8"))
    provisions = []
    for entry in data["provisions"]:
        ranges = [
            LabelledRange(
                kind=r["kind"],
                minimum=_decimal(r.get("min")),
                maximum=_decimal(r.get("max")),
                base=r.get("base", ""),
                condition=r.get("condition", ""),
                aggravated=r.get("aggravated", False),
                party_kind=r.get("party_kind", ""),
            )
            for r in entry.get("fine_ranges", [])
        ]
        provisions.append(
            LabelledProvision(
                file=entry["file"],
                article=entry["article"],
                paragraph=entry.get("paragraph"),
                item=entry.get("item"),
                conduct=entry.get("conduct", ""),
                department=entry.get("department", ""),
                penalty_kinds=entry.get("penalty_kinds", []),
                fine_ranges=ranges,
            )
        )
    return provisions


def extract_labelled_articles(
    labelled: list[LabelledProvision],
) -> dict[tuple[str, str, int | None, int | None], ExtractedProvision]:
    """Run the extractor over every article that has labels."""
    extracted: dict[tuple[str, str, int | None, int | None], ExtractedProvision] = {}
    articles_by_file: dict[str, dict[str, list[str]]] = {}
    for file, article in sorted({(p.file, p.article) for p in labelled}):
        articles = articles_by_file.setdefault(file, read_articles(corpus_file(file)))
        law_name = Path(file).stem.split("(")[0]
        for provision in extract_article(law_name, article, articles[article]):
            extracted[(file, article, provision.paragraph_number, provision.item_number)] = provision
    return extracted


# --- metrics --------------------------------------------------------------------------------


@dataclass
class Score:
    """Counts for one field: true positives, extracted positives, labelled positives."""

    tp: int = 0
    extracted: int = 0
    labelled: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.labelled if self.labelled else 1.0


FIELDS = (
    "provision",
    "conduct",
    "department",
    "penalty_kinds",
    "fine_bounds",
    "multiple_base",
    "condition",
    "aggravated",
    "party_kind",
)


def _norm(text: str) -> str:
    return re.sub(r"[\s，,；;。的]", "", text)


def _bounds(r: LabelledRange | ExtractedFineRange) -> tuple[str, Decimal | None, Decimal | None]:
    return (r.kind, r.minimum, r.maximum)


def pair_ranges(
    labelled: list[LabelledRange], extracted: list[ExtractedFineRange]
) -> list[tuple[LabelledRange, ExtractedFineRange]]:
    """Pair each labelled range with the first unused extracted range of the same bounds,
    preferring one with the same aggravation and party (a statute may repeat a range)."""
    unused = list(extracted)
    pairs = []
    for label in labelled:
        candidates = [e for e in unused if _bounds(e) == _bounds(label)]
        if not candidates:
            continue
        best = next(
            (e for e in candidates if e.aggravated == label.aggravated and e.party_kind == label.party_kind),
            candidates[0],
        )
        unused.remove(best)
        pairs.append((label, best))
    return pairs


def _score_ranges(scores: dict[str, Score], label: LabelledProvision, found: ExtractedProvision) -> None:
    pairs = pair_ranges(label.fine_ranges, found.fine_ranges)
    scores["fine_bounds"].tp += len(pairs)
    scores["fine_bounds"].extracted += len(found.fine_ranges)
    scores["fine_bounds"].labelled += len(label.fine_ranges)
    checks = {
        "multiple_base": (lambda r: r.kind == "multiple", lambda a, b: a.base == b.base),
        "condition": (lambda r: bool(r.condition), lambda a, b: _norm(a.condition) == _norm(b.condition)),
        "aggravated": (lambda r: r.aggravated, lambda a, b: True),
        "party_kind": (lambda r: bool(r.party_kind), lambda a, b: _norm(a.party_kind) == _norm(b.party_kind)),
    }
    for name, (positive, same) in checks.items():
        scores[name].extracted += sum(1 for r in found.fine_ranges if positive(r))
        scores[name].labelled += sum(1 for r in label.fine_ranges if positive(r))
        scores[name].tp += sum(1 for a, b in pairs if positive(a) and positive(b) and same(a, b))


def score(
    labelled: list[LabelledProvision],
    extracted: dict[tuple[str, str, int | None, int | None], ExtractedProvision],
) -> dict[str, Score]:
    """Precision and recall per field. Provision detection is scored on the keys (law, article,
    paragraph, item); every other field on the provisions found under a labelled key, counting
    a field as positive when it is non-empty (a department, a kind, a range, a condition …).
    Fields of extra provisions count against precision, fields of missed ones against recall."""
    scores = {name: Score() for name in FIELDS}
    labelled_keys = {p.key for p in labelled}
    scores["provision"] = Score(
        tp=len(labelled_keys & extracted.keys()), extracted=len(extracted), labelled=len(labelled_keys)
    )
    empty = ExtractedProvision(paragraph_number=None, item_number=None, conduct="", department="")
    for key, found in extracted.items():
        if key not in labelled_keys:
            _count_extra(scores, found)
    for label in labelled:
        found = extracted.get(label.key, empty)
        _score_simple(scores, "conduct", label.conduct, found.conduct)
        _score_simple(scores, "department", label.department, found.department)
        kinds = scores["penalty_kinds"]
        kinds.tp += len(set(label.penalty_kinds) & set(found.penalty_kinds))
        kinds.extracted += len(set(found.penalty_kinds))
        kinds.labelled += len(set(label.penalty_kinds))
        _score_ranges(scores, label, found)
    return scores


def _score_simple(scores: dict[str, Score], name: str, labelled: str, found: str) -> None:
    scores[name].extracted += bool(found)
    scores[name].labelled += bool(labelled)
    scores[name].tp += bool(found) and _norm(found) == _norm(labelled)


def _count_extra(scores: dict[str, Score], found: ExtractedProvision) -> None:
    scores["conduct"].extracted += bool(found.conduct)
    scores["department"].extracted += bool(found.department)
    scores["penalty_kinds"].extracted += len(set(found.penalty_kinds))
    scores["fine_bounds"].extracted += len(found.fine_ranges)
    scores["multiple_base"].extracted += sum(1 for r in found.fine_ranges if r.kind == "multiple")
    scores["condition"].extracted += sum(1 for r in found.fine_ranges if r.condition)
    scores["aggravated"].extracted += sum(1 for r in found.fine_ranges if r.aggravated)
    scores["party_kind"].extracted += sum(1 for r in found.fine_ranges if r.party_kind)


def measure(path: Path = LABELLED) -> dict[str, Score]:
    labelled = load_labelled(path)
    return score(labelled, extract_labelled_articles(labelled))


def table(scores: dict[str, Score]) -> str:
    lines = ["| field | precision | recall | TP | extracted | labelled |", "|---|---|---|---|---|---|"]
    for name in FIELDS:
        s = scores[name]
        lines.append(
            f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.tp} | {s.extracted} | {s.labelled} |"
        )
    return "\n".join(lines)


def differences(path: Path = LABELLED) -> Iterable[str]:
    """Human-readable disagreements, to study failure cases."""
    labelled = load_labelled(path)
    extracted = extract_labelled_articles(labelled)
    keys = {p.key for p in labelled}
    for key in sorted(extracted.keys() - keys, key=str):
        yield f"EXTRA {key}"
    for label in labelled:
        found = extracted.get(label.key)
        if found is None:
            yield f"MISSED {label.key}"
            continue
        for name in ("conduct", "department"):
            if _norm(getattr(label, name)) != _norm(getattr(found, name)):
                yield f"{name.upper()} {label.key}: labelled {getattr(label, name)!r} got {getattr(found, name)!r}"
        if set(label.penalty_kinds) != set(found.penalty_kinds):
            yield f"KINDS {label.key}: labelled {sorted(label.penalty_kinds)} got {sorted(found.penalty_kinds)}"
        got = [
            (r.kind, r.minimum, r.maximum, r.base, _norm(r.condition), r.aggravated, r.party_kind)
            for r in found.fine_ranges
        ]
        want = [
            (r.kind, r.minimum, r.maximum, r.base, _norm(r.condition), r.aggravated, r.party_kind)
            for r in label.fine_ranges
        ]
        if got != want:
            yield f"RANGES {label.key}:\n   labelled {want}\n   got      {got}"


def main() -> None:
    import sys

    print(table(measure()))
    if "--diff" in sys.argv:
        for line in differences():
            print(line)


if __name__ == "__main__":
    main()
