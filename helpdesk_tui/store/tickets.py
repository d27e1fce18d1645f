"""Reading one ticket: the ticket, its thread, its timeline."""

from __future__ import annotations

import sqlite3

from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.store import rows
from helpdesk_tui.store.schema import format_sql


def get_ticket(conn: sqlite3.Connection, ticket_id: int) -> Ticket | None:
    r = conn.execute(f"SELECT {rows.TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return rows.ticket_from_row(r) if r else None


def find_ticket(conn: sqlite3.Connection, reference: str) -> Ticket | None:
    """A ticket by its number (``1042``, ``#1042``), or by remote id."""
    ref = reference.strip().lstrip("#")
    if ref.isdigit():
        r = conn.execute(f"SELECT {rows.TICKET_COLUMNS} FROM tickets WHERE number = ?", (int(ref),)).fetchone()
        if r:
            return rows.ticket_from_row(r)
    r = conn.execute(f"SELECT {rows.TICKET_COLUMNS} FROM tickets WHERE remote_id = ?", (ref,)).fetchone()
    return rows.ticket_from_row(r) if r else None


def thread(conn: sqlite3.Connection, ticket_id: int) -> list[Message]:
    """The messages in order; ones written here carry their outbox delivery state."""
    columns = rows.message_select("m")
    cur = conn.execute(
        f"SELECT {columns}, o.state FROM messages m LEFT JOIN outbox o ON o.message_id = m.id "
        "WHERE m.ticket_id = ? ORDER BY m.created_at, m.id",
        (ticket_id,),
    )
    out = []
    for r in cur:
        message = rows.message_from_row(r[:-1])
        message.delivery = r[-1]
        out.append(message)
    return out


def timeline(conn: sqlite3.Connection, ticket_id: int) -> list[Event]:
    cur = conn.execute(
        f"SELECT {rows.EVENT_COLUMNS} FROM events WHERE ticket_id = ? ORDER BY at, id", (ticket_id,)
    )
    return [rows.event_from_row(r) for r in cur]


def message_body(conn: sqlite3.Connection, message_id: int) -> tuple[str, str] | None:
    """A message's body and its format ("markdown", "html", "text"): one is no use without the other."""
    row = conn.execute(f"SELECT message_body(body), {format_sql('body_format')} FROM messages WHERE id = ?",
                       (message_id,)).fetchone()
    return (row[0], row[1]) if row else None


def set_version(conn: sqlite3.Connection, ticket_id: int, version: str) -> None:
    """The server's new version token after our own write (so the next write does not conflict)."""
    conn.execute("UPDATE tickets SET version = ? WHERE id = ?", (version, ticket_id))
