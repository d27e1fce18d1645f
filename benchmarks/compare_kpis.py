"""The KPI report of two checkouts, compared byte for byte: ``stats --json`` text for many windows.

    python benchmarks/compare_kpis.py --old-root /work/main --old-db A.sqlite --new-db B.sqlite \
        [--days 0.4,1,7,30,90] [--zones UTC,America/New_York,Asia/Kolkata,Asia/Kathmandu] [--nows 3]

A and B are two copies of one cache: the old code refuses a cache the new one has migrated, so
each checkout opens its own copy (copy it before either runs). For each "now" (the newest update
in the cache, then 40 and 200 days before it, at odd fractions of a second), each window length
and each zone, both checkouts print the report grouped by agent, by queue and by day as
``stats --json`` prints it; this script compares the texts and prints the first differences.
The new checkout is the one this script lives in unless ``--new-root`` says otherwise.
Figures: the time of each report on each side (a loaded machine shows in them).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# Runs inside each checkout: one JSON line per report (the texts themselves, to diff them).
_CHILD = r"""
import json, sys, time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.reports.kpi_export import report_dict
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.kpi_data import kpi_report
db, days, zones, nows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = open_database(db)
newest = conn.execute("SELECT max(updated_at) FROM tickets").fetchone()[0]
ends = [datetime.fromtimestamp(newest + 60, UTC), datetime.fromtimestamp(newest - 40 * 86400 + 1234.5678, UTC),
        datetime.fromtimestamp(newest - 200 * 86400 + 77.25, UTC)][:nows]
for now in ends:
    for d in (float(x) for x in days.split(",")):
        for zone in zones.split(","):
            tz = ZoneInfo(zone)
            window = Window((now - timedelta(days=d)).astimezone(tz), now, tz)
            started = time.perf_counter()
            report = kpi_report(conn, window)
            seconds = time.perf_counter() - started
            texts = {by: dumps(report_dict(report, by)) for by in ("agent", "queue", "day")}
            print(json.dumps({"now": now.isoformat(), "days": d, "zone": zone, "seconds": seconds,
                              "texts": texts}), flush=True)
"""


def run(root: Path, db: Path, args: argparse.Namespace) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(db), args.days, args.zones, str(args.nows)],
                          cwd=root, env=env, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-root", type=Path, required=True)
    parser.add_argument("--new-root", type=Path, default=HERE)
    parser.add_argument("--old-db", type=Path, required=True)
    parser.add_argument("--new-db", type=Path, required=True)
    parser.add_argument("--days", default="0.4,1,7,30,90")
    parser.add_argument("--zones", default="UTC,America/New_York,Asia/Kolkata,Asia/Kathmandu")
    parser.add_argument("--nows", type=int, default=3, choices=(1, 2, 3))
    args = parser.parse_args(argv)
    old = run(args.old_root, args.old_db, args)
    new = run(args.new_root, args.new_db, args)
    differing = 0
    for a, b in zip(old, new, strict=True):
        same = a["texts"] == b["texts"]
        differing += sum(text != b["texts"][by] for by, text in a["texts"].items())
        print(f"{a['now']:<32} {a['days']:>6g} d {a['zone']:<18} old {a['seconds']:7.2f} s  new {b['seconds']:7.2f} s"
              f"  {'identical' if same else 'DIFFERENT'}")
        if not same:
            for by, text in a["texts"].items():
                if text != b["texts"][by]:
                    cut = next((i for i, (x, y) in enumerate(zip(text, b["texts"][by], strict=False)) if x != y),
                               min(len(text), len(b["texts"][by])))
                    print(f"    by {by}: old …{text[max(0, cut - 60):cut + 60]}…\n    by {by}: new …"
                          f"{b['texts'][by][max(0, cut - 60):cut + 60]}…")
    print(f"{len(old) * 3} reports compared ({len(old)} windows x by agent/queue/day), {differing} differ; "
          f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
