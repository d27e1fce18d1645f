"""Values the cache implies (schema ``_V18_IMPLIED_VALUES``): a raw status/priority equal to the
normalized one, the 'policy' SLA source and the 'markdown' body format are stored as '', tags and
custom fields as compact JSON. Every writer (UI save, sync one by one and batched, demo) and every
reader (ticket view, thread, message look-up, export) gives back exactly the values written,
a raw value that really is '' included; an upgraded cache reads as the old layout did."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from tests.factories import NOW, Builder
from tests.old_schema import build_before

from helpdesk_tui.domain.models import Message, Ticket
from helpdesk_tui.domain.remote import ChangePage, RemoteTicket
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import kb, rows, search, sync_apply, tickets, triage_queue, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.export import export_cache
from helpdesk_tui.store.schema import MIGRATIONS, RAW_KEPT

# Raw values as servers send them: the normalized one, none, another word, our own marker.
RAWS = ("open", "", "Offen", RAW_KEPT, RAW_KEPT + "x", " open", "OPEN", "Open ")
FORMATS = ("markdown", "", "html", "text", RAW_KEPT, RAW_KEPT + "markdown", "Markdown")


def _tickets() -> list[Ticket]:
    b = Builder()
    out = []
    for n, raw in enumerate(RAWS):
        status = Status.OPEN if n % 2 == 0 else Status.PENDING
        out.append(b.ticket(f"t{n}", status=status, priority=Priority.HIGH,
                            status_raw=raw if n % 2 == 0 else raw.replace("open", "pending"),
                            priority_raw=RAWS[-1 - n].replace("open", "high"),
                            tags=("ärger", "a, b", 'q"uote', "x: y") if n % 3 else (),
                            custom_fields={"plan": "Pro", "n": n, "nested": {"a": [1, 2.5, None]}, "s": "k: v, w"}
                            if n % 4 else {},
                            sla_source="helpdesk" if n % 3 == 1 else "policy"))
    return out


def _messages(ts: list[Ticket]) -> list[Message]:
    return [Message(ticket_id=ts[n % len(ts)].id, kind=MessageKind.CUSTOMER, author="ann",
                    body=f"**body** {n}", body_format=fmt, created_at=NOW - timedelta(minutes=n), id=n + 1)
            for n, fmt in enumerate(FORMATS)]


def _given(ts: list[Ticket], ms: list[Message]) -> dict:
    return {"tickets": {t.id: (t.status_raw, t.priority_raw, list(t.tags), t.custom_fields, t.sla_source) for t in ts},
            "formats": {m.id: m.body_format for m in ms}}


def _read(conn: sqlite3.Connection, ts: list[Ticket], ms: list[Message], tmp_path: Path, name: str) -> dict:
    """Every reader of these values, asked of ``conn``."""
    got: dict = {"tickets": {}, "formats": {}}
    for t in ts:
        back = tickets.get_ticket(conn, t.id)
        assert back is not None
        got["tickets"][t.id] = (back.status_raw, back.priority_raw, list(back.tags), back.custom_fields,
                                back.sla_source)
        for m in tickets.thread(conn, t.id):
            got["formats"][m.id] = m.body_format
    for m in ms:
        found = tickets.message_body(conn, m.id)
        assert found is not None and found[1] == got["formats"][m.id]
    folder = tmp_path / name
    export_cache(conn, folder, fmt="json")
    exported = {r["id"]: (r["status_raw"], r["priority_raw"], r["tags"], r["custom_fields"])
                for r in json.loads((folder / "tickets.json").read_text())}
    assert exported == {tid: v[:4] for tid, v in got["tickets"].items()}
    formats = {r["id"]: r["body_format"] for r in json.loads((folder / "messages.json").read_text())}
    assert formats == got["formats"]
    return got


def _write(conn: sqlite3.Connection, ts: list[Ticket], ms: list[Message]) -> None:
    with transaction(conn):
        writer.save_tickets(conn, ts, fresh=True)
        writer.save_messages(conn, ms, fresh=True)


def test_every_value_written_comes_back_from_every_reader_and_the_implied_ones_take_no_bytes(tmp_path: Path):
    ts, ms = _tickets(), None
    ms = _messages(ts)
    conn = open_database(tmp_path / "c.sqlite")
    _write(conn, ts, ms)
    assert _read(conn, ts, ms, tmp_path, "export") == _given(ts, ms)
    # Only the raw values equal to the normalized ones ("open", "high") are stored as ''.
    assert conn.execute("SELECT number - 1001 FROM tickets WHERE status_raw = ''").fetchall() == [(0,)]
    assert conn.execute("SELECT number - 1001 FROM tickets WHERE priority_raw = ''").fetchall() == [(7,)]
    assert conn.execute("SELECT count(*) FROM tickets WHERE sla_source = ''").fetchone()[0] == 5
    assert conn.execute("SELECT count(*) FROM messages WHERE body_format = ''").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM tickets WHERE tags LIKE '%\", \"%' OR custom_fields LIKE '%\": %'"
                        ).fetchone()[0] == 0
    # A re-save (the UI's save of a ticket read back) keeps every value.
    again = [tickets.get_ticket(conn, t.id) for t in ts]
    with transaction(conn):
        writer.save_tickets(conn, [t for t in again if t is not None])
    assert _read(conn, ts, ms, tmp_path, "export2") == _given(ts, ms)


def _remote(n: int, raw: str) -> RemoteTicket:
    return RemoteTicket(remote_id=str(500 + n), number=500 + n, subject=f"r{n}", status=Status.SOLVED,
                        priority=Priority.LOW, created_at=NOW - timedelta(days=1), updated_at=NOW,
                        tags=("ä", "b c"), custom_fields={"k": "v: w"}, status_raw=raw.replace("open", "solved"),
                        priority_raw=raw.replace("open", "low"), solved_at=NOW, raw={"id": n})


@pytest.mark.parametrize("batch", [False, True])
def test_a_synced_page_keeps_the_server_s_raw_values(tmp_path: Path, batch: bool):
    page = ChangePage(tickets=[_remote(n, raw) for n, raw in enumerate(RAWS)], users=[], organizations=[],
                      cursor="c", done=False)
    cache = Cache(tmp_path / "s.sqlite", "t")
    with cache.connection() as conn:
        with transaction(conn):
            sync_apply.apply_page(conn, page, {}, stream="tickets", now=NOW, batch=batch)
        got = {}
        for remote in page.tickets:
            tid = conn.execute("SELECT id FROM tickets WHERE remote_id = ?", (remote.remote_id,)).fetchone()[0]
            t = tickets.get_ticket(conn, tid)
            assert t is not None
            got[remote.remote_id] = (t.status_raw, t.priority_raw, t.tags, t.custom_fields)
        assert got == {r.remote_id: (r.status_raw, r.priority_raw, r.tags, r.custom_fields) for r in page.tickets}
        assert conn.execute("SELECT count(*) FROM tickets WHERE status_raw = ''").fetchone()[0] == 1


# ----- the upgrade from the layout before

def _old_cache(path: Path, ts: list[Ticket], ms: list[Message]) -> None:
    """The release before: every value stored as given, JSON with blanks."""
    build_before(path, "sla_source = CASE sla_source")
    conn = sqlite3.connect(path, isolation_level=None)
    from helpdesk_tui.store import message_bodies
    message_bodies.register(conn)
    conn.execute("BEGIN")
    writer.save_tickets(conn, ts, fresh=True)
    writer.save_messages(conn, ms, fresh=True)
    for t in ts:
        conn.execute("UPDATE tickets SET status_raw = ?, priority_raw = ?, tags = ?, custom_fields = ?, "
                     "sla_source = ? WHERE id = ?",
                     (t.status_raw, t.priority_raw, json.dumps(list(t.tags), ensure_ascii=False),
                      json.dumps(t.custom_fields, ensure_ascii=False), t.sla_source, t.id))
    conn.executemany("UPDATE messages SET body_format = ? WHERE id = ?", [(m.body_format, m.id) for m in ms])
    conn.execute("COMMIT")
    conn.close()


def test_the_upgrade_reads_as_the_old_layout_and_as_a_cache_written_today(tmp_path: Path):
    ts = _tickets()
    ms = _messages(ts)
    path = tmp_path / "old.sqlite"
    _old_cache(path, ts, ms)
    old = sqlite3.connect(path)
    assert old.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) - 1
    before = {"tickets": {r[0]: (r[1], r[2], json.loads(r[3]), json.loads(r[4]), r[5]) for r in old.execute(
        "SELECT id, status_raw, priority_raw, tags, custom_fields, sla_source FROM tickets")},
        "formats": dict(old.execute("SELECT id, body_format FROM messages"))}
    assert old.execute("SELECT count(*) FROM tickets WHERE tags LIKE '%\", \"%'").fetchone()[0] > 0
    old.close()
    assert before == _given(ts, ms)
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert _read(conn, ts, ms, tmp_path, "upgraded") == before
    # Stored as today's writer stores them, row for row.
    fresh = open_database(tmp_path / "fresh.sqlite")
    _write(fresh, ts, ms)
    columns = "id, status_raw, priority_raw, tags, custom_fields, sla_source"
    assert conn.execute(f"SELECT {columns} FROM tickets ORDER BY id").fetchall() == \
        fresh.execute(f"SELECT {columns} FROM tickets ORDER BY id").fetchall()
    assert conn.execute("SELECT id, body_format FROM messages ORDER BY id").fetchall() == \
        fresh.execute("SELECT id, body_format FROM messages ORDER BY id").fetchall()
    # The rows shortened in place: VACUUM gave the space back.
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'bodies_packed_vacuum_pending'").fetchone()[0] == 0


def test_a_demo_workspace_stores_its_raw_values_sources_and_formats_as_implied(demo_db):
    conn = open_database(demo_db)
    assert conn.execute("SELECT count(*) FROM tickets WHERE status_raw <> '' OR priority_raw <> '' "
                        "OR sla_source <> ''").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM messages WHERE body_format <> ''").fetchone()[0] == 0
    some = conn.execute("SELECT id FROM tickets ORDER BY id LIMIT 50").fetchall()
    for (tid,) in some:
        t = tickets.get_ticket(conn, tid)
        assert t is not None
        assert (t.status_raw, t.priority_raw, t.sla_source) == (str(t.status), str(t.priority), "policy")
        assert all(m.body_format == "markdown" for m in tickets.thread(conn, tid))
    assert rows.raw_of("", "open") == "open"


def test_the_readers_in_sql_read_an_implied_format_as_markdown(tmp_path: Path):
    """Search snippets, past replies and the triage preview read the format in SQL: a markdown
    body shown as plain text would keep its "**"."""
    b = Builder()
    solved = b.ticket("zebra case", status=Status.SOLVED)
    conn = open_database(tmp_path / "c.sqlite")
    body = "**zebra** crossing, see the _manual_"
    ms = [Message(ticket_id=solved.id, kind=kind, author="ann", body=body, created_at=NOW - timedelta(minutes=n),
                  id=n + 1) for n, kind in enumerate((MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY))]
    _write(conn, [solved], ms)
    assert conn.execute("SELECT count(*) FROM messages WHERE body_format = ''").fetchone()[0] == 2
    hits = [h for h in search.search(conn, "zebra", kinds=("message",))]
    assert hits and all("zebra" in h.snippet and "**" not in h.snippet for h in hits), hits
    replies = kb.search_past_replies(conn, "zebra")
    assert replies and all("**" not in h.snippet for h in replies), replies
    first = triage_queue.first_customer_message(conn, solved.id)
    assert first is not None and first.body_format == "markdown"
