"""What the tickets of a page applied together share, and a new ticket's due times worked out in hand.

``sync_apply`` writes a page either one ticket at a time (each under a savepoint, its due
times read back from its rows) or, the engine's way, as a batch: the page's known tickets,
people and the policy read once (``Batch``), and a new ticket's clocks computed before its one
write, exactly as ``sla_refresh`` would compute them from the rows (``clocked_new``).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC

from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.remote import RemoteMessage, RemoteTicket
from helpdesk_tui.domain.sla_policy import SlaPolicy, clocked
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import new_tickets, rows, sla_refresh
from helpdesk_tui.store.timeconv import from_epoch_not_null, to_epoch


@dataclass
class Batch:
    """What the tickets of a page written together share, read once for the page, not per ticket."""

    policy: SlaPolicy
    known: dict[str, Ticket]  # the page's tickets the cache holds, by remote id
    adoption: bool  # a ticket opened here may come back in the page: look each new one up
    next_id: int  # the local id of the next new ticket (SQLite's max(id) + 1, kept here)
    customers: dict[str, int]  # local ids of the page's requesters and organizations, by remote id
    organizations: dict[str, int]
    refresh: list[int] = field(default_factory=list)  # tickets whose due times are read back after the page

    @classmethod
    def read(cls, conn: sqlite3.Connection, remotes: list[RemoteTicket]) -> Batch:
        return cls(
            policy=sla_refresh.current_policy(conn),
            known={t.remote_id: t for t in _by_remote_id(conn, [r.remote_id for r in remotes])
                   if t.remote_id is not None},
            adoption=new_tickets.adoption_pending(conn),
            next_id=conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tickets").fetchone()[0],
            customers=local_ids(conn, "customers", {r.requester_remote_id for r in remotes}),
            organizations=local_ids(conn, "organizations", {r.organization_remote_id for r in remotes}))


def _by_remote_id(conn: sqlite3.Connection, remote_ids: list[str]) -> list[Ticket]:
    found = []
    for start in range(0, len(remote_ids), 500):
        chunk = remote_ids[start:start + 500]
        found += [rows.ticket_from_row(r) for r in conn.execute(
            f"SELECT {rows.TICKET_COLUMNS} FROM tickets WHERE remote_id IN ({','.join('?' * len(chunk))})", chunk)]
    return found


def local_ids(conn: sqlite3.Connection, table: str, remote_ids: set[str | None]) -> dict[str, int]:
    wanted = [r for r in remote_ids if r is not None]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(conn.execute(f"SELECT remote_id, id FROM {table} WHERE remote_id IN "
                                  f"({','.join('?' * len(chunk))})", chunk).fetchall())
    return found


def clocked_new(ticket: Ticket, events: list[Event], thread: list[RemoteMessage] | None,
                 policy: SlaPolicy) -> Ticket | None:
    """The ticket whose clocks ``sla_refresh.refresh_tickets`` would write for a new ticket once
    written (None: it would write none), from its events and the public replies of its thread,
    each time as the cache keeps it (whole seconds), the ticket as read back from its row."""
    stored = ticket if _as_stored(ticket) else rows.ticket_from_row(rows.ticket_params(ticket))
    timeline = [dataclasses.replace(e, at=from_epoch_not_null(to_epoch(e.at))) for e in events
                if e.kind in sla_refresh.TIMELINE_EVENTS]
    timeline.sort(key=lambda e: e.at)  # stable: as the cache's ORDER BY at, id
    replies = [from_epoch_not_null(to_epoch(m.created_at)) for m in thread or ()
               if m.kind == MessageKind.PUBLIC_REPLY]
    fresh = clocked(stored, timeline, replies, policy)
    return fresh if fresh != stored else None


_TIMES = ("created_at", "updated_at", "first_response_at", "first_response_due_at", "next_checkpoint_at",
          "resolution_due_at", "solved_at", "deleted_at", "first_update_at", "first_update_due_at", "update_due_at")


def _as_stored(ticket: Ticket) -> bool:
    """Whether ``ticket`` reads back from its row as it is, for what its clocks depend on: every
    time in whole seconds in UTC (the cache keeps epoch seconds), status and priority of their
    own types. (Tags and custom fields do not count: no clock reads them.)"""
    for name in _TIMES:
        at = getattr(ticket, name)
        if at is not None and (at.microsecond or at.tzinfo is not UTC):
            return False
    return type(ticket.status) is Status and type(ticket.priority) is Priority
