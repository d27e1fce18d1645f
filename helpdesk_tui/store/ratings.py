"""Satisfaction ratings: from the helpdesk where it has them, recorded here otherwise.

A helpdesk rating is kept by its remote id (a customer who changes "bad" to "good" updates
it); a ticket has at most one local rating, and recording another replaces it. Comments are
the customer's words: untrusted text, shown only through ``content``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from helpdesk_tui.domain.remote import RemoteTicket
from helpdesk_tui.store.rowids import inserted_id
from helpdesk_tui.store.timeconv import from_epoch, from_epoch_not_null, to_epoch

SCORES = ("good", "bad")
LOCAL, HELPDESK = "local", "helpdesk"


class RatingError(ValueError):
    """A rating that cannot be recorded; the message is one sentence for the user."""


@dataclass(frozen=True, slots=True)
class Rating:
    id: int
    ticket_id: int
    score: str
    comment: str
    agent: str | None
    created_at: datetime
    source: str
    remote_id: str | None = None


_COLUMNS = "id, ticket_id, score, comment, agent, created_at, source, remote_id"


def _rating(row: tuple) -> Rating:
    rid, ticket_id, score, comment, agent, created_at, source, remote_id = row
    return Rating(rid, ticket_id, score, comment, agent, from_epoch_not_null(created_at), source, remote_id)


def _checked(score: str) -> str:
    value = str(score or "").strip().lower()
    if value not in SCORES:
        raise RatingError(f"'{score}' is not a rating: use good or bad.")
    return value


def record_local_rating(conn: sqlite3.Connection, ticket_id: int, score: str, now: datetime, *,
                        comment: str = "", agent: str | None = None) -> int:
    """Record the customer's rating told to us (phone, chat) on a ticket; returns its id.

    ``agent`` is whom the rating is about (by default the ticket's assignee). The caller owns
    the transaction.
    """
    value = _checked(score)
    if agent is None:
        row = conn.execute("SELECT assignee FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        agent = row[0] if row else None
    existing = conn.execute("SELECT id FROM ratings WHERE ticket_id = ? AND source = ?",
                            (ticket_id, LOCAL)).fetchone()
    if existing:
        conn.execute("UPDATE ratings SET score = ?, comment = ?, agent = ?, created_at = ? WHERE id = ?",
                     (value, comment, agent, to_epoch(now), existing[0]))
        return existing[0]
    cur = conn.execute("INSERT INTO ratings (ticket_id, score, comment, agent, created_at, source) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (ticket_id, value, comment, agent, to_epoch(now), LOCAL))
    return inserted_id(cur)


def upsert_helpdesk_rating(conn: sqlite3.Connection, ticket_id: int, remote_id: str | None, score: str,
                           created_at: datetime, *, comment: str = "", agent: str | None = None) -> int:
    """Keep the helpdesk's rating of a ticket, by its remote id (or the ticket's one helpdesk
    rating when the helpdesk gives it no id). The caller owns the transaction."""
    value = _checked(score)
    if remote_id is not None:
        existing = conn.execute("SELECT id FROM ratings WHERE remote_id = ?", (remote_id,)).fetchone()
    else:
        existing = conn.execute("SELECT id FROM ratings WHERE ticket_id = ? AND source = ? AND remote_id IS NULL",
                                (ticket_id, HELPDESK)).fetchone()
    if existing:
        conn.execute("UPDATE ratings SET ticket_id = ?, score = ?, comment = ?, agent = ?, created_at = ? "
                     "WHERE id = ?", (ticket_id, value, comment, agent, to_epoch(created_at), existing[0]))
        return existing[0]
    cur = conn.execute(
        "INSERT INTO ratings (ticket_id, remote_id, score, comment, agent, created_at, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (ticket_id, remote_id, value, comment, agent, to_epoch(created_at), HELPDESK))
    return inserted_id(cur)


def apply_remote_rating(conn: sqlite3.Connection, ticket_id: int, remote: RemoteTicket) -> int | None:
    """Store the rating a pulled ticket carries (``remote.rating``); returns its id, or None
    when the ticket has none. Called by the sync for every pulled ticket, in its transaction.

    A rating is about the agent the ticket was assigned to when it came; it is dated by the
    helpdesk's stamp, or the ticket's last update when the helpdesk gives none.
    """
    rating = remote.rating
    if rating is None or rating.score not in SCORES:
        return None
    return upsert_helpdesk_rating(conn, ticket_id, rating.remote_id, rating.score,
                                  rating.created_at or remote.updated_at, comment=rating.comment,
                                  agent=remote.assignee)


def ticket_ratings(conn: sqlite3.Connection, ticket_id: int) -> list[Rating]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM ratings WHERE ticket_id = ? ORDER BY created_at, id",
                        (ticket_id,)).fetchall()
    return [_rating(r) for r in rows]


def ratings_between(conn: sqlite3.Connection, start: datetime, end: datetime) -> list[Rating]:
    """Ratings given in ``[start, end)``, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM ratings WHERE created_at >= ? AND created_at < ? "
                        "ORDER BY created_at, id", (to_epoch(start), to_epoch(end))).fetchall()
    return [_rating(r) for r in rows]


def save_ratings(conn: sqlite3.Connection, rows) -> int:
    """Insert many new ratings at once (the demo's); ``rows`` are (ticket_id, score, comment,
    agent, created_at, source) with ``created_at`` a datetime. The caller owns the transaction."""
    cur = conn.executemany(
        "INSERT INTO ratings (ticket_id, score, comment, agent, created_at, source) VALUES (?, ?, ?, ?, ?, ?)",
        ((tid, _checked(score), comment, agent, to_epoch(at), source) for tid, score, comment, agent, at, source
         in rows))
    return cur.rowcount


def solved_tickets(conn: sqlite3.Connection):
    """(ticket id, assignee, solved at, resolution due, customer language) of every solved or
    closed ticket, in id order, streamed (the demo rates some of them)."""
    rows = conn.execute(
        "SELECT t.id, t.assignee, t.solved_at, t.resolution_due_at, coalesce(c.language, 'en') "
        "FROM tickets t LEFT JOIN customers c ON c.id = t.requester_id "
        "WHERE t.status IN ('solved', 'closed') AND t.solved_at IS NOT NULL AND t.deleted_at IS NULL "
        "ORDER BY t.id")
    for tid, assignee, solved_at, due, language in rows:
        yield tid, assignee, from_epoch(solved_at), from_epoch(due), language
