"""A packed body whose dictionary row is missing or damaged reads as one visible sentence.

A cache restored from a partial copy, or a hand edit in the sqlite3 shell, can lose the
``message_dictionaries`` row a packed body names. The thread, search, the export and the CLI's
``show``/``search`` must then show "this message cannot be read" for that body and everything
else as before, never a traceback. Run as real processes, so no dictionary read earlier in this
process hides the damage.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk_tui.store import message_bodies

SCRIPT = """
import sys
from pathlib import Path
from helpdesk_tui.store import search, tickets
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.export import export_cache
conn = open_database(Path(sys.argv[1]))
tid = int(sys.argv[2])
bodies = [m.body for m in tickets.thread(conn, tid)]
hits = search.search(conn, sys.argv[3], kinds=("message",))
export_cache(conn, Path(sys.argv[4]))
print(len(bodies), sum(b.startswith("[This message cannot be read") for b in bodies), len(hits))
"""


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def _packed_ticket(db: Path) -> tuple[int, int, str]:
    conn = sqlite3.connect(db)
    tid, number = conn.execute("SELECT t.id, t.number FROM tickets t JOIN messages m ON m.ticket_id = t.id "
                               "WHERE typeof(m.body) = 'blob' ORDER BY t.id LIMIT 1").fetchone()
    conn.close()
    return tid, number, "password"


def _packed_cache(tmp_path: Path, seed: int, count: int) -> tuple[Path, list[str]]:
    """A cache of ten tickets whose ``count`` bodies are packed with a trained dictionary."""
    from tests.test_message_bodies import _bodies, _messages, _tickets

    from helpdesk_tui.store import writer
    from helpdesk_tui.store.db import open_database, transaction

    path = tmp_path / "c.sqlite"
    conn = open_database(path)
    bodies = _bodies(seed, count)
    with transaction(conn):
        writer.save_tickets(conn, _tickets(10), fresh=True)
        writer.save_messages(conn, _messages(bodies, 10))
    conn.close()
    return path, bodies


def _forget_dictionaries() -> None:
    """Drop the dictionaries this process kept, so the next read sees the damaged rows."""
    message_bodies._dictionaries.clear()
    message_bodies._compressors.clear()


def _damaged(path: Path, sql: str, *params: object) -> sqlite3.Connection:
    """The cache at ``path`` opened again after ``sql`` damaged its dictionaries."""
    from helpdesk_tui.store.db import open_database

    conn = sqlite3.connect(path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()
    _forget_dictionaries()
    return open_database(path)


@pytest.mark.parametrize("damage", [
    "DELETE FROM message_dictionaries",
    "UPDATE message_dictionaries SET zdict = randomblob(length(zdict))",
    "UPDATE message_dictionaries SET zdict = 'edited by hand'",
])
def test_a_lost_dictionary_leaves_the_rest_readable(demo_home: Path, tmp_path: Path, damage: str):
    db = demo_home / "data" / "accounts" / "demo.sqlite"
    tid, number, word = _packed_ticket(db)
    conn = sqlite3.connect(db)
    # The dictionary table has no foreign keys or triggers: the shell's edit goes through.
    conn.execute("PRAGMA ignore_check_constraints = 1")
    conn.execute(damage)
    conn.commit()
    conn.close()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(db), str(tid), word, str(tmp_path / "x.sqlite")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    total, unreadable, _hits = map(int, out.stdout.split())
    assert total >= 1 and unreadable >= 1
    exported = sqlite3.connect(tmp_path / "x.sqlite")
    assert exported.execute("SELECT count(*) FROM messages WHERE body = ?",
                            (message_bodies.UNREADABLE,)).fetchone()[0] > 0
    shown = _run(demo_home, "show", str(number))
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert "This message cannot be read" in shown.stdout
    data = json.loads(_run(demo_home, "show", str(number), "--json").stdout)
    assert data
    found = _run(demo_home, "search", word)
    assert found.returncode in (0, 1) and "Traceback" not in found.stderr, found.stderr


def test_a_body_cut_short_is_unreadable_not_partial():
    zdict = message_bodies.train(["Hello,\nthe invoice is wrong.\nBest regards"] * 3)
    body = "Hello,\nthe invoice is wrong twice over this month, and again today.\nBest regards\n" * 4
    packed = message_bodies.pack(body, 777, zdict)
    assert isinstance(packed, bytes)
    mem = sqlite3.connect(":memory:")
    assert message_bodies.text(mem, packed) == body
    assert message_bodies.text(mem, packed[:-6]) == message_bodies.UNREADABLE


def test_a_write_after_the_dictionary_was_edited_into_text_packs_with_a_new_one(tmp_path: Path):
    from tests.test_message_bodies import _messages

    from helpdesk_tui.store import tickets, writer
    from helpdesk_tui.store.db import transaction

    path, _ = _packed_cache(tmp_path, 5, 1200)
    conn = _damaged(path, "UPDATE message_dictionaries SET zdict = 'edited by hand'")
    with transaction(conn):
        writer.save_messages(conn, _messages(["A new reply after the edit, long enough to pack? " * 3], 10,
                                             first_id=5000))
    assert tickets.message_body(conn, 5000)[0] == "A new reply after the edit, long enough to pack? " * 3


def test_replacing_an_unreadable_message_keeps_the_index_whole(tmp_path: Path):
    from tests.test_message_bodies import _messages

    from helpdesk_tui.store import search, tickets, writer
    from helpdesk_tui.store.db import transaction

    path, _ = _packed_cache(tmp_path, 6, 1200)
    with sqlite3.connect(path) as look:
        victim = look.execute("SELECT id FROM messages WHERE typeof(body) = 'blob' ORDER BY id LIMIT 1").fetchone()[0]
    look.close()
    conn = _damaged(path, "DELETE FROM message_dictionaries")
    assert tickets.message_body(conn, victim)[0] == message_bodies.UNREADABLE
    with transaction(conn):  # the helpdesk sends the message again: its text is back
        writer.save_messages(conn, _messages(["Zanzibarian quokka replies."], 10, first_id=victim))
    assert tickets.message_body(conn, victim)[0] == "Zanzibarian quokka replies."
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    assert [h.message_id for h in search.search(conn, "quokka", kinds=("message",))] == [victim]


@pytest.mark.xfail(strict=True, reason="a packed body carries no checksum: a dictionary row replaced by other "
                   "valid bytes (another cache's dictionary pasted in by hand) inflates to wrong text without "
                   "an error. Detecting it needs a check value per body (e.g. 4 bytes of adler32, ~4 MB at a "
                   "million bodies) or per dictionary (a new column, a migration): not a small fix")
def test_a_dictionary_replaced_by_another_valid_one_is_detected(tmp_path: Path):
    from tests.test_message_bodies import _bodies

    from helpdesk_tui.store import tickets

    path, bodies = _packed_cache(tmp_path, 7, 1500)
    other = message_bodies.train(_bodies(8, 1500)[::-1] + ["Grüße aus einem anderen Postfach"] * 3)
    conn = _damaged(path, "UPDATE message_dictionaries SET zdict = ?", other)
    read = {m.id: m.body for t in range(1, 11) for m in tickets.thread(conn, t)}
    wrong = [i for i, body in read.items() if body not in (bodies[i - 1], message_bodies.UNREADABLE)]
    assert wrong == []


async def test_the_app_opens_on_a_cache_that_lost_its_dictionary(demo_db: Path, tmp_path: Path):
    """On main the first ticket's preview raised in on_mount: the screen stayed blank."""
    from tests.ui_support import make_app, screen_text, settle

    conn = sqlite3.connect(demo_db)
    conn.execute("DELETE FROM message_dictionaries")
    conn.commit()
    conn.close()
    _forget_dictionaries()
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.error_guard.contained_errors == []
        text = screen_text(app)
        assert "Ticket #" in text and "cannot be read" in text.replace("\n", " "), text


@pytest.mark.skipif(__import__("shutil").which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_a_backup_made_with_the_sqlite3_shell_reads_every_body(demo_db: Path, tmp_path: Path):
    from helpdesk_tui.store.db import open_database

    copy = tmp_path / "backup.sqlite"
    subprocess.run(["sqlite3", str(demo_db), f".backup '{copy}'"], check=True, timeout=120)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    code = ("import sys\nfrom helpdesk_tui.store.db import open_database\nc = open_database(sys.argv[1])\n"
            "print(c.execute('SELECT count(*) FROM messages WHERE message_body(body) LIKE ?', "
            "('[This message cannot be read%',)).fetchone()[0])\n")
    out = subprocess.run([sys.executable, "-c", code, str(copy)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "0", out.stderr
    original = open_database(demo_db, readonly=True)
    assert original.execute("SELECT count(*) FROM messages WHERE typeof(body) = 'blob'").fetchone()[0] > 0
