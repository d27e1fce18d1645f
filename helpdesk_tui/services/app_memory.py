"""What the workstation does to keep its memory low on a large cache."""

from __future__ import annotations

from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.heap_limit import limit_heap

SQLITE_HEAP_BYTES = 16 * 1024 * 1024  # see store.heap_limit


def keep_sqlite_small(cache: Cache) -> None:
    """SQLite's memory in this process stays near SQLITE_HEAP_BYTES (its caches reuse pages)."""
    with cache.connection() as conn:
        limit_heap(conn, SQLITE_HEAP_BYTES)
