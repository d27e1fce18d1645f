"""The ``sync_status`` table: a backend's state that is not its cursor, per stream.

``sync/status.py`` stages a pull's writes and ``write`` applies them in the same
transaction as the page and its cursor (``SyncEngine.pull``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def get(conn: sqlite3.Connection, stream: str, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_status WHERE stream = ? AND key = ?", (stream, key)).fetchone()
    return None if row is None else str(row[0])


def all(conn: sqlite3.Connection, stream: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM sync_status WHERE stream = ?", (stream,))}


def write(conn: sqlite3.Connection, stream: str, *, clear: bool, values: Iterable[tuple[str, str]],
          deleted: Iterable[str]) -> None:
    """Apply staged changes: ``clear`` first drops the stream's every key. The caller owns the transaction."""
    if clear:
        conn.execute("DELETE FROM sync_status WHERE stream = ?", (stream,))
    conn.executemany("DELETE FROM sync_status WHERE stream = ? AND key = ?", [(stream, key) for key in deleted])
    conn.executemany("INSERT INTO sync_status (stream, key, value) VALUES (?, ?, ?) "
                     "ON CONFLICT (stream, key) DO UPDATE SET value = excluded.value",
                     [(stream, key, value) for key, value in values])


def clear(conn: sqlite3.Connection, stream: str) -> None:
    """Forget a stream's status (with its cursor: a fresh start)."""
    conn.execute("DELETE FROM sync_status WHERE stream = ?", (stream,))
