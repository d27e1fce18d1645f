"""The id of the row an INSERT made, typed as what it is."""

from __future__ import annotations

import sqlite3


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """``cursor.lastrowid`` after an INSERT (sqlite3 types it Optional: None before any insert)."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise RuntimeError("inserted_id() called on a cursor that inserted no row")
    return rowid
