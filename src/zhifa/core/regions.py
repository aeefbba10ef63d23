"""Loading the shipped division codes (2023 statistical division codes, province → street)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections.abc import Iterator
from pathlib import Path

REGIONS_FILE = Path(__file__).resolve().parent / "data" / "regions.csv.gz"
CODES_VALID_FROM = dt.date(2023, 1, 1)
# Placeholder city-level names that do not belong in a full name ("北京市市辖区东城区").
NAMELESS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def read_shipped_regions() -> Iterator[dict[str, str]]:
    with gzip.open(REGIONS_FILE, "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def load_regions(region_model, batch_size: int = 5000) -> int:
    """Insert every shipped region not yet present, parents before children. Idempotent."""
    existing = set(region_model.objects.values_list("code", flat=True))
    by_code: dict[str, tuple[str, str]] = {}  # code -> (path, full_name)
    pending = []
    for row in read_shipped_regions():
        code, parent = row["code"], row["parent_code"] or None
        parent_path, parent_full = by_code.get(parent, ("", "")) if parent else ("", "")
        name = row["name"]
        full_name = parent_full + ("" if name in NAMELESS else name)
        path = f"{parent_path}{code}/"
        by_code[code] = (path, full_name)
        if code in existing:
            continue
        pending.append(
            region_model(
                code=code,
                name=name,
                full_name=full_name,
                level=row["level"],
                parent_id=parent,
                path=path,
                valid_from=CODES_VALID_FROM,
            )
        )
    region_model.objects.bulk_create(pending, batch_size=batch_size)
    return len(pending)
