"""Law library endpoints (read only: the library changes by import). Thin: scoped reads."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import ActionError, NotFound
from zhifa.laws import citations
from zhifa.laws.models import Article, Division, Law, LawVersion, PenaltyProvision

router = Router(tags=["法律法规"])
SNIPPET_RADIUS = 40
ARTICLE_REF = re.compile(r"^(?P<number>\d+)(?:-(?P<suffix>\d+))?$")


# --- shaping ---------------------------------------------------------------------------------


class LawOut(Schema):
    id: int
    name: str
    title: str
    level: str
    level_display: str = Field(..., alias="get_level_display")
    category: str
    issuer: str
    version_count: int = 0
    latest_version: dt.date | None = None


class VersionBrief(Schema):
    effective_date: dt.date
    title: str
    history: list[str]
    article_count: int
    source_file: str


class LawDetailOut(LawOut):
    versions: list[VersionBrief]

    @staticmethod
    def resolve_versions(obj: Law) -> list[LawVersion]:
        return list(obj.versions.order_by("effective_date"))


class DivisionOut(Schema):
    id: int
    parent_id: int | None
    level: str
    number: int
    label: str
    title: str


class VersionOut(VersionBrief):
    law: str = Field(..., alias="law.name")
    divisions: list[DivisionOut]

    @staticmethod
    def resolve_divisions(obj: LawVersion) -> list[Division]:
        return list(obj.divisions.order_by("sort_order"))


class ArticleBrief(Schema):
    number: int
    suffix: int
    label: str
    text: str
    chapter: str | None = None
    section: str | None = None

    @staticmethod
    def resolve_chapter(obj: Article) -> str | None:
        return str(obj.chapter) if obj.chapter_id else None

    @staticmethod
    def resolve_section(obj: Article) -> str | None:
        return str(obj.section) if obj.section_id else None


class ItemOut(Schema):
    number: int
    text: str


class ParagraphOut(Schema):
    number: int
    text: str
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.all())


class FineRangeOut(Schema):
    kind: str
    minimum: Decimal | None
    maximum: Decimal | None
    base: str
    condition: str
    aggravated: bool
    party_kind: str
    text: str


class ProvisionOut(Schema):
    paragraph: int | None = Field(None, alias="paragraph_number")
    item: int | None = Field(None, alias="item_number")
    conduct: str
    department: str
    penalty_kinds: list[str]
    text: str
    fine_ranges: list[FineRangeOut]

    @staticmethod
    def resolve_fine_ranges(obj: PenaltyProvision) -> list[Any]:
        return list(obj.fine_ranges.all())


class ArticleOut(ArticleBrief):
    law: str
    version: dt.date
    paragraphs: list[ParagraphOut]
    provisions: list[ProvisionOut]

    @staticmethod
    def resolve_law(obj: Article) -> str:
        return obj.version.law.name

    @staticmethod
    def resolve_version(obj: Article) -> dt.date:
        return obj.version.effective_date

    @staticmethod
    def resolve_paragraphs(obj: Article) -> list[Any]:
        return list(obj.paragraphs.all())

    @staticmethod
    def resolve_provisions(obj: Article, context: dict[str, Any]) -> list[PenaltyProvision]:
        request = context["request"]
        return list(
            PenaltyProvision.objects.restrict(request.user)
            .filter(article=obj)
            .prefetch_related("fine_ranges")
            .order_by("sort_order")
        )


class SearchHit(Schema):
    law: str
    version: dt.date
    article: str
    number: int
    suffix: int
    snippet: str


class ResolveOut(Schema):
    law: str
    version: dt.date
    article: str
    paragraph: int | None
    item: int | None
    text: str
    citation: str


class LawFilter(Schema):
    q: str | None = None
    level: str | None = None
    category: str | None = None


# --- queries ---------------------------------------------------------------------------------


def laws_with_counts(queryset: QuerySet[Law]) -> QuerySet[Law]:
    from django.db.models import Max

    return queryset.annotate(version_count=Count("versions"), latest_version=Max("versions__effective_date"))


def filter_laws(
    queryset: QuerySet[Law], q: str | None, level: str | None, category: str | None
) -> QuerySet[Law]:
    if q:
        queryset = queryset.filter(Q(name__contains=q) | Q(title__contains=q))
    if level:
        queryset = queryset.filter(level=level)
    if category:
        queryset = queryset.filter(Q(category=category) | Q(category__startswith=f"{category}/"))
    return queryset


def get_version(request: HttpRequest, name: str, date: dt.date) -> LawVersion:
    law = scoped_get(request, Law, name=name)
    return scoped_get(
        request, LawVersion, scoped(request, LawVersion).select_related("law"), law=law, effective_date=date
    )


def parse_article_ref(ref: str) -> tuple[int, int]:
    """ "122" / "20-1" (第二十条之一) / a label 第二十条之一."""
    match = ARTICLE_REF.match(ref)
    if match:
        return int(match["number"]), int(match["suffix"] or 0)
    try:
        citation = citations.parse_citation(ref, default_law="-")
    except ActionError as exc:
        raise NotFound("条文不存在") from exc
    return citation.article, citation.suffix


def snippet(text: str, query: str, radius: int = SNIPPET_RADIUS) -> str:
    """The text around the first hit (case-insensitive), with … where cut."""
    at = text.lower().find(query.lower())
    if at < 0:
        return text[: radius * 2]
    start, end = max(0, at - radius), min(len(text), at + len(query) + radius)
    return ("…" if start else "") + text[start:end].replace("\n", " ") + ("…" if end < len(text) else "")


def search_articles(queryset: QuerySet[Article], q: str, law: str | None = None) -> QuerySet[Article]:
    queryset = queryset.filter(text__icontains=q).select_related("version__law")
    if law:
        queryset = queryset.filter(version__law__name=law)
    return queryset.order_by("version__law__name", "-version__effective_date", "sort_order")


# --- endpoints (fixed paths before the {name} ones) --------------------------------------------


@router.get("/laws", response=list[LawOut])
@paginate(LimitOffsetPagination)
def list_laws(request: HttpRequest, filters: Query[LawFilter]):
    return laws_with_counts(filter_laws(scoped(request, Law), filters.q, filters.level, filters.category))


@router.get("/laws/search", response=list[SearchHit])
@paginate(LimitOffsetPagination)
def search(request: HttpRequest, q: str, law: str | None = None):
    q = q.strip()
    if not q:
        raise ActionError("required", "请输入检索词", "q")
    hits = search_articles(scoped(request, Article), q, law)
    return [
        {
            "law": a.version.law.name,
            "version": a.version.effective_date,
            "article": a.label,
            "number": a.number,
            "suffix": a.suffix,
            "snippet": snippet(a.text, q),
        }
        for a in hits[:1000]
    ]


@router.get("/laws/resolve", response=ResolveOut)
def resolve(request: HttpRequest, cite: str, date: dt.date | None = None):
    scoped(request, Article)  # 403 for roles that may not read the library
    found = citations.resolve(cite, date, laws=scoped(request, Law))
    return {
        "law": found.law.name,
        "version": found.version.effective_date,
        "article": found.article.label,
        "paragraph": found.paragraph.number if found.paragraph else None,
        "item": found.item.number if found.item else None,
        "text": found.text,
        "citation": found.citation,
    }


@router.get("/laws/{name}", response=LawDetailOut)
def get_law(request: HttpRequest, name: str):
    return scoped_get(request, Law, laws_with_counts(scoped(request, Law)), name=name)


@router.get("/laws/{name}/versions/{date}", response=VersionOut)
def get_version_detail(request: HttpRequest, name: str, date: dt.date):
    return get_version(request, name, date)


@router.get("/laws/{name}/versions/{date}/articles", response=list[ArticleBrief])
@paginate(LimitOffsetPagination)
def list_articles(request: HttpRequest, name: str, date: dt.date):
    version = get_version(request, name, date)
    return (
        scoped(request, Article)
        .filter(version=version)
        .select_related("chapter", "section")
        .order_by("sort_order")
    )


@router.get("/laws/{name}/versions/{date}/articles/{ref}", response=ArticleOut)
def get_article(request: HttpRequest, name: str, date: dt.date, ref: str):
    version = get_version(request, name, date)
    number, suffix = parse_article_ref(ref)
    queryset = (
        scoped(request, Article)
        .select_related("version__law", "chapter", "section")
        .prefetch_related("paragraphs__items")
    )
    return scoped_get(request, Article, queryset, version=version, number=number, suffix=suffix)
