"""Time the import stages (read, map, validate) on one file: python benchmarks/profile_import_stages.py FILE."""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
import django

django.setup()
from zhifa.exchange import readers, validation
from zhifa.exchange.mapping import Mapping

path = sys.argv[1]
t = time.monotonic()
bs = list(readers.read_batches(path, block_size=32 << 20))
t1 = time.monotonic()
print("read", t1 - t, len(bs), sum(b.num_rows for b in bs))
m = Mapping(family="inspection", source_system="bench")
ms = [m.apply(b) for b in bs]
t2 = time.monotonic()
print("map", t2 - t1)
refs = validation.References.load()
t3 = time.monotonic()
print("refs", t3 - t2)
import cProfile
import pstats

pr = cProfile.Profile()
pr.enable()
vs = [validation.validate_batch("inspection", x, refs) for x in ms]
t4 = time.monotonic()
print("validate", t4 - t3)
pr.disable()
pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
