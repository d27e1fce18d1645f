"""SLA policy figures: recomputing every ticket after a policy change, and one ticket's clocks.

    python benchmarks/bench_sla.py --db PATH [--json OUT]

Installs a different policy (every ticket recomputed, batch by batch, as the app does on the
first start after [sla] changed), then the default policy again, so the workspace is left as
it was. Also times ``refresh_tickets`` for single tickets (what every reply, triage action
and synced ticket costs). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import percentile  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy, SlaTargets
    from helpdesk_tui.domain.vocab import Priority
    from helpdesk_tui.store import sla_refresh
    from helpdesk_tui.store.db import open_database, transaction

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    conn = open_database(args.db)
    total = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    if sla_refresh.needs_install(conn, DEFAULT_POLICY):
        sla_refresh.install_policy(conn, DEFAULT_POLICY)  # an older workspace: bring it up to date first
    other = SlaPolicy({p: SlaTargets(timedelta(minutes=15), timedelta(minutes=45), timedelta(hours=2),
                                     timedelta(days=3)) for p in Priority})
    started = time.perf_counter()
    sla_refresh.install_policy(conn, other)
    install = time.perf_counter() - started
    sla_refresh.install_policy(conn, DEFAULT_POLICY)
    step = max(total // 500, 1)
    ids = [r[0] for r in conn.execute("SELECT id FROM tickets WHERE id % ? = 0 LIMIT 500", (step,))]
    single = []
    for tid in ids:
        t0 = time.perf_counter()
        with transaction(conn):
            sla_refresh.refresh_tickets(conn, [tid])
        single.append((time.perf_counter() - t0) * 1000)
    conn.close()
    figures = {"tickets": total, "install_seconds": round(install, 1),
               "install_tickets_per_second": round(total / install),
               "one_ticket_ms": {"p50": round(percentile(single, 50), 2), "p99": round(percentile(single, 99), 2)}}
    print(f"SLA policy change: {total:,} tickets recomputed in {install:.1f} s "
          f"({figures['install_tickets_per_second']:,} tickets/s)")
    print(f"one ticket's clocks (a reply, a triage action): p50 {figures['one_ticket_ms']['p50']} ms, "
          f"p99 {figures['one_ticket_ms']['p99']} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
