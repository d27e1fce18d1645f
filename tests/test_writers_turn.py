"""Another writer gets its turn during a sync or an SLA recompute: real processes, kill -9.

A sync and an SLA recompute write transaction after transaction, each begun about a
millisecond after the last one committed. Before the turnstile (``store.writers_turn``), a
writer in another process slept in SQLite's busy handler meanwhile and lost the race to
each next transaction: it waited seconds. Now it waits for one transaction at most, so the
bound checked here is the longest transaction of the sync or recompute plus a margin for a
loaded machine; a waiting writer that is overtaken even once or twice exceeds it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.cache_crowd import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock and kill -9 as on Linux")


def _start(role: str, *args: str, stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.writers_turn_processes", role, *args], cwd=ROOT,
                            env=env, stdout=stdout, text=True)


def _last_json(process: subprocess.Popen[str], timeout: float = 120) -> dict:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def _with_a_writer(db: Path, tmp_path: Path, busy: subprocess.Popen[str]) -> tuple[dict, dict]:
    """Run ``busy`` to its end with a writer in another process writing every 20 ms meanwhile."""
    stop = tmp_path / "stop"
    other = _start("writer", str(db), str(stop))
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "ready"
        done = _last_json(busy)
    finally:
        stop.touch()
    return done, _last_json(other)


def _check(done: dict, wrote: dict, db: Path) -> None:
    holds, asked = done["holds"], wrote["waits"]
    waits = [got - asked_at for asked_at, got in asked]
    during = [asked_at for asked_at, got in asked if any(begin <= asked_at < end for begin, end in holds)]
    assert len(holds) >= 12 and len(during) >= 10, (len(holds), len(during))  # they did overlap
    # Overtaken: one of their transactions began while the writer waited and another after it.
    # One may begin at the instant the writer starts to wait (it had its turn already); a
    # second one, never, however loaded the machine.
    overtaken = [(asked_at, got, began) for asked_at, got in asked
                 for began in [[b for b, _ in holds if asked_at < b < got]] if len(began) > 1]
    assert not overtaken, f"{len(overtaken)} of {len(asked)} writes were overtaken, e.g. {overtaken[0]}"
    longest = max(end - begin for begin, end in holds)
    # One transaction of theirs, and time for both processes to be scheduled on a busy machine.
    bound = 2 * longest + 0.2
    assert max(waits) <= bound, (f"the writer waited {max(waits) * 1e3:.0f} ms; their longest transaction "
                                 f"took {longest * 1e3:.0f} ms (bound {bound * 1e3:.0f} ms)")
    conn = sqlite3.connect(db)
    try:  # every write committed is there, in order
        assert [n for (n,) in conn.execute("SELECT n FROM turn_probe ORDER BY n")] == list(range(1, wrote["written"] + 1))
    finally:
        conn.close()


def test_a_writer_waits_for_one_sync_transaction_at_most(tmp_path):
    from helpdesk_tui.store.cache import Cache
    from tests.fakes.zendesk_process import fake_zendesk_process

    db = tmp_path / "cache.sqlite"
    Cache(db, "t").close()  # the schema, before the writer opens it
    with fake_zendesk_process(bulk=4000, users=200, organizations=20, page_size=100) as url:
        done, wrote = _with_a_writer(db, tmp_path, _start("sync", str(db), url))
    assert done["tickets"] == 4000
    _check(done, wrote, db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 4000
    finally:
        conn.close()


def test_a_writer_waits_for_one_sla_recompute_transaction_at_most(demo_db, tmp_path):
    done, wrote = _with_a_writer(demo_db, tmp_path, _start("recompute", str(demo_db), "12", "300"))
    assert done["tickets"] > 0
    _check(done, wrote, demo_db)


def test_a_writer_killed_holding_the_turnstile_blocks_nobody(demo_db):
    """kill -9 of a process holding the turnstile (and the write lock): the kernel releases
    both, and the writer waiting behind it writes at once; what the killed one had not
    committed is gone."""
    from helpdesk_tui.store.db import open_database, transaction

    holder = _start("hold", str(demo_db))
    conn = open_database(demo_db)
    written: list[float] = []

    def write() -> None:
        with transaction(conn):
            conn.execute("CREATE TABLE IF NOT EXISTS turn_probe (n INTEGER PRIMARY KEY)")
            conn.execute("INSERT INTO turn_probe (n) VALUES (1)")
        written.append(time.perf_counter())

    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        waiting = threading.Thread(target=write)
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive() and not written  # it waits behind the holder
        os.kill(holder.pid, signal.SIGKILL)
        killed = time.perf_counter()
        holder.wait(timeout=10)
        waiting.join(timeout=5)
        assert written and written[0] - killed < 1.0, written
        assert [n for (n,) in conn.execute("SELECT n FROM turn_probe")] == [1]
    finally:
        conn.close()
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_turnstile_that_cannot_be_opened_leaves_writes_working(tmp_path):
    """A directory where ``<cache>-turn`` should be (or a folder that refuses new files): the
    writer falls back to a plain BEGIN IMMEDIATE and the write lands; a read-only connection
    never makes the file at all."""
    from helpdesk_tui.store.db import open_database, transaction
    from helpdesk_tui.store.writers_turn import TURN_SUFFIX

    cache = tmp_path / "cache.sqlite"
    (tmp_path / f"cache.sqlite{TURN_SUFFIX}").mkdir()
    conn = open_database(cache)
    try:
        with transaction(conn):
            conn.execute("CREATE TABLE probe (n INTEGER)")
            conn.execute("INSERT INTO probe VALUES (1)")
        assert conn.writers_turn is not None and conn.writers_turn._fd is None
    finally:
        conn.close()
    assert sqlite3.connect(cache).execute("SELECT n FROM probe").fetchall() == [(1,)]

    other = tmp_path / "other"
    other.mkdir()
    fresh = open_database(other / "cache.sqlite")
    fresh.close()
    (other / f"cache.sqlite{TURN_SUFFIX}").unlink(missing_ok=True)
    reader = open_database(other / "cache.sqlite", readonly=True)
    try:
        assert getattr(reader, "writers_turn", None) is None
    finally:
        reader.close()
    assert not (other / f"cache.sqlite{TURN_SUFFIX}").exists()
