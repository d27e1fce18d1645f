"""Events kept in ticket order, keyed by (ticket_id, id) (schema ``_V16_EVENTS_BY_TICKET``): every
event written comes back whole and in timeline order, ids stay unique and only grow (triage marks
and undo rely on them), and an upgraded cache answers every query as the old layout did."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from pathlib import Path

from tests import kpi_dataset as data
from tests.factories import NOW, Builder
from tests.old_schema import build_before, save_events_before_v16, upgrade_in_two_processes_at_once

from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.domain.models import Event
from helpdesk_tui.domain.vocab import EventKind, Status
from helpdesk_tui.store import kpi_data, message_bodies, rows, tickets, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.schema import (
    _FLIP_WHERE_V11, EVENT_KIND_CODES, KPI_FLIP_DETAILS, KPI_FLIP_WHERE, LAST_EVENT_ID, MIGRATIONS,
)

KINDS = list(EventKind)
DETAILS = (*KPI_FLIP_DETAILS, "new → open", "open → pending")


def _some_events(rnd: random.Random, ticket_ids: list[int], count: int, *, ids: bool) -> list[Event]:
    """Events of many tickets in no ticket order, with ties in time and text from anywhere."""
    out = []
    for n in range(count):
        kind = rnd.choice(KINDS)
        detail = rnd.choice(DETAILS) if kind == EventKind.STATUS_CHANGED else rnd.choice(("", "ärger 🎫", "x"))
        out.append(Event(rnd.choice(ticket_ids), kind, NOW - timedelta(minutes=rnd.randrange(50)),
                         rnd.choice(("ana", "斎藤 ミサト", "", "system")), detail, id=(n * 7 + 3) if ids else None))
    return out


def _timelines(conn: sqlite3.Connection, ticket_ids: list[int]) -> dict[int, list[tuple]]:
    return {t: [(e.id, e.ticket_id, str(e.kind), e.at, e.actor, e.detail) for e in tickets.timeline(conn, t)]
            for t in ticket_ids}


def test_events_with_and_without_ids_come_back_whole_in_timeline_order_with_unique_ids(db):
    b = Builder()
    ticket_list = [b.ticket(f"t{i}") for i in range(6)]
    ids = [t.id for t in ticket_list if t.id is not None]
    rnd = random.Random(4)
    given = _some_events(rnd, ids, 60, ids=True)
    new = _some_events(rnd, ids, 40, ids=False)
    with transaction(db):
        writer.save_tickets(db, ticket_list, fresh=True)
        writer.save_events(db, given)
        writer.add_events(db, new)
    stored = db.execute("SELECT id, ticket_id, kind, at, actor, detail FROM events").fetchall()
    assert len(stored) == 100 and len({r[0] for r in stored}) == 100
    # The new ones were numbered after every id given, in the order they came.
    highest = max(e.id for e in given if e.id is not None)
    numbered = sorted(r[0] for r in stored if r[0] > highest)
    assert numbered == list(range(highest + 1, highest + 41))
    for t in ids:
        line = tickets.timeline(db, t)
        assert [(e.at, e.id) for e in line] == sorted((e.at, e.id) for e in line)
        mine = [e for e in given if e.ticket_id == t]
        assert {(e.id, e.kind, e.at, e.actor, e.detail) for e in mine} <= {
            (e.id, e.kind, e.at, e.actor, e.detail) for e in line}
        assert sorted((e.kind, e.at, e.actor, e.detail) for e in line) == sorted(
            (e.kind, e.at, e.actor, e.detail) for e in given + new if e.ticket_id == t)
    # A re-saved event replaces itself (same ticket, same id), it is not added again.
    again = [e for e in given if e.ticket_id == ids[0]][0]
    with transaction(db):
        writer.save_events(db, [Event(again.ticket_id, again.kind, again.at, "someone else", "changed", id=again.id)])
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 100
    assert db.execute("SELECT actor, detail FROM events WHERE ticket_id = ? AND id = ?",
                      (again.ticket_id, again.id)).fetchone() == ("someone else", "changed")


def test_an_id_once_given_is_never_given_again_even_after_its_event_is_deleted(db):
    b = Builder()
    ticket = b.ticket("one")
    with transaction(db):
        writer.save_tickets(db, [ticket], fresh=True)
        writer.add_events(db, [Event(ticket.id, EventKind.RECEIVED, NOW), Event(ticket.id, EventKind.REPLIED, NOW)])
    [(first, last)] = db.execute("SELECT min(id), max(id) FROM events").fetchall()
    mark = writer.last_event_id(db)
    assert mark == last
    with transaction(db):
        db.execute("DELETE FROM events WHERE ticket_id = ? AND id = ?", (ticket.id, last))
        writer.add_events(db, [Event(ticket.id, EventKind.NOTE_ADDED, NOW)])
    assert [e.id for e in tickets.timeline(db, ticket.id)] == [first, last + 1]
    assert writer.last_event_id(db) == last + 1


def test_triage_undo_takes_back_exactly_the_events_of_the_change(demo_db):
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.store.triage_desk import TriageDesk

    from tests.conftest import DEMO_NOW

    cache = Cache(demo_db, "demo")
    try:
        desk = TriageDesk(cache, "Aiko", sends_tags=True, now=DEMO_NOW)
        ids = list(desk.queue_ids()[:3])
        with cache.connection() as conn:
            everything = sorted(conn.execute("SELECT * FROM events").fetchall())
        before = {t: cache.timeline(t) for t in ids}
        later = DEMO_NOW + timedelta(minutes=3)
        desk.set_status(ids, Status.PENDING, later)
        for t in ids:
            grown = cache.timeline(t)
            assert grown[:len(before[t])] == before[t] and len(grown) > len(before[t])
            assert all(e.id is not None and e.id > max(x.id or 0 for x in before[t]) for e in grown[len(before[t]):])
        desk.undo(later)
        assert {t: cache.timeline(t) for t in ids} == before
        with cache.connection() as conn:
            assert sorted(conn.execute("SELECT * FROM events").fetchall()) == everything
    finally:
        cache.close()


# ----- the upgrade from the rowid table

def _old_cache(path: Path, events: list[Event]) -> None:
    """The release before (events a rowid table with ix_events_ticket), filled as it filled them:
    SQLite numbering the rows without an id."""
    build_before(path, "events_by_ticket")
    conn = sqlite3.connect(path, isolation_level=None)
    message_bodies.register(conn)
    conn.execute("BEGIN")
    writer.save_tickets(conn, data.TICKETS, fresh=True)
    writer.save_messages(conn, data.messages(), fresh=True)
    save_events_before_v16(conn, events)
    conn.execute("COMMIT")
    conn.close()


def _answers(conn: sqlite3.Connection, flip_where: str = KPI_FLIP_WHERE) -> dict[str, object]:
    """What the readers ask of the events, asked of ``conn`` (``flip_where``: the KPI index's
    filter as that layout writes it)."""
    ticket_ids = [t.id for t in data.TICKETS if t.id is not None]
    return {
        "rows": sorted((e.id, e.ticket_id, str(e.kind), e.at, e.actor, e.detail) for e in map(
            rows.event_from_row, conn.execute(f"SELECT {rows.EVENT_COLUMNS} FROM events"))),
        "timelines": _timelines(conn, ticket_ids),
        "flips": conn.execute(f"SELECT ticket_id, at, detail FROM events WHERE {flip_where} "
                              "ORDER BY ticket_id, at, detail").fetchall(),
    }


def _kpis(conn: sqlite3.Connection) -> list:
    windows = [data.WINDOW, Window(data.START - timedelta(days=1), data.NOW, data.WINDOW.tz),
               Window(data.START + timedelta(hours=30), data.NOW, data.WINDOW.tz)]
    return [kpi_data.kpi_report(conn, w) for w in windows]


def _fresh(path: Path, events: list[Event]) -> sqlite3.Connection:
    """The same tickets, messages and events written by today's writer into a new cache."""
    conn = open_database(path)
    with transaction(conn):
        writer.save_tickets(conn, data.TICKETS, fresh=True)
        writer.save_messages(conn, data.messages(), fresh=True)
        writer.save_events(conn, events)
    return conn


def _old_events() -> list[Event]:
    rnd = random.Random(9)
    ticket_ids = [t.id for t in data.TICKETS if t.id is not None]
    extra = _some_events(rnd, ticket_ids, 300, ids=False)
    events = data.events() + extra
    rnd.shuffle(events)  # ids not in ticket order, as a sync writes them
    return events


def test_the_upgrade_moves_every_event_and_every_query_answers_as_before(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    _old_cache(path, _old_events())
    old = sqlite3.connect(path)
    before = _answers(old, _FLIP_WHERE_V11)
    highest = old.execute("SELECT max(id) FROM events").fetchone()[0]
    numbered = [rows.event_from_row(r) for r in old.execute(f"SELECT {rows.EVENT_COLUMNS} FROM events")]
    old.close()
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert _answers(conn) == before
    assert len(before["flips"]) > 20
    # The kinds are stored as codes, and the KPIs read them as from a cache written today.
    assert {r[0] for r in conn.execute("SELECT DISTINCT typeof(kind) FROM events")} == {"integer"}
    assert _kpis(conn) == _kpis(_fresh(tmp_path / "fresh.sqlite", numbered))
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'events'")}
    assert names == {"events", "ix_events_flips", "ix_events_kpi_reopens"}  # no ix_events_ticket
    assert "WITHOUT ROWID" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    # The timeline of a ticket is read from the table's key, not a scan.
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM events WHERE ticket_id = 3 "
                                                "ORDER BY at, id"))
    assert "SEARCH events USING PRIMARY KEY (ticket_id=?)" in plan, plan
    # The pages the old table and index held are given back.
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'bodies_packed_vacuum_pending'").fetchone()[0] == 0
    assert conn.execute("SELECT value FROM meta WHERE key = ?", (LAST_EVENT_ID,)).fetchone()[0] == str(highest)
    with transaction(conn):
        writer.add_events(conn, [Event(3, EventKind.NOTE_ADDED, data.NOW)])
    assert conn.execute("SELECT ticket_id, kind FROM events WHERE id > ?", (highest,)).fetchall() == [
        (3, rows.event_kind_code("note_added"))]


def test_two_processes_upgrading_the_old_cache_at_once_move_the_events_once(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    events = _old_events()
    _old_cache(path, events)
    old = sqlite3.connect(path)
    before = _answers(old, _FLIP_WHERE_V11)
    old.close()
    upgrade_in_two_processes_at_once(path)
    conn = open_database(path)
    assert _answers(conn) == before
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(events)


def test_every_kind_of_event_has_a_stored_code_and_comes_back_as_itself(db):
    assert sorted(EVENT_KIND_CODES) == sorted(str(k) for k in EventKind)
    assert len(set(EVENT_KIND_CODES)) == len(EVENT_KIND_CODES)
    ticket = Builder().ticket("kinds")
    with transaction(db):
        writer.save_tickets(db, [ticket], fresh=True)
        writer.add_events(db, [Event(ticket.id, kind, NOW, "ana", str(kind)) for kind in EventKind])
    assert [(e.kind, e.detail) for e in tickets.timeline(db, ticket.id)] == [(k, str(k)) for k in EventKind]


def test_a_fresh_demo_workspace_is_written_in_the_new_layout_with_full_pages(demo_db):
    conn = open_database(demo_db)
    assert "WITHOUT ROWID" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_ticket'").fetchone()[0] == 0
    assert {r[0] for r in conn.execute("SELECT DISTINCT typeof(kind) FROM events")} == {"integer"}
    highest = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    assert writer.last_event_id(conn) == highest > 1000
    # The build ends with VACUUM: keyed tables filled in key order would keep ~12 % of their
    # pages empty otherwise.
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    for table in ("events",):  # (the tag rows of this small workspace fill a dozen pages)
        unused, size = conn.execute("SELECT sum(unused), sum(pgsize) FROM dbstat WHERE name = ?", (table,)).fetchone()
        assert unused < 0.05 * size, (table, unused, size)


def test_the_upgrade_keeps_an_event_whose_ticket_is_gone_and_the_cache_opens(tmp_path: Path):
    """A row written with the foreign-key checks off (an older release, an sqlite3 shell) must
    not make the copy fail: the cache would then never open again."""
    path = tmp_path / "old.sqlite"
    _old_cache(path, _old_events())
    old = sqlite3.connect(path)
    old.execute("PRAGMA foreign_keys=OFF")
    old.execute("INSERT INTO events (ticket_id, kind, at, detail) VALUES (999, 'status_changed', 5, 'open → solved')")
    old.commit()
    before = _answers(old, _FLIP_WHERE_V11)
    old.close()
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert _answers(conn) == before
    assert conn.execute("SELECT count(*) FROM events WHERE ticket_id = 999").fetchone()[0] == 1
