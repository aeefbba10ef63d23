from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from zhifa.evidence import storage
from zhifa.evidence.models import EvidenceFile


class Command(BaseCommand):
    help = "Recompute the SHA-256 of every stored evidence file; exit 1 naming the first mismatch."

    def handle(self, *args, **options) -> None:
        checked: dict[str, str | None] = {}  # one read per stored file, however many rows share it
        count = 0
        rows = EvidenceFile.objects.order_by("id").values_list("id", "sha256", "storage_path", "case_ref")
        for pk, sha256, path, case_ref in rows.iterator(chunk_size=2000):
            if path not in checked:
                checked[path] = storage.file_sha256(path)
            actual = checked[path]
            if actual != sha256:
                problem = "file missing" if actual is None else f"content hash {actual}"
                self.stderr.write(
                    f"FAILED at evidence id={pk} case_ref={case_ref} path={path}: "
                    f"recorded sha256 {sha256}, {problem} (verified {count} files before it)"
                )
                sys.exit(1)
            count += 1
        self.stdout.write(f"ok {count} evidence files ({len(checked)} stored files)")
