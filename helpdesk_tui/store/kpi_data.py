"""Reading what the KPIs need for a window, without reading the whole cache.

Every ticket with something to count in a window was changed in it (its ``updated_at`` is
at least the moment of its first reply, solve or message) or is still active (a target can
breach while nobody touches it). Both sets come from indexes, and the tickets are then read
in id order. Most active tickets have nothing in the window but their place in the backlog:
those are counted, not read (``quiet_active``: the report takes them as every active ticket
created before the window, ``active_before``, less those listed), and the others come from the
partial index ``ix_tickets_kpi_active`` without a table read. Status changes come from the partial index
``ix_events_flips`` (changes of activity only), public replies from ``ix_messages_kpi_replies``
and reopenings from ``ix_events_kpi_reopens`` (see ``schema._V12_KPI_COVERING_INDEXES``).

A month of a million-ticket helpdesk is a few hundred thousand rows: they are read as plain
tuples with epoch seconds (``domain.kpis.TICKET_ROW``) and stream to the domain one at a time,
never built into tickets and datetimes, never all in memory. Reads cover exactly the window's
whole seconds (``Window.seconds``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from helpdesk_tui.domain.kpi_report import KpiReport, Window
from helpdesk_tui.domain.kpis import (
    ACTIVE, RatingFact, TicketRow, compute_rows, reopen_details,
)
from helpdesk_tui.store.schema import KPI_ACTIVE_WHERE, KPI_FLIP_WHERE, KPI_REOPEN_WHERE
from helpdesk_tui.store.timeconv import from_epoch_not_null


def _marks(name: str, values) -> tuple[str, dict[str, object]]:
    """Named marks for an IN list: (":name0, :name1", {"name0": …, "name1": …})."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{key}" for key in params), params


_ACTIVE_IN, _ACTIVE_PARAMS = _marks("active", sorted(s.value for s in ACTIVE))
_REOPEN_IN, _REOPEN_PARAMS = _marks("reopen", reopen_details())

# An active ticket that has nothing to count in the window but one in the backlog of every
# day: created before it, no moment of ``TICKET_ROW`` in it and no change of activity in it
# (``_add_ticket`` then adds one at the first day and nothing else). Most active tickets are so
# on any window; they are counted from the partial index ``ix_tickets_kpi_active`` (whose
# filter, ``schema.KPI_ACTIVE_WHERE``, the queries repeat) and never read as rows.
# ``_SOMETHING_IN`` is NULL when every moment it tests is unknown: "nothing" is ``NOT ifnull(…, 0)``.
# A ticket created at or after the window's end with nothing in it and no change of activity in
# it counts nowhere (not even in the backlog): it is neither quiet nor read. A window that ended
# long ago so skips every newer ticket.
_MOMENTS = ("first_response_at", "first_response_due_at", "first_update_at", "first_update_due_at",
            "resolution_due_at", "solved_at")
_MOMENT_IN = " OR ".join(f"({column} >= :start AND {column} < :end)" for column in _MOMENTS)
_SOMETHING_IN = f"((created_at >= :start AND created_at < :end) OR {_MOMENT_IN})"
_FLIPPED = f"(SELECT ticket_id FROM events WHERE {KPI_FLIP_WHERE} AND at >= :start AND at < :end)"
_QUIET_ACTIVE = f"""
SELECT count(*) FROM tickets INDEXED BY ix_tickets_kpi_active
WHERE {KPI_ACTIVE_WHERE} AND created_at < :start AND NOT ifnull({_SOMETHING_IN}, 0) AND id NOT IN {_FLIPPED}
"""

# The columns of ``TICKET_ROW`` but the flips (merged in from ``_CHANGES``), in id order, of
# every other ticket that may count: the active ones that are not quiet (the complement of
# ``_QUIET_ACTIVE`` but those that count nowhere, every column from the index), and the others
# changed in the window (from the table). First-contact resolution needs, for tickets solved in the window only, the public
# replies before the solve, and whether the ticket was ever reopened only when there was exactly
# one. The inner query is a co-routine (its ORDER BY keeps SQLite from flattening it), so each
# count runs once.
_TICKETS = f"""
SELECT x.*, CASE WHEN x.replies = 1 THEN
           EXISTS (SELECT 1 FROM events WHERE ticket_id = x.id AND {KPI_REOPEN_WHERE}) END
FROM (
  SELECT id, 1, assignee, grp, created_at, updated_at, first_response_at, first_response_due_at, first_update_at,
         first_update_due_at, resolution_due_at, solved_at, NULL AS replies
  FROM tickets INDEXED BY ix_tickets_kpi_active
  WHERE {KPI_ACTIVE_WHERE} AND ({_SOMETHING_IN} OR id IN {_FLIPPED})
  UNION ALL
  SELECT t.id, 0, t.assignee, t.grp, t.created_at, t.updated_at, t.first_response_at,
         t.first_response_due_at, t.first_update_at, t.first_update_due_at, t.resolution_due_at, t.solved_at,
         CASE WHEN t.solved_at >= :start OR t.solved_at IS NULL THEN
             (SELECT count(*) FROM messages WHERE ticket_id = t.id AND kind = 'public_reply'
                AND created_at <= coalesce(t.solved_at, t.updated_at)) END
  FROM tickets t
  WHERE t.id IN (SELECT id FROM tickets WHERE updated_at >= :start)
    AND t.status NOT IN ({_ACTIVE_IN}) AND t.deleted_at IS NULL
    AND (t.created_at >= :start OR t.first_response_at >= :start OR t.first_update_at >= :start
         OR t.solved_at >= :start OR t.solved_at IS NULL)
    AND (t.created_at < :end OR {_MOMENT_IN} OR t.id IN {_FLIPPED})
  ORDER BY 1
) AS x
"""

# Every active ticket created before the window: the quiet ones are those of them that
# ``_TICKETS`` does not list (``domain.kpis.compute_rows`` subtracts the rows it is passed).
# One test of one column per index entry, where ``_QUIET_ACTIVE`` judges each entry (a tenth
# of the cost: 4 against 47 ms at a million tickets).
_ACTIVE_BEFORE = f"""
SELECT count(*) FROM tickets INDEXED BY ix_tickets_kpi_active WHERE {KPI_ACTIVE_WHERE} AND created_at < :start
"""

# Status changes that started or ended a ticket's activity, in the order the tickets are read
# (then by time, and by detail for changes in the same second, as the index lists them), and
# whether each made the ticket active (such a change is a reopening).
# The filter is the partial index's own text (``schema.KPI_FLIP_WHERE``): SQLite uses a partial
# index only for a query whose WHERE repeats its terms.
_CHANGES = f"""
SELECT ticket_id, at, detail IN ({_REOPEN_IN}) FROM events
WHERE {KPI_FLIP_WHERE} AND at >= :start AND at < :end
ORDER BY ticket_id, at, detail
"""

# Replies by the tickets changed in the window, visited in id order: a ticket's messages sit
# together, so the reads go through the table mostly forward (twice as fast as in the order
# of updates). The ticket row is read only for a reply found (its queue; deleted tickets).
_REPLIES = """
SELECT m.author, m.created_at, t.grp FROM messages m CROSS JOIN tickets t
WHERE m.ticket_id IN (SELECT id FROM tickets WHERE updated_at >= :start)
  AND m.created_at >= :start AND m.created_at < :end AND m.kind = 'public_reply'
  AND t.id = m.ticket_id AND t.deleted_at IS NULL
"""

_RATINGS_FROM = """
FROM ratings r JOIN tickets t ON t.id = r.ticket_id
WHERE r.created_at >= :start AND r.created_at < :end AND t.deleted_at IS NULL ORDER BY r.created_at, r.id
"""
_RATINGS = ("SELECT r.ticket_id, r.score, r.created_at, coalesce(r.agent, t.assignee), t.grp, r.comment, t.number,"
            " r.source" + _RATINGS_FROM)
# ``domain.kpis.RatingRow``: the moment of a comment is built only for those a report keeps.
_RATING_ROWS = ("SELECT r.score, r.created_at, coalesce(r.agent, t.assignee), t.grp, coalesce(r.comment, ''),"
                " t.number, NULL" + _RATINGS_FROM)

PAUSE_EVERY = 1000  # rows between two calls of ``pause`` (about a millisecond of work)
_PAST_EVERY_ID = float("inf")  # the ticket id of the changes' end, after every ticket's


def _bounds(window: Window) -> dict[str, int]:
    span = window.seconds()
    return {"start": span.start, "end": span.end}


def status_changes(conn: sqlite3.Connection, window: Window) -> sqlite3.Cursor:
    """(ticket id, at, became active) of the changes in ``window`` that started or ended a
    ticket's activity (for the backlog), by ticket and time."""
    return conn.execute(_CHANGES, {**_bounds(window), **_REOPEN_PARAMS})


def ticket_rows(conn: sqlite3.Connection, window: Window, pause: Callable[[], None] | None = None
                ) -> Iterator[TicketRow]:
    """The tickets that may count in ``window`` (a superset: the domain filters), but the
    quiet active ones (``quiet_active``), as
    ``TICKET_ROW`` tuples in id order, each with its flips, streamed; ``pause`` is called
    every ``PAUSE_EVERY`` tickets."""
    bounds = _bounds(window)
    tickets = _paced(conn.execute(_TICKETS, {**bounds, **_ACTIVE_PARAMS, **_REOPEN_PARAMS}), pause)
    changes = status_changes(conn, window)
    # A merge of two streams in ticket order: a month's changes never sit in a dict. A row is
    # extended by concatenation (one C call: this loop runs for every ticket of the window).
    no_flips = ((),)
    change: Any = next(changes, None)  # not None while ``changed`` is an id
    changed = change[0] if change is not None else _PAST_EVERY_ID
    for row in tickets:
        tid = row[0]
        while changed < tid:  # a change of a ticket that counts nowhere (deleted)
            change = next(changes, None)
            changed = change[0] if change is not None else _PAST_EVERY_ID
        if changed != tid:
            yield row + no_flips
            continue
        flips = []
        while changed == tid:
            flips.append((change[1], bool(change[2])))
            change = next(changes, None)
            changed = change[0] if change is not None else _PAST_EVERY_ID
        yield row + (tuple(flips),)


def quiet_active(conn: sqlite3.Connection, window: Window) -> int:
    """How many active tickets ``ticket_rows`` leaves out: all they count in ``window`` is one
    in the backlog of every day (see ``_QUIET_ACTIVE``)."""
    return conn.execute(_QUIET_ACTIVE, _bounds(window)).fetchone()[0]


def active_before(conn: sqlite3.Connection, window: Window) -> int:
    """How many active tickets were created before ``window``: ``quiet_active`` and those of
    them ``ticket_rows`` lists."""
    return conn.execute(_ACTIVE_BEFORE, _bounds(window)).fetchone()[0]


def replies(conn: sqlite3.Connection, window: Window) -> sqlite3.Cursor:
    """(author, at, queue) of the public replies written in ``window``."""
    return conn.execute(_REPLIES, _bounds(window))


def ratings(conn: sqlite3.Connection, window: Window) -> list[RatingFact]:
    """Ratings given in ``window``; a rating that names no agent belongs to the ticket's assignee."""
    rows = conn.execute(_RATINGS, _bounds(window))
    return [RatingFact(tid, score, from_epoch_not_null(at), agent, grp, comment or "", number, source)
            for tid, score, at, agent, grp, comment, number, source in rows]


def rating_rows(conn: sqlite3.Connection, window: Window) -> sqlite3.Cursor:
    """``ratings`` as ``domain.kpis.RatingRow`` tuples, in the same order."""
    return conn.execute(_RATING_ROWS, _bounds(window))


def _paced(rows: Iterator, pause: Callable[[], None] | None) -> Iterator:
    return rows if pause is None else _pausing(rows, pause)


def _pausing(rows: Iterator, pause: Callable[[], None]) -> Iterator:
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
    return compute_rows(window, ticket_rows(conn, window, pause), _paced(replies(conn, window), pause),
                        _paced(rating_rows(conn, window), pause), active_before=active_before(conn, window))
