"""New tickets opened from here: the provisional row, its outbox item, and what replaces it.

``queue_new_ticket`` writes, in the caller's transaction, the customer (when the cache does
not know them yet), a provisional ticket (number at or below zero: "queued", see
``domain/new_ticket.py``), its first message and the outbox item ("new_ticket"). When the
helpdesk has the ticket, exactly one row remains for it:

- the push result (or the look-up after an unknown outcome) gives the provisional row its
  remote id and real number (``bind_new_ticket``);
- a pull that brings the server's copy while the outcome is still unknown adopts the
  provisional row instead of adding a second one (``adoptable``);
- a server copy that got its own row anyway (pulled before we could recognise it) is merged:
  the pulled row stays, the provisional one goes, and the outbox item follows.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from helpdesk_tui.domain.models import Customer, Event, Message, Ticket
from helpdesk_tui.domain.new_ticket import NEW_TICKET_ACTION, NewTicketPlan
from helpdesk_tui.domain.remote import RemoteTicket
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.store import outbox, sla_refresh, writer
from helpdesk_tui.store.fts_text import index_text

NEW_TICKET = NEW_TICKET_ACTION


def find_customer(conn: sqlite3.Connection, who: str) -> Customer | None:
    """A customer of the cache by e-mail (exact, any case) or, failing that, by name (exact, any
    case); None when there is none or the name is not unique."""
    from helpdesk_tui.store import rows

    text = who.strip()
    if not text:
        return None
    found = conn.execute(f"SELECT {rows.CUSTOMER_COLUMNS} FROM customers WHERE lower(email) = lower(?) "
                         "ORDER BY remote_id IS NULL, id LIMIT 1", (text,)).fetchall()
    if not found:
        found = conn.execute(f"SELECT {rows.CUSTOMER_COLUMNS} FROM customers WHERE lower(name) = lower(?) "
                             "AND email != '' ORDER BY id LIMIT 2", (text,)).fetchall()
        if len({r[3].lower() for r in found}) != 1:
            return None
    return rows.customer_from_row(found[0])


def _customer_id(conn: sqlite3.Connection, plan: NewTicketPlan, now: datetime) -> int:
    known = find_customer(conn, plan.requester_email)
    if known is not None and known.id is not None:
        return known.id
    # Not in the cache: a local customer row (no remote id); a pull brings the server's own.
    customer = Customer(name=plan.requester_name or plan.requester_email, email=plan.requester_email,
                        created_at=now)
    cur = conn.execute("INSERT INTO customers (remote_id, name, email, phone, language, organization_id, "
                       "created_at) VALUES (NULL, ?, ?, '', 'en', NULL, ?)",
                       (customer.name, customer.email, int(now.timestamp())))
    assert cur.lastrowid is not None
    return cur.lastrowid


def claim_local_customer(conn: sqlite3.Connection, remote_id: str, email: str) -> None:
    """A pulled user whose address is a customer written here for a new ticket (no remote id
    yet) becomes that customer: their notes and tickets stay theirs, and no second row appears."""
    if not email or conn.execute("SELECT 1 FROM customers WHERE remote_id = ?", (remote_id,)).fetchone():
        return
    conn.execute("UPDATE customers SET remote_id = ? WHERE id = (SELECT id FROM customers WHERE remote_id IS NULL "
                 "AND email != '' AND lower(email) = lower(?) ORDER BY id LIMIT 1)", (remote_id, email))


def queue_new_ticket(conn: sqlite3.Connection, plan: NewTicketPlan, now: datetime) -> tuple[int, str]:
    """Record the provisional ticket and queue it; returns (ticket id, outbox id). Caller owns the transaction."""
    requester_id = _customer_id(conn, plan, now)
    ticket_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tickets").fetchone()[0]
    lowest = conn.execute("SELECT min(0, coalesce(min(number), 0)) FROM tickets").fetchone()[0]
    status = plan.status or Status.OPEN
    ticket = Ticket(number=lowest - 1, subject=plan.subject, status=status,
                    priority=plan.priority or Priority.NORMAL, requester_id=requester_id, created_at=now,
                    updated_at=now, assignee=plan.assignee, group=plan.group, tags=plan.tags,
                    first_response_at=now, next_checkpoint_at=plan.next_checkpoint, id=ticket_id,
                    solved_at=now if status in (Status.SOLVED, Status.CLOSED) else None)
    writer.save_tickets(conn, [ticket], fresh=True)
    message = Message(ticket_id=ticket_id, kind=MessageKind.PUBLIC_REPLY, author=plan.author, body=plan.body,
                      created_at=now, attachments=plan.attachments)
    writer.save_messages(conn, [message], fresh=True)
    writer.save_events(conn, [Event(ticket_id, EventKind.RECEIVED, now, plan.author),
                              Event(ticket_id, EventKind.REPLIED, now, plan.author),
                              Event(ticket_id, EventKind.FIRST_RESPONSE, now, plan.author)])
    sla_refresh.refresh_tickets(conn, [ticket_id])
    email = conn.execute("SELECT email FROM customers WHERE id = ?", (requester_id,)).fetchone()[0]
    payload: dict[str, object] = {
        "subject": plan.subject, "body": plan.body, "requester": email or plan.requester_email,
        "requester_name": plan.requester_name, "cc": list(plan.cc),
        "status": str(plan.status) if plan.status else None,
        "priority": str(plan.priority) if plan.priority else None,
        "assignee": plan.assignee, "group": plan.group, "tags": list(plan.tags),
    }
    if plan.attachments:
        payload["attachments"] = list(plan.attachments)
    item_id = outbox.insert_item(conn, ticket_id, NEW_TICKET, payload, now, message_id=message.id)
    return ticket_id, item_id


def _provisional(conn: sqlite3.Connection, ticket_id: int) -> bool:
    row = conn.execute("SELECT number FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return row is not None and row[0] <= 0


def bind_new_ticket(conn: sqlite3.Connection, ticket_id: int, remote_id: str, number: int | None,
                    version: str | None) -> int:
    """The provisional ticket ``ticket_id`` is ``remote_id`` on the helpdesk; returns the id of the
    one row that now stands for it. Caller owns the transaction."""
    other = conn.execute("SELECT id FROM tickets WHERE remote_id = ? AND id != ?", (remote_id, ticket_id)).fetchone()
    if other is not None:
        if _provisional(conn, ticket_id):
            merge_into(conn, ticket_id, other[0])
        return int(other[0])
    if not _provisional(conn, ticket_id):
        return ticket_id  # a pull already adopted it: it has its number
    fields: dict[str, object] = {"remote_id": remote_id}
    taken = number is not None and conn.execute("SELECT 1 FROM tickets WHERE number = ?", (number,)).fetchone()
    if number is not None and number > 0 and not taken:
        fields["number"] = number
    if version is not None:
        fields["version"] = version
    conn.execute(f"UPDATE tickets SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                 (*fields.values(), ticket_id))
    return ticket_id


def merge_into(conn: sqlite3.Connection, provisional: int, kept: int) -> None:
    """Fold the provisional row into ``kept`` (the server's copy, pulled): its outbox items and
    local records follow, its own first message and timeline go (the server's copy has them)."""
    own = [r[0] for r in conn.execute("SELECT id FROM messages WHERE ticket_id = ? AND remote_id IS NULL "
                                      "AND id IN (SELECT message_id FROM outbox WHERE action = ?)",
                                      (provisional, NEW_TICKET))]
    for mid in own:
        body = conn.execute("SELECT message_body(body) FROM messages WHERE id = ?", (mid,)).fetchone()[0]
        conn.execute("INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', ?, ?)",
                     (mid, index_text(body)))
        conn.execute("UPDATE outbox SET message_id = NULL WHERE message_id = ?", (mid,))
        conn.execute("DELETE FROM messages WHERE id = ?", (mid,))
    conn.execute("DELETE FROM events WHERE ticket_id = ?", (provisional,))
    writer._forget_ticket_index(conn, [provisional])  # noqa: SLF001 - the writer's own index rule
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE '%fts%' AND name != 'tickets'")]
    for table in tables:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if "ticket_id" in columns:
            conn.execute(f"UPDATE OR IGNORE {table} SET ticket_id = ? WHERE ticket_id = ?", (kept, provisional))
            conn.execute(f"DELETE FROM {table} WHERE ticket_id = ?", (provisional,))
    conn.execute("DELETE FROM tickets WHERE id = ?", (provisional,))


def adoptable(conn: sqlite3.Connection, remote: RemoteTicket, requester_email: str | None) -> int | None:
    """A provisional ticket the pulled ``remote`` is the server's copy of, or None.

    Only one whose item may be on the server already (sending, or its outcome unknown) and
    with the same subject and customer: a ticket still queued has not left, so a look-alike
    on the server is someone else's."""
    rows = conn.execute(
        "SELECT t.id, c.email FROM tickets t JOIN outbox o ON o.ticket_id = t.id AND o.action = ? "
        "LEFT JOIN customers c ON c.id = t.requester_id "
        "WHERE t.number <= 0 AND t.remote_id IS NULL AND o.state IN (?, ?) AND t.subject = ?",
        (NEW_TICKET, outbox.SENDING, outbox.UNKNOWN, remote.subject)).fetchall()
    for ticket_id, email in rows:
        if requester_email is None or (email or "").casefold() == requester_email.casefold():
            return int(ticket_id)
    return None


def adoption_pending(conn: sqlite3.Connection) -> bool:
    """Whether any provisional ticket could be ``adoptable`` now (a pull of many tickets looks
    each new one up only then)."""
    return conn.execute(
        "SELECT 1 FROM tickets t JOIN outbox o ON o.ticket_id = t.id AND o.action = ? "
        "WHERE t.number <= 0 AND t.remote_id IS NULL AND o.state IN (?, ?) LIMIT 1",
        (NEW_TICKET, outbox.SENDING, outbox.UNKNOWN)).fetchone() is not None


def opening_messages(conn: sqlite3.Connection, ticket_id: int) -> set[int]:
    """The local first messages of new tickets opened here (a pull adopts them whatever kind
    the helpdesk files them under: RT and django-helpdesk show them as the ticket's opening)."""
    return {r[0] for r in conn.execute("SELECT message_id FROM outbox WHERE ticket_id = ? AND action = ? "
                                       "AND message_id IS NOT NULL", (ticket_id, NEW_TICKET))}


def payload_of(conn: sqlite3.Connection, item_id: str) -> dict[str, object]:
    row = conn.execute("SELECT payload FROM outbox WHERE id = ?", (item_id,)).fetchone()
    return json.loads(row[0]) if row else {}
