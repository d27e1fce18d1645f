"""Applying a page of remote changes to the cache, cursor included, in the caller's transaction.

Remote ids map to local ids here. Local knowledge the server does not hold survives a
pull: the promised next update, drafts, notes about customers, queued replies. A message
we sent ourselves is recognised when it comes back (by remote id, or by kind and text)
and is not shown twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.remote import ChangePage, RemoteMessage, RemoteTicket
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Status
from helpdesk_tui.store import new_tickets, ratings, rows, sla_refresh, sync_batch, tickets, writer
from helpdesk_tui.store.fts_text import index_text
from helpdesk_tui.store.timeconv import to_epoch

T = TypeVar("T")


def _upsert_remote(conn: sqlite3.Connection, table: str, names: tuple[str, ...], values: tuple[object, ...]) -> None:
    conn.execute(sync_batch.upsert_remote_sql(table, names), values)


def _local_id(conn: sqlite3.Connection, table: str, remote_id: str | None) -> int | None:
    if remote_id is None:
        return None
    row = conn.execute(f"SELECT id FROM {table} WHERE remote_id = ?", (remote_id,)).fetchone()
    return row[0] if row else None


# What writing one malformed record raises: a lone surrogate (UnicodeEncodeError), a date past
# year 9999 in the SLA arithmetic (OverflowError), a value SQLite cannot bind. Never a full disk
# or a lock (sqlite3.OperationalError): those stop the page, which is then not applied at all.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError,
             sqlite3.InterfaceError, sqlite3.IntegrityError, sqlite3.DataError)


@dataclass(frozen=True, slots=True)
class Arrival:
    """A ticket a pull brought in new, or one that got a new message from the customer."""

    ticket_id: int
    number: int
    subject: str  # the server's text: untrusted, cleaned where it is shown
    assignee: str | None
    status: Status
    customer_reply: bool  # False: the ticket itself is new


@dataclass
class ApplyResult:
    new: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: list[str] = field(default_factory=list)  # records left out, one sentence each
    arrivals: list[Arrival] = field(default_factory=list)  # new tickets, then customer replies, in page order


def apply_page(conn: sqlite3.Connection, page: ChangePage, threads: dict[str, list[RemoteMessage]], *,
               stream: str | None, now: datetime, server_sla: bool = False, batch: bool = False,
               texts: sync_batch.RawTexts | None = None) -> ApplyResult:
    """Write ``page`` (and the threads fetched for it) and store its cursor. Caller owns the transaction.

    ``stream`` None: a page that is not part of a feed (one ticket fetched by its number), whose
    cursor must not move the feed's.

    Each record is written under its own savepoint: one the cache cannot take is left out and
    named in ``skipped``, and the rest of the page and the cursor are still applied. With
    ``batch`` the tickets are written together, faster, and a record the cache cannot take
    raises one of ``MALFORMED`` instead: the caller rolls back and applies the page again
    without ``batch`` (the same rows either way). ``texts``: the page's records already
    encoded as they are stored (``encode_ahead``).
    """
    result = ApplyResult()
    synced = to_epoch(now)
    if batch:
        # In a batch the page's organizations and users are written with one statement each
        # (a bad one raises: the page is then applied again one record at a time, below).
        sync_batch.upsert_remote_many(conn, "organizations", sync_batch.ORGANIZATION_SYNC_COLUMNS,
                                      [sync_batch.organization_values(org, synced, texts) for org in page.organizations])
        sync_batch.claim_local_customers(conn, page.users)  # one customer, not two
        org_ids = sync_batch.local_ids(conn, "organizations", {u.organization_remote_id for u in page.users})
        sync_batch.upsert_remote_many(conn, "customers", sync_batch.CUSTOMER_SYNC_COLUMNS, [
            sync_batch.customer_values(user, org_ids.get(user.organization_remote_id or ""), synced, texts)
            for user in page.users])
    else:
        for org in page.organizations:
            _guarded(conn, result, f"organization {org.remote_id}", _upsert_remote, conn, "organizations",
                     sync_batch.ORGANIZATION_SYNC_COLUMNS, sync_batch.organization_values(org, synced))
        for user in page.users:
            new_tickets.claim_local_customer(conn, user.remote_id, user.email)  # one customer, not two
            org_id = _local_id(conn, "organizations", user.organization_remote_id)
            _guarded(conn, result, f"user {user.remote_id}", _upsert_remote, conn, "customers",
                     sync_batch.CUSTOMER_SYNC_COLUMNS, sync_batch.customer_values(user, org_id, synced))
    _apply_tickets(conn, result, page.tickets, threads, synced, server_sla, batch, texts)
    for remote_id in page.deleted_ticket_ids:
        ticket_id = _local_id(conn, "tickets", remote_id)
        ticket = tickets.get_ticket(conn, ticket_id) if ticket_id else None
        if ticket is not None and ticket.deleted_at is None:
            ticket.deleted_at = now
            writer.save_tickets(conn, [ticket])
            result.deleted += 1
    if stream is not None:
        conn.execute("INSERT INTO sync_state (stream, cursor, updated_at) VALUES (?, ?, ?) "
                     "ON CONFLICT(stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                     (stream, page.cursor, synced))
    return result


def _apply_tickets(conn: sqlite3.Connection, result: ApplyResult, remotes: list[RemoteTicket],
                   threads: dict[str, list[RemoteMessage]], synced: int, server_sla: bool, batch: bool,
                   texts: sync_batch.RawTexts | None = None) -> None:
    """Write the page's tickets: one by one, each under its own savepoint (a bad one is rolled
    back, skipped and named); or with ``batch``, all at once with their due times refreshed in
    one go, a bad record raising (the caller rolls the page back and applies it one by one).

    Both ways write the same rows: a ticket's due times depend on its own rows only, so
    refreshing them after the page instead of after each ticket changes nothing, as long as
    no ticket comes twice in the page (then the second reads the first: one by one it goes).
    """
    pairs = [(remote, remote.messages if remote.messages is not None else threads.get(remote.remote_id))
             for remote in remotes]
    written: list[tuple[int, int, Arrival | None]]
    if batch and len({remote.remote_id for remote in remotes}) == len(remotes):
        # No savepoints: with one open, SQLite writes the page's updates ~4× slower (measured),
        # and one per record costs three statements each.
        shared = sync_batch.Batch.read(conn, remotes)
        if shared.adoption:  # a new ticket may take a provisional row: each looks it up, in turn
            written = [_apply_ticket(conn, remote, thread, synced, server_sla, shared) for remote, thread in pairs]
        else:
            written = _apply_together(conn, pairs, synced, server_sla, shared, texts or sync_batch.RawTexts())
        sla_refresh.refresh_tickets(conn, shared.refresh, shared.policy)
    else:
        outcomes = [_guarded(conn, result, f"ticket {remote.remote_id}", _apply_ticket, conn, remote, thread,
                             synced, server_sla) for remote, thread in pairs]
        written = [outcome for outcome in outcomes if outcome is not None]  # a skipped record is not counted
    for _, is_new, announce in written:
        result.new += is_new
        result.updated += 1 - is_new
        if announce is not None:
            result.arrivals.append(announce)


def encode_ahead(page: ChangePage) -> sync_batch.RawTexts:
    """The page's records encoded as ``apply_page`` stores them, for ``apply_page(texts=…)``:
    work that needs no cache, done by whichever thread has the time."""
    return sync_batch.RawTexts([*page.tickets, *page.users, *page.organizations])


def _unguarded(conn: sqlite3.Connection, result: ApplyResult, label: str, write: Callable[..., T],
               *args: Any) -> T | None:
    """``write(*args)``, in a batch: a malformed record raises (the page is then applied again,
    one record at a time under ``_guarded``)."""
    return write(*args)


def _guarded(conn: sqlite3.Connection, result: ApplyResult, label: str, write: Callable[..., T],
             *args: Any) -> T | None:
    """``write(*args)`` under a savepoint; a malformed record is rolled back and reported, not raised."""
    conn.execute("SAVEPOINT one_record")
    try:
        value = write(*args)
    except MALFORMED as exc:
        conn.execute("ROLLBACK TO one_record")
        conn.execute("RELEASE one_record")
        reason = clean_line(str(exc))[:120]
        result.skipped.append(f"{clean_line(label)[:60]} was skipped: {type(exc).__name__}"
                              f"{': ' + reason if reason else ''}.")
        return None
    conn.execute("RELEASE one_record")
    return value


def _apply_ticket(conn: sqlite3.Connection, remote: RemoteTicket, thread: list[RemoteMessage] | None,
                  synced: int, server_sla: bool, batch: sync_batch.Batch | None = None) -> tuple[int, int, Arrival | None]:
    """Write one ticket, its timeline and thread, and its due times (in a ``batch``: those of a
    new ticket at once, those of a known one after the page, ``batch.refresh``).

    Returns its local id, 1 if it is new (else 0), and the arrival to announce: the ticket when
    it is new, or when an existing one got a message from the customer it did not have.
    """
    existing = batch.known.get(remote.remote_id) if batch is not None else None
    if existing is None and (batch is None or batch.adoption):
        existing_id = _local_id(conn, "tickets", remote.remote_id) if batch is None else None
        if existing_id is None:
            # The server's copy of a ticket opened here whose answer never came: it takes the
            # provisional row, so the ticket never shows twice (store/new_tickets.py).
            existing_id = new_tickets.adoptable(conn, remote, _email_of(conn, remote.requester_remote_id))
        existing = tickets.get_ticket(conn, existing_id) if existing_id else None
    if existing is not None and existing.id is not None:
        ticket_id = existing.id
    elif batch is not None:
        ticket_id, batch.next_id = batch.next_id, batch.next_id + 1
    else:
        ticket_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tickets").fetchone()[0]
    if batch is not None:
        requester_id = batch.customers.get(remote.requester_remote_id or "")
        organization_id = batch.organizations.get(remote.organization_remote_id or "")
    else:
        requester_id = _local_id(conn, "customers", remote.requester_remote_id)
        organization_id = _local_id(conn, "organizations", remote.organization_remote_id)
    ticket = _ticket(remote, ticket_id, existing, thread, server_sla, requester_id, organization_id)
    events = _events(ticket, existing)
    # A new ticket's timeline is all in hand (these events, this thread): its due times are
    # worked out before it is written, as sla_refresh would from the rows (so one write, not two).
    clocks = sync_batch.clocked_new(ticket, events, thread, batch.policy) if batch is not None and existing is None else None
    writer.save_tickets(conn, [ticket], fresh=existing is None, synced=[(json.dumps(remote.raw), synced)],
                        clocks=[clocks])
    writer.save_events(conn, events)
    ratings.apply_remote_rating(conn, ticket_id, remote)
    replied = False
    if thread is not None:
        replied = apply_thread(conn, ticket_id, thread, synced) > 0
    # Due times follow from the whole timeline (pauses, replies, reopenings) under the policy.
    if batch is None:
        sla_refresh.refresh_tickets(conn, [ticket_id])
    elif existing is not None:
        batch.refresh.append(ticket_id)
    return ticket_id, (0 if existing else 1), _arrival(ticket_id, remote, existing is not None, replied)


def _apply_together(conn: sqlite3.Connection, pairs: list[tuple[RemoteTicket, list[RemoteMessage] | None]],
                    synced: int, server_sla: bool, batch: sync_batch.Batch,
                    texts: sync_batch.RawTexts) -> list[tuple[int, int, Arrival | None]]:
    """``_apply_ticket`` for each of a page's tickets (none twice, none adopting a provisional
    row), with one statement per table for the page instead of a few per ticket: the known
    tickets' index entries forgotten, then every ticket row, tag row, search entry and event
    written in the page's order (the same rows and ids), then ratings and threads, which need
    their ticket's row, ticket by ticket as before."""
    tickets_: list[Ticket] = []
    events: list[Event] = []
    raws: list[tuple[str, int]] = []
    params: list[tuple] = []
    known: list[int] = []
    for remote, thread in pairs:
        existing = batch.known.get(remote.remote_id)
        if existing is not None and existing.id is not None:
            ticket_id = existing.id
            known.append(ticket_id)
        else:
            ticket_id, batch.next_id = batch.next_id, batch.next_id + 1
        ticket = _ticket(remote, ticket_id, existing, thread, server_sla,
                         batch.customers.get(remote.requester_remote_id or ""),
                         batch.organizations.get(remote.organization_remote_id or ""))
        timeline = _events(ticket, existing)
        # A new ticket's due times are worked out before its one write (see _apply_ticket).
        params.append(rows.ticket_params(ticket) if existing is not None else
                      sync_batch.new_ticket_row(ticket, timeline, thread, batch))
        tickets_.append(ticket)
        events += timeline
        raws.append((texts.of(remote.raw), synced))
    sync_batch.forget_ticket_index(conn, known)
    # The page's new tickets, then its known ones: rows of their own ids, so either order
    # writes the same rows.
    was_known = set(known)
    for new in (True, False):
        chosen = [i for i, ticket in enumerate(tickets_) if (ticket.saved_id not in was_known) == new]
        writer.save_ticket_rows(conn, [tickets_[i] for i in chosen], [params[i] for i in chosen],
                                [raws[i] for i in chosen], new=new)
    writer.add_events(conn, events)
    written = []
    for (remote, thread), ticket in zip(pairs, tickets_, strict=True):
        ticket_id = ticket.saved_id
        existing = batch.known.get(remote.remote_id)
        ratings.apply_remote_rating(conn, ticket_id, remote)
        replied = thread is not None and apply_thread(conn, ticket_id, thread, synced) > 0
        if existing is not None:
            batch.refresh.append(ticket_id)
        written.append((ticket_id, 0 if existing else 1, _arrival(ticket_id, remote, existing is not None, replied)))
    return written


def _arrival(ticket_id: int, remote: RemoteTicket, known: bool, replied: bool) -> Arrival | None:
    """What the "new ticket / customer replied" notice needs, when a ticket is new or got a reply."""
    if known and not replied:
        return None
    return Arrival(ticket_id, remote.number, remote.subject, remote.assignee, remote.status, customer_reply=known)


def _email_of(conn: sqlite3.Connection, customer_remote_id: str | None) -> str | None:
    row = conn.execute("SELECT email FROM customers WHERE remote_id = ?", (customer_remote_id,)).fetchone() \
        if customer_remote_id else None
    return str(row[0]) if row and row[0] else None


def _ticket(remote: RemoteTicket, ticket_id: int, existing: Ticket | None, thread: list[RemoteMessage] | None,
            server_sla: bool, requester_id: int | None, organization_id: int | None) -> Ticket:
    # The helpdesk's own due times win; otherwise the SLA policy sets them (sla_refresh).
    supplied = server_sla and (remote.first_response_due_at is not None or remote.resolution_due_at is not None)
    first_due = remote.first_response_due_at if supplied else None
    resolution_due = remote.resolution_due_at if supplied else None
    first_response = remote.first_response_at
    if first_response is None and thread is not None:
        first_response = next((m.created_at for m in thread if m.kind == MessageKind.PUBLIC_REPLY), None)
    if first_response is None and existing is not None:
        first_response = existing.first_response_at  # our own reply, not yet pulled back
    return Ticket(
        id=ticket_id, remote_id=remote.remote_id, number=remote.number, subject=remote.subject,
        status=remote.status, status_raw=remote.status_raw, priority=remote.priority,
        priority_raw=remote.priority_raw,
        requester_id=requester_id, organization_id=organization_id,
        assignee=remote.assignee, group=remote.group, tags=remote.tags, custom_fields=remote.custom_fields,
        created_at=remote.created_at, updated_at=remote.updated_at, first_response_at=first_response,
        first_response_due_at=first_due, resolution_due_at=resolution_due, solved_at=remote.solved_at,
        # The promise of the next update is ours alone: the server never hears of it.
        next_checkpoint_at=existing.next_checkpoint_at if existing else None,
        version=remote.version, sla_source="helpdesk" if supplied else "policy",
    )


def _events(ticket: Ticket, existing: Ticket | None) -> list[Event]:
    ticket_id = ticket.saved_id  # written just before: it has its id
    if existing is None:
        events = [Event(ticket_id, EventKind.RECEIVED, ticket.created_at)]
        if ticket.first_response_at is not None:
            events.append(Event(ticket_id, EventKind.FIRST_RESPONSE, ticket.first_response_at))
        return events
    events = []
    if existing.status != ticket.status:
        events.append(Event(ticket_id, EventKind.STATUS_CHANGED, ticket.updated_at, "",
                            f"{existing.status} → {ticket.status}"))
    if existing.assignee != ticket.assignee:
        events.append(Event(ticket_id, EventKind.ASSIGNED, ticket.updated_at, "", ticket.assignee or "nobody"))
    if existing.first_response_at is None and ticket.first_response_at is not None:
        events.append(Event(ticket_id, EventKind.FIRST_RESPONSE, ticket.first_response_at))
    return events


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _words(remote: RemoteMessage) -> str:
    """What the agent typed, as the server shows it: Zendesk answers our plain text as HTML."""
    return html_to_text(remote.body) if remote.body_format == "html" else remote.body


def apply_thread(conn, ticket_id: int, thread: list[RemoteMessage], synced: int) -> int:
    """Upsert a ticket's messages, adopting our own sent ones when they come back.

    Returns how many of them are customer messages the cache did not have.
    """
    known = dict(conn.execute("SELECT remote_id, id FROM messages WHERE ticket_id = ? AND remote_id IS NOT NULL",
                              (ticket_id,)).fetchall())
    # Messages written here whose server id we never learnt: adopt them when they come back.
    unclaimed = conn.execute("SELECT id, kind, message_body(body) FROM messages WHERE ticket_id = ? AND remote_id IS NULL",
                             (ticket_id,)).fetchall()
    opening = new_tickets.opening_messages(conn, ticket_id) if unclaimed else set()
    out = []
    from_customer = 0
    for remote in thread:
        local_id = known.get(remote.remote_id)
        if local_id is None:
            for i, (mid, kind, body) in enumerate(unclaimed):
                if (kind == str(remote.kind) or mid in opening) and (_same_text(body, remote.body) or _same_text(body, _words(remote))):
                    local_id = mid
                    del unclaimed[i]
                    break
        if local_id is None and remote.kind == MessageKind.CUSTOMER:
            from_customer += 1
        out.append(Message(ticket_id=ticket_id, kind=remote.kind, author=remote.author, body=remote.body,
                           created_at=remote.created_at, body_format=remote.body_format,
                           attachments=remote.attachments, id=local_id, remote_id=remote.remote_id))
    if out:
        writer.save_messages(conn, out)
        conn.executemany("UPDATE messages SET synced_at = ? WHERE id = ?", [(synced, m.id) for m in out])
    return from_customer


def bind_delivered(conn: sqlite3.Connection, ticket_id: int, message_id: int, remote_id: str) -> bool:
    """Our message ``message_id`` turned out to be on the server as ``remote_id`` (found by a
    look-up after an unknown outcome): may it take that id? Caller owns the transaction.

    False when ``remote_id`` is already another local message's, one we sent ourselves (an
    earlier item with the same words). A row that only a pull brought in (the server's copy of
    this very message, pulled before the look-up ran) is merged into ours: one message, ours,
    bound to the server's id, so the look-up's answer is kept and nothing is sent twice.
    """
    copies = [r[0] for r in conn.execute("SELECT id FROM messages WHERE ticket_id = ? AND remote_id = ? AND id != ?",
                                         (ticket_id, remote_id, message_id))]
    for copy in copies:
        if conn.execute("SELECT 1 FROM outbox WHERE message_id = ?", (copy,)).fetchone() is not None:
            return False  # written here and queued: another item's message
    for copy in copies:
        body = conn.execute("SELECT message_body(body) FROM messages WHERE id = ?", (copy,)).fetchone()[0]
        conn.execute("INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', ?, ?)",
                     (copy, index_text(body)))
        conn.execute("UPDATE feedback_marks SET message_id = ? WHERE message_id = ?", (message_id, copy))
        conn.execute("DELETE FROM messages WHERE id = ?", (copy,))
    conn.execute("UPDATE messages SET remote_id = ? WHERE id = ?", (remote_id, message_id))
    return True


def cursor(conn: sqlite3.Connection, stream: str) -> str | None:
    row = conn.execute("SELECT cursor FROM sync_state WHERE stream = ?", (stream,)).fetchone()
    return row[0] if row else None


def has_tickets(conn: sqlite3.Connection) -> bool:
    """Whether the cache holds any ticket yet (a first sync fills an empty one)."""
    return conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None
