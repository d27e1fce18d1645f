"""A draft survives kill -9 of the app: a real process in a real pty, killed, restarted."""

from __future__ import annotations

import os
import time

from helpdesk_tui.store.cache import Cache

from tests.pty_app import PtyApp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_draft_typed_before_kill_9_comes_back_after_restart(tmp_path, demo_db):
    home = tmp_path / "home"
    db = home / "data" / "accounts" / "demo.sqlite"
    db.parent.mkdir(parents=True)
    demo_db.replace(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)

    app = PtyApp("open", env=env, cwd=ROOT)
    try:
        app.wait_for("Inbox")
        app.wait_for("Recently updated")  # counts loaded: the app is idle and answering keys
        app.send("\r", pause=0.5)  # open the first ticket
        app.wait_for("Ticket #")
        app.send("r", pause=0.5)
        app.wait_for("ctrl+s send")
        app.send("Zebrafish draft line one\rline two", pause=0.05)
        time.sleep(1.5)  # autosave is at most about a second behind
    finally:
        app.kill9()

    drafts = [d for d in (Cache(db, "demo").draft(t) for t in _ticket_ids(db)) if d is not None]
    assert len(drafts) == 1
    assert drafts[0].body == "Zebrafish draft line one\nline two"
    assert drafts[0].cursor == (1, 8)

    again = PtyApp("open", env=env, cwd=ROOT)
    try:
        again.wait_for("Inbox")
        again.wait_for("✎")  # the inbox marks the ticket that holds a draft
        again.send("\r", pause=0.5)
        again.wait_for("Zebrafish draft line one")
    finally:
        again.quit()


def _ticket_ids(db):
    import sqlite3

    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT ticket_id FROM drafts")] or [0]
