"""Putting a freshly built database in the place of a cache other programs may have open.

Renaming a new file over the cache (and deleting its -wal and -shm) leaves every process
that has it open writing into an unlinked inode and a deleted WAL: its writes vanish with no
error, just as when SQLite's POSIX locks are dropped (see store/db.py). So the new content
goes in through SQLite instead: a connection to the real path asks for the exclusive lock,
which it cannot get while any other connection is open there (in WAL mode a connection holds
a shared lock on the file for as long as it is open, even idle, so an app sitting on the
cache counts), and the backup API copies the new pages in while that lock is held. A program
that opens the cache during the copy waits for the lock, then reads the new content.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from helpdesk_tui.store.db import CacheError
from helpdesk_tui.store.failures import explain
from helpdesk_tui.store.writers_turn import TURN_SUFFIX

LOCK_WAIT = 2.0  # seconds: a command that is just reading the cache finishes well within it


class CacheInUse(CacheError):
    """Another program has the cache open; the message says to close it first."""


def install_database(source: Path, dest: Path, *, in_use: str) -> None:
    """Make ``dest`` hold what the closed database ``source`` holds, then delete ``source``.

    Raises ``CacheInUse(in_use)`` when another program has ``dest`` open, ``CacheError``
    when ``dest`` cannot be written; ``dest`` is then unchanged.
    """
    if _link_when_absent(source, dest):
        return
    conn = _lock_exclusively(dest, in_use)
    if conn is None:
        _replace_non_database(source, dest)
        return
    try:
        _copy_into(source, conn, dest)
    finally:
        conn.close()  # the last connection: SQLite checkpoints the copy and removes the WAL
    source.unlink(missing_ok=True)


def refuse_if_in_use(dest: Path, in_use: str) -> None:
    """Raise ``CacheInUse(in_use)`` now, before a long build, when another program has ``dest`` open."""
    if dest.exists():
        conn = _lock_exclusively(dest, in_use)
        if conn is not None:
            conn.close()


def remove_if_unused(path: Path) -> None:
    """Delete the database ``path`` with its -wal and -shm, unless a program has it open."""
    try:
        refuse_if_in_use(path, "")
    except CacheInUse:
        return  # someone's live database (another build still running): not ours to delete
    except CacheError:
        pass  # unreadable as a database: nothing can be using it as one
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}{TURN_SUFFIX}")):
        leftover.unlink(missing_ok=True)


def _lock_exclusively(dest: Path, in_use: str) -> sqlite3.Connection | None:
    """A connection holding ``dest``'s exclusive lock until closed; None when it is not a database."""
    try:
        conn = sqlite3.connect(dest, isolation_level=None, timeout=LOCK_WAIT)
    except sqlite3.Error as exc:
        raise CacheError(explain(exc, dest)) from exc
    try:
        # Exclusive locking mode before the first access: the lock taken here is kept until
        # close, and this connection keeps its WAL index in its own memory, never in -shm.
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.close()
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise CacheInUse(in_use) from exc
        if code == sqlite3.SQLITE_NOTADB:
            return None
        raise CacheError(explain(exc, dest)) from exc
    return conn


def _link_when_absent(source: Path, dest: Path) -> bool:
    """No cache yet: the finished file takes its name in one step (or not at all if one appeared)."""
    if dest.exists():
        return False
    try:
        os.link(source, dest)
    except OSError:
        return False  # one appeared meanwhile, or no hard links here: copy through SQLite
    source.unlink(missing_ok=True)
    return True


def _copy_into(source: Path, conn: sqlite3.Connection, dest: Path) -> None:
    try:
        reader = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CacheError(explain(exc, source)) from exc
    try:
        reader.backup(conn)
    except sqlite3.Error as exc:
        raise CacheError(explain(exc, dest)) from exc
    finally:
        reader.close()
    try:
        os.chmod(dest, 0o600)  # by path: no descriptor of ours on the cache, no lock dropped
    except OSError:
        pass


def _replace_non_database(source: Path, dest: Path) -> None:
    """``dest`` is not an SQLite database at all: no program can be using it as one.

    Its -wal and -shm (if any) belong to no database and would be replayed into the new
    one, so they go first.
    """
    for suffix in ("-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    try:
        os.replace(source, dest)
    except OSError as exc:
        raise CacheError(explain(exc, dest)) from exc
