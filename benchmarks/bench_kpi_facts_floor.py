"""What a per-ticket KPI facts table could give, measured before building it into the cache.

    python benchmarks/bench_kpi_facts_floor.py --db PATH [--days 7,30,365]

The cache is only read. A narrow copy of what the KPIs read of each ticket (one row per
ticket not deleted: activity, agent, queue, created, first reply, solved) is written to a temp
file, with the indexes a SQL computation would walk, and these are timed there:

- filling it from the cache (what a migration at this size would take, without triggers) and
  its bytes and its indexes' (``dbstat``);
- one pass over the window's tickets counting per (agent, queue, day), as a SQL GROUP BY would
  (the floor of any design that reads each ticket of a window in SQL);
- the median and 90th percentile of resolution times over the window, everyone's and each
  agent's, by walking an index on (duration) or (agent, duration) with ``LIMIT 1 OFFSET k``
  (the order statistics SQLite can give without sorting);
- per day: the same by sorting each local day's durations in SQL.

Figures only (CPU seconds of this process, which runs SQLite); nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

_FACTS = """
CREATE TABLE facts (id INTEGER PRIMARY KEY, active INTEGER NOT NULL, agent TEXT, queue TEXT,
                    created INTEGER NOT NULL, responded INTEGER, solved INTEGER);
INSERT INTO facts SELECT id, status IN ('new', 'open', 'pending', 'on_hold'), assignee, grp, created_at,
       first_response_at, solved_at FROM cache.tickets WHERE deleted_at IS NULL;
"""
_INDEXES = {
    "ix_facts_created": "CREATE INDEX ix_facts_created ON facts(created, agent, queue)",
    "ix_facts_resolution": "CREATE INDEX ix_facts_resolution ON facts(solved - created, solved)"
                           " WHERE active = 0 AND solved IS NOT NULL",
    "ix_facts_agent_resolution": "CREATE INDEX ix_facts_agent_resolution ON facts(agent, solved - created, solved)"
                                 " WHERE active = 0 AND solved IS NOT NULL",
    "ix_facts_solved": "CREATE INDEX ix_facts_solved ON facts(solved, created) WHERE active = 0 AND solved IS NOT NULL",
}
_RESOLVED = "active = 0 AND solved IS NOT NULL AND solved >= :start AND solved < :end"


def cpu(conn: sqlite3.Connection, sql: str, params: dict | None = None) -> tuple[float, list]:
    started = time.process_time()
    rows = conn.execute(sql, params or {}).fetchall()
    return time.process_time() - started, rows


def order_statistics(conn: sqlite3.Connection, where: str, params: dict, order: str, index: str = "") -> float:
    """CPU seconds for the median's and the p90's rows of ``where`` in ``order``, by OFFSET
    (walking ``index`` when given; SQLite's own choice sorts the window's rows)."""
    table = f"facts INDEXED BY {index}" if index else "facts"
    seconds, ((count,),) = cpu(conn, f"SELECT count(*) FROM facts WHERE {where}", params)
    for rank in {(count - 1) // 2, count // 2, max(0, -(-9 * count // 10) - 1)}:
        took, _ = cpu(conn, f"SELECT {order} FROM {table} WHERE {where} ORDER BY {order} LIMIT 1 OFFSET :k",
                      {**params, "k": rank})
        seconds += took
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--days", default="7,30,365")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "facts.sqlite")
        conn.execute("ATTACH DATABASE ? AS cache", (f"file:{args.db}?mode=ro",))
        took = time.perf_counter()
        conn.executescript(_FACTS)
        print(f"fill: {time.perf_counter() - took:.2f} s wall; load {os.getloadavg()[0]:.1f}")
        for name, sql in _INDEXES.items():
            took = time.perf_counter()
            conn.execute(sql)
            print(f"{name}: {time.perf_counter() - took:.2f} s wall")
        conn.commit()
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY name"):
            print(f"bytes {name}: {size / 1e6:.1f} MB")
        newest = conn.execute("SELECT max(created) FROM facts").fetchone()[0]
        agents = [a for (a,) in conn.execute("SELECT DISTINCT agent FROM facts")]
        for days in (float(d) for d in args.days.split(",")):
            params = {"start": int(newest - days * 86400), "end": newest + 60}
            group, _ = cpu(conn, "SELECT agent, queue, (created + 19800) / 86400, count(*) FROM facts"
                                 " WHERE created >= :start AND created < :end GROUP BY 1, 2, 3", params)
            everyone = order_statistics(conn, _RESOLVED, params, "solved - created")
            walked = order_statistics(conn, _RESOLVED, params, "solved - created", "ix_facts_resolution")
            per_agent = sum(order_statistics(conn, f"agent IS :agent AND {_RESOLVED}", {**params, "agent": a},
                                             "solved - created") for a in agents)
            days_sorted = 0.0
            for day in range(int(params["start"] // 86400), int(params["end"] // 86400) + 1):
                span = {"start": max(params["start"], day * 86400), "end": min(params["end"], day * 86400 + 86400)}
                days_sorted += order_statistics(conn, _RESOLVED, span, "solved - created + 0")
            print(f"{days:g} d: GROUP BY (agent, queue, day) {group * 1000:.0f} ms; resolution median+p90"
                  f" everyone {everyone * 1000:.0f} ms (walking the index {walked * 1000:.0f} ms),"
                  f" {len(agents)} agents {per_agent * 1000:.0f} ms,"
                  f" each day sorted {days_sorted * 1000:.0f} ms (CPU); load {os.getloadavg()[0]:.1f}")
        conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
