"""Data-exchange endpoints: import runs, their quarantine, and re-processing it.

Same rules as the pages (`zhifa.exchange.views`): runs and quarantined rows are unscoped records
the role matrix opens to supervisors (read and re-process) and the sysadmin (read only); agency
roles get 403. Re-processing always uses the run's own mapping file — the API accepts no mapping
path (a client must not make the server read a file of its choosing).
"""

import datetime as dt
from pathlib import Path
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.exchange import actions
from zhifa.exchange.models import ImportRun, QuarantinedRow

router = Router(tags=["数据交换"])


# --- schemas --------------------------------------------------------------------------------


class RunOut(Schema):
    id: int
    run_id: str
    family: str
    source_system: str
    file_name: str
    file_sha256: str
    mapping: str
    status: str
    status_display: str = Field(..., alias="get_status_display")
    actor_username: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    reconciled: bool
    seconds: float
    error: str

    @staticmethod
    def resolve_mapping(obj: ImportRun) -> str:
        """The mapping file's name only: where it lives on the server is not the client's business."""
        return Path(obj.mapping_name).name if obj.mapping_name else ""


class RunDetailOut(RunOut):
    reasons: dict[str, int]
    quarantine_open: int


class ReasonOut(Schema):
    field: str = ""
    code: str = ""
    message: str = ""


class QuarantinedRowOut(Schema):
    row_number: int
    status: str
    status_display: str = Field(..., alias="get_status_display")
    reasons: list[ReasonOut]
    raw: str
    values: dict


class RunFilter(FilterSchema):
    family: str | None = None
    source: Annotated[str | None, FilterLookup("source_system")] = None
    status: str | None = None


# --- helpers --------------------------------------------------------------------------------


def _runs(request: HttpRequest) -> QuerySet[ImportRun]:
    return scoped(request, ImportRun)


def _run(request: HttpRequest, run_pk: int) -> ImportRun:
    return scoped_get(request, ImportRun, _runs(request), pk=run_pk)


def _quarantine_of(request: HttpRequest, run: ImportRun) -> QuerySet[QuarantinedRow]:
    """Every quarantined row of the run's file (re-imports of a file never duplicate them)."""
    return scoped(request, QuarantinedRow).filter(file_sha256=run.file_sha256).order_by("row_number")


def _detail(request: HttpRequest, run: ImportRun) -> ImportRun:
    run.quarantine_open = _quarantine_of(request, run).filter(status="open").count()
    return run


# --- endpoints ------------------------------------------------------------------------------


@router.get("/exchange/runs", response=list[RunOut])
@paginate(LimitOffsetPagination)
def list_runs(request: HttpRequest, filters: Query[RunFilter]):
    return filters.filter(_runs(request))


@router.get("/exchange/runs/{run_pk}", response=RunDetailOut)
def get_run(request: HttpRequest, run_pk: int):
    return _detail(request, _run(request, run_pk))


@router.get("/exchange/runs/{run_pk}/quarantine", response=list[QuarantinedRowOut])
@paginate(LimitOffsetPagination)
def list_quarantine(request: HttpRequest, run_pk: int, status: str | None = None):
    rows = _quarantine_of(request, _run(request, run_pk))
    return rows.filter(status=status) if status else rows


@router.post("/exchange/runs/{run_pk}/reprocess", response={201: RunDetailOut})
def reprocess_quarantine(request: HttpRequest, run_pk: int):
    """Re-run the run's open quarantined rows through its own mapping; answers the new run."""
    run = _run(request, run_pk)
    report = actions.do_reprocess_quarantine(request.user, run.pk)
    new_run = ImportRun.objects.get(pk=report.runs[-1]) if report.runs else run
    return Status(201, _detail(request, new_run))
