"""A writer that asks to wait less than 10 s for the write lock gives up when it asked to.

The draft save on the UI thread waits at most ``SAVE_WAIT`` (1 s) for another writer, set as
the connection's busy timeout, then says the draft is not saved yet and retries on a timer: the
screen must never freeze for the 10 s a background writer waits. The turnstile
(``store.writers_turn``) waits for the turnstile and the write lock itself, so it must keep to
the connection's busy timeout, and leave that timeout as it found it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cache_crowd import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock as on Linux")

HOLD_PLAIN = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(600)
"""


def _holder(db: Path, *, turnstile: bool) -> subprocess.Popen[str]:
    """Another process holding the write lock: a helpdesk-tui writer (turnstile too) or sqlite3's."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["-m", "tests.writers_turn_processes", "hold", str(db)] if turnstile else ["-c", HOLD_PLAIN, str(db)]
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def _draft(ticket_id: int):
    from helpdesk_tui.domain.models import Draft
    from helpdesk_tui.domain.vocab import MessageKind

    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Draft(ticket_id=ticket_id, kind=MessageKind.PUBLIC_REPLY, body="still here", started_at=now, updated_at=now)


@pytest.mark.parametrize("turnstile", [True, False], ids=["helpdesk-tui-holds", "sqlite3-holds"])
def test_a_draft_save_gives_up_after_the_wait_it_asked_for(demo_db, turnstile):
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.store.write_errors import WriteFailed

    ticket_id = sqlite3.connect(demo_db).execute("SELECT min(id) FROM tickets").fetchone()[0]
    cache = Cache(demo_db, "demo")
    holder = _holder(demo_db, turnstile=turnstile)
    try:
        started = time.monotonic()
        with pytest.raises(WriteFailed):
            cache.save_draft(_draft(ticket_id), wait=0.3)
        waited = time.monotonic() - started
        assert waited < 2.0, f"asked to wait 0.3 s, waited {waited:.1f} s"
    finally:
        holder.kill()
        holder.wait()
    cache.save_draft(_draft(ticket_id), wait=0.3)  # the holder gone, it saves at once
    assert cache.draft(ticket_id).body == "still here"
    cache.close()


def test_a_transaction_leaves_the_busy_timeout_as_it_found_it(tmp_path):
    from helpdesk_tui.store.db import open_database, transaction

    conn = open_database(tmp_path / "cache.sqlite")
    try:
        conn.execute("PRAGMA busy_timeout = 2500")
        with transaction(conn):
            conn.execute("CREATE TABLE probe (n INTEGER)")
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
    finally:
        conn.close()
