"""Reading what the KPIs need for a window, without reading the whole cache.

Every ticket with something to count in a window was changed in it (its ``updated_at`` is
at least the moment of its first reply, solve or message) or is still active (a target can
breach while nobody touches it). Both sets come from indexes, and the tickets are then read
in id order. Timeline rows come from the ``events(kind, at)`` index. Rows stream to the
domain one at a time, so a month of a million-ticket helpdesk never sits in memory.

The cache keeps whole seconds, so reads end at ``end``'s second inclusive; the domain applies
the exact half-open window (a rating given in the same second as "now" still counts).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import UTC, datetime
from typing import TypeVar

from helpdesk_tui.domain.kpi_report import KpiReport, Window
from helpdesk_tui.domain.kpis import (
    RatingFact, Reply, StatusChange, TicketFacts, activity_changes, compute, reopen_details, transition,
)
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.store.timeconv import to_epoch

T = TypeVar("T")
_ACTIVE = tuple(s.value for s in Status if s.is_active)
_STATUS = {s.value: s for s in Status}
_PRIORITY = {p.value: p for p in Priority}


def _marks(name: str, values) -> tuple[str, dict[str, object]]:
    """Named marks for an IN list: (":name0, :name1", {"name0": …, "name1": …})."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{key}" for key in params), params


_ACTIVE_IN, _ACTIVE_PARAMS = _marks("active", _ACTIVE)
_REOPEN_IN, _REOPEN_PARAMS = _marks("reopen", reopen_details())

# FCR needs, for solved tickets only, the public replies before the solve and whether the
# ticket was ever reopened; the correlated subqueries use the per-ticket indexes.
_TICKETS = f"""
SELECT t.id, t.number, t.status, t.priority, t.assignee, t.grp, t.created_at, t.updated_at,
       t.first_response_at, t.first_response_due_at, t.first_update_at, t.first_update_due_at,
       t.resolution_due_at, t.solved_at,
       CASE WHEN t.status NOT IN ({_ACTIVE_IN}) AND (t.solved_at >= :start OR t.solved_at IS NULL) THEN
           (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.kind = 'public_reply'
              AND m.created_at <= coalesce(t.solved_at, t.updated_at)) END,
       CASE WHEN t.status NOT IN ({_ACTIVE_IN}) AND (t.solved_at >= :start OR t.solved_at IS NULL) THEN
           EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = t.id AND e.kind = 'status_changed'
                     AND e.detail IN ({_REOPEN_IN})) END
FROM tickets t
WHERE t.id IN (SELECT id FROM tickets WHERE updated_at >= :start
               UNION ALL SELECT id FROM tickets WHERE status IN ({_ACTIVE_IN}))
  AND t.deleted_at IS NULL
  AND (t.status IN ({_ACTIVE_IN}) OR t.created_at >= :start OR t.first_response_at >= :start
       OR t.first_update_at >= :start OR t.solved_at >= :start OR t.solved_at IS NULL)
"""


def _ticket_rows(conn: sqlite3.Connection, window: Window) -> sqlite3.Cursor:
    return conn.execute(_TICKETS, {"start": to_epoch(window.start), **_ACTIVE_PARAMS, **_REOPEN_PARAMS})


def _time(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def ticket_facts(conn: sqlite3.Connection, window: Window) -> Iterator[TicketFacts]:
    """The tickets that may count in ``window`` (a superset: the domain filters), streamed."""
    stamp = datetime.fromtimestamp  # this loop runs once per ticket of the window: no helper calls
    for (tid, number, status, priority, assignee, grp, created, updated, first_response, first_response_due,
         first_update, first_update_due, resolution_due, solved, replies, reopened) in _ticket_rows(conn, window):
        # Positional, in the field order checked below: keywords cost twice as much here.
        ticket = Ticket(
            number, "", _STATUS[status], _PRIORITY.get(priority, Priority.NORMAL), None,
            stamp(created, UTC), stamp(updated, UTC), None, assignee, grp, (), {}, "", "",
            None if first_response is None else stamp(first_response, UTC),
            None if first_response_due is None else stamp(first_response_due, UTC), None,
            None if resolution_due is None else stamp(resolution_due, UTC),
            None if solved is None else stamp(solved, UTC), None, None, tid, None,
            None if first_update is None else stamp(first_update, UTC),
            None if first_update_due is None else stamp(first_update_due, UTC))
        yield TicketFacts(ticket, replies or 0, bool(reopened))


_TICKET_ORDER = ("number", "subject", "status", "priority", "requester_id", "created_at", "updated_at",
                 "organization_id", "assignee", "group", "tags", "custom_fields", "status_raw", "priority_raw",
                 "first_response_at", "first_response_due_at", "next_checkpoint_at", "resolution_due_at",
                 "solved_at", "version", "deleted_at", "id", "remote_id", "first_update_at", "first_update_due_at")
if tuple(f.name for f in fields(Ticket))[:len(_TICKET_ORDER)] != _TICKET_ORDER:  # pragma: no cover
    raise ImportError("store.kpi_data: Ticket's fields changed order; update ticket_facts()")


def status_changes(conn: sqlite3.Connection, window: Window) -> list[StatusChange]:
    """The changes in ``window`` that started or ended a ticket's activity (for the backlog)."""
    details = activity_changes()
    marks, params = _marks("change", details)
    rows = conn.execute(
        f"SELECT ticket_id, at, detail FROM events WHERE kind = 'status_changed' AND at >= :start AND at <= :end "
        f"AND detail IN ({marks})", {"start": to_epoch(window.start), "end": to_epoch(window.end), **params})
    sides = {detail: transition(detail) for detail in details}  # a month holds a few hundred thousand
    stamp = datetime.fromtimestamp
    return [StatusChange(tid, stamp(at, UTC), *sides[detail]) for tid, at, detail in rows]


def replies(conn: sqlite3.Connection, window: Window) -> Iterator[Reply]:
    """Public replies written in ``window``, with their ticket's queue."""
    start = to_epoch(window.start)
    rows = conn.execute(
        "SELECT m.author, m.created_at, t.grp FROM tickets t JOIN messages m ON m.ticket_id = t.id "
        "WHERE t.updated_at >= ? AND m.created_at >= ? AND m.created_at <= ? AND m.kind = 'public_reply' "
        "AND t.deleted_at IS NULL", (start, start, to_epoch(window.end)))
    for author, at, queue in rows:
        yield Reply(author, _time(at), queue)


def ratings(conn: sqlite3.Connection, window: Window) -> list[RatingFact]:
    """Ratings given in ``window``; a rating that names no agent belongs to the ticket's assignee."""
    rows = conn.execute(
        "SELECT r.ticket_id, r.score, r.created_at, coalesce(r.agent, t.assignee), t.grp, r.comment, t.number, "
        "r.source FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
        "WHERE r.created_at >= ? AND r.created_at <= ? AND t.deleted_at IS NULL ORDER BY r.created_at, r.id",
        (to_epoch(window.start), to_epoch(window.end)))
    return [RatingFact(tid, score, _time(at), agent, grp, comment or "", number, source)
            for tid, score, at, agent, grp, comment, number, source in rows]


PAUSE_EVERY = 1000  # rows between two calls of ``pause`` (about ten milliseconds of work)


def _paced(rows: Iterator[T], pause: Callable[[], None] | None) -> Iterator[T]:
    if pause is None:
        yield from rows
        return
    for count, row in enumerate(rows, start=1):
        if count % PAUSE_EVERY == 0:
            pause()
        yield row


def kpi_report(conn: sqlite3.Connection, window: Window, *,
               pause: Callable[[], None] | None = None) -> KpiReport:
    """The KPI report for ``window``, read and computed in one go (run it off the UI thread).

    ``pause`` is called every thousand rows: a UI worker whose result is no longer wanted
    stops there by raising.
    """
    return compute(window, _paced(ticket_facts(conn, window), pause), status_changes(conn, window),
                   _paced(replies(conn, window), pause), ratings(conn, window))
