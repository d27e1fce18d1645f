"""Taking the cache's write lock in turn: a writer that waits is never overtaken.

SQLite lets one connection write at a time, and a connection that finds the write lock taken
waits in its busy handler, which sleeps between tries (1, 2, 5, … up to 100 ms). A sync or an
SLA recompute commits a transaction and begins the next about a millisecond later, so a
writer in another process (a draft saved, a reply, a triage action) that happens to be asleep
at that instant loses the race again and again: it waited up to 2.2 s at p99 during a sync and
1.3 s during an SLA recompute at 1M tickets, with 184 tries.

So every write transaction (``db.transaction``) first takes a turnstile: an exclusive
``flock`` on a small file beside the cache (``<cache>-turn``), held only until BEGIN IMMEDIATE
succeeds, and tries BEGIN IMMEDIATE every half millisecond (``POLL``) meanwhile, never sleeping longer. A
writer that waits holds the turnstile, so the sync's next BEGIN waits behind it instead of
overtaking it: the writer gets the lock within about a millisecond of the sync's COMMIT.

Why it is safe:

- The turnstile is a file of its own, never the cache: opening and closing a descriptor of
  the cache file would drop this process's POSIX locks on it (see ``store.db``). ``flock``
  locks belong to the open file, so two connections of one process exclude each other too.
- A process that dies holding it (kill -9 included) releases it with its descriptors.
- It is held only while waiting for the write lock, never while holding it, so it adds no
  deadlock: the wait for both together ends after the connection's busy timeout
  (``WRITE_WAIT`` seconds, or what its caller set) with SQLite's own "database is locked", as before.
- A writer that does not take it (another program, a migration, an older helpdesk-tui) is
  only waited for as before, through SQLite's busy handler.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time

TURN_SUFFIX = "-turn"  # the turnstile file beside the cache, as SQLite's -wal and -shm are
WRITE_WAIT = 10.0  # seconds a writer waits for the write lock before "database is locked"
POLL = 0.0005  # seconds between tries: a waiting writer is late by at most about this


class WritersTurn:
    """One connection's way to the write lock through the cache's turnstile file."""

    def __init__(self, cache_path: str) -> None:
        self.path = cache_path + TURN_SUFFIX
        self._fd: int | None = None
        self._unusable = False  # the file cannot be made (a read-only folder): plain BEGIN IMMEDIATE

    def begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE on ``conn``, in turn with every other writer that takes the turnstile."""
        fd = self._descriptor()
        if fd is None:
            conn.execute("BEGIN IMMEDIATE")
            return
        # The connection's busy timeout is how long this writer may wait: 10 s (``WRITE_WAIT``)
        # unless its caller asked for less (a draft saved on the UI thread waits 1 s).
        busy_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        deadline = time.monotonic() + busy_ms / 1000
        _take(fd, deadline)
        try:
            _begin_polling(conn, deadline, busy_ms)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    __del__ = close  # a connection dropped without close() must not leave its descriptor open

    def _descriptor(self) -> int | None:
        if self._fd is None and not self._unusable:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self._unusable = True
        return self._fd


def _take(fd: int, deadline: float) -> None:
    """The turnstile, tried every ``POLL`` seconds (a blocking flock could not give up)."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise sqlite3.OperationalError("database is locked")
        time.sleep(POLL)


def _begin_polling(conn: sqlite3.Connection, deadline: float, busy_ms: int) -> None:
    """BEGIN IMMEDIATE tried every ``POLL`` seconds instead of through the busy handler's sleeps;
    the connection's busy timeout (``busy_ms``) is put back afterwards."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(POLL)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
