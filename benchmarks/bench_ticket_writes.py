"""What the inbox's indexes cost a write: re-saving existing tickets into a big cache, rolled back.

    python benchmarks/bench_ticket_writes.py --db PATH [--tickets 1000] [--json OUT]

Two writes a sync page and the SLA refresh make, each on ``--tickets`` tickets spread over the
cache, in one transaction that is rolled back (the cache is left as it was):
- ``save_tickets``: each ticket changed as a sync would change it (status, a tag, updated_at),
  which replaces its tag rows and full-text entry;
- a new ``sla_key`` for each (``UPDATE tickets SET sla_key``, as the SLA refresh writes it).
Run it with the old code (``HELPDESK_BENCH_APP_ROOT=/path/to/old/checkout``) on a copy of the
cache at the old schema, and with this checkout on a migrated copy, to compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> dict:
    from helpdesk_tui.domain.vocab import Status
    from helpdesk_tui.store import writer
    from helpdesk_tui.store.tickets import get_ticket

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    conn = sqlite3.connect(args.db, isolation_level=None)
    # The app's connection settings (``store.db.open_database``), without its migration: with
    # SQLite's defaults (statement journals in temp files, a 2 MB page cache) a trigger of two
    # statements cost a re-saved ticket 0.1-0.2 ms more than it does in the app.
    for pragma in ("synchronous=NORMAL", "temp_store=MEMORY", "cache_size=-32000"):
        conn.execute(f"PRAGMA {pragma}")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    top = conn.execute("SELECT max(id) FROM tickets").fetchone()[0]
    step = max(1, top // args.tickets)
    ids = list(range(1, top + 1, step))[: args.tickets]
    tickets = [t for t in (get_ticket(conn, i) for i in ids) if t is not None]
    changed = [dataclasses.replace(t, status=Status.OPEN if t.status != Status.OPEN else Status.PENDING,
                                   tags=(*t.tags[1:], "bench-tag"), updated_at=t.updated_at + timedelta(minutes=1))
               for t in tickets]
    out: dict = {"schema": version, "tickets": len(tickets)}
    conn.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.perf_counter()
        writer.save_tickets(conn, changed)
        out["save_tickets_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        conn.executemany("UPDATE tickets SET sla_key = sla_key + 1 WHERE id = ?", ((t.id,) for t in tickets))
        out["sla_key_update_ms"] = (time.perf_counter() - t0) * 1000
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    print(f"schema v{version}, {len(tickets)} tickets: save_tickets {out['save_tickets_ms']:.1f} ms "
          f"({out['save_tickets_ms'] / len(tickets):.2f} ms each), sla_key update {out['sla_key_update_ms']:.1f} ms "
          f"({out['sla_key_update_ms'] / len(tickets) * 1000:.0f} µs each)", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
