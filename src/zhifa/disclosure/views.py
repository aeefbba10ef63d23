"""The public page 行政处罚决定公示 (/gongshi/): no login, published versions only, masked fields only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from zhifa.core.web import paginate, render_list
from zhifa.disclosure.actions import published, withdrawal_notice, withdrawn
from zhifa.disclosure.api import filter_feed
from zhifa.disclosure.forms import PublicFilterForm

PENALTY_PAGE_SIZE = 10


def public_list(request: HttpRequest) -> HttpResponse:
    form = PublicFilterForm(request.GET or None)
    queryset = filter_feed(published(), **form.values())
    page = paginate(request, queryset, PENALTY_PAGE_SIZE)
    return render_list(
        request,
        "disclosure/public_list.html",
        "disclosure/_public_items.html",
        {"form": form, "page": page},
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = published().filter(pk=pk).first()
    if disclosure is None:
        raise Http404
    return render(
        request, "disclosure/public_detail.html", {"item": disclosure, "f": disclosure.published_fields}
    )


def public_withdrawals(request: HttpRequest) -> HttpResponse:
    """撤回公示说明 (Art. 48 para. 2): which decisions were taken off, when and why."""
    page = paginate(request, withdrawn().order_by("-withdrawn_at", "-pk"), PENALTY_PAGE_SIZE)
    notices = [withdrawal_notice(d) for d in page]
    return render_list(
        request,
        "disclosure/public_withdrawals.html",
        "disclosure/_public_withdrawals.html",
        {"page": page, "notices": notices},
    )
