"""The sync's write side alone: where a page's time goes, and what another writer waits meanwhile.

    python benchmarks/bench_sync_writer.py apply --tickets 20000    # apply_page on captured pages
    python benchmarks/bench_sync_writer.py lock --tickets 20000     # a sync with another writer
    HELPDESK_BENCH_APP_ROOT=/path/to/checkout python benchmarks/bench_sync_writer.py …   # before/after

``apply``: the Zendesk fake's export (``--tickets``, pages of 1,000, side-loads included) is
pulled once into memory, then ``sync_apply.apply_page(batch=True)`` writes the pages into a fresh
cache, one transaction a page as the engine does, with no HTTP: CPU seconds a ticket in total,
in the commit, and in each SQL statement (timed alone, parameters built before the clock starts).
``lock``: ``SyncEngine(fetch_threads=False).pull()`` of the fake while a second process begins
a write transaction every 20 ms as the app does (``open_database``, ``transaction``): the
sync's write transactions (BEGIN IMMEDIATE .. COMMIT, one a page; wall time, and the writing
thread's CPU in them, which a loaded machine does not inflate) and how long the other writer
waited for each of its own (about one of the sync's transactions at most, since the writers'
turnstile, ``store.writers_turn``). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)  # the app code measured
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class _Timed:
    """A connection whose statements are timed one by one (CPU seconds, by their first words)."""

    def __init__(self, conn: sqlite3.Connection, spent: dict[str, float]) -> None:
        self._conn = conn
        self._spent = spent

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def executemany(self, sql: str, params: Any) -> sqlite3.Cursor:
        params = list(params)
        started = time.process_time()
        try:
            return self._conn.executemany(sql, params)
        finally:
            self._spent[sql[:60]] += time.process_time() - started

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        started = time.process_time()
        try:
            return self._conn.execute(sql, *args)
        finally:
            self._spent[sql[:60]] += time.process_time() - started


def _backend(url: str) -> Any:
    from helpdesk_tui.sync.backends.zendesk import ZendeskBackend, make_client
    from helpdesk_tui.sync.contract import AccountSettings

    account = AccountSettings(name="bench", url=url, user="agent@example.com", token="fake-api-token")
    return ZendeskBackend(account, make_client(account), page_size=1000)


def run_apply(tickets: int, folder: Path) -> None:
    from helpdesk_tui.store import sync_apply
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.store.db import transaction
    from tests.fakes.zendesk_process import fake_zendesk_process

    pages = []
    with fake_zendesk_process(bulk=tickets) as url:
        backend, cursor = _backend(url), None
        while True:
            page = backend.pull(cursor)
            pages.append(page)
            cursor = page.cursor
            if page.done:
                break
    spent: dict[str, float] = defaultdict(float)
    cache = Cache(folder / "apply.sqlite", "bench")
    started = time.process_time()
    with cache.connection() as conn:
        timed = _Timed(conn, spent)
        for page in pages:
            with transaction(conn):
                sync_apply.apply_page(timed, page, {}, stream="tickets", now=NOW, batch=True)  # type: ignore[arg-type]
                before_commit = time.process_time()
            spent["(commit)"] += time.process_time() - before_commit
    total = time.process_time() - started
    cache.close()
    count = sum(len(p.tickets) for p in pages)
    print(f"apply_page of {count:,} tickets in {len(pages)} pages: CPU {total:.2f} s = {total / count * 1e6:.0f} us a ticket")
    for what, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {seconds / count * 1e6:7.1f} us a ticket  {what}")


def _other_writer(db: str, stop: str) -> None:
    """The app writing meanwhile (a draft saved, a reply): its connection, its ``transaction``."""
    from helpdesk_tui.store.db import open_database, transaction

    conn = open_database(db)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_other_writer (at REAL)")
    waits = []
    while not Path(stop).exists():
        started = time.perf_counter()
        with transaction(conn):
            waits.append(time.perf_counter() - started)
            conn.execute("INSERT INTO bench_other_writer VALUES (?)", (time.time(),))
        time.sleep(0.02)
    print(json.dumps(waits))


def run_lock(tickets: int, folder: Path) -> None:
    from helpdesk_tui.store import db as store_db
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.sync import engine
    from tests.fakes.zendesk_process import fake_zendesk_process

    holds: list[float] = []
    cpu: list[float] = []  # the writing thread's own CPU in each: what an idle machine would take

    class _HeldFor(store_db.transaction):
        def __enter__(self) -> sqlite3.Connection:
            conn = super().__enter__()
            self.began, self.began_cpu = time.perf_counter(), time.thread_time()
            return conn

        def __exit__(self, *exc: Any) -> None:
            super().__exit__(*exc)
            holds.append(time.perf_counter() - self.began)
            cpu.append(time.thread_time() - self.began_cpu)

    engine.transaction = _HeldFor  # type: ignore[misc]  # the engine's page transactions, timed
    path, stop = folder / "lock.sqlite", folder / "stop"
    with fake_zendesk_process(bulk=tickets) as url:
        cache = Cache(path, "bench")
        with cache.connection():
            pass  # the schema, before the other writer opens it
        other = subprocess.Popen([sys.executable, __file__, "other-writer", str(path), str(stop)],
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        started = time.perf_counter()
        report = engine.SyncEngine(cache, _backend(url), lambda: NOW, fetch_threads=False).pull()
        seconds = time.perf_counter() - started
        stop.touch()
        waits = json.loads(other.communicate()[0])
        cache.close()

    def p99(values: list[float]) -> float:
        return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]

    print(f"sync of {report.pulled.tickets:,} tickets in {seconds:.1f} s; its write transactions: {len(holds)}, "
          f"median {statistics.median(holds) * 1e3:.0f} ms, longest {max(holds) * 1e3:.0f} ms; the writing thread's "
          f"CPU in them median {statistics.median(cpu) * 1e3:.0f} ms, most {max(cpu) * 1e3:.0f} ms")
    print(f"the other writer: {len(waits)} transactions, waited median {statistics.median(waits) * 1e3:.1f} ms, "
          f"p99 {p99(waits) * 1e3:.0f} ms, longest {max(waits) * 1e3:.0f} ms")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["other-writer"]:
        _other_writer(argv[1], argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=["apply", "lock"])
    parser.add_argument("--tickets", type=int, default=20_000)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; app code: {ROOT}")
    with tempfile.TemporaryDirectory(prefix="sync-writer-", dir=HERE / "out") as folder:
        (run_apply if args.part == "apply" else run_lock)(args.tickets, Path(folder))
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
