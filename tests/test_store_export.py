"""The analysts' export of the cache (store/export.py): what goes out, what never does."""

from __future__ import annotations

import csv
import json
import sqlite3
import stat
from datetime import timedelta

import pytest

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import drafts, outbox, ratings, writer
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.export import TABLES, ExportError, export_cache
from tests.factories import NOW, Builder

HOSTILE_SUBJECT = '=HYPERLINK("http://evil.example","click")'
# Things the cache keeps for itself; none may appear in an export.
INTERNAL = ("CURSOR-MARKER", "DRAFT-MARKER", "RAW-MARKER", "META-MARKER")


def fill(conn: sqlite3.Connection) -> dict[str, int]:
    b = Builder()
    acme = b.org()
    aiko = b.customer("Aiko Tanaka", acme, language="ja")
    luca = b.customer("Luca Rossi")
    down = b.ticket("Site down", customer=aiko, tags=("outage", "vip"))
    hostile = b.ticket(HOSTILE_SUBJECT, customer=luca)
    gone = b.ticket("Deleted on the server", customer=luca, deleted_at=NOW - timedelta(minutes=5))
    with transaction(conn):
        writer.save_organizations(conn, [acme])
        writer.save_customers(conn, [aiko, luca])
        writer.save_tickets(conn, [down, hostile, gone])
        writer.save_messages(conn, [b.message(down, "It is down.\nSince 9:00, \"all\" pages."),
                                    b.message(hostile, "+1 555 0100 call me"),
                                    b.message(gone, "a message of a deleted ticket")])
        outbox.queue_reply(conn, ReplyPlan(down.saved_id, MessageKind.PUBLIC_REPLY, "Looking at it now.", "you"),
                           NOW)
        ratings.record_local_rating(conn, down.saved_id, "good", NOW, comment="Quick!", agent="you")
        ratings.record_local_rating(conn, gone.saved_id, "bad", NOW)
        drafts.save_draft(conn, Draft(hostile.saved_id, MessageKind.PUBLIC_REPLY, "DRAFT-MARKER", NOW, NOW))
        conn.execute("INSERT INTO sync_state (stream, cursor) VALUES ('tickets', 'CURSOR-MARKER')")
        conn.execute("UPDATE tickets SET raw = '{\"secret\": \"RAW-MARKER\"}'")
        writer.set_meta(conn, "note", "META-MARKER")
    return {"down": down.saved_id, "hostile": hostile.saved_id, "gone": gone.saved_id}


def test_sqlite_export_holds_the_synced_tables_with_keys_and_utc_times_and_nothing_internal(db, tmp_path):
    ids = fill(db)
    target = tmp_path / "analysis.sqlite"
    result = export_cache(db, target)
    assert result.path == target
    assert result.rows == {"organizations": 1, "customers": 2, "tickets": 2, "messages": 3, "ratings": 1}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # customers' names and messages
    data = target.read_bytes()
    assert not [marker for marker in INTERNAL if marker.encode() in data]
    out = sqlite3.connect(target)
    out.row_factory = sqlite3.Row
    names = {r[0] for r in out.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {t.name for t in TABLES}
    down = out.execute("SELECT * FROM tickets WHERE id = ?", (ids["down"],)).fetchone()
    assert down["subject"] == "Site down" and down["created_at"] == "2026-11-20T07:30:00+00:00"
    assert json.loads(down["tags"]) == ["outage", "vip"]
    assert "raw" not in down.keys() and "sla_key" not in down.keys()
    assert out.execute("SELECT count(*) FROM tickets WHERE id = ?", (ids["gone"],)).fetchone()[0] == 0
    bodies = {r[0] for r in out.execute("SELECT body FROM messages")}
    assert bodies == {"It is down.\nSince 9:00, \"all\" pages.", "+1 555 0100 call me", "Looking at it now."}
    keys = {(r["from"], r["table"]) for r in out.execute("PRAGMA foreign_key_list(messages)")}
    assert keys == {("ticket_id", "tickets")}
    assert out.execute("PRAGMA foreign_key_check").fetchall() == []
    rating = out.execute("SELECT score, comment, agent FROM ratings").fetchone()
    assert tuple(rating) == ("good", "Quick!", "you")
    out.close()


def test_csv_export_writes_one_file_per_table_and_a_formula_stays_text(db, tmp_path):
    ids = fill(db)
    target = tmp_path / "csv"
    export_cache(db, target, fmt="csv")
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{t.name}.csv" for t in TABLES)
    with open(target / "tickets.csv", newline="", encoding="utf-8") as f:
        tickets = {int(r["id"]): r for r in csv.DictReader(f)}
    assert tickets[ids["hostile"]]["subject"] == "'" + HOSTILE_SUBJECT  # a spreadsheet must not run it
    with open(target / "messages.csv", newline="", encoding="utf-8") as f:
        bodies = {r["body"] for r in csv.DictReader(f)}
    assert "It is down.\nSince 9:00, \"all\" pages." in bodies  # quotes and newlines round-trip
    assert "'+1 555 0100 call me" in bodies
    for path in target.iterdir():
        assert not [m for m in INTERNAL if m in path.read_text(encoding="utf-8")]


def test_json_export_gives_lists_and_objects_not_json_text(db, tmp_path):
    ids = fill(db)
    target = tmp_path / "json"
    export_cache(db, target, fmt="json")
    tickets = {t["id"]: t for t in json.loads((target / "tickets.json").read_text(encoding="utf-8"))}
    assert tickets[ids["down"]]["tags"] == ["outage", "vip"]
    assert tickets[ids["down"]]["custom_fields"] == {}
    assert tickets[ids["hostile"]]["subject"] == HOSTILE_SUBJECT  # JSON is no spreadsheet: kept as it is
    assert json.loads((target / "organizations.json").read_text(encoding="utf-8"))[0]["name"] == "ACME Hosting"


def test_an_empty_cache_exports_empty_tables(db, tmp_path):
    result = export_cache(db, tmp_path / "empty.sqlite")
    assert set(result.rows.values()) == {0}
    out = sqlite3.connect(tmp_path / "empty.sqlite")
    assert {r[0] for r in out.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
        t.name for t in TABLES}
    out.close()
    export_cache(db, tmp_path / "j", fmt="json")
    assert json.loads((tmp_path / "j" / "tickets.json").read_text(encoding="utf-8")) == []


def test_an_existing_target_is_kept_unless_overwrite_and_the_cache_itself_is_refused(db, tmp_path):
    fill(db)
    target = tmp_path / "analysis.sqlite"
    target.write_text("keep me")
    with pytest.raises(ExportError, match="already exists: choose another name"):
        export_cache(db, target)
    assert target.read_text() == "keep me"
    export_cache(db, target, overwrite=True)
    assert sqlite3.connect(target).execute("SELECT count(*) FROM tickets").fetchone()[0] == 2
    cache_file = tmp_path / "acct.sqlite"  # the conftest ``db`` fixture's file
    with pytest.raises(ExportError, match="is the cache itself"):
        export_cache(db, cache_file, overwrite=True)
    with pytest.raises(ExportError, match="Unknown export format 'xlsx'"):
        export_cache(db, tmp_path / "x.xlsx", fmt="xlsx")  # type: ignore[arg-type]  # a caller's mistake
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no work folder left behind
