"""Each screen or action this round imports on first use, opened as the very first thing in a
fresh process under Pilot: the lazy import and the code right after it run for real, and the
screen opens (or the action reports) with no error contained."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import asyncio, sys
from pathlib import Path
from tests.ui_support import make_app, settle

async def main(db, tmp, what):
    app = make_app(Path(db), Path(tmp))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        ws = app.workstation
        if what == "rating":
            ws.action_record_rating()
        elif what == "attachment":
            # The first ticket with an attachment, opened, then its first file viewed.
            found = [t for t in app.cache.inbox_ids(ws.inbox_views.current_query(), limit=400)
                     if any(m.attachments for m in app.cache.thread(t))]
            ws.open_ticket(found[0], focus=True)
            await settle(pilot, app)
            await pilot.press("a", "v")
        else:
            await pilot.press(what)
        await settle(pilot, app)
        await pilot.pause(0.3)
        if what == "attachment":
            print("SEEN", type(app.screen).__name__)
        print("SCREEN", type(app.screen).__name__)
        print("ERRORS", len(app.error_guard.contained_errors))
        for e in app.error_guard.contained_errors:
            print("ERR", repr(e))

asyncio.run(main(*sys.argv[1:4]))
"""

CASES = [("t", "TriageScreen"), ("K", "DashboardScreen"), ("N", "NewTicketScreen"), ("ctrl+t", None),
         ("f5", None), ("rating", "RatingScreen"), ("attachment", None)]


@pytest.mark.parametrize("what, screen", CASES, ids=[c[0] for c in CASES])
def test_first_use_in_a_fresh_process(demo_db, tmp_path, what, screen):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(demo_db), str(tmp_path), what], cwd=ROOT,
                         capture_output=True, text=True, timeout=180, env={
                             **__import__("os").environ, "PYTHONPATH": str(ROOT)})
    print(out.stdout)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ERRORS 0" in out.stdout, out.stdout + out.stderr[-3000:]
    if screen:
        assert f"SCREEN {screen}" in out.stdout, out.stdout
