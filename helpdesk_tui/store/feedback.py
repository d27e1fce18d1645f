"""Messages marked as product feedback, for engineering and product (`insights export`).

A mark points at the customer's words (a message) when there is one; the ticket's tags
group the export. Marks are local: helpdesks have no such notion, the tag that usually
goes with them travels through the outbox.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from helpdesk_tui.store.rowids import inserted_id
from helpdesk_tui.store.timeconv import from_epoch_not_null, to_epoch


@dataclass(frozen=True, slots=True)
class FeedbackMark:
    id: int
    ticket_id: int
    message_id: int | None
    note: str
    author: str
    marked_at: datetime


def latest_customer_message(conn: sqlite3.Connection, ticket_id: int) -> int | None:
    row = conn.execute("SELECT id FROM messages WHERE ticket_id = ? AND kind = 'customer' "
                       "ORDER BY created_at DESC, id DESC LIMIT 1", (ticket_id,)).fetchone()
    return row[0] if row else None


def mark_feedback(conn: sqlite3.Connection, ticket_id: int, now: datetime, *, message_id: int | None = None,
                  note: str = "", author: str = "") -> int:
    """Mark a ticket's message (by default its latest customer message) as product feedback.

    Marking the same message twice keeps one mark (the newer note wins). The caller owns
    the transaction.
    """
    if message_id is None:
        message_id = latest_customer_message(conn, ticket_id)
    existing = conn.execute("SELECT id FROM feedback_marks WHERE ticket_id = ? AND message_id IS ?",
                            (ticket_id, message_id)).fetchone()
    if existing:
        conn.execute("UPDATE feedback_marks SET note = ?, author = ?, marked_at = ? WHERE id = ?",
                     (note, author, to_epoch(now), existing[0]))
        return existing[0]
    cur = conn.execute("INSERT INTO feedback_marks (ticket_id, message_id, note, author, marked_at) "
                       "VALUES (?, ?, ?, ?, ?)", (ticket_id, message_id, note, author, to_epoch(now)))
    return inserted_id(cur)


def unmark_feedback(conn: sqlite3.Connection, mark_id: int) -> bool:
    return conn.execute("DELETE FROM feedback_marks WHERE id = ?", (mark_id,)).rowcount > 0


def marks_since(conn: sqlite3.Connection, since: datetime) -> list[FeedbackMark]:
    rows = conn.execute("SELECT id, ticket_id, message_id, note, author, marked_at FROM feedback_marks "
                        "WHERE marked_at >= ? ORDER BY marked_at, id", (to_epoch(since),)).fetchall()
    return [FeedbackMark(i, t, m, n, a, from_epoch_not_null(at)) for i, t, m, n, a, at in rows]
