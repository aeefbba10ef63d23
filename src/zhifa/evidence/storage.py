"""Content-addressed storage of evidence bytes: MEDIA_ROOT/evidence/ab/cd/<sha256>.

`store` streams an upload into a temporary file in the same directory tree while hashing it,
then renames it to its content address (atomic on one file system). The same bytes are stored
once; stored files are made read-only. Nothing here writes the database.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from zhifa.core.errors import ActionError

CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
ROOT = "evidence"


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def relative_path(sha256: str) -> str:
    return f"{ROOT}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def absolute_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    path: str  # relative to MEDIA_ROOT
    created: bool  # False when the same bytes were already stored


def _chunks(fileobj: BinaryIO | Any) -> Any:
    if hasattr(fileobj, "chunks"):  # Django UploadedFile
        if hasattr(fileobj, "seek"):
            fileobj.seek(0)
        yield from fileobj.chunks(CHUNK)
        return
    while True:
        chunk = fileobj.read(CHUNK)
        if not chunk:
            return
        if isinstance(chunk, str):
            raise ActionError("invalid_file", "文件应以二进制方式读取", "file")
        yield chunk


def store(fileobj: BinaryIO | Any) -> Stored:
    """Stream to a temp file while hashing; refuse empty and oversized files; move into place."""
    limit = max_bytes()
    tmp_dir = absolute_path(f"{ROOT}/tmp")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(fileobj):
                size += len(chunk)
                if size > limit:
                    raise ActionError(
                        "file_too_large",
                        f"文件超过大小上限（{limit // (1024 * 1024)} MB）",
                        "file",
                        status=413,
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise ActionError("empty_file", "文件为空", "file")
        sha256 = digest.hexdigest()
        relative = relative_path(sha256)
        target = absolute_path(relative)
        if target.exists():
            return Stored(sha256, size, relative, created=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_name, 0o444)
        os.replace(tmp_name, target)
        return Stored(sha256, size, relative, created=True)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def file_sha256(relative: str) -> str | None:
    """The SHA-256 of the stored bytes, or None when the file is missing."""
    digest = hashlib.sha256()
    try:
        with absolute_path(relative).open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()
