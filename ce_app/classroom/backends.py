"""Which store a process uses: $CE_STORE names it (Redis, or an SQLite file), else SQLite in $CE_DATA_DIR.

Apart from ``store`` (the interface) so that the interface never imports its own implementations.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .store import Store

DATA_DIR_NAME = "cross-entropy-playground"
DB_FILE = "classroom.sqlite3"


def data_dir() -> Path:
    """Where the SQLite file lives: $CE_DATA_DIR, else <temp dir>/cross-entropy-playground (created, mode 0700)."""
    path = Path(os.environ.get("CE_DATA_DIR") or Path(tempfile.gettempdir()) / DATA_DIR_NAME)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # In a shared temp dir another user could have made the folder first: never write answers into theirs.
    if hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
        raise ValueError(f"the data directory {path} belongs to another user: set CE_DATA_DIR to a folder of yours")
    return path


def open_store(url: str | None = None) -> Store:
    """The store ``url`` (default: $CE_STORE) names: redis://..., sqlite:///path, or "" for SQLite in data_dir().

    Raises ValueError for a URL of another kind.
    """
    url = os.environ.get("CE_STORE", "") if url is None else url
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore  # imported only when used: the default needs no redis client

        return RedisStore(url)
    from .sqlite_store import SQLiteStore

    if url.startswith("sqlite:///"):
        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    if url:
        raise ValueError("CE_STORE must be empty (SQLite in CE_DATA_DIR), sqlite:///path or redis://host:port/db")
    return SQLiteStore(data_dir() / DB_FILE)
