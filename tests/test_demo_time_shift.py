"""The demo moves its generated clocks forward on each opening, never what the agent wrote."""

from __future__ import annotations

import json
from datetime import timedelta

from helpdesk_tui.demo.workspace_db import GENERATED_IDS_KEY, ensure_demo_workspace
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.writer import get_meta
from tests.conftest import DEMO_NOW

TICKETS = 60


def open_demo(db, minutes: int) -> None:
    ensure_demo_workspace(db, seed=7, tickets=TICKETS, now=DEMO_NOW + timedelta(minutes=minutes))


def times(db, sql: str, *args) -> list[int]:
    conn = open_database(db)
    try:
        return [row[0] for row in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def agent_work(db):
    """A note, a customer note and a rating written at 00:11 after the demo was built."""
    written = DEMO_NOW + timedelta(minutes=11)
    cache = Cache(db, "demo")
    try:
        worked, rated, untouched = (cache.ticket(ticket_id) for ticket_id in (3, 5, 7))
        cache.queue_reply(ReplyPlan(worked.id, MessageKind.INTERNAL_NOTE, "checked the logs", "you"), written)
        note = cache.add_customer_note(untouched.requester_id, "prefers phone calls", "you", written)
        rating = cache.record_rating(rated.id, "good", written, comment="thanks on the phone")
    finally:
        cache.close()
    return written, worked, rated, untouched, note, rating


def test_what_the_agent_wrote_keeps_its_time_over_many_openings(tmp_path):
    db = tmp_path / "demo.sqlite"
    open_demo(db, 0)
    written, worked, rated, untouched, note, rating = agent_work(db)
    stamp = int(written.timestamp())
    worked_thread = times(db, "SELECT created_at FROM messages WHERE ticket_id = ? ORDER BY id", worked.id)
    untouched_created = times(db, "SELECT created_at FROM tickets WHERE id = ?", untouched.id)[0]
    rated_thread = times(db, "SELECT created_at FROM messages WHERE ticket_id = ? ORDER BY id", rated.id)

    for minutes in (13, 16, 60 * 24):  # the app opened again at 00:13, 00:16 and a day later
        open_demo(db, minutes)

    # What the agent wrote: the note, the customer note and the rating still say 00:11.
    assert times(db, "SELECT created_at FROM messages WHERE ticket_id = ? AND body = 'checked the logs'",
                 worked.id) == [stamp]
    assert times(db, "SELECT created_at FROM customer_notes WHERE id = ?", note.id) == [stamp]
    assert times(db, "SELECT updated_at FROM customer_notes WHERE id = ?", note.id) == [stamp]
    assert times(db, "SELECT created_at FROM ratings WHERE id = ?", rating) == [stamp]
    # The ticket the agent worked on stays put as a whole, so its thread keeps its order.
    assert times(db, "SELECT created_at FROM messages WHERE ticket_id = ? ORDER BY id", worked.id) == worked_thread
    # Generated data stays live: moved by exactly the time that passed.
    day = 24 * 60 * 60
    assert times(db, "SELECT created_at FROM tickets WHERE id = ?", untouched.id)[0] == untouched_created + day
    assert times(db, "SELECT created_at FROM messages WHERE ticket_id = ? ORDER BY id", rated.id) == [
        t + day for t in rated_thread]


def test_a_workspace_built_before_the_ids_were_recorded_learns_them_once(tmp_path):
    db = tmp_path / "demo.sqlite"
    open_demo(db, 0)
    written, worked, *_ = agent_work(db)
    conn = open_database(db)
    try:
        generated = json.loads(get_meta(conn, GENERATED_IDS_KEY))
        with transaction(conn):
            conn.execute("DELETE FROM meta WHERE key = ?", (GENERATED_IDS_KEY,))
    finally:
        conn.close()
    for minutes in (13, 16):
        open_demo(db, minutes)
    conn = open_database(db)
    try:
        learned = json.loads(get_meta(conn, GENERATED_IDS_KEY))
    finally:
        conn.close()
    assert learned["messages"] == generated["messages"]  # the agent's note is not taken for generated
    assert times(db, "SELECT created_at FROM messages WHERE body = 'checked the logs'") == [
        int(written.timestamp())]


def test_cli_openings_of_the_demo_leave_a_queued_note_at_its_time(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(tmp_path)

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        out = subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                             env=env, timeout=120, input=stdin)
        assert out.returncode == 0, out.stderr
        return out

    db = tmp_path / "data" / "accounts" / "demo.sqlite"
    cli("demo", "--build-only", "--tickets", str(TICKETS))
    number = json.loads(cli("list", "--json", "--limit", "1").stdout)["number"]
    cli("reply", str(number), "--note", "--queue-only", "--file", "-", stdin="checked the logs\n")
    # As if the note was written ten minutes ago and the demo last opened five minutes ago.
    conn = open_database(db)
    try:
        with transaction(conn):
            now = conn.execute("SELECT max(created_at) FROM messages WHERE body LIKE 'checked the logs%'").fetchone()[0]
            conn.execute("UPDATE messages SET created_at = ? WHERE body LIKE 'checked the logs%'", (now - 600,))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'demo_generated_at'", (str(now - 300),))
    finally:
        conn.close()
    cli("demo", "--build-only", "--tickets", str(TICKETS))  # opening the demo shifts its clocks by five minutes
    shown = json.loads(cli("show", str(number), "--json").stdout)
    (note,) = [m for m in shown["messages"] if m["body"].startswith("checked the logs")]
    from datetime import datetime

    assert int(datetime.fromisoformat(note["created_at"]).timestamp()) == now - 600
