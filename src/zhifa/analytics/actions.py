"""State changes of the analytical store that people or schedules start (audited).

Imports write facts through `exchange.actions`; this module holds the rest: copying the
relational registry's master data into the store as dated snapshots, so indicators and clues
read agencies, officers, certificates, powers and entities the same way as facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from zhifa.analytics import store
from zhifa.core import audit, roles
from zhifa.core.actions import require_role_permission
from zhifa.core.errors import ActionError
from zhifa.exchange.models import ImportRun


def do_snapshot_registry(
    actor: Any, families: Iterable[str] | None = None, taken_on: dt.date | None = None
) -> dict[str, int]:
    """Snapshot the master-data families (default: all) as of today; rows written per family.

    Who may: whoever may import (the same people feed the store). A second snapshot on the same
    day replaces that day's. The audit entry names the families and their row counts."""
    require_role_permission(actor, ImportRun, roles.ADD)
    chosen = list(families or store.MASTER_FAMILIES)
    unknown = [f for f in chosen if f not in store.MASTER_FAMILIES]
    if unknown:
        raise ActionError(
            "unknown_family",
            f"不是主数据类别：{'、'.join(unknown)}（可用：{'、'.join(store.MASTER_FAMILIES)}）",
            "families",
        )
    written = store.snapshot_registry(chosen, taken_on)
    day = (taken_on or store.today()).isoformat()
    with transaction.atomic():
        audit.record(
            audit.Change("analytics.snapshot", "analytics.snapshot", day, after=written, actor=actor)
        )
    return written
