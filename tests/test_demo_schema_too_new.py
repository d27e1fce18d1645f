"""`demo` on a workspace a newer release has opened: one sentence, no traceback, the file kept."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from helpdesk_tui.store.schema import MIGRATIONS


def test_demo_on_a_cache_from_a_newer_release_is_one_sentence(demo_home: Path):
    db = demo_home / "data" / "accounts" / "demo.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    size = db.stat().st_size
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    out = subprocess.run([sys.executable, "-m", "helpdesk_tui", "demo", "--build-only", "--home", str(demo_home)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert out.returncode != 0 and len(lines) == 1 and "newer helpdesk-tui" in lines[0], out.stderr
    assert db.stat().st_size == size
