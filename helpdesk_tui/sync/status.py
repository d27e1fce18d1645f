"""Sync state that is not the cursor: a small key/value store per account and stream.

A full-scan backend keeps its per-ticket content hashes here, not in a cursor string that
grows with the helpdesk and is rewritten on every page (vdirsyncer keeps its status apart
from its storages the same way). A backend sees only this interface; the engine gives it
one kept in the cache (``store/sync_status.py``) whose writes are committed in the same
transaction as the page and its cursor, so a crash never leaves them apart.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod

from helpdesk_tui.store import sync_status
from helpdesk_tui.store.cache import Cache


class SyncStatus(ABC):
    """Keys and values are strings; reads see this pull's own writes."""

    @abstractmethod
    def get(self, key: str) -> str | None:
        """The value of ``key``, or None."""

    @abstractmethod
    def all(self) -> dict[str, str]:
        """Every key and its value (a backend reads them all once per full scan, not per page)."""

    @abstractmethod
    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Forget ``key`` (no error when it is not there)."""

    @abstractmethod
    def clear(self) -> None:
        """Forget every key (a fresh start: the cursor was lost or reset)."""


class MemoryStatus(SyncStatus):
    """A status kept in memory: for a backend used without the engine (tests, ``check``)."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def all(self) -> dict[str, str]:
        return dict(self.values)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)

    def clear(self) -> None:
        self.values.clear()


_GONE = None  # a staged deletion


class CacheStatus(SyncStatus):
    """The status kept in the account's cache. Reads see the committed rows and this pull's
    staged writes; ``commit(conn)`` writes them inside the page's transaction, ``discard``
    drops them when the page is not applied."""

    def __init__(self, cache: Cache, stream: str) -> None:
        self.cache = cache
        self.stream = stream
        self._staged: dict[str, str | None] = {}
        self._cleared = False

    def get(self, key: str) -> str | None:
        if key in self._staged:
            return self._staged[key]
        if self._cleared:
            return None
        with self.cache.connection() as conn:
            return sync_status.get(conn, self.stream, key)

    def all(self) -> dict[str, str]:
        if self._cleared:
            values: dict[str, str] = {}
        else:
            with self.cache.connection() as conn:
                values = sync_status.all(conn, self.stream)
        for key, value in self._staged.items():
            if value is _GONE:
                values.pop(key, None)
            else:
                values[key] = value
        return values

    def set(self, key: str, value: str) -> None:
        self._staged[key] = value

    def delete(self, key: str) -> None:
        self._staged[key] = _GONE

    def clear(self) -> None:
        self._staged.clear()
        self._cleared = True

    def commit(self, conn: sqlite3.Connection) -> None:
        """Write the staged changes; the caller's transaction holds the page and its cursor too."""
        sync_status.write(conn, self.stream, clear=self._cleared,
                          values=[(k, v) for k, v in self._staged.items() if v is not None],
                          deleted=[k for k, v in self._staged.items() if v is None])
        self.discard()

    def discard(self) -> None:
        self._staged.clear()
        self._cleared = False
