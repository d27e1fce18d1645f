"""A cache at the schema version before a given migration, and two real processes upgrading it.

Migration tests build the release-before cache with the shipped migrations themselves (never a
hand-written copy of an old schema), fill it, then check what the upgrade leaves.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from helpdesk_tui.store import message_bodies, rows
from helpdesk_tui.store.schema import MIGRATIONS

ROOT = Path(__file__).resolve().parent.parent


def build_before(path: Path, marker: str) -> None:
    """An empty WAL cache with every migration before the first one whose text holds ``marker``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    message_bodies.register(conn)  # the functions the bodies' packing (v14) calls
    before = MIGRATIONS.index(next(m for m in MIGRATIONS if marker in m))
    for number, script in enumerate(MIGRATIONS[:before], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.close()


def save_events_before_v16(conn: sqlite3.Connection, events) -> None:
    """Events written into a cache before v16 (a rowid table, SQLite numbering rows without an
    id, kinds by name), as ``writer.save_events`` wrote them then: today's writer needs v16's
    key and writes v17's kind codes."""
    conn.executemany("INSERT OR REPLACE INTO events (id, ticket_id, kind, at, actor, detail) VALUES (?, ?, ?, ?, ?, ?)",
                     [(e.id, e.ticket_id, str(e.kind), *rows.event_params(e)[3:]) for e in events])


def upgrade_in_two_processes_at_once(path: Path) -> None:
    """Two real processes open the old cache together (both read its old version, then wait for
    the write lock a third connection holds); both must end on the latest version."""
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    code = ("import sys\nfrom helpdesk_tui.store.db import open_database\n"
            "print(open_database(sys.argv[1]).execute('PRAGMA user_version').fetchone()[0])\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        time.sleep(1.5)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(len(MIGRATIONS))] * 2
