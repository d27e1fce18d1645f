"""The processes of ``test_writers_turn``: a sync, an SLA recompute, a writer, a turnstile holder.

    python -m tests.writers_turn_processes sync DB URL           # pulls the fake; prints its transactions (s)
    python -m tests.writers_turn_processes recompute DB ROUNDS BATCH   # the SLA policy changed ROUNDS times
    python -m tests.writers_turn_processes writer DB STOP        # a write every 20 ms until STOP exists
    python -m tests.writers_turn_processes hold DB               # takes the turnstile, says so, sleeps

Each runs in a process of its own, as the app, the CLI and a sync do; what a test checks is
printed on the last line as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _timed_transactions(module: Any) -> list[tuple[float, float]]:
    """Every ``transaction`` that ``module`` opens: when BEGIN IMMEDIATE succeeded and COMMIT
    ended, on the clock every process shares (``time.monotonic``, CLOCK_MONOTONIC)."""
    from helpdesk_tui.store import db

    holds: list[tuple[float, float]] = []

    class Timed(db.transaction):
        def __enter__(self) -> Any:
            conn = super().__enter__()
            self.began = time.monotonic()
            return conn

        def __exit__(self, *exc: Any) -> None:
            super().__exit__(*exc)
            holds.append((self.began, time.monotonic()))

    module.transaction = Timed
    return holds


def sync(db: str, url: str) -> None:
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.sync import engine
    from helpdesk_tui.sync.backends.zendesk import ZendeskBackend, make_client
    from helpdesk_tui.sync.contract import AccountSettings

    holds = _timed_transactions(engine)
    account = AccountSettings(name="t", url=url, user="agent@example.com", token="fake-api-token")
    cache = Cache(db, "t")
    report = engine.SyncEngine(cache, ZendeskBackend(account, make_client(account), page_size=100),
                               lambda: NOW, fetch_threads=False).pull()
    cache.close()
    print(json.dumps({"tickets": report.pulled.tickets, "holds": holds}))


def recompute(db: str, rounds: int, batch: int) -> None:
    """The policy changed ``rounds`` times, in batches of ``batch`` read ahead by the helper
    process, as a 1M cache's recompute is (its batches are 1,000)."""
    from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy, SlaTargets
    from helpdesk_tui.domain.vocab import Priority
    from helpdesk_tui.store import sla_refresh
    from helpdesk_tui.store.db import open_database

    sla_refresh.BATCH, sla_refresh.AHEAD_FROM = batch, 0
    holds = _timed_transactions(sla_refresh)
    conn = open_database(db)
    other = SlaPolicy({p: SlaTargets(timedelta(minutes=15), timedelta(minutes=45), timedelta(hours=2),
                                     timedelta(days=3)) for p in Priority})
    done = 0
    for round_ in range(rounds):
        done += sla_refresh.install_policy(conn, other if round_ % 2 == 0 else DEFAULT_POLICY)
    conn.close()
    print(json.dumps({"tickets": done, "holds": holds}))


def writer(db: str, stop: str) -> None:
    """The app saving something every 20 ms (as a draft autosave, a reply, a triage action would):
    when each write transaction asked for the lock and got it, and the values it committed."""
    from helpdesk_tui.store.db import open_database, transaction

    conn = open_database(db)
    conn.execute("CREATE TABLE IF NOT EXISTS turn_probe (n INTEGER PRIMARY KEY)")
    waits, n = [], 0
    print("ready", flush=True)
    while not Path(stop).exists():
        started = time.monotonic()
        with transaction(conn):
            waits.append((started, time.monotonic()))
            n += 1
            conn.execute("INSERT INTO turn_probe (n) VALUES (?)", (n,))
        time.sleep(0.02)
    conn.close()
    print(json.dumps({"waits": waits, "written": n}))


def hold(db: str) -> None:
    """Take the turnstile and the write lock, say so, and wait to be killed (kill -9 in the test)."""
    from helpdesk_tui.store.db import open_database
    from helpdesk_tui.store.writers_turn import TURN_SUFFIX

    conn = open_database(db)
    import fcntl
    import os

    fd = os.open(db + TURN_SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE IF NOT EXISTS turn_probe (n INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO turn_probe (n) VALUES (-1)")  # never committed: the kill loses it
    print("holding", flush=True)
    time.sleep(600)


def main(argv: list[str]) -> None:
    role, db, *rest = argv
    if role == "sync":
        sync(db, rest[0])
    elif role == "recompute":
        recompute(db, int(rest[0]), int(rest[1]))
    elif role == "writer":
        writer(db, rest[0])
    elif role == "hold":
        hold(db)
    else:
        raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    main(sys.argv[1:])
