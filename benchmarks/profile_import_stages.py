"""Time the import stages (read, map, validate) on one file, then profile validation.

ZHIFA_DATA_DIR=<seeded data dir> python benchmarks/profile_import_stages.py FILE [FAMILY]
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    import django

    django.setup()
    from zhifa.exchange import readers, validation
    from zhifa.exchange.mapping import Mapping

    path = sys.argv[1]
    family = sys.argv[2] if len(sys.argv) > 2 else "inspection"
    started = time.monotonic()
    batches = list(readers.read_batches(path, block_size=32 << 20))
    read = time.monotonic()
    print(
        f"read      {read - started:6.2f} s  {sum(b.num_rows for b in batches)} rows, {len(batches)} batches"
    )
    mapping = Mapping(family=family, source_system="bench")
    mapped = [mapping.apply(b) for b in batches]
    mapped_at = time.monotonic()
    print(f"map       {mapped_at - read:6.2f} s")
    refs = validation.References.load()
    loaded = time.monotonic()
    print(f"refs      {loaded - mapped_at:6.2f} s")
    profile = cProfile.Profile()
    profile.enable()
    for batch in mapped:
        validation.validate_batch(family, batch, refs)
    profile.disable()
    print(f"validate  {time.monotonic() - loaded:6.2f} s")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()
