"""SLA policy figures: recomputing every ticket after a policy change, and one ticket's clocks.

    python benchmarks/bench_sla.py --db PATH [--json OUT]

Installs a different policy (every ticket recomputed, batch by batch, as the app does on the
first start after [sla] changed), then the default policy again, so the workspace is left as
it was. Also times ``refresh_tickets`` for single tickets (what every reply, triage action
and synced ticket costs). Figures only: nothing here asserts a time.

While the policy changes, a second process takes the write lock every 20 ms and commits
nothing, as a reply or a sync page would, through the app's own ``transaction``: how long it
waits is how long the recompute blocks the app's writers. The
recompute's own transactions are timed too (BEGIN IMMEDIATE to the end of COMMIT, which may
include a checkpoint run after the lock is released).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import percentile  # noqa: E402

# Another writer: takes the write lock every 20 ms as the app does (open_database, transaction)
# until its stdin closes, then prints its waits (ms).
PROBE = """
import json, sqlite3, sys, threading, time
sys.path.insert(0, sys.argv[2])
from helpdesk_tui.store.db import open_database, transaction
conn = open_database(sys.argv[1])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("ready", flush=True)
waits = []
while not stop.is_set():
    started = time.perf_counter()
    try:
        with transaction(conn):
            waits.append((time.perf_counter() - started) * 1000)
    except sqlite3.OperationalError:  # gave up after its 10 s timeout, as the app would
        waits.append((time.perf_counter() - started) * 1000)
        continue
    time.sleep(0.02)
print(json.dumps(waits))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed_transactions(module, holds: list[float], turns: list[float] | None = None):
    """Time every ``transaction`` that ``module`` opens (it imports the name from store.db);
    ``turns``: how long each waited for the write lock (BEGIN IMMEDIATE asked .. begun)."""
    original = module.transaction

    @contextmanager
    def timed(conn):
        started = time.perf_counter()
        try:
            with original(conn) as inner:
                if turns is not None:
                    turns.append(time.perf_counter() - started)
                yield inner
        finally:
            holds.append((time.perf_counter() - started) * 1000)

    module.transaction = timed
    try:
        yield
    finally:
        module.transaction = original


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
    probe = subprocess.Popen([sys.executable, "-c", PROBE, str(args.db), str(ROOT)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert probe.stdout is not None and probe.stdin is not None
    probe.stdout.readline()
    holds: list[float] = []
    turns: list[float] = []  # the recompute's own waits for the lock: what giving way to the other writer costs it
    cpu, helper = time.process_time(), _children_cpu()
    started = time.perf_counter()
    with timed_transactions(sla_refresh, holds, turns):
        sla_refresh.install_policy(conn, other)
    install = time.perf_counter() - started
    cpu, helper = time.process_time() - cpu, _children_cpu() - helper  # the probe is not reaped yet
    probe.stdin.close()
    waits = json.loads(probe.stdout.read())
    probe.wait()
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
               "install_cpu_seconds": round(cpu, 1),
               "install_helper_cpu_seconds": round(helper, 1),
               "transaction_ms": {"p50": round(percentile(holds, 50), 1), "p99": round(percentile(holds, 99), 1),
                                  "max": round(max(holds), 1), "count": len(holds)},
               "install_waited_for_lock_seconds": round(sum(turns), 2),
               "other_writer_wait_ms": {"p50": round(percentile(waits, 50), 1),
                                        "p99": round(percentile(waits, 99), 1),
                                        "max": round(max(waits), 1), "count": len(waits)},
               "one_ticket_ms": {"p50": round(percentile(single, 50), 2), "p99": round(percentile(single, 99), 2)}}
    print(f"SLA policy change: {total:,} tickets recomputed in {install:.1f} s "
          f"({figures['install_tickets_per_second']:,} tickets/s, CPU {cpu:.1f} s + {helper:.1f} s in a helper process)")
    hold, wait = figures["transaction_ms"], figures["other_writer_wait_ms"]
    print(f"  its {hold['count']} transactions: p50 {hold['p50']} ms, p99 {hold['p99']} ms, max {hold['max']} ms; "
          f"another writer waited p50 {wait['p50']} ms, p99 {wait['p99']} ms, max {wait['max']} ms "
          f"({wait['count']} tries); the recompute waited {figures['install_waited_for_lock_seconds']} s in all for the lock")
    print(f"one ticket's clocks (a reply, a triage action): p50 {figures['one_ticket_ms']['p50']} ms, "
          f"p99 {figures['one_ticket_ms']['p99']} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
