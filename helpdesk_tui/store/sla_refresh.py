"""Keeping every ticket's due times in step with the SLA policy.

The policy in force is kept in the cache (``meta.sla_policy``), so every path that
writes a ticket (sync, a reply, a triage action) recomputes its clocks the same way
without being handed the settings. When the configured policy differs from the kept
one, every ticket is recomputed once, in batches, each batch in its own transaction:
an interruption leaves the old policy recorded, so the next start finishes the job.

The clocks are computed on the stored epoch seconds (``domain.sla_epochs``) from a narrow
read: the ticket's own clock inputs, its status, reply and promise events and the times of
its public replies. A ticket whose clocks come out as stored is not written at all, and
one whose inbox key (``sla_key``) stays the same is written without it, so the five
indexes that hold the key are left alone. Where epoch arithmetic declines, the datetime
reference (``domain.sla_policy.clocked``) computes the ticket, as it always did.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

from helpdesk_tui.domain.models import Event
from helpdesk_tui.domain.sla_epochs import EVENT_KINDS, INPUT_COLUMNS, Declined, EpochPolicy, clock_columns, prepare
from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy, clocked
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import rows, writer
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.timeconv import from_epoch_not_null

POLICY_KEY = "sla_policy"
STALE_KEY = "sla_policy_stale"  # set when stored times moved (the demo's clock shift) under business hours
BATCH = 2000
AHEAD_FROM = 50_000  # tickets from which a second process computes ahead of the writer (sla_ahead)
_EVENT_KINDS = tuple(EVENT_KINDS)  # status changes, replies, promises: what the clocks depend on
_KIND_MARKS = ",".join("?" * len(_EVENT_KINDS))
# An event as domain.sla_epochs.Event wants it, made by SQLite: no tuple rebuilt per event.
_EVENT_WHAT = "CASE kind " + " ".join(f"WHEN '{kind}' THEN {'detail' if what is None else what}"
                                      for kind, what in EVENT_KINDS.items()) + " END"
# The clock inputs, then what is stored now: the six clocks (in the order clock_columns gives
# them) and the inbox key.
_READ = (f"SELECT id, {', '.join(INPUT_COLUMNS)}, first_response_at, first_response_due_at, first_update_at, "
         "first_update_due_at, update_due_at, resolution_due_at, sla_key FROM tickets")
_CLOCKS = ("first_response_at", "first_response_due_at", "first_update_at", "first_update_due_at", "update_due_at",
           "resolution_due_at", "sla_due_at", "sla_kind")
_WRITE_KEEPING_KEY = f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in _CLOCKS)} WHERE id = ?"
_first = itemgetter(0)
_WRITE_WITH_KEY = f"UPDATE tickets SET {', '.join(f'{c} = ?' for c in _CLOCKS)}, sla_key = ? WHERE id = ?"


def current_policy(conn: sqlite3.Connection) -> SlaPolicy:
    return _policy_from_text(writer.get_meta(conn, POLICY_KEY))[0]


@lru_cache(maxsize=8)
def _policy_from_text(text: str | None) -> tuple[SlaPolicy, EpochPolicy | None]:
    """The kept policy, parsed and prepared once per text (every reply and synced ticket asks)."""
    policy = SlaPolicy.from_json(text) if text else DEFAULT_POLICY
    return policy, prepare(policy)


def needs_install(conn: sqlite3.Connection, policy: SlaPolicy) -> bool:
    text = writer.get_meta(conn, POLICY_KEY)
    if text is None:
        return policy != DEFAULT_POLICY or _has_tickets(conn)
    return text != policy.to_json() or (policy.hours is not None and writer.get_meta(conn, STALE_KEY) == "1")


def install_policy(conn: sqlite3.Connection, policy: SlaPolicy,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Make ``policy`` the one in force and recompute every ticket; returns how many.

    Each batch is read and computed outside the write lock, then written in a short
    transaction: the app's other writers (a reply, a sync page) wait for the write only. When
    another connection committed in between, the batch is read and computed again under the
    lock, so nothing computed from an older state is ever written. A large cache has the next
    batch read and computed by a second process (``sla_ahead``) while this one writes.
    """
    total = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    prepared = prepare(policy)
    ahead = None
    if total >= AHEAD_FROM:
        from helpdesk_tui.store.sla_ahead import Ahead

        ahead = Ahead.start(conn, policy)
    done, last_id = 0, 0
    try:
        while True:
            computed = ahead.answer(last_id, _data_version(conn)) if ahead is not None else None
            if computed is not None:
                version, count, batch_last, plan = computed
                if count and ahead is not None:  # the next batch is read while this one is written
                    ahead.ask(batch_last, _data_version(conn))
            else:
                ahead = None
                conn.execute("BEGIN")  # deferred: the reads see one state of the cache
                try:
                    found = read_batch(conn, last_id, BATCH)
                    version = _data_version(conn)
                    plan = plan_batch(conn, found, policy, prepared, by_range=True)
                finally:
                    conn.execute("COMMIT")
                count, batch_last = len(found), found[-1][0] if found else last_id
            if not count:
                break
            with transaction(conn):
                if _data_version(conn) != version:
                    # The answer asked after batch_last is for another start if this batch
                    # changed: Ahead.answer asks again then.
                    found = read_batch(conn, last_id, BATCH)
                    plan = plan_batch(conn, found, policy, prepared, by_range=True)
                    count, batch_last = len(found), found[-1][0] if found else last_id
                plan.write(conn, policy)
            done, last_id = done + count, batch_last
            if progress:
                progress(done, total)
    finally:
        if ahead is not None:
            ahead.close()
    with transaction(conn):
        writer.set_meta(conn, POLICY_KEY, policy.to_json())
        conn.execute("DELETE FROM meta WHERE key = ?", (STALE_KEY,))
    return done


def read_batch(conn: sqlite3.Connection, after_id: int, size: int) -> list[tuple]:
    """The clock inputs (rows of ``_READ``) of the ``size`` tickets after ``after_id``, in id order."""
    return conn.execute(f"{_READ} WHERE id > ? ORDER BY id LIMIT ?", (after_id, size)).fetchall()


def _data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits (never for this connection's own writes)."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def refresh_tickets(conn: sqlite3.Connection, ticket_ids: Iterable[int], policy: SlaPolicy | None = None) -> None:
    """Recompute the due times of ``ticket_ids`` from their timelines. The caller owns the transaction."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return
    if policy is None:
        policy, prepared = _policy_from_text(writer.get_meta(conn, POLICY_KEY))
    else:
        prepared = prepare(policy)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found = conn.execute(f"{_READ} WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        plan_batch(conn, found, policy, prepared, by_range=False).write(conn, policy)


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
    # Ordered by ticket, then as the reference orders a timeline (at, id): the index on
    # events(ticket_id, at, id) gives that order without a sort. "+kind": look up by ticket,
    # not by kind (which would read every reply in the cache).
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


def _has_tickets(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None
