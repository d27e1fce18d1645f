"""benchmarks/bench_generic.py runs small, so a change to the engine's API breaks a test here
and not the next measurement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_generic_runs_and_writes_every_figure(tmp_path):
    out = tmp_path / "generic.json"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_generic.py"), "--tickets", "300",
                          "--json", str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert set(figures) == {"fields_records_per_s", "pull_tickets_per_s", "sync_tickets_per_s",
                            "sync_requests_per_ticket"}
    assert all(value > 0 for value in figures.values())
    assert figures["sync_requests_per_ticket"] < 1.2  # one thread request per ticket, pages besides
