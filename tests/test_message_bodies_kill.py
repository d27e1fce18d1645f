"""``kill -9`` of a real process in the middle of the body-packing upgrade, at 20,000 tickets.

The packing step is one transaction and VACUUM is all or nothing, so wherever the process dies
the next open finds either the old cache (and packs it) or the packed one: every body reads back
as written, and the cache ends packed.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.old_schema import ROOT, build_before
from tests.test_message_bodies import _bodies

from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.schema import MIGRATIONS

TICKETS = 20_000


def _old_cache(path: Path, bodies: list[str]) -> None:
    build_before(path, "message_dictionaries")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO tickets (id, number, subject, status, priority, created_at, updated_at, sla_key) "
                     "VALUES (?, ?, ?, 'open', 'normal', 0, 0, 0)", [(t, t, f"T{t}") for t in range(1, TICKETS + 1)])
    conn.executemany("INSERT INTO messages (id, remote_id, ticket_id, kind, author, body, created_at) "
                     "VALUES (?, ?, ?, 'customer', 'ana', ?, ?)",
                     [(n + 1, str(n + 1), 1 + n % TICKETS, b, n) for n, b in enumerate(bodies)])
    conn.execute("COMMIT")
    conn.close()


def test_killed_during_the_packing_upgrade_the_cache_reopens_and_ends_packed(tmp_path: Path):
    bodies = _bodies(9, 2 * TICKETS)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    code = "import sys\nfrom helpdesk_tui.store.db import open_database\nopen_database(sys.argv[1])\n"
    killed = 0
    for delay in (0.4, 1.0, 1.8, 2.6):
        proc = subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
    assert killed, "every upgrade finished before it could be killed: kill sooner"
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = dict(conn.execute("SELECT typeof(body), count(*) FROM messages GROUP BY 1").fetchall())
    assert stored.get("blob", 0) > 0.9 * len(bodies), stored
    assert conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] == 1
    assert [r[0] for r in conn.execute("SELECT message_body(body) FROM messages ORDER BY id")] == bodies


def test_killed_before_the_upgrades_vacuum_the_next_open_gives_the_space_back(tmp_path: Path):
    bodies = _bodies(10, 6000)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    # The process dies the moment the packed rows are committed, before VACUUM.
    code = ("import os, signal, sys\nfrom helpdesk_tui.store import schema\n"
            "schema._give_back_space = lambda conn: os.kill(os.getpid(), signal.SIGKILL)\n"
            "from helpdesk_tui.store.db import open_database\nopen_database(sys.argv[1])\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    unused, size = conn.execute("SELECT sum(unused), sum(pgsize) FROM dbstat WHERE name = 'messages'").fetchone()
    assert unused < 0.2 * size, (unused, size)
    assert conn.execute("SELECT count(*) FROM meta WHERE key LIKE '%vacuum%'").fetchone()[0] == 0
    assert [r[0] for r in conn.execute("SELECT message_body(body) FROM messages ORDER BY id")] == bodies


def test_a_second_process_opening_while_the_upgrade_vacuums_does_not_wait_for_it(tmp_path: Path):
    """The note is there while the first process's VACUUM runs: a second open must not wait on
    that write lock (the app would freeze for the whole VACUUM), nor VACUUM again after it."""
    bodies = _bodies(11, 3000)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    conn = open_database(path)
    conn.execute("INSERT INTO meta (key, value) VALUES ('bodies_packed_vacuum_pending', '1')")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # stands in for the first process's VACUUM
    code = ("import sys, time\nfrom helpdesk_tui.store.db import open_database\nt = time.monotonic()\n"
            "open_database(sys.argv[1])\nprint(time.monotonic() - t)\n")
    try:
        out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 3.0, out.stdout
    conn.close()
