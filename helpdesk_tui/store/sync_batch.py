"""What the tickets of a page applied together share, and a new ticket's due times worked out in hand.

``sync_apply`` writes a page either one ticket at a time (each under a savepoint, its due
times read back from its rows) or, the engine's way, as a batch: the page's known tickets,
people and the policy read once (``Batch``), and a new ticket's clocks computed before its one
write, exactly as ``sla_refresh`` would compute them from the rows (``clocked_new``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.remote import RemoteMessage, RemoteOrganization, RemoteTicket, RemoteUser
from helpdesk_tui.domain.sla_epochs import EVENT_KINDS, INPUT_COLUMNS, Declined, EpochPolicy, clock_columns, prepare
from helpdesk_tui.domain.sla_policy import SlaPolicy, clocked
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import new_tickets, rows, sla_refresh, tag_rows, writer
from helpdesk_tui.store.fts_text import index_text
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
    prepared: EpochPolicy | None = None  # the policy for epoch arithmetic (None: the reference only)

    @classmethod
    def read(cls, conn: sqlite3.Connection, remotes: list[RemoteTicket]) -> Batch:
        policy = sla_refresh.current_policy(conn)
        return cls(
            policy=policy, prepared=prepare(policy),
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


_COLUMN_AT = {name.strip(): i for i, name in enumerate(rows.TICKET_COLUMNS.split(","))}
_INPUT_AT = [_COLUMN_AT[name] for name in INPUT_COLUMNS]
_STORED_CLOCKS_AT = [_COLUMN_AT[name] for name in ("first_response_at", "first_response_due_at", "first_update_at",
                                                   "first_update_due_at", "update_due_at", "resolution_due_at")]


def new_ticket_row(ticket: Ticket, events: list[Event], thread: list[RemoteMessage] | None, batch: Batch) -> tuple:
    """A new ticket's row (``rows.ticket_params``) with the due times ``sla_refresh`` would write
    once it and its timeline are written: worked out on the row's own epoch seconds as the
    refresh does (``sla_epochs.clock_columns``), or where that declines, by the reference
    (``clocked_new``). Equal clocks leave the row as it is, as the refresh leaves a ticket."""
    row = rows.ticket_params(ticket)
    if batch.prepared is not None:
        timeline = sorted(((ticket.saved_id, to_epoch(e.at), e.detail if what is None else what)
                           for e in events if (what := EVENT_KINDS.get(str(e.kind), -1)) != -1),
                          key=_second)  # stable: as the refresh reads them, ORDER BY at, id
        replies = [to_epoch(m.created_at) for m in thread or () if m.kind == MessageKind.PUBLIC_REPLY]
        try:
            fresh = clock_columns(batch.prepared, [row[i] for i in _INPUT_AT], timeline, replies)
        except Declined:
            pass
        else:
            return row if list(fresh[:6]) == [row[i] for i in _STORED_CLOCKS_AT] else \
                writer.with_clock_columns(row, fresh)
    clocks = clocked_new(ticket, events, thread, batch.policy)
    return row if clocks is None else writer.with_clock_columns(row, rows.clock_params(clocks))


def _second(item: tuple[int, int, object]) -> int:
    return item[1]


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


# The columns a pull writes for the helpdesk's organizations and users (``remote_id`` first:
# the upsert's key), in one place for the one-by-one and the batched writes.
ORGANIZATION_SYNC_COLUMNS = ("remote_id", "name", "domain", "raw", "synced_at")
CUSTOMER_SYNC_COLUMNS = ("remote_id", "name", "email", "phone", "language", "organization_id", "raw", "synced_at")


def organization_values(org: RemoteOrganization, synced: int, texts: RawTexts | None = None) -> tuple[object, ...]:
    return (org.remote_id, org.name, org.domain, texts.of(org.raw) if texts else json.dumps(org.raw), synced)


def customer_values(user: RemoteUser, organization_id: int | None, synced: int,
                    texts: RawTexts | None = None) -> tuple[object, ...]:
    return (user.remote_id, user.name, user.email, user.phone, user.language, organization_id,
            texts.of(user.raw) if texts else json.dumps(user.raw), synced)


class RawTexts:
    """The server's records of a page as the cache keeps them (``json.dumps`` of each ``raw``),
    encoded before the page is written: the engine has the thread that fetches the next page
    do it, while this one writes (~16 us a ticket, its users' included, off the writer's path
    and out of its write transaction). A record not encoded here is encoded where it is written,
    failing there as it always did. A record's ``raw`` must not change once encoded: no backend
    touches it after ``pull`` (those that fetch ahead, ``Backend.pull_ahead``, least of all)."""

    __slots__ = ("_texts",)

    def __init__(self, records: Iterable[RemoteTicket | RemoteUser | RemoteOrganization] = ()) -> None:
        # By the identity of the raw dict, kept alongside: an id is only unique while its object lives.
        self._texts: dict[int, tuple[object, str]] = {}
        for record in records:
            try:
                self._texts[id(record.raw)] = (record.raw, json.dumps(record.raw))
            except Exception:  # noqa: BLE001 - left to the write, which raises what it always raised
                continue

    def of(self, raw: object) -> str:
        found = self._texts.get(id(raw))
        return found[1] if found is not None and found[0] is raw else json.dumps(raw)


@functools.lru_cache(maxsize=16)
def upsert_remote_sql(table: str, names: tuple[str, ...]) -> str:
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "remote_id")
    return (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT(remote_id) DO UPDATE SET {updates}")


def upsert_remote_many(conn: sqlite3.Connection, table: str, names: tuple[str, ...],
                       values: list[tuple[object, ...]]) -> None:
    """Upsert a page's records of ``table`` by remote id, the rows the one-by-one upserts leave.

    A record whose stored row already holds the same values (all but ``synced_at``, last) only
    gets its ``synced_at`` moved: a helpdesk sends the same people with page after page, and a
    one-column update is cheaper than rewriting every column and index entry. New rows are
    inserted in the page's order, so they get the ids the one-by-one upserts give them.
    """
    assert names[0] == "remote_id" and names[-1] == "synced_at"
    stored: dict[object, tuple[object, ...]] = {}
    wanted = list(dict.fromkeys(v[0] for v in values))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        stored.update((r[0], tuple(r)) for r in conn.execute(
            f"SELECT {', '.join(names[:-1])} FROM {table} WHERE remote_id IN ({','.join('?' * len(chunk))})", chunk))
    changed: list[tuple[object, ...]] = []
    touched: list[tuple[object, object]] = []
    for value in values:
        if stored.get(value[0]) == value[:-1]:
            touched.append((value[-1], value[0]))
        else:
            changed.append(value)
            stored[value[0]] = value[:-1]  # a record twice in the page: the later one compares with it
    conn.executemany(upsert_remote_sql(table, names), changed)
    conn.executemany(f"UPDATE {table} SET synced_at = ? WHERE remote_id = ?", touched)


def claim_local_customers(conn: sqlite3.Connection, users: list[RemoteUser]) -> None:
    """``new_tickets.claim_local_customer`` for each of a page's users, in order, asking SQLite
    only about those whose remote id the cache does not hold yet (one read for the page)."""
    seen = set(local_ids(conn, "customers", {u.remote_id for u in users}))
    for user in users:
        if user.email and user.remote_id not in seen:
            new_tickets.claim_local_customer(conn, user.remote_id, user.email)
        seen.add(user.remote_id)  # one by one, its upsert has written it before the next user is looked up


def forget_ticket_index(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """``writer``'s forgetting of known tickets' index entries (search terms and tag rows) before
    they are written again, for a page at once: their old text read in one query."""
    wanted = list(ids)
    old: dict[int, tuple[str, str, int]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        old.update((r[0], (r[1], r[2], r[3])) for r in conn.execute(
            f"SELECT id, subject, tags, sla_key FROM tickets WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    found = [tid for tid in wanted if tid in old]
    # A contentless FTS5 table forgets a row only given the exact text it indexed.
    conn.executemany("INSERT INTO tickets_fts (tickets_fts, rowid, subject, tags) VALUES ('delete', ?, ?, ?)",
                     ((tid, index_text(old[tid][0]), " ".join(json.loads(old[tid][1]))) for tid in found))
    tag_rows.forget(conn, ((tid, old[tid][1], old[tid][2]) for tid in found))
