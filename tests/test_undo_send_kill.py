"""kill -9 of the app during the undo window: the reply is neither lost nor sent twice.
After a restart past the window it goes out, once (store/held.py says why)."""

from __future__ import annotations

import os
import sqlite3
import time

from helpdesk_tui.store import message_bodies
from tests.pty_app import PtyApp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BODY = "Quokka reply held then killed"


def rows(db, sql):
    with sqlite3.connect(db) as conn:
        message_bodies.register(conn)  # bodies are stored packed: read them with message_body()
        return conn.execute(sql).fetchall()


def test_kill_9_during_the_send_delay_then_restart_sends_it_exactly_once(tmp_path, demo_db):
    home = tmp_path / "home"
    db = home / "data" / "accounts" / "demo.sqlite"
    db.parent.mkdir(parents=True)
    demo_db.replace(db)
    (home / "config").mkdir()
    (home / "config" / "config.toml").write_text("[send]\ndelay_seconds = 5\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    messages_before = rows(db, "SELECT count(*) FROM messages")[0][0]

    app = PtyApp("open", env=env, cwd=ROOT)
    try:
        app.wait_for("Inbox")
        app.wait_for("Recently updated")
        app.send("\r", pause=0.5)
        app.wait_for("Ticket #")
        app.send("r", pause=0.5)
        app.wait_for("ctrl+s send")
        app.send(BODY, pause=0.3)
        app.send("\x13", pause=0.8)  # ctrl+s: the send dialog
        app.wait_for("Send reply")
        app.send("\x13", pause=0.8)
        if "send anyway" in app.text():
            app.send("\x13", pause=0.5)
        app.wait_for("u undo")
    finally:
        app.kill9()

    held = rows(db, "SELECT state, payload FROM outbox")
    assert len(held) == 1 and held[0][0] == "held" and BODY in held[0][1]
    assert rows(db, "SELECT count(*) FROM messages")[0][0] == messages_before  # nothing sent, nothing lost
    assert rows(db, "SELECT count(*) FROM drafts")[0][0] == 0
    send_at = rows(db, "SELECT not_before FROM outbox")[0][0]
    time.sleep(max(0.0, send_at - time.time()) + 0.5)

    again = PtyApp("open", env=env, cwd=ROOT)
    try:
        again.wait_for("Inbox")
        deadline = time.monotonic() + 20
        while rows(db, "SELECT state FROM outbox") != [("sent",)] and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        again.quit()
    assert rows(db, "SELECT state FROM outbox") == [("sent",)]
    bodies = [r[0] for r in rows(db, "SELECT message_body(body) FROM messages")]
    assert sum(BODY in b for b in bodies) == 1
