"""The outbox: every change bound for the helpdesk, written with its local effect.

``queue_reply`` writes the message, the ticket's new state, its timeline events and the
outbox row in one transaction, and drops the draft: after a crash either all of it is
there or none of it is. The outbox row's id is a random UUID that doubles as the
idempotency key when the backend supports one.
"""

from __future__ import annotations

import json
import math
import sqlite3
import uuid
from collections.abc import Iterable
from datetime import datetime

from helpdesk_tui.domain.models import Message, OutboxItem
from helpdesk_tui.domain.reply import ReplyPlan, apply_reply
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import drafts, sla_refresh, tickets, writer
from helpdesk_tui.store.timeconv import from_epoch_not_null, to_epoch

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
HELD = "held"  # a reply in its undo window: no local effect yet, nothing sent (store.held)
UNKNOWN = "unknown"  # the request left but no answer came: look before sending again
CONFLICT = "conflict"  # the ticket changed on the server: the agent decides
_COLUMNS = "id, ticket_id, message_id, action, payload, state, attempts, last_error, created_at, updated_at"


class TicketGone(LookupError):
    """The ticket is no longer in the cache (deleted on the server)."""


def queue_reply(conn: sqlite3.Connection, plan: ReplyPlan, now: datetime, *,
                keep_draft: bool = False) -> tuple[int, str]:
    """Record a reply or note locally and queue it; returns (message id, outbox id).

    The caller owns the transaction. ``keep_draft``: the text did not come from the
    ticket's draft (an escalation note), so a reply being written there stays.
    """
    message_id, payload = record_reply(conn, plan, now)
    item_id = insert_item(conn, plan.ticket_id, "reply" if payload["public"] else "note", payload, now,
                          message_id=message_id)
    if not keep_draft:
        drafts.delete_draft(conn, plan.ticket_id)
    return message_id, item_id


def record_reply(conn: sqlite3.Connection, plan: ReplyPlan, now: datetime) -> tuple[int, dict[str, object]]:
    """The reply's local effect (message, ticket state, events, SLA clocks); returns the
    message id and the payload its outbox item carries. The caller owns the transaction."""
    ticket = tickets.get_ticket(conn, plan.ticket_id)
    if ticket is None:
        raise TicketGone(f"Ticket {plan.ticket_id} is no longer in the cache.")
    updated, events = apply_reply(ticket, plan, now)
    message = Message(ticket_id=plan.ticket_id, kind=plan.kind, author=plan.author, body=plan.body,
                      created_at=now, attachments=plan.attachments)
    writer.save_messages(conn, [message])
    writer.save_tickets(conn, [updated])
    writer.save_events(conn, events)
    sla_refresh.refresh_tickets(conn, [plan.ticket_id])  # a reply meets or restarts SLA clocks
    payload: dict[str, object] = {
        "body": plan.body,
        "public": plan.kind == MessageKind.PUBLIC_REPLY,
        "status": str(plan.new_status) if plan.new_status else None,
        "next_checkpoint": plan.next_checkpoint.isoformat() if plan.next_checkpoint else None,
        "ticket_remote_id": ticket.remote_id,
        "ticket_version": ticket.version,
    }
    if plan.attachments:
        payload["attachments"] = list(plan.attachments)
    assert message.id is not None
    return message.id, payload


def insert_item(conn: sqlite3.Connection, ticket_id: int, action: str, payload: dict[str, object],
                now: datetime, *, message_id: int | None = None, state: str = QUEUED,
                not_before: datetime | None = None, item_id: str | None = None) -> str:
    """Queue one item ("reply", "note" or "update"); returns its id. The caller owns the
    transaction, which also holds the item's local effect. ``not_before``: no drainer sends
    it earlier (the undo window)."""
    item_id = item_id or uuid.uuid4().hex
    conn.execute(
        f"INSERT INTO outbox ({_COLUMNS}, not_before) VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)",
        (item_id, ticket_id, message_id, action, json.dumps(payload, ensure_ascii=False), state,
         to_epoch(now), to_epoch(now), _epoch_up(not_before)),
    )
    return item_id


def _epoch_up(value: datetime | None) -> int | None:
    """Epoch seconds rounded up: an undo window is never cut short by the rounding."""
    return None if value is None else math.ceil(value.timestamp())


def hold_items(conn: sqlite3.Connection, item_ids: Iterable[str], until: datetime) -> None:
    """Keep queued items from every drainer until ``until`` (triage's undo window)."""
    conn.executemany("UPDATE outbox SET not_before = ? WHERE id = ? AND state = ?",
                     [(_epoch_up(until), item_id, QUEUED) for item_id in item_ids])


def _item(r: tuple) -> OutboxItem:
    iid, ticket_id, message_id, action, payload, state, attempts, last_error, created, updated = r
    return OutboxItem(id=iid, ticket_id=ticket_id, message_id=message_id, action=action,
                      payload=json.loads(payload), state=state, attempts=attempts, last_error=last_error,
                      created_at=from_epoch_not_null(created), updated_at=from_epoch_not_null(updated))


STALE_SENDING = 300  # seconds: an item "sending" for longer was left by a process that died
# Seconds to wait before looking up an item whose answer never came: a request held by a
# slow proxy or a busy server can still land after our client gave up, and looking too
# early would miss it and send it again.
UNKNOWN_GRACE = 120


def pending(conn: sqlite3.Connection, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Items to send, oldest first: queued, unknown outcome (after a grace period), or left
    "sending" by a dead process.

    Failed and conflicting items wait for the agent.
    """
    cur = conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE (state = ? AND coalesce(not_before, 0) <= ?) "
        "OR (state = ? AND updated_at <= ?) "
        "OR (state = ? AND updated_at < ?) ORDER BY created_at, rowid LIMIT ?",
        (QUEUED, to_epoch(now), UNKNOWN, to_epoch(now) - UNKNOWN_GRACE, SENDING, to_epoch(now) - STALE_SENDING,
         limit))
    return [_item(r) for r in cur]


def tickets_in_flight(conn: sqlite3.Connection, now: datetime) -> set[int]:
    """Tickets with an item that may still be on its way (unknown outcome within the grace
    period, or being sent right now) or that waits for its undo window to end: later items
    for them wait, so the order holds."""
    rows = conn.execute(
        "SELECT DISTINCT ticket_id FROM outbox WHERE (state = ? AND updated_at > ?) OR (state = ? AND updated_at >= ?) "
        "OR (state IN (?, ?) AND not_before > ?)",
        (UNKNOWN, to_epoch(now) - UNKNOWN_GRACE, SENDING, to_epoch(now) - STALE_SENDING, QUEUED, HELD, to_epoch(now)))
    return {r[0] for r in rows}


def claim(conn: sqlite3.Connection, item: OutboxItem, now: datetime) -> bool:
    """Mark ``item`` as being sent by us; False when another process or thread got it first.

    One UPDATE decides, so two drainers (the app and ``helpdesk-tui sync``) never both send.
    """
    cur = conn.execute(
        "UPDATE outbox SET state = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = ? "
        "AND updated_at = ?",
        (SENDING, to_epoch(now), item.id, item.state, to_epoch(item.updated_at)))
    return cur.rowcount == 1


def all_items(conn: sqlite3.Connection) -> list[OutboxItem]:
    return [_item(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY created_at, rowid")]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


def mark(conn: sqlite3.Connection, item_id: str, state: str, now: datetime, *, error: str | None = None,
         remote_id: str | None = None, attempt: bool = False) -> None:
    conn.execute("UPDATE outbox SET state = ?, last_error = ?, updated_at = ?, attempts = attempts + ? "
                 "WHERE id = ?", (state, error, to_epoch(now), 1 if attempt else 0, item_id))
    if remote_id is not None:
        conn.execute("UPDATE outbox SET remote_id = ? WHERE id = ?", (remote_id, item_id))
        conn.execute("UPDATE messages SET remote_id = ? WHERE id = (SELECT message_id FROM outbox WHERE id = ?)",
                     (remote_id, item_id))


def retry(conn: sqlite3.Connection, item_id: str, now: datetime) -> bool:
    """Put a failed or conflicting item back in the queue; False when there is no such item."""
    cur = conn.execute("UPDATE outbox SET state = ?, last_error = NULL, updated_at = ? WHERE id = ? "
                       "AND state IN (?, ?)", (QUEUED, to_epoch(now), item_id, FAILED, CONFLICT))
    return cur.rowcount == 1


def drop(conn: sqlite3.Connection, item_id: str) -> bool:
    """Give up on a failed or conflicting item; its local message stays, marked failed."""
    row = conn.execute("SELECT state FROM outbox WHERE id = ?", (item_id,)).fetchone()
    if row is None or row[0] not in (FAILED, CONFLICT):
        return False
    conn.execute("UPDATE outbox SET state = 'dropped' WHERE id = ?", (item_id,))
    return True


def find(conn: sqlite3.Connection, prefix: str) -> list[OutboxItem]:
    """Items whose id starts with ``prefix`` (the CLI shows short ids)."""
    cur = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id LIKE ? ORDER BY created_at", (prefix + "%",))
    return [_item(r) for r in cur]
