"""Runtime configuration read from the environment.

Everything the platform writes (SQLite file, uploads, the analytical store, the generated
secret key, demo logins) lives under one data directory, so an installation is one folder
to back up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    path = Path(os.environ.get("ZHIFA_DATA_DIR", "./var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(directory: Path) -> str:
    """The secret key from ZHIFA_SECRET_KEY, else one generated once into the data dir."""
    from_env = os.environ.get("ZHIFA_SECRET_KEY")
    if from_env:
        return from_env
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def database_url(directory: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{directory / 'zhifa.sqlite3'}"
