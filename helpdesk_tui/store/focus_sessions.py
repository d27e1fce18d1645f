"""Focus sessions in the cache: the session rows, the tickets each one served, and summaries.

Every change is written at once in its own transaction, so a session survives a crash or a
restart: its timer is derived from the stored times (``domain.focus``), never kept in memory.
``FocusStore`` lends connections from the ``Cache`` facade, for the UI and the CLI.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from helpdesk_tui.domain import focus
from helpdesk_tui.domain.focus import FocusError, FocusSession, FocusSummary, ServedTicket
from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.query import FilterError, View, builtin_views, parse_filter
from helpdesk_tui.store import inbox, rows, tickets
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.rowids import inserted_id
from helpdesk_tui.store.timeconv import from_epoch, from_epoch_not_null, to_epoch

_SESSION_COLUMNS = "id, agent, view, filter, planned_seconds, started_at, paused_at, paused_seconds, ended_at"
_SERVED_SQL = """
SELECT f.id, f.ticket_id, coalesce(t.number, 0), coalesce(t.subject, ''), f.served_at, f.finished_at,
       f.outcome, f.skip_reason
FROM focus_session_tickets f LEFT JOIN tickets t ON t.id = f.ticket_id
"""


def _session(r: tuple) -> FocusSession:
    sid, agent, view, flt, planned, started, paused_at, paused_seconds, ended = r
    return FocusSession(id=sid, agent=agent, view=view, filter=flt, planned_seconds=planned,
                        started_at=from_epoch_not_null(started), paused_at=from_epoch(paused_at),
                        paused_seconds=paused_seconds, ended_at=from_epoch(ended))


def _served(r: tuple) -> ServedTicket:
    rid, ticket_id, number, subject, served_at, finished_at, outcome, reason = r
    return ServedTicket(id=rid, ticket_id=ticket_id, number=number, subject=subject,
                        served_at=from_epoch_not_null(served_at), finished_at=from_epoch(finished_at),
                        outcome=outcome, skip_reason=reason)


def view_for(session: FocusSession) -> View:
    """The session's view; one that no longer exists falls back to "All"."""
    views = builtin_views(session.agent)
    return next((v for v in views if v.id == session.view), views[-1])


# ----- sessions
def get(conn: sqlite3.Connection, session_id: int) -> FocusSession | None:
    r = conn.execute(f"SELECT {_SESSION_COLUMNS} FROM focus_sessions WHERE id = ?", (session_id,)).fetchone()
    return _session(r) if r else None


def running(conn: sqlite3.Connection, agent: str) -> FocusSession | None:
    """The agent's session that has not ended (there is at most one)."""
    r = conn.execute(f"SELECT {_SESSION_COLUMNS} FROM focus_sessions WHERE agent = ? AND ended_at IS NULL "
                     "ORDER BY id DESC LIMIT 1", (agent,)).fetchone()
    return _session(r) if r else None


def start(conn: sqlite3.Connection, *, agent: str, view: str, filter_text: str, minutes: int,
          now: datetime) -> FocusSession:
    """A new session; refused while the agent has one running. The caller owns the transaction."""
    if running(conn, agent) is not None:
        raise FocusError("A focus session is already running: end it first (F).")
    try:
        parse_filter(filter_text, me=agent)  # a filter that cannot be read is refused here, not mid-session
    except FilterError as exc:
        raise FocusError(str(exc)) from None
    cur = conn.execute("INSERT INTO focus_sessions (agent, view, filter, planned_seconds, started_at) "
                       "VALUES (?, ?, ?, ?, ?)", (agent, view, filter_text, minutes * 60, to_epoch(now)))
    return _existing(conn, inserted_id(cur))


def _save_times(conn: sqlite3.Connection, session: FocusSession) -> None:
    conn.execute("UPDATE focus_sessions SET paused_at = ?, paused_seconds = ?, ended_at = ? WHERE id = ?",
                 (to_epoch(session.paused_at), session.paused_seconds, to_epoch(session.ended_at), session.id))


def pause(conn: sqlite3.Connection, session_id: int, now: datetime) -> FocusSession:
    session = focus.pause(_existing(conn, session_id), now)
    _save_times(conn, session)
    return session


def resume(conn: sqlite3.Connection, session_id: int, now: datetime) -> FocusSession:
    session = focus.resume(_existing(conn, session_id), now)
    _save_times(conn, session)
    return session


def end(conn: sqlite3.Connection, session_id: int, now: datetime) -> FocusSummary:
    """End the session and keep its summary. The ticket being served counts as handled when the
    agent worked on it; otherwise it is recorded as left unfinished."""
    session = _existing(conn, session_id)
    if session.ended_at is not None:
        return summary(conn, session, now)  # ended already (the timer and the agent at once)
    session = focus.end(session, now)
    ended_at = session.ended_at
    assert ended_at is not None  # focus.end always sets it
    serving = current(conn, session_id)
    if serving is not None:
        worked = focus.did_work(tickets.timeline(conn, serving.ticket_id), session.agent,
                                serving.served_at, ended_at)
        _finish(conn, serving.id, focus.HANDLED if worked else None, ended_at)
    _save_times(conn, session)
    result = summary(conn, session, now)
    conn.execute("UPDATE focus_sessions SET summary = ? WHERE id = ?",
                 (json.dumps(result.to_dict(), ensure_ascii=False), session.id))
    return result


def _existing(conn: sqlite3.Connection, session_id: int) -> FocusSession:
    session = get(conn, session_id)
    if session is None:
        raise FocusError(f"There is no focus session {session_id}.")
    return session


# ----- the tickets a session serves
def served(conn: sqlite3.Connection, session_id: int) -> list[ServedTicket]:
    cur = conn.execute(_SERVED_SQL + " WHERE f.session_id = ? ORDER BY f.served_at, f.id", (session_id,))
    return [_served(r) for r in cur]


def current(conn: sqlite3.Connection, session_id: int) -> ServedTicket | None:
    """The ticket being served now, if any."""
    r = conn.execute(_SERVED_SQL + " WHERE f.session_id = ? AND f.finished_at IS NULL ORDER BY f.id DESC LIMIT 1",
                     (session_id,)).fetchone()
    return _served(r) if r else None


def handled_count(conn: sqlite3.Connection, session_id: int) -> int:
    return conn.execute("SELECT count(*) FROM focus_session_tickets WHERE session_id = ? AND outcome = ?",
                        (session_id, focus.HANDLED)).fetchone()[0]


def next_ticket(conn: sqlite3.Connection, session: FocusSession, now: datetime) -> int | None:
    """The next ticket to serve: the first of the session's queue in SLA order not served yet."""
    done = [r[0] for r in conn.execute("SELECT ticket_id FROM focus_session_tickets WHERE session_id = ?",
                                       (session.id,))]
    view = view_for(session)
    base = inbox.view_query(view, now)
    query = inbox.InboxQuery(filter=focus.queue_filter(view, parse_filter(session.filter, me=session.agent)),
                             order="urgency", due_before=base.due_before, updated_since=base.updated_since)
    # The first len(done) + 1 tickets hold at least one not served yet, if the queue has one.
    return focus.pick_next(inbox.ordered_ids(conn, query, limit=len(done) + 1), done)


def serve(conn: sqlite3.Connection, session_id: int, ticket_id: int, now: datetime) -> ServedTicket:
    cur = conn.execute("INSERT INTO focus_session_tickets (session_id, ticket_id, served_at) VALUES (?, ?, ?)",
                       (session_id, ticket_id, to_epoch(now)))
    return _served(conn.execute(_SERVED_SQL + " WHERE f.id = ?", (inserted_id(cur),)).fetchone())


def done(conn: sqlite3.Connection, session: FocusSession, now: datetime) -> ServedTicket:
    """Finish the served ticket as handled; refused when the agent did nothing on it."""
    serving = current(conn, session.id)
    if serving is None:
        raise FocusError("No ticket is being served: the queue is empty.")
    # A reply in its undo window (store.held) is work done: it is dated when it was sent.
    held = conn.execute("SELECT 1 FROM outbox WHERE ticket_id = ? AND state = 'held' AND created_at >= ?",
                        (serving.ticket_id, to_epoch(serving.served_at))).fetchone()
    if held is None and not focus.did_work(tickets.timeline(conn, serving.ticket_id), session.agent,
                                           serving.served_at, now):
        raise FocusError(f"Nothing was done on #{serving.number} yet: reply, add a note or change its "
                         "status, or skip it (S) with a reason.")
    _finish(conn, serving.id, focus.HANDLED, now)
    return serving


def skip(conn: sqlite3.Connection, session: FocusSession, reason: str, now: datetime) -> ServedTicket:
    """Finish the served ticket as skipped, with its one-line reason (required)."""
    text = focus.skip_reason(reason)
    serving = current(conn, session.id)
    if serving is None:
        raise FocusError("No ticket is being served: the queue is empty.")
    _finish(conn, serving.id, focus.SKIPPED, now, text)
    return serving


def _finish(conn: sqlite3.Connection, row_id: int, outcome: str | None, now: datetime,
            reason: str | None = None) -> None:
    conn.execute("UPDATE focus_session_tickets SET finished_at = ?, outcome = ?, skip_reason = ? WHERE id = ?",
                 (to_epoch(now), outcome, reason, row_id))


# ----- summaries and the list
def _events(conn: sqlite3.Connection, session_id: int, agent: str) -> list[Event]:
    """The agent's events on the tickets the session served, while each was served."""
    cur = conn.execute(
        f"SELECT {', '.join('e.' + c.strip() for c in rows.EVENT_COLUMNS.split(','))} "
        "FROM events e JOIN focus_session_tickets f ON f.ticket_id = e.ticket_id "
        "WHERE f.session_id = ? AND e.actor = ? AND e.at >= f.served_at "
        "AND (f.finished_at IS NULL OR e.at <= f.finished_at) ORDER BY e.at, e.id",
        (session_id, agent))
    return [rows.event_from_row(r) for r in cur]


def summary(conn: sqlite3.Connection, session: FocusSession, now: datetime) -> FocusSummary:
    """The session's summary: the one kept when it ended, or worked out now for a running one."""
    if session.ended_at is not None:
        r = conn.execute("SELECT summary FROM focus_sessions WHERE id = ?", (session.id,)).fetchone()
        if r and r[0]:
            try:
                return FocusSummary.from_dict(json.loads(r[0]))
            except (ValueError, TypeError, KeyError):
                pass  # written by another version: work it out again below
    served_rows = served(conn, session.id)
    found: dict[int, Ticket] = {}
    for row in served_rows:
        ticket = tickets.get_ticket(conn, row.ticket_id)
        if ticket is not None:
            found[row.ticket_id] = ticket
    return focus.summarize(session, served_rows, _events(conn, session.id, session.agent), found,
                           session.ended_at or now, view_for(session).title)


def list_sessions(conn: sqlite3.Connection, now: datetime,
                  limit: int | None = 20) -> list[tuple[FocusSession, FocusSummary]]:
    """The newest sessions first, each with its summary (a running one's as of ``now``)."""
    sql = f"SELECT {_SESSION_COLUMNS} FROM focus_sessions ORDER BY started_at DESC, id DESC"
    params: tuple = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    sessions = [_session(r) for r in conn.execute(sql, params)]
    return [(s, summary(conn, s, now)) for s in sessions]


class FocusStore:
    """The session operations over a ``Cache``'s connections, each in its own transaction."""

    def __init__(self, cache) -> None:
        self._cache = cache

    def _read(self, fn, *args):
        with self._cache.connection() as conn:
            return fn(conn, *args)

    def _write(self, fn, *args, **kwargs):
        with self._cache.connection() as conn, transaction(conn):
            return fn(conn, *args, **kwargs)

    def running(self, agent: str) -> FocusSession | None:
        return self._read(running, agent)

    def get(self, session_id: int) -> FocusSession | None:
        return self._read(get, session_id)

    def start(self, *, agent: str, view: str, filter_text: str, minutes: int, now: datetime) -> FocusSession:
        return self._write(start, agent=agent, view=view, filter_text=filter_text, minutes=minutes, now=now)

    def pause(self, session_id: int, now: datetime) -> FocusSession:
        return self._write(pause, session_id, now)

    def resume(self, session_id: int, now: datetime) -> FocusSession:
        return self._write(resume, session_id, now)

    def end(self, session_id: int, now: datetime) -> FocusSummary:
        return self._write(end, session_id, now)

    def current(self, session_id: int) -> ServedTicket | None:
        return self._read(current, session_id)

    def handled_count(self, session_id: int) -> int:
        return self._read(handled_count, session_id)

    def serve_next(self, session: FocusSession, now: datetime) -> ServedTicket | None:
        """Serve the next ticket of the queue (None when it is empty), in one transaction."""
        def step(conn):
            ticket_id = next_ticket(conn, session, now)
            return None if ticket_id is None else serve(conn, session.id, ticket_id, now)
        return self._write(step)

    def done(self, session: FocusSession, now: datetime) -> ServedTicket:
        return self._write(done, session, now)

    def skip(self, session: FocusSession, reason: str, now: datetime) -> ServedTicket:
        return self._write(skip, session, reason, now)

    def summary(self, session: FocusSession, now: datetime) -> FocusSummary:
        return self._read(summary, session, now)

    def list_sessions(self, now: datetime, limit: int | None = 20) -> list[tuple[FocusSession, FocusSummary]]:
        return self._read(list_sessions, now, limit)
