"""The in-process benchmark drives the app through its public API: run it small, so a change
to that API breaks a test here and not the next person's measurement (it broke once already:
`app.open_ticket` moved to the workstation screen)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_store_runs_on_the_demo_workspace_and_writes_every_figure(demo_db, tmp_path):
    out = tmp_path / "store.json"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_store.py"), "--db", str(demo_db),
                          "--tickets", "1200", "--repeats", "1", "--json", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert {"filters", "search", "open_ticket"} <= set(figures), sorted(figures)
