from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from zhifa.core.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit 1 naming the first entry that does not match."

    def handle(self, *args, **options) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"ok {result.count} entries")
            return
        where = f"entry seq={result.seq}" + (f" id={result.entry_id}" if result.entry_id is not None else "")
        self.stderr.write(f"FAILED at {where}: {result.problem} (verified {result.count} entries before it)")
        sys.exit(1)
