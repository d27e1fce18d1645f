"""KPI figures: the report ``helpdesk-tui stats`` and the dashboard (K) compute, per window.

    python benchmarks/bench_kpis.py --db PATH [--windows 7,30,90] [--repeats 3] [--now ISO] [--json OUT]

Each window is measured in a process of its own, so its peak memory is its own: the cache is
opened (untimed), then ``store.kpi_data.kpi_report`` — what ``stats`` and the dashboard's
worker call — runs ``--repeats`` times. "now" defaults to the newest ``updated_at`` in the cache,
so a workspace built days ago (a large demo does not shift its clocks) still has a full window.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """``VmHWM`` of this process: the most resident memory it has had."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(db: Path, days: int, repeats: int, now_text: str | None) -> dict:
    """One window, in this process: wall time of each run, peak RSS before and after."""
    from datetime import UTC, datetime, timedelta

    from helpdesk_tui.domain.kpi_report import Window
    from helpdesk_tui.store.db import open_database
    from helpdesk_tui.store.kpi_data import kpi_report

    conn = open_database(db)
    if now_text:
        now = datetime.fromisoformat(now_text)
    else:
        newest = conn.execute("SELECT max(updated_at) FROM tickets").fetchone()[0]
        now = datetime.fromtimestamp(newest + 60, UTC)
    tz = now.astimezone().tzinfo  # the agent's zone, as ``stats`` takes it
    window = Window(now - timedelta(days=days), now, tz)
    before = peak_rss_mb()
    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        report = kpi_report(conn, window)
        walls.append(time.perf_counter() - started)
    conn.close()
    total = report.total
    return {"days": days, "now": now.isoformat(), "seconds": [round(w, 2) for w in walls],
            "median_seconds": round(statistics.median(walls), 2), "peak_rss_mb": round(peak_rss_mb()),
            "rss_before_mb": round(before), "created": total.created, "solved": total.solved,
            "replies": total.replies, "backlog": total.backlog}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--windows", default="7,30,90", help="days, comma-separated (default 7,30,90)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per window (default 3)")
    parser.add_argument("--now", help="the report's end, ISO 8601 (default: the cache's newest update)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one window, in a process of its own
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.db, args.child, args.repeats, args.now)))
        return []
    figures = []
    for days in (int(d) for d in args.windows.split(",")):
        command = [sys.executable, __file__, "--db", str(args.db), "--repeats", str(args.repeats),
                   "--child", str(days), *(["--now", args.now] if args.now else [])]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        figure = json.loads(result.stdout.splitlines()[-1])
        figures.append(figure)
        print(f"KPIs over {days:>3} days: median {figure['median_seconds']:.2f} s "
              f"(runs {', '.join(f'{s:.2f}' for s in figure['seconds'])}), peak RSS {figure['peak_rss_mb']} MB "
              f"({figure['rss_before_mb']} MB before the first report); {figure['created']:,} created, "
              f"{figure['solved']:,} solved, {figure['replies']:,} replies, backlog {figure['backlog']:,}",
              flush=True)
    if figures:
        print(f"now = {figures[0]['now']}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
