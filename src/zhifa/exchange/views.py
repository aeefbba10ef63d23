"""Pages of the data exchange: import runs, their counts and reasons, and the quarantine.

Thin views: reads go through `visible` (the scope mechanism), the one change — re-processing a
run's quarantine — through `actions.do_reprocess_quarantine`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.scope import can
from zhifa.core.web import login_required, paginate, raise_http, render_list, visible, visible_get
from zhifa.exchange import actions
from zhifa.exchange.models import ImportRun, QuarantinedRow


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, visible(request, ImportRun))
    return render_list(request, "exchange/run_list.html", "exchange/_run_table.html", {"page": page})


def _quarantine_of(request: HttpRequest, run: ImportRun) -> QuerySet[QuarantinedRow]:
    """A run's quarantine is every quarantined row of its file (re-imports do not duplicate it)."""
    return visible(request, QuarantinedRow).filter(file_sha256=run.file_sha256).order_by("row_number")


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_get(visible(request, ImportRun), pk=pk)
    page = paginate(request, _quarantine_of(request, run))
    context = {
        "run": run,
        "page": page,
        "reasons": sorted(run.reasons.items(), key=lambda item: -item[1]),
        "can_reprocess": can(request.user, ImportRun, roles.ADD),
    }
    return render(request, "exchange/run_detail.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def quarantine_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The run's quarantine as CSV (UTF-8 with BOM so Excel reads the Chinese text)."""
    run = visible_get(visible(request, ImportRun), pk=pk)
    rows = _quarantine_of(request, run)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(["行号", "状态", "原因代码", "原因", "原始内容"])
        for item in rows.iterator(chunk_size=2000):
            codes = "；".join(r.get("code", "") for r in item.reasons)
            texts = "；".join(r.get("message", "") for r in item.reasons)
            yield writer.writerow([item.row_number, item.get_status_display(), codes, texts, item.raw])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quarantine-{run.pk}.csv"'
    return response


@login_required
@require_POST
def reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_get(visible(request, ImportRun), pk=pk)
    if not can(request.user, ImportRun, roles.ADD):
        raise PermissionDenied
    mapping_path = (request.POST.get("mapping_path") or "").strip() or None
    try:
        report = actions.do_reprocess_quarantine(request.user, run.pk, mapping_path)
    except ActionError as error:
        raise_http(error)
        messages.error(request, error.message)
        return redirect("exchange:run_detail", pk=run.pk)
    messages.success(request, "重新处理完成：" + json.dumps(report.as_dict(), ensure_ascii=False))
    return redirect("exchange:run_detail", pk=report.runs[-1] if report.runs else run.pk)
