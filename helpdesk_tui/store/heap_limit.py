"""A ceiling on SQLite's memory in this process (its page caches above all).

Every pooled connection may keep 32 MB of pages (``open_database``). In the app, loading a
million ids and the view counts in a worker filled one of them: +31 MB of the process's peak
at 1M, and rows read while paging fill the others. SQLite's soft heap limit is one number
for the whole process: past it, caches reuse their pages instead of growing. The pages come
back from the operating system's cache, which holds the file anyway: at 1M, the ids, the
counts and 200 pages of inbox rows took the same CPU with a 16 MB limit as without
(436/464 vs 449/434 ms; 174/186 vs 167/174 ms), RSS 64 → 48 MB.
"""

from __future__ import annotations

import sqlite3


def limit_heap(conn: sqlite3.Connection, limit_bytes: int) -> None:
    """Set the process-wide soft heap limit (any connection may set it; 0 removes it)."""
    conn.execute(f"PRAGMA soft_heap_limit={int(limit_bytes)}")
