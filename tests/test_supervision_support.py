"""Helpers for the supervision tests (no tests here): clues written straight into the test database (the clues app's
models; raising clues by running the models is the clues app's business), and the justice bureau
that issues the supervision documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from django.utils import timezone

from zhifa.clues.models import Clue, ClueModelVersion, ClueRun
from zhifa.registry import actions
from zhifa.registry.models import Agency

_serial = itertools.count(1)


def make_justice_bureau(region: str = "330500", name: str = "湖州市司法局") -> Agency:
    from tests.conftest import make_credit_code

    return actions.do_create_agency(
        None,
        actions.AgencyInput(
            code=make_credit_code(region),
            name=name,
            kind="statutory",
            region_code=region,
            domain_codes=["justice"],
        ),
    )


def make_clue(
    agency: Agency | None, title: str = "行政处罚决定超过九十日未作出", region: str | None = None
) -> Clue:
    version, _ = ClueModelVersion.objects.get_or_create(
        slug="late_decision",
        version=1,
        defaults={"name": "逾期作出处罚决定", "definition_hash": "0" * 64, "parameters": {"days": 90}},
    )
    run = ClueRun.objects.create(started_at=timezone.now(), started_by="system", as_of=dt.date.today())
    serial = next(_serial)
    identity = f"case:{serial}"
    return Clue.objects.create(
        model_slug=version.slug,
        model_version=version.version,
        model=version,
        agency_code=agency.code if agency else "",
        agency=agency,
        region_id=region or (agency.region_id if agency else None),
        severity="high",
        title=title,
        detail=f"案件 湖市监罚〔2026〕{serial}号 立案后 120 日才作出处罚决定，未见延长批准。",
        evidence=[
            {
                "family": "case",
                "source_system": "zhifa",
                "source_id": str(serial),
                "number": f"湖市监罚〔2026〕{serial}号",
            }
        ],
        identity=identity,
        fingerprint=hashlib.sha256(f"late_decision|{identity}|{serial}".encode()).hexdigest(),
        raised_at=timezone.now(),
        run=run,
    )
