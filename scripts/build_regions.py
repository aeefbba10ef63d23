"""Build src/zhifa/core/data/regions.csv.gz from the statistical division CSVs in shared/data.

Usage: python scripts/build_regions.py ../shared/data/regions
Output columns: code, name, level, parent_code (codes widened to 6 digits for province/city).
"""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/zhifa/core/data/regions.csv.gz"


def widen(code: str) -> str:
    return code.ljust(6, "0") if len(code) < 6 else code


def rows(source: Path):
    def read(name: str):
        with open(source / name, encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh)

    for r in read("provinces.csv"):
        yield widen(r["code"]), r["name"], "province", ""
    for r in read("cities.csv"):
        yield widen(r["code"]), r["name"], "city", widen(r["provinceCode"])
    for r in read("areas.csv"):
        if r["code"] == widen(r["cityCode"]):
            continue  # cities without districts (东莞市, 中山市, 儋州市): streets hang off the city
        yield r["code"], r["name"], "county", widen(r["cityCode"])
    for r in read("streets.csv"):
        yield r["code"], r["name"], "street", r["areaCode"]


def main(source: str) -> None:
    with gzip.open(OUT, "wt", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["code", "name", "level", "parent_code"])
        count = 0
        for row in rows(Path(source)):
            writer.writerow(row)
            count += 1
    print(f"{count} regions -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/regions")
