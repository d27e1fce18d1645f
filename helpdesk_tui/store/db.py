"""Opening an account's cache file: private permissions, WAL, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from helpdesk_tui.store.schema import migrate


class CacheError(RuntimeError):
    """The cache file cannot be used; the message says what to do."""


def open_database(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the cache at ``path`` with mode 0600 and an up-to-date schema."""
    path = Path(path)
    if readonly:
        if not path.exists():
            raise CacheError(f"No cache at {path}: sync the account or run 'helpdesk-tui demo' first.")
    else:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file ourselves so it is private from its first byte; SQLite gives the
        # -wal and -shm files the same permissions as the database.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-32000")
        if not readonly:
            migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"The cache {path} is damaged or not a helpdesk-tui cache ({exc}): "
                         "move it aside and sync again.") from exc
    return conn


class transaction:
    """``with transaction(conn):`` — BEGIN IMMEDIATE … COMMIT, rolled back on any error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
