"""State changes of the indicators app: materializing a closed period's values.

`do_refresh_indicators` replaces the stored values of one (period, breakdown) in one
transaction. It is a cache refresh — the values are a pure function of the store's facts, which
were audited when imported — so it writes no audit entry (docs/indicators.md,
"Materialization")."""

from __future__ import annotations

from django.db import transaction

from zhifa.indicators import engine
from zhifa.indicators.engine import Period, Value
from zhifa.indicators.models import IndicatorValue


def do_refresh_indicators(
    period: Period | str, *, by: str = "agency", fingerprint: str | None = None
) -> list[Value]:
    """Compute every indicator of the period for all agencies and store the values."""
    from zhifa.indicators.queries import fingerprint as current_fingerprint

    period = engine.parse_period(period) if isinstance(period, str) else period
    fingerprint = fingerprint or current_fingerprint(period)
    values = engine.compute(period, by=by)
    with transaction.atomic():
        IndicatorValue.objects.filter(period=period.label, by=by).delete()
        IndicatorValue.objects.bulk_create(
            [
                IndicatorValue(
                    period=period.label,
                    by=by,
                    key=v.key,
                    slug=v.slug,
                    value=v.value,
                    previous=v.previous,
                    yoy=v.yoy,
                    fingerprint=fingerprint,
                )
                for v in values
            ],
            batch_size=2000,
        )
    return values
