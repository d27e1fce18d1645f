"""Tag rows found from their ticket's own tags (schema ``_V15_TAG_ROWS_FOUND_BY_TAGS``): whatever
writes a ticket's sla_key or replaces its tags, ``ticket_tags`` stays exactly what a rebuild from
``tickets`` gives, for tags Python folds differently from SQLite's lower() too."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from tests.factories import NOW, Builder
from tests.old_schema import build_before, upgrade_in_two_processes_at_once

from helpdesk_tui.store import sla_refresh, sync_batch, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.schema import MIGRATIONS
from helpdesk_tui.store.tickets import get_ticket

# Non-ASCII letters SQLite's lower() leaves alone, one Python folds to ASCII (the Kelvin sign),
# one it folds to two characters (İ), one with no lower case of its own (ß), and plain mixed case.
AWKWARD = ("Ärger", "İstanbul", "ß", "\u212aelvin", "MiXed", "billing", "Billing", "ÆON-Ω")


def _rebuilt(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    return sorted({(tag.lower(), key, tid) for tid, tags, key in conn.execute("SELECT id, tags, sla_key FROM tickets")
                   for tag in json.loads(tags)})


def _stored(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    return sorted(conn.execute("SELECT tag, sla_key, ticket_id FROM ticket_tags").fetchall())


def _cache(db: sqlite3.Connection) -> list[int]:
    b = Builder()
    tickets = [b.ticket(f"t{i}", tags=AWKWARD[i % len(AWKWARD):] + AWKWARD[:i % 3]) for i in range(12)]
    tickets.append(b.ticket("no tags", tags=()))
    with transaction(db):
        writer.save_tickets(db, tickets, fresh=True)
    assert _stored(db) == _rebuilt(db)
    assert {"ärger", "i\u0307stanbul", "kelvin", "ß", "mixed", "billing", "æon-ω"} <= {r[0] for r in _stored(db)}
    return [t.id for t in tickets if t.id is not None]


def test_a_changed_sla_key_moves_every_tag_row_whatever_writes_it(db):
    ids = _cache(db)
    with transaction(db):  # a plain statement, as the demo's clock shift writes it
        db.execute("UPDATE tickets SET sla_key = sla_key + 7")
    assert _stored(db) == _rebuilt(db)
    with transaction(db):
        db.execute("UPDATE tickets SET sla_key = 5 WHERE id = ?", (ids[3],))
    assert _stored(db) == _rebuilt(db)
    with transaction(db):  # the SLA refresh (its write with a new key)
        sla_refresh.refresh_tickets(db, ids)
    assert _stored(db) == _rebuilt(db)
    with transaction(db):
        for tid in ids[:4]:
            ticket = get_ticket(db, tid)
            assert ticket is not None
            before = db.execute("SELECT sla_key FROM tickets WHERE id = ?", (tid,)).fetchone()[0]
            due = NOW + timedelta(minutes=tid)
            writer.save_clocks(db, [dataclasses.replace(ticket, first_response_at=None, first_response_due_at=due,
                                                        first_update_due_at=due, update_due_at=due,
                                                        resolution_due_at=due)])
            assert db.execute("SELECT sla_key FROM tickets WHERE id = ?", (tid,)).fetchone()[0] != before
            db.execute("UPDATE tickets SET sla_key = sla_key - 3 WHERE id = ?", (tid,))
    assert _stored(db) == _rebuilt(db)


def test_replaced_tags_leave_no_row_behind(db):
    ids = _cache(db)
    with transaction(db):  # the writer's upsert of known tickets (forgets their rows first)
        for n, tid in enumerate(ids):
            ticket = get_ticket(db, tid)
            assert ticket is not None
            writer.save_tickets(db, [dataclasses.replace(ticket, tags=AWKWARD[n % 4:n % 4 + 2] + ("Neu",))])
    assert _stored(db) == _rebuilt(db)
    with transaction(db):  # the sync's forgetting of a page, then the rows written again
        tickets = [get_ticket(db, tid) for tid in ids]
        sync_batch.forget_ticket_index(db, ids)
        assert _stored(db) == []
        writer.save_tickets(db, [dataclasses.replace(t, tags=("İ", "straße", "STRASSE")) for t in tickets if t],
                            fresh=True)
    assert _stored(db) == _rebuilt(db)
    with transaction(db):
        db.execute("UPDATE tickets SET sla_key = sla_key + 1")
    assert _stored(db) == _rebuilt(db)


def test_the_trigger_and_the_forgetting_probe_the_primary_key(db):
    _cache(db)
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN UPDATE ticket_tags SET sla_key = 1 WHERE tag IN (SELECT lower(replace(value, char(8490), 'k')) "
        "FROM json_each('[\"a\"]')) AND sla_key = 2 AND ticket_id = 3"))
    assert "USING PRIMARY KEY (tag=? AND sla_key=? AND ticket_id=?)" in plan
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN UPDATE ticket_tags SET sla_key = 1 WHERE ticket_id = 3 AND sla_key = 2 "
        "AND length(CAST(tag AS BLOB)) <> length(tag)"))
    assert "ix_ticket_tags_unfolded" in plan
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN DELETE FROM ticket_tags WHERE tag = 'a' AND sla_key = 2 AND ticket_id = 3"))
    assert "USING PRIMARY KEY" in plan
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "ix_ticket_tags_ticket" not in names


def test_an_old_cache_upgraded_by_two_processes_at_once_keeps_its_tag_rows(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    build_before(path, "ix_ticket_tags_unfolded")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for tid, key, tags in ((1, 300, ["Billing", "Ärger"]), (2, 100, ["billing", "\u212a"]), (3, 200, [])):
        conn.execute("INSERT INTO tickets (id, number, subject, status, priority, tags, created_at, updated_at, "
                     "sla_key) VALUES (?, ?, 's', 'open', 'normal', ?, 0, 0, ?)", (tid, tid, json.dumps(tags), key))
        conn.executemany("INSERT OR IGNORE INTO ticket_tags (tag, sla_key, ticket_id) VALUES (?, ?, ?)",
                         ((t.lower(), key, tid) for t in tags))
    conn.execute("COMMIT")
    assert "ix_ticket_tags_ticket" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    upgrade_in_two_processes_at_once(path)
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "ix_ticket_tags_ticket" not in names and {"ix_ticket_tags_unfolded", "ticket_tags_follow_sla_key"} <= names
    assert conn.execute("SELECT count(*) FROM ticket_tags INDEXED BY ix_ticket_tags_unfolded "
                        "WHERE ticket_id = 1 AND length(CAST(tag AS BLOB)) <> length(tag)").fetchone()[0] == 1
    conn.execute("UPDATE tickets SET sla_key = sla_key * 3")
    assert _stored(conn) == _rebuilt(conn) == [("billing", 300, 2), ("billing", 900, 1), ("k", 300, 2),
                                                ("ärger", 900, 1)]
    conn.close()
