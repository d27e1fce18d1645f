"""Message bodies stored packed with a dictionary trained on the cache's own mail.

Every reader must see the very text that was written: the thread, the preview, search hits,
the export, the FTS index's delete path. A cache with too few messages keeps text until it has
enough; the upgrade packs an old cache's bodies (also with two processes starting on it at once).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.old_schema import build_before, upgrade_in_two_processes_at_once

from helpdesk_tui.domain.models import Message, Ticket
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import message_bodies, search, tickets, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.export import export_cache
from helpdesk_tui.store.failures import explain
from helpdesk_tui.store.schema import MIGRATIONS, migrate

START = datetime(2026, 10, 1, tzinfo=UTC)
GREETINGS = ("Hello,", "Hallo,", "Bonjour,", "こんにちは。", "Dear support team,")
LINES = ("I cannot log in since this morning.", "The invoice for March shows the wrong VAT number.",
         "Our website returns error 502 on every page.", "Could you reset my password, please?",
         "Die Rechnung ist doppelt abgebucht worden.", "Le certificat SSL a expiré hier soir.")
SIGNATURES = ("Best regards,\nAna", "Kind regards,\nBo", "Mit freundlichen Grüßen\nCarla", "以上、よろしくお願いします。")


def _bodies(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        middle = "\n".join(rng.sample(LINES, rng.randint(1, 3)))
        out.append(f"{rng.choice(GREETINGS)}\n\n{middle}\nOrder {n} · ref {rng.randrange(10**6)}\n\n"
                   f"{rng.choice(SIGNATURES)}")
    # Bodies the dictionary cannot shrink, or that are awkward as text: kept or packed, the
    # text must come back exactly.
    out[:4] = ["", "x", "\x00 NUL and \r\n CRLF \u202e bidi", "🙂" * 3]
    return out


def _tickets(count: int) -> list[Ticket]:
    return [Ticket(id=tid, number=tid, subject=f"Ticket {tid}", status=Status.OPEN, priority=Priority.NORMAL,
                   requester_id=None, assignee="ana", group="Billing", created_at=START, updated_at=START)
            for tid in range(1, count + 1)]


def _messages(bodies: list[str], tickets_: int, first_id: int = 1) -> list[Message]:
    return [Message(id=first_id + n, remote_id=str(first_id + n), ticket_id=1 + n % tickets_,
                    kind=MessageKind.CUSTOMER if n % 2 else MessageKind.PUBLIC_REPLY, author="ana", body=body,
                    created_at=START + timedelta(minutes=n)) for n, body in enumerate(bodies)]


def _stored(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT typeof(body), count(*) FROM messages GROUP BY 1").fetchall())


def test_pack_gives_back_the_text_and_keeps_text_it_cannot_shrink():
    bodies = _bodies(1, 2000)
    zdict = message_bodies.train(bodies[1000:])
    assert 0 < len(zdict) <= message_bodies.DICTIONARY_BYTES
    assert message_bodies.train(bodies[1000:]) == zdict  # the same sample trains the same dictionary
    packed = [message_bodies.pack(b, 12345, zdict) for b in bodies[:1000]]
    assert packed[:2] == ["", "x"]  # not shorter packed: stored as text
    assert all(message_bodies.text(sqlite3.connect(":memory:"), p) == b for p, b in zip(packed, bodies[:1000], strict=True))
    raw = sum(len(b.encode()) for b in bodies[:1000])
    assert sum(len(p) if isinstance(p, bytes) else len(p.encode()) for p in packed) < raw / 2


def test_a_cache_packs_bodies_once_it_has_enough_and_every_reader_sees_the_text(tmp_path: Path):
    conn = open_database(tmp_path / "c.sqlite")
    bodies = _bodies(2, 1500)
    with transaction(conn):
        writer.save_tickets(conn, _tickets(30), fresh=True)
        writer.save_messages(conn, _messages(bodies[:400], 30))  # too few to train on: text
    assert _stored(conn) == {"text": 400}
    assert conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] == 0
    with transaction(conn):
        writer.save_messages(conn, _messages(bodies[400:], 30, first_id=401))  # 1,500 in all: trained
    stored = _stored(conn)
    assert stored["text"] == 400 and stored["blob"] > 1000, stored
    assert conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] == 1
    thread = [m for t in range(1, 31) for m in tickets.thread(conn, t)]
    assert sorted((m.id, m.body) for m in thread) == [(n + 1, b) for n, b in enumerate(bodies)]
    assert tickets.message_body(conn, 1500)[0] == bodies[1499]
    # Search finds packed messages by their words and shows their text.
    hits = search.search(conn, "certificat", kinds=("message",))
    assert hits and all("certificat" in h.snippet.lower() for h in hits)
    # Replacing a packed message removes its old words from the index (the delete reads the text).
    with transaction(conn):
        writer.save_messages(conn, _messages(["Completely different words now."], 30, first_id=1500))
    assert tickets.message_body(conn, 1500)[0] == "Completely different words now."
    assert conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'different' "
                        "AND rowid = 1500").fetchone()[0] == 1
    old_words = [w for w in bodies[1499].split() if w.isalpha() and len(w) > 6]
    for word in old_words:
        assert 1500 not in [r[0] for r in conn.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (f'"{word}"',))], word
    conn.close()
    # A read-only connection reads them too, and the export writes the text.
    ro = open_database(tmp_path / "c.sqlite", readonly=True)
    assert [m.body for m in tickets.thread(ro, 7)] == [m.body for m in thread if m.ticket_id == 7 and m.id != 1500]
    result = export_cache(ro, tmp_path / "export.sqlite")
    exported = sqlite3.connect(result.path)
    got = dict(exported.execute("SELECT id, body FROM messages").fetchall())
    assert got[3] == bodies[2] and got[1499] == bodies[1498] and got[1500] == "Completely different words now."
    assert {type(v) for v in got.values()} == {str}


def _old_cache(path: Path, bodies: list[str]) -> None:
    """The release before: text bodies, written as that release wrote them."""
    build_before(path, "message_dictionaries")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO tickets (id, number, subject, status, priority, created_at, updated_at, sla_key) "
                     "VALUES (?, ?, ?, 'open', 'normal', 0, 0, 0)", [(t, t, f"T{t}") for t in range(1, 41)])
    conn.executemany("INSERT INTO messages (id, remote_id, ticket_id, kind, author, body, created_at) "
                     "VALUES (?, ?, ?, 'customer', 'ana', ?, ?)",
                     [(n + 1, str(n + 1), 1 + n % 40, b, n) for n, b in enumerate(bodies)])
    conn.execute("COMMIT")
    conn.close()


def test_the_upgrade_packs_an_old_caches_bodies_and_keeps_their_text(tmp_path: Path):
    bodies = _bodies(3, 3000)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    before = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    # The pages the packed rows left empty are given back (VACUUM), not kept inside the file.
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("PRAGMA page_count").fetchone()[0] < before * 0.7, before
    unused = conn.execute("SELECT sum(unused) FROM dbstat WHERE name = 'messages'").fetchone()[0]
    assert unused < 0.2 * conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'messages'").fetchone()[0]
    stored = _stored(conn)
    assert stored.get("blob", 0) > 2900 and stored.get("text", 0) < 100, stored
    assert [r[0] for r in conn.execute("SELECT message_body(body) FROM messages ORDER BY id")] == bodies
    assert sorted(m.body for t in range(1, 41) for m in tickets.thread(conn, t)) == sorted(bodies)
    # New messages are packed with the dictionary the upgrade trained.
    with transaction(conn):
        writer.save_messages(conn, _messages(_bodies(4, 10)[5:], 40, first_id=5000))
    assert conn.execute("SELECT typeof(body) FROM messages WHERE id = 5004").fetchone()[0] == "blob"
    assert conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] == 1


def test_the_upgrade_of_a_small_cache_keeps_text_and_trains_later(tmp_path: Path):
    path = tmp_path / "small.sqlite"
    _old_cache(path, _bodies(5, 50))
    conn = open_database(path)
    assert _stored(conn) == {"text": 50}
    assert conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] == 0


def test_two_processes_upgrading_the_old_cache_at_once_pack_it_once(tmp_path: Path):
    bodies = _bodies(6, 3000)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    upgrade_in_two_processes_at_once(path)
    conn = open_database(path)
    assert conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] == 1
    assert [r[0] for r in conn.execute("SELECT message_body(body) FROM messages ORDER BY id")] == bodies


def test_an_upgrade_that_fills_the_disk_leaves_the_old_cache_and_says_so(tmp_path: Path):
    """SQLITE_FULL during the packing step (a page limit stands in for a full disk): the step is
    one transaction, so the cache keeps its version and its text bodies, and the error is the
    disk-full sentence."""
    bodies = _bodies(7, 3000)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    conn = sqlite3.connect(path, isolation_level=None)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # no room for the dictionary's pages
    with pytest.raises(sqlite3.OperationalError) as failed:
        migrate(conn)
    assert "is full" in explain(failed.value, path)
    conn.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == version
    assert _stored(check) == {"text": 3000}


def test_without_room_for_the_copy_the_upgrade_packs_but_keeps_the_file_size(tmp_path: Path, monkeypatch):
    """VACUUM needs about twice the cache free: without it the rows are packed all the same and
    the freed space stays inside the file (no error, nothing half done)."""
    bodies = _bodies(8, 3000)
    path = tmp_path / "old.sqlite"
    _old_cache(path, bodies)
    before = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: SimpleNamespace(total=10**9, used=10**9 - 1000, free=1000))
    conn = open_database(path)
    assert conn.execute("PRAGMA page_count").fetchone()[0] >= before
    assert _stored(conn).get("blob", 0) > 2900
    assert [r[0] for r in conn.execute("SELECT message_body(body) FROM messages ORDER BY id")] == bodies
