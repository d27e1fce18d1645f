"""One batch of an SLA recompute: read the clock inputs narrowly, compute, write what moved.

``sla_refresh`` (the recompute in the writer, and single tickets) and ``sla_ahead`` (the
second process computing ahead of the writer) share these steps.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from helpdesk_tui.domain.models import Event
from helpdesk_tui.domain.sla_epochs import EVENT_KINDS, INPUT_COLUMNS, Declined, EpochPolicy, clock_columns
from helpdesk_tui.domain.sla_policy import SlaPolicy, clocked
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import rows, writer
from helpdesk_tui.store.timeconv import from_epoch_not_null

# Status changes, replies, promises: what the clocks depend on, as events.kind stores them.
_EVENT_KINDS = tuple(rows.event_kind_code(kind) for kind in EVENT_KINDS)
_KIND_MARKS = ",".join("?" * len(_EVENT_KINDS))
# An event as domain.sla_epochs.Event wants it, made by SQLite: no tuple rebuilt per event.
_EVENT_WHAT = "CASE kind " + " ".join(f"WHEN {rows.event_kind_code(kind)} THEN {'detail' if what is None else what}"
                                      for kind, what in EVENT_KINDS.items()) + " END"
# The clock inputs, then what is stored now: the six clocks (in the order clock_columns gives
# them) and the inbox key.
_READ = (f"SELECT id, {', '.join(INPUT_COLUMNS)}, first_response_at, first_response_due_at, first_update_at, "
         "first_update_due_at, update_due_at, resolution_due_at, sla_key FROM tickets")
_CLOCKS = ("first_response_at", "first_response_due_at", "first_update_at", "first_update_due_at", "update_due_at",
           "resolution_due_at", "sla_due_at", "sla_kind")
_WRITE_KEEPING_KEY = f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in _CLOCKS)} WHERE id = ?"
_WRITE_WITH_KEY = f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in _CLOCKS)}, sla_key = ? WHERE id = ?"
_first = itemgetter(0)


def read_batch(conn: sqlite3.Connection, after_id: int, size: int) -> list[tuple]:
    """The clock inputs (rows of ``_READ``) of the ``size`` tickets after ``after_id``, in id order."""
    return conn.execute(f"{_READ} WHERE id > ? ORDER BY id LIMIT ?", (after_id, size)).fetchall()


def read_tickets(conn: sqlite3.Connection, ids: list[int]) -> list[tuple]:
    """The clock inputs (rows of ``_READ``) of the tickets ``ids`` (at most 500)."""
    return conn.execute(f"{_READ} WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()


class Plan:
    """What a batch's recompute writes: the SLA columns of the tickets whose clocks moved, and
    the tickets the epoch arithmetic declined (the reference computes those as it writes)."""

    __slots__ = ("keeping_key", "with_key", "declined")

    def __init__(self, keeping_key: list[tuple] | None = None, with_key: list[tuple] | None = None,
                 declined: list[int] | None = None) -> None:
        self.keeping_key: list[tuple] = keeping_key or []  # SLA columns but sla_key, then the id
        self.with_key: list[tuple] = with_key or []  # every SLA column, then the id
        self.declined: list[int] = declined or []

    def write(self, conn: sqlite3.Connection, policy: SlaPolicy) -> None:
        if self.keeping_key:
            conn.executemany(_WRITE_KEEPING_KEY, self.keeping_key)
        if self.with_key:
            conn.executemany(_WRITE_WITH_KEY, self.with_key)
        if self.declined:
            _refresh_by_reference(conn, self.declined, policy)


def plan_batch(conn: sqlite3.Connection, found: list[tuple], policy: SlaPolicy, prepared: EpochPolicy | None,
               *, by_range: bool) -> Plan:
    """Recompute the tickets ``found`` (rows of ``_READ``, in id order) from their events and
    public replies, read here by ticket id, or by the range of ids when ``found`` is every
    ticket in it (a recompute's batch)."""
    plan = Plan()
    if prepared is None or not found:
        plan.declined = [r[0] for r in found]
        return plan
    ids = [r[0] for r in found]
    if by_range:
        where, params = "ticket_id BETWEEN ? AND ?", (ids[0], ids[-1])
    else:
        where, params = f"ticket_id IN ({','.join('?' * len(ids))})", tuple(ids)
    # Ordered by ticket, then as the reference orders a timeline (at, id): the table's key
    # (ticket_id, id) gives the tickets in order, each one's few events sorted by time (schema
    # v16). "+kind": look up by ticket, not by kind (which would read every reply in the cache).
    events = {ticket_id: list(group) for ticket_id, group in groupby(conn.execute(
        f"SELECT ticket_id, at, {_EVENT_WHAT} FROM events WHERE {where} AND +kind IN ({_KIND_MARKS}) "
        "ORDER BY ticket_id, at, id", (*params, *_EVENT_KINDS)), _first)}
    replies: defaultdict[int, list[int]] = defaultdict(list)
    for ticket_id, at in conn.execute(f"SELECT ticket_id, created_at FROM messages WHERE {where} AND kind = ?",
                                      (*params, str(MessageKind.PUBLIC_REPLY))):
        replies[ticket_id].append(at)
    no_events: list[tuple[int, int, str | int]] = []
    no_replies: list[int] = []
    for r in found:
        tid = r[0]
        try:
            fresh = clock_columns(prepared, r[1:11], events.get(tid, no_events), replies.get(tid, no_replies))
        except Declined:
            plan.declined.append(tid)
            continue
        if fresh[:6] == r[11:17]:
            continue  # as stored: the reference leaves such a ticket alone too
        if fresh[8] == r[17]:
            plan.keeping_key.append((*fresh[:8], tid))
        else:
            plan.with_key.append((*fresh, tid))
    return plan


def _refresh_by_reference(conn: sqlite3.Connection, ids: list[int], policy: SlaPolicy) -> None:
    """Recompute ``ids`` with the datetime reference, from whole tickets and events."""
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found = [rows.ticket_from_row(r) for r in conn.execute(
            f"SELECT {rows.TICKET_COLUMNS} FROM tickets WHERE id IN ({marks})", chunk)]
        events: defaultdict[int, list[Event]] = defaultdict(list)
        for r in conn.execute(f"SELECT {rows.EVENT_COLUMNS} FROM events WHERE ticket_id IN ({marks}) "
                              f"AND +kind IN ({_KIND_MARKS}) ORDER BY at, id", (*chunk, *_EVENT_KINDS)):
            event = rows.event_from_row(r)
            events[event.ticket_id].append(event)
        replies: defaultdict[int, list[datetime]] = defaultdict(list)
        for ticket_id, at in conn.execute(f"SELECT ticket_id, created_at FROM messages WHERE ticket_id IN ({marks}) "
                                          "AND kind = 'public_reply'", chunk):
            replies[ticket_id].append(from_epoch_not_null(at))
        updated = []
        for ticket in found:
            fresh = clocked(ticket, events.get(ticket.saved_id, ()), replies.get(ticket.saved_id, ()), policy)
            if fresh != ticket:
                updated.append(fresh)
        if updated:
            writer.save_clocks(conn, updated)
