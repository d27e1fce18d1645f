"""Writing domain objects into the cache, keeping the full-text index in step.

Callers own the transaction (``with transaction(conn):``): a page of synced changes or a
local edit is applied together with its index rows, or not at all. ``fresh=True`` skips
the look-ups needed to replace existing rows, for bulk loads into an empty cache.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from helpdesk_tui.domain.models import (
    Article, Customer, CustomerNote, Event, Message, Organization, Ticket,
)
from helpdesk_tui.store import message_bodies, rows, tag_rows
from helpdesk_tui.store.fts_text import index_text
from helpdesk_tui.store.schema import LAST_EVENT_ID


def _upsert_sql(table: str, columns: str) -> str:
    names = [c.strip() for c in columns.split(",")]
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
    marks = ", ".join("?" * len(names))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}"


_SQL = {
    "organizations": _upsert_sql("organizations", rows.ORGANIZATION_COLUMNS),
    "customers": _upsert_sql("customers", rows.CUSTOMER_COLUMNS),
    "customer_notes": _upsert_sql("customer_notes", rows.NOTE_COLUMNS),
    "tickets": _upsert_sql("tickets", rows.TICKET_COLUMNS),
    "messages": _upsert_sql("messages", rows.MESSAGE_COLUMNS),
    # Keyed by (ticket_id, id), schema v16: the conflict target is the key.
    "events": _upsert_sql("events", rows.EVENT_COLUMNS).replace("ON CONFLICT(id)", "ON CONFLICT(ticket_id, id)"),
    "kb_articles": _upsert_sql("kb_articles", rows.ARTICLE_COLUMNS),
}


def save_organizations(conn: sqlite3.Connection, items: Iterable[Organization]) -> None:
    conn.executemany(_SQL["organizations"], (rows.organization_params(o) for o in items))


def save_customers(conn: sqlite3.Connection, items: Iterable[Customer]) -> None:
    conn.executemany(_SQL["customers"], (rows.customer_params(c) for c in items))


def save_customer_notes(conn: sqlite3.Connection, items: Iterable[CustomerNote]) -> None:
    conn.executemany(_SQL["customer_notes"], (rows.note_params(n) for n in items))


def save_events(conn: sqlite3.Connection, items: Iterable[Event]) -> None:
    """Insert or replace events; one without an id gets the next one (``_numbered``)."""
    conn.executemany(_SQL["events"], _numbered(conn, [rows.event_params(e) for e in items]))


_NEW_EVENT_SQL = _SQL["events"].split(" ON CONFLICT")[0]


def add_events(conn: sqlite3.Connection, items: list[Event]) -> None:
    """``save_events`` for events not written yet (no id: each gets the next one, in order): a
    plain insert, cheaper than the upsert, the same rows."""
    if any(e.id is not None for e in items):
        save_events(conn, items)
    else:
        conn.executemany(_NEW_EVENT_SQL, _numbered(conn, [rows.event_params(e) for e in items]))


def _numbered(conn: sqlite3.Connection, params: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Event rows (``rows.event_params``) with ids for those that have none: the ones after the
    last id given (``schema.LAST_EVENT_ID``), which then moves past every id in ``params``. The
    table is keyed by ticket (schema v16), so SQLite does not number its rows; the counter is
    read and moved in the caller's write transaction."""
    if not params:
        return params
    start = last = last_event_id(conn)
    numbered = []
    for p in params:
        if p[0] is None:
            last += 1
            p = (last, *p[1:])
        elif p[0] > last:
            last = p[0]
        numbered.append(p)
    if last != start:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (LAST_EVENT_ID, str(last)))
    return numbered


def last_event_id(conn: sqlite3.Connection) -> int:
    """The highest event id given so far (0 before the first): events written after this call
    have higher ones."""
    row = conn.execute("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", (LAST_EVENT_ID,)).fetchone()
    return row[0] if row is not None else conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


_CLOCK_COLUMNS = ("first_response_at", "first_response_due_at", "first_update_at", "first_update_due_at",
                  "update_due_at", "resolution_due_at", "sla_due_at", "sla_kind", "sla_key")


def save_clocks(conn: sqlite3.Connection, tickets: Iterable[Ticket]) -> None:
    """Write only the SLA clocks of ``tickets`` (their text and index rows are unchanged)."""
    sets = ", ".join(f"{c} = ?" for c in _CLOCK_COLUMNS)
    conn.executemany(f"UPDATE tickets SET {sets} WHERE id = ?", (rows.clock_params(t) + (t.id,) for t in tickets))


_SYNCED_TICKET_SQL = _upsert_sql("tickets", rows.TICKET_COLUMNS + ", raw, synced_at")
# New tickets only (ids no row has): a plain insert, ~7 us a row cheaper than the upsert (measured
# on 20,000 rows of 1.3 KB); a row that is there after all fails as the upsert's other keys would.
_NEW_SYNCED_TICKET_SQL = _SYNCED_TICKET_SQL.split(" ON CONFLICT")[0]


# A tag row carries its ticket's inbox key (schema v10): the sla_key just written, which is the
# clocks' when they are given, not the ticket's own.
_SLA_KEY_AT = [c.strip() for c in rows.TICKET_COLUMNS.split(",")].index("sla_key")
_CLOCK_AT = [[c.strip() for c in rows.TICKET_COLUMNS.split(",")].index(c) for c in _CLOCK_COLUMNS]


def save_tickets(conn: sqlite3.Connection, tickets: list[Ticket], *, fresh: bool = False,
                 synced: list[tuple[str, int]] | None = None, clocks: list[Ticket | None] | None = None) -> None:
    """Insert or replace tickets, their tag rows and their index entries.

    ``synced``: each ticket's server record (JSON) and when it was pulled, written in the same
    row write. ``clocks``: a ticket whose SLA columns are written instead of the ticket's own
    (as ``save_clocks`` would write them after), or None.
    """
    if not fresh:
        ids = [t.id for t in tickets if t.id is not None]
        _forget_ticket_index(conn, ids)
    params = [rows.ticket_params(t) for t in tickets]
    for i, clocked in enumerate(clocks or ()):
        if clocked is not None:
            params[i] = with_clock_columns(params[i], rows.clock_params(clocked))
    save_ticket_rows(conn, tickets, params, synced)


def with_clock_columns(params: tuple[Any, ...], clocks: tuple[Any, ...]) -> tuple[Any, ...]:
    """A ticket's row (``rows.ticket_params``) with its SLA columns (``_CLOCK_COLUMNS``' order) replaced."""
    row = list(params)
    for at, value in zip(_CLOCK_AT, clocks, strict=True):
        row[at] = value
    return tuple(row)


def save_ticket_rows(conn: sqlite3.Connection, tickets: list[Ticket], params: list[tuple[Any, ...]],
                     synced: list[tuple[str, int]] | None = None, *, new: bool = False) -> None:
    """``save_tickets(fresh=True)`` given each ticket's row as written (``rows.ticket_params``,
    clocks included): the rows, their tag rows and their search entries. ``new``: with
    ``synced``, tickets whose ids no row has yet (inserted, not upserted)."""
    if synced is None:
        conn.executemany(_SQL["tickets"], params)
    else:
        conn.executemany(_NEW_SYNCED_TICKET_SQL if new else _SYNCED_TICKET_SQL,
                         (p + extra for p, extra in zip(params, synced, strict=True)))
    conn.executemany(
        "INSERT OR IGNORE INTO ticket_tags (tag, sla_key, ticket_id) VALUES (?, ?, ?)",
        ((tag.lower(), row[_SLA_KEY_AT], t.id) for t, row in zip(tickets, params, strict=True) for tag in t.tags),
    )
    conn.executemany(
        "INSERT INTO tickets_fts (rowid, subject, tags) VALUES (?, ?, ?)",
        ((t.id, index_text(t.subject), " ".join(t.tags)) for t in tickets),
    )


def _forget_ticket_index(conn: sqlite3.Connection, ids: list[int]) -> None:
    for tid in ids:
        old = conn.execute("SELECT subject, tags, sla_key FROM tickets WHERE id = ?", (tid,)).fetchone()
        if old is None:
            continue
        conn.execute(
            "INSERT INTO tickets_fts (tickets_fts, rowid, subject, tags) VALUES ('delete', ?, ?, ?)",
            (tid, index_text(old[0]), " ".join(json.loads(old[1]))),
        )
        tag_rows.forget(conn, [(tid, old[1], old[2])])


def save_messages(conn: sqlite3.Connection, messages: list[Message], *, fresh: bool = False) -> None:
    """Insert or replace messages and their index entries."""
    if not fresh:
        for m in messages:
            if m.id is None:
                continue
            old = conn.execute("SELECT message_body(body) FROM messages WHERE id = ?", (m.id,)).fetchone()
            if old is not None:
                conn.execute(
                    "INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', ?, ?)",
                    (m.id, index_text(old[0])),
                )
    pack = message_bodies.packer(conn, [m.body for m in messages])
    conn.executemany(_SQL["messages"], (rows.message_params(m, pack(m.body)) for m in messages if m.id is not None))
    cur = conn.cursor()
    for m in messages:
        if m.id is None:  # a local message not yet known to the server: SQLite picks its id
            cur.execute(_SQL["messages"], rows.message_params(m, pack(m.body)))
            m.id = cur.lastrowid
    conn.executemany(
        "INSERT INTO messages_fts (rowid, body) VALUES (?, ?)",
        ((m.id, index_text(m.body)) for m in messages),
    )


def save_articles(conn: sqlite3.Connection, articles: list[Article], *, fresh: bool = False) -> None:
    if not fresh:
        _forget_article_index(conn, [a.id for a in articles if a.id is not None])
    conn.executemany(_SQL["kb_articles"], (rows.article_params(a) for a in articles))
    conn.executemany(
        "INSERT INTO kb_fts (rowid, title, body) VALUES (?, ?, ?)",
        ((a.id, index_text(a.title), index_text(a.body)) for a in articles),
    )


def delete_articles(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Remove articles and their index entries (gone from the server)."""
    _forget_article_index(conn, ids)
    conn.executemany("DELETE FROM kb_articles WHERE id = ?", ((i,) for i in ids))


def _forget_article_index(conn: sqlite3.Connection, ids: list[int]) -> None:
    # A contentless FTS5 table can only forget a row given the exact text it indexed.
    for aid in ids:
        old = conn.execute("SELECT title, body FROM kb_articles WHERE id = ?", (aid,)).fetchone()
        if old is not None:
            conn.execute(
                "INSERT INTO kb_fts (kb_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                (aid, index_text(old[0]), index_text(old[1])),
            )


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None
