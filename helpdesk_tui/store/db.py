"""Opening an account's cache file: private permissions, WAL, migrations.

One rule above all here: never open (and so never close) a descriptor of our own on a cache
file that SQLite may have open. On Linux and macOS, closing *any* descriptor of a file drops
every POSIX advisory lock the process holds on it, SQLite's included; another process then
believes it is alone, checkpoints and deletes the -wal and -shm files under our feet, and
everything this process writes afterwards goes to a deleted file (SQLite's "How To Corrupt
An SQLite Database File", section 2.2). Paths may be stat()ed and chmod()ed; never opened.

Design note, sqlite3 or sqlite-utils: the cache's hot paths stay on plain sqlite3 — the sync
writer's upserts (``store.writer``: one prepared statement per table through executemany,
FTS rows with them), inbox and search queries, draft autosave and the outbox — because they
run in our own ``transaction`` (BEGIN IMMEDIATE, cursor included) and because they are faster
that way: 5,000 messages upsert in 158 ms with the writer (FTS included) against 277 ms with
sqlite-utils' ``upsert_all`` without FTS (``benchmarks/bench_upsert.py``). sqlite-utils is
used where its job is building tables rather than speed: the analysts' export
(``store.export``) creates a standalone database from column declarations with keys and
foreign keys. A migration that SQLite's ALTER TABLE cannot express (a new primary key, a
column made NOT NULL, a type change) is where ``Table.transform`` would fit.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from helpdesk_tui.store import message_bodies
from helpdesk_tui.store.failures import explain
from helpdesk_tui.store.schema import migrate
from helpdesk_tui.store.writers_turn import WRITE_WAIT, WritersTurn


class CacheError(RuntimeError):
    """The cache file cannot be used; the message says what to do."""


class CacheConnection(sqlite3.Connection):
    """A connection to a cache that writes in turn with the cache's other writers (``store.writers_turn``)."""

    writers_turn: WritersTurn | None = None  # None: read-only, plain BEGIN IMMEDIATE

    def close(self) -> None:
        super().close()
        if self.writers_turn is not None:
            self.writers_turn.close()


def open_database(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the cache at ``path`` with mode 0600 and an up-to-date schema."""
    path = Path(path)
    try:
        if readonly:
            if not path.exists():
                raise CacheError(f"No cache at {path}: sync the account or run 'helpdesk-tui demo' first.")
        else:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _create_private(path)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=WRITE_WAIT,
                               factory=CacheConnection)
    except (OSError, sqlite3.Error) as exc:
        raise CacheError(explain(exc, path)) from exc
    if not readonly:
        conn.writers_turn = WritersTurn(str(path.resolve()))  # beside the -wal, which SQLite puts by the real file
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-32000")
        # No memory map (mmap_size stays 0): mapped pages count in the process's resident memory,
        # and at a million tickets the app's peak went from 177 MB to 703 MB, the 365-day KPIs'
        # to 702 MB, for 85 → 51 ms of CPU on the largest look-ups.
        message_bodies.register(conn)  # readers select message_body(body), read-only ones too
        if not readonly:
            migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise CacheError(explain(exc, path)) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _create_private(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600, without ever opening the path itself.

    A new cache is made as a private temporary file beside it and hard-linked into place:
    the descriptor we close belongs to a file nobody else can have open yet, and the link
    fails harmlessly if another process created the cache meanwhile. SQLite gives the -wal
    and -shm files the database's permissions, so they are private too.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None:
        if stat.S_ISREG(mode) and mode & 0o077:
            try:
                os.chmod(path, 0o600)  # chmod works on the path: no descriptor, no lock lost
            except OSError:
                pass  # not ours to fix (another owner, a read-only mount): opening says what is wrong
        return
    import tempfile  # only a new cache needs it: opening an existing one (every command) does not

    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass  # another process made it first: theirs is as good as ours
    except OSError:
        # No hard links on this file system (some FUSE and FAT mounts): a rename may replace
        # a file created in the last instant, so only do it when there still is none.
        if not path.exists():
            os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)


class transaction:
    """``with transaction(conn):`` — BEGIN IMMEDIATE … COMMIT, rolled back on any error.

    BEGIN IMMEDIATE is taken in turn with the cache's other writers (``store.writers_turn``):
    a writer that waits is not overtaken by a sync's or an SLA recompute's next transaction.

    SQLite rolls a transaction back by itself after some errors (disk full, I/O error); the
    ROLLBACK that follows would then fail with "cannot rollback - no transaction is active"
    and hide the error that matters, so it is only issued when a transaction is still open
    and its own failure never replaces the original exception.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        turn = getattr(self.conn, "writers_turn", None)  # a connection not made by open_database has none
        if turn is not None:
            turn.begin(self.conn)
        else:
            self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error:
                _rollback_quietly(self.conn)
                raise
        else:
            _rollback_quietly(self.conn)


def _rollback_quietly(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # the exception being handled says what went wrong; this one would only hide it
