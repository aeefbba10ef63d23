"""Law library pages. Thin: every read goes through `restrict` (zhifa.core.web.visible)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhifa.core.errors import ActionError
from zhifa.core.web import login_required, paginate, render_list, visible, visible_get
from zhifa.laws import citations
from zhifa.laws.api import laws_with_counts, search_articles, snippet
from zhifa.laws.forms import LawFilterForm, SearchForm
from zhifa.laws.models import Article, Division, Law, LawVersion, PenaltyProvision


def highlight(text: str, query: str) -> SafeString:
    """The text, escaped, with every hit of `query` in <mark>."""
    if not query:
        return escape(text)
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # every piece escaped above


def _categories(laws: QuerySet[Law]) -> list[str]:
    return sorted(set(laws.values_list("category", flat=True)) - {""})


@login_required
def law_list(request: HttpRequest) -> HttpResponse:
    laws = visible(request, Law)
    form = LawFilterForm(request.GET, categories=_categories(laws))
    page = paginate(request, laws_with_counts(form.apply(laws)).order_by("category", "name"))
    return render_list(request, "laws/law_list.html", "laws/_law_table.html", {"form": form, "page": page})


@login_required
def law_detail(request: HttpRequest, pk: int) -> HttpResponse:
    law = visible_get(visible(request, Law), pk=pk)
    versions = visible(request, LawVersion).filter(law=law).order_by("-effective_date")
    today = dt.date.today()
    current = law.version_on(today)
    return render(request, "laws/law_detail.html", {"law": law, "versions": versions, "current": current})


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = visible_get(visible(request, LawVersion).select_related("law"), pk=pk)
    divisions = list(version.divisions.order_by("sort_order"))
    depth: dict[int, int] = {}
    for division in divisions:
        depth[division.pk] = depth[division.parent_id] + 1 if division.parent_id in depth else 0
        division.depth = depth[division.pk]  # type: ignore[attr-defined]
    articles = list(
        visible(request, Article)
        .filter(version=version)
        .order_by("sort_order")
        .only("id", "label", "text", "chapter_id", "section_id", "number", "suffix")
    )
    # The body: before an article, the headings (编, 分编, 章, 节) opened since the last one.
    by_id = {d.pk: d for d in divisions}
    shown: set[int] = set()
    rows = []
    for article in articles:
        opened: list[Division] = []
        for division_id in (article.chapter_id, article.section_id):
            chain = []
            while division_id is not None and division_id not in shown:
                chain.append(by_id[division_id])
                shown.add(division_id)
                division_id = by_id[division_id].parent_id
            opened.extend(reversed(chain))
        rows.append((opened, article))
    history = version.history
    return render(
        request,
        "laws/version_detail.html",
        {
            "version": version,
            "law": version.law,
            "divisions": divisions,
            "rows": rows,
            "history": history,
        },
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = visible_get(
        visible(request, Article)
        .select_related("version__law", "chapter", "section")
        .prefetch_related("paragraphs__items"),
        pk=pk,
    )
    provisions = (
        PenaltyProvision.objects.restrict(request.user)
        .filter(article=article)
        .prefetch_related(Prefetch("fine_ranges"))
        .order_by("sort_order")
    )
    siblings = Article.objects.restrict(request.user).filter(version=article.version_id)
    previous = siblings.filter(sort_order__lt=article.sort_order).order_by("-sort_order").first()
    following = siblings.filter(sort_order__gt=article.sort_order).order_by("sort_order").first()
    other_versions = (
        Article.objects.restrict(request.user)
        .filter(version__law=article.version.law, number=article.number, suffix=article.suffix)
        .exclude(pk=article.pk)
        .select_related("version")
        .order_by("version__effective_date")
    )
    return render(
        request,
        "laws/article_detail.html",
        {
            "article": article,
            "version": article.version,
            "law": article.version.law,
            "provisions": provisions,
            "previous": previous,
            "following": following,
            "other_versions": other_versions,
            "citation": citations.format_citation(article.version.title, article.label, None, None),
        },
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()
    query = (form.cleaned_data.get("q") or "").strip() if hasattr(form, "cleaned_data") else ""
    law = (form.cleaned_data.get("law") or "").strip() if hasattr(form, "cleaned_data") else ""
    articles = visible(request, Article)
    page = None
    if query:
        page = paginate(request, search_articles(articles, query, law or None))
        for article in page:
            article.snippet = highlight(snippet(article.text, query, 60), query)  # type: ignore[attr-defined]
    return render_list(
        request, "laws/search.html", "laws/_search_results.html", {"form": form, "page": page, "query": query}
    )


@login_required
def resolve(request: HttpRequest) -> HttpResponse:
    cite = request.GET.get("cite", "").strip()
    day_text = request.GET.get("date", "").strip()
    found = error = None
    if cite:
        try:
            day = dt.date.fromisoformat(day_text) if day_text else None
            found = citations.resolve(cite, day, laws=visible(request, Law))
        except ValueError:
            error = "日期格式应为 YYYY-MM-DD"
        except ActionError as exc:
            error = exc.message
    return render(
        request, "laws/resolve.html", {"cite": cite, "day": day_text, "found": found, "error": error}
    )
