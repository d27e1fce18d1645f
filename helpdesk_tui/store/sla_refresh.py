"""Keeping every ticket's due times in step with the SLA policy.

The policy in force is kept in the cache (``meta.sla_policy``), so every path that
writes a ticket (sync, a reply, a triage action) recomputes its clocks the same way
without being handed the settings. When the configured policy differs from the kept
one, every ticket is recomputed once, in batches, each batch in its own transaction:
an interruption leaves the old policy recorded, so the next start finishes the job.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from helpdesk_tui.domain.models import Event
from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy, clocked
from helpdesk_tui.domain.vocab import EventKind
from helpdesk_tui.store import rows, writer
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.timeconv import from_epoch_not_null

POLICY_KEY = "sla_policy"
STALE_KEY = "sla_policy_stale"  # set when stored times moved (the demo's clock shift) under business hours
BATCH = 2000
# The events a ticket's clocks follow (sync_apply works out a new ticket's clocks from them too).
TIMELINE_EVENTS = (EventKind.STATUS_CHANGED, EventKind.REPLIED, EventKind.FIRST_RESPONSE, EventKind.CHECKPOINT_SET)


def current_policy(conn: sqlite3.Connection) -> SlaPolicy:
    text = writer.get_meta(conn, POLICY_KEY)
    return SlaPolicy.from_json(text) if text else DEFAULT_POLICY


def needs_install(conn: sqlite3.Connection, policy: SlaPolicy) -> bool:
    text = writer.get_meta(conn, POLICY_KEY)
    if text is None:
        return policy != DEFAULT_POLICY or _has_tickets(conn)
    return text != policy.to_json() or (policy.hours is not None and writer.get_meta(conn, STALE_KEY) == "1")


def install_policy(conn: sqlite3.Connection, policy: SlaPolicy,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Make ``policy`` the one in force and recompute every ticket; returns how many."""
    total = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    done, last_id = 0, 0
    while True:
        ids = [r[0] for r in conn.execute("SELECT id FROM tickets WHERE id > ? ORDER BY id LIMIT ?",
                                          (last_id, BATCH))]
        if not ids:
            break
        with transaction(conn):
            refresh_tickets(conn, ids, policy)
        done, last_id = done + len(ids), ids[-1]
        if progress:
            progress(done, total)
    with transaction(conn):
        writer.set_meta(conn, POLICY_KEY, policy.to_json())
        conn.execute("DELETE FROM meta WHERE key = ?", (STALE_KEY,))
    return done


def refresh_tickets(conn: sqlite3.Connection, ticket_ids: Iterable[int], policy: SlaPolicy | None = None) -> None:
    """Recompute the due times of ``ticket_ids`` from their timelines. The caller owns the transaction."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return
    policy = policy or current_policy(conn)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found = [rows.ticket_from_row(r) for r in conn.execute(
            f"SELECT {rows.TICKET_COLUMNS} FROM tickets WHERE id IN ({marks})", chunk)]
        events: defaultdict[int, list[Event]] = defaultdict(list)
        for r in conn.execute(f"SELECT {rows.EVENT_COLUMNS} FROM events WHERE ticket_id IN ({marks}) "
                              # "+kind": look up by ticket, not by kind (which would read every
                              # reply in the cache).
                              f"AND +kind IN ({','.join('?' * len(TIMELINE_EVENTS))}) ORDER BY at, id",
                              (*chunk, *map(str, TIMELINE_EVENTS))):
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
