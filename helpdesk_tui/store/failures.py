"""Why the cache could not be used, said in one sentence that tells the agent what to do.

The sentence names what is actually wrong (a full disk, a read-only file or mount, a lock
held by another process, a directory in the way) and never suggests moving or deleting the
cache unless SQLite's own check finds it damaged: an intact cache holds the outbox and the
drafts, which no sync can bring back. When it is damaged, the sentence says what moving it
aside loses.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

_SIDE_FILES = ("-wal", "-shm")

CacheFailure = sqlite3.Error
"""What a command that uses the cache catches to say ``explain()``'s sentence instead of a traceback."""


UNSAVED = "nothing from this command was saved"


def explain(exc: BaseException, path: Path | str, *, unsaved: str = UNSAVED) -> str:
    """One sentence for a failure (``sqlite3.Error`` or ``OSError``) while using the cache at ``path``.

    ``unsaved`` says what the failed write leaves behind, where the sentence says it (a sync
    keeps the pages it applied before the failure: it says so instead).
    """
    path = Path(path)
    if isinstance(exc, OSError):
        return _explain_os_error(exc, path, unsaved)
    if isinstance(exc, sqlite3.Error):
        return _explain_sqlite_error(exc, path, unsaved)
    return f"The cache {path} could not be used ({_reason(exc)}): try again."


def _explain_sqlite_error(exc: sqlite3.Error, path: Path, unsaved: str) -> str:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    lowered = text.lower()
    if primary == sqlite3.SQLITE_FULL or "disk is full" in lowered:
        return _full(path, unsaved)
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "is locked" in lowered:
        return (f"The cache {path} is locked by another program writing to it (another helpdesk-tui, "
                "a sync or an sqlite3 shell): wait for it to finish or close it, then try again.")
    in_the_way = _in_the_way(path)
    if in_the_way:
        return in_the_way
    if primary == sqlite3.SQLITE_READONLY or "readonly" in lowered or "read-only" in lowered:
        return _read_only(path)
    if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM) or "unable to open" in lowered:
        if _read_only_mount(path) or not _writable(path):
            return _read_only(path)
        return (f"The cache {path} could not be opened ({text}): check that its folder exists "
                "and that you may read and write it, then try again.")
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in lowered \
            or "not a database" in lowered or "vtable constructor failed" in lowered:
        return _maybe_damaged(path, text)
    if primary == sqlite3.SQLITE_IOERR or "i/o error" in lowered:
        if _free_bytes(path) == 0:
            return _full(path, unsaved)
        if _read_only_mount(path):
            return _read_only(path)
        missing = [s for s in _SIDE_FILES if not Path(f"{path}{s}").exists()]
        hint = (" (its -wal file vanished while in use: did another program delete or replace it?)"
                if missing == list(_SIDE_FILES) else "")
        return (f"Reading or writing the cache {path} failed with a disk I/O error{hint}: {unsaved}; "
                "check the disk and try again.")
    return f"The cache {path} could not be used ({text}): try again."


def _explain_os_error(exc: OSError, path: Path, unsaved: str) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return _full(path, unsaved)
    if exc.errno == errno.EROFS:
        return _read_only(path)
    in_the_way = _in_the_way(path)
    if in_the_way:
        return in_the_way
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"You may not write to {exc.filename or path.parent}: fix its permissions "
                f"(the cache {path} needs a folder you can write to) and try again.")
    return f"The cache {path} could not be opened ({_reason(exc)}): check its folder and try again."


def _full(path: Path, unsaved: str) -> str:
    return (f"The disk holding the cache {path} is full: free some space on it and try again "
            f"(the cache itself is intact; {unsaved}).")


def _read_only(path: Path) -> str:
    if _read_only_mount(path):
        return (f"The cache {path} is on a read-only file system: remount it read-write "
                "(or point HELPDESK_TUI_HOME at a writable folder) and try again.")
    for candidate in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        if _read_only_file(candidate):
            return (f"The file {candidate} is read-only: make it writable (chmod u+w '{candidate}') "
                    "and try again.")
    if not os.access(path.parent, os.W_OK):
        return (f"The folder {path.parent} is read-only, and SQLite must create files beside the cache "
                f"there: make it writable (chmod u+w '{path.parent}') and try again.")
    return (f"The cache {path} could only be read (SQLite says it is read-only): check that you own it "
            "and may write to it and to its folder, then try again.")


def _read_only_file(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    # The mode bits too: root may write to anything, yet a file marked read-only was meant so.
    return not os.access(path, os.W_OK) or not mode & 0o200


def _in_the_way(path: Path) -> str | None:
    """A directory where the cache (or its -wal/-shm) should be, or a file where a folder should be."""
    for candidate in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        if candidate.is_dir():
            return (f"{candidate} is a directory, where the cache needs a file: move that directory "
                    "somewhere else and try again.")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return (f"{parent} is a file, where the cache needs a folder: move that file "
                        "somewhere else and try again.")
            break
    return None


def _maybe_damaged(path: Path, text: str) -> str:
    """Suggest moving the cache aside only when SQLite's own check says it is damaged."""
    verdict, losses = _check(path)
    if verdict == "ok":
        return (f"SQLite reported '{text}' for the cache {path}, but its integrity check finds it intact: "
                "try again (another program may have been changing it at that moment).")
    if verdict == "not a database":
        return (f"{path} is not a helpdesk-tui cache (SQLite says '{text}'): move it aside and "
                "sync again to build a new cache.")
    return (f"The cache {path} is damaged ({verdict}): move it aside and sync again to rebuild it; "
            f"this loses {losses}.")


def _check(path: Path) -> tuple[str, str]:
    """(``"ok"``, the first problem found, or ``"not a database"``; what moving it aside loses)."""
    unknown = "any replies still queued in its outbox, its drafts and its local notes"
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0)
    except (sqlite3.Error, ValueError):
        return "it cannot be opened", unknown
    try:
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(10)")]
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                return "not a database", ""
            return str(exc), unknown
        if rows == ["ok"]:
            return "ok", ""
        problems = [line.strip() for row in rows for line in str(row).splitlines()
                    if line.strip() and not line.startswith("***")]
        verdict = f"{problems[0][:120] if problems else 'the integrity check failed'}"
        if len(problems) > 1:
            verdict += f", and {len(problems) - 1} more problem(s)"
        return verdict, _losses(conn) or unknown
    finally:
        conn.close()


# What only this cache holds (a sync brings everything else back), for the damaged-cache sentence.
_LOCAL_ONLY = (
    ("SELECT count(*) FROM outbox WHERE state != 'sent'", "queued reply or update", "queued replies and updates"),
    ("SELECT count(*) FROM drafts", "draft", "drafts"),
    ("SELECT count(*) FROM customer_notes", "customer note", "customer notes"),
    ("SELECT count(*) FROM ratings WHERE source = 'local'", "locally recorded rating", "locally recorded ratings"),
)


def _losses(conn: sqlite3.Connection) -> str | None:
    listed = _local_only(conn)
    if listed is None:
        return None  # the damage reaches these tables: say so without numbers
    if not listed:
        return "nothing that a sync cannot bring back (it holds no queued replies, drafts or local notes)"
    return f"its {listed}: copy out what you need first"


def local_only(path: Path) -> str | None:
    """What only the cache at ``path`` holds ("2 queued replies and updates and 1 draft"), "" for
    nothing, None when it cannot be read: for a sentence about keeping or deleting it."""
    try:
        conn = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, timeout=5.0)
    except (sqlite3.Error, ValueError):
        return None
    try:
        return _local_only(conn)
    finally:
        conn.close()


def _local_only(conn: sqlite3.Connection) -> str | None:
    parts = []
    for query, one, many in _LOCAL_ONLY:
        try:
            count = conn.execute(query).fetchone()[0]
        except sqlite3.Error:
            return None
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    if not parts:
        return ""
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _free_bytes(path: Path) -> int | None:
    folder = path.parent
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize


def _read_only_mount(path: Path) -> bool:
    for folder in (path.parent, *path.parent.parents):
        try:
            return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        except OSError:
            continue
    return False


def _writable(path: Path) -> bool:
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    return os.access(path.parent, os.W_OK)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
