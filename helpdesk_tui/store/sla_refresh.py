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
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy
from helpdesk_tui.domain.vocab import EventKind
from helpdesk_tui.store.db import transaction

if TYPE_CHECKING:
    from helpdesk_tui.domain.sla_epochs import EpochPolicy

# domain.sla_epochs and store.sla_batches are imported where clocks are computed, not at the
# top: every command asks needs_install, which only compares the kept policy's text, and a
# command that writes nothing (list, show, search) should not pay for loading them.

POLICY_KEY = "sla_policy"
STALE_KEY = "sla_policy_stale"  # set when stored times moved (the demo's clock shift) under business hours
BATCH = 1000  # about 15 ms of writing under the lock on an idle machine
AHEAD_FROM = 50_000  # tickets from which a second process computes ahead of the writer (sla_ahead)
# The events a ticket's clocks follow (sync_batch works out a new ticket's clocks from them too).
TIMELINE_EVENTS = (EventKind.STATUS_CHANGED, EventKind.REPLIED, EventKind.FIRST_RESPONSE, EventKind.CHECKPOINT_SET)


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    """``writer.get_meta``: every command asks whether the policy is in force, and the sync's
    writer (with the tag and search-text code it imports) is for the few that write."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def current_policy(conn: sqlite3.Connection) -> SlaPolicy:
    return _policy_from_text(_meta(conn, POLICY_KEY))[0]


@lru_cache(maxsize=8)
def _policy_from_text(text: str | None) -> tuple[SlaPolicy, EpochPolicy | None]:
    """The kept policy, parsed and prepared once per text (every reply and synced ticket asks)."""
    from helpdesk_tui.domain.sla_epochs import prepare

    policy = SlaPolicy.from_json(text) if text else DEFAULT_POLICY
    return policy, prepare(policy)


def needs_install(conn: sqlite3.Connection, policy: SlaPolicy) -> bool:
    text = _meta(conn, POLICY_KEY)
    if text is None:
        return policy != DEFAULT_POLICY or _has_tickets(conn)
    return text != policy.to_json() or (policy.hours is not None and _meta(conn, STALE_KEY) == "1")


def install_policy(conn: sqlite3.Connection, policy: SlaPolicy,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Make ``policy`` the one in force and recompute every ticket; returns how many.

    Each batch is read and computed outside the write lock, then written in a short
    transaction: the app's other writers (a reply, a sync page) wait for the write only. When
    another connection committed in between, the batch is read and computed again under the
    lock, so nothing computed from an older state is ever written. A large cache has the next
    batch read and computed by a second process (``sla_ahead``) while this one writes.
    """
    from helpdesk_tui.domain.sla_epochs import prepare
    from helpdesk_tui.store import sla_batches

    total = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    prepared = prepare(policy)
    ahead = None
    if total >= AHEAD_FROM:
        from helpdesk_tui.store.sla_ahead import Ahead

        ahead = Ahead.start(conn, policy, BATCH)
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
                    found = sla_batches.read_batch(conn, last_id, BATCH)
                    version = _data_version(conn)
                    plan = sla_batches.plan_batch(conn, found, policy, prepared, by_range=True)
                finally:
                    conn.execute("COMMIT")
                count, batch_last = len(found), found[-1][0] if found else last_id
            if not count:
                break
            with transaction(conn):
                if _data_version(conn) != version:
                    # The answer asked after batch_last is for another start if this batch
                    # changed: Ahead.answer asks again then.
                    found = sla_batches.read_batch(conn, last_id, BATCH)
                    plan = sla_batches.plan_batch(conn, found, policy, prepared, by_range=True)
                    count, batch_last = len(found), found[-1][0] if found else last_id
                plan.write(conn, policy)
            done, last_id = done + count, batch_last
            if progress:
                progress(done, total)
    finally:
        if ahead is not None:
            ahead.close()
    from helpdesk_tui.store import writer

    with transaction(conn):
        writer.set_meta(conn, POLICY_KEY, policy.to_json())
        conn.execute("DELETE FROM meta WHERE key = ?", (STALE_KEY,))
    return done


def _data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits (never for this connection's own writes)."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def refresh_tickets(conn: sqlite3.Connection, ticket_ids: Iterable[int], policy: SlaPolicy | None = None) -> None:
    """Recompute the due times of ``ticket_ids`` from their timelines. The caller owns the transaction."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return
    from helpdesk_tui.domain.sla_epochs import prepare
    from helpdesk_tui.store import sla_batches

    if policy is None:
        policy, prepared = _policy_from_text(_meta(conn, POLICY_KEY))
    else:
        prepared = prepare(policy)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found = sla_batches.read_tickets(conn, chunk)
        sla_batches.plan_batch(conn, found, policy, prepared, by_range=False).write(conn, policy)


def _has_tickets(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None
