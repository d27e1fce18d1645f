"""Held sends: a reply or note waits out the undo window in the outbox before it is real.

``hold_reply`` writes one outbox row in state ``held`` with ``not_before`` = the end of the
window, and (in the same transaction) takes the ticket's draft away: the row carries all
the draft was, so ``take_back`` can make it a draft again. A held row has no local effect
yet (no message, no status change, no SLA clock met): undoing it reverts nothing.

``release_due`` turns each held row whose window has ended into a queued item together
with its local effect, in the caller's transaction. Undo and release each decide with one
statement on the row (``… WHERE state = 'held'``), and SQLite runs one writer at a time: of
the two, exactly one wins, in this process or another (the app and ``helpdesk-tui sync``).

A process killed during the window leaves the held row as it was. Whoever drains the
outbox next after the window releases it, once: the agent asked for it to be sent, and a
reply that silently stayed a draft would leave a customer waiting on an answer the agent
believes is gone.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.store import drafts, outbox
from helpdesk_tui.store.timeconv import from_epoch, to_epoch

HELD = outbox.HELD
RELEASED_LATE = 60  # seconds after its window: a release this late was not the app's own tick


class HoldError(RuntimeError):
    """A held send cannot be taken back; ``str()`` is one sentence for the agent."""


@dataclass(frozen=True, slots=True)
class HeldSend:
    item_id: str
    ticket_id: int
    kind: MessageKind
    send_at: datetime
    held_at: datetime


def hold_reply(conn: sqlite3.Connection, plan: ReplyPlan, now: datetime, until: datetime, *,
               draft: Draft | None = None) -> str:
    """Hold ``plan`` until ``until``; returns the item id (later its idempotency key).

    ``draft``: the draft it was written in, removed here and kept in the item for undo
    (None from the CLI, which never touches the agent's draft). The caller owns the transaction.
    """
    if conn.execute("SELECT 1 FROM tickets WHERE id = ?", (plan.ticket_id,)).fetchone() is None:
        raise outbox.TicketGone(f"Ticket {plan.ticket_id} is no longer in the cache.")
    payload: dict[str, object] = {
        "body": plan.body,
        "public": plan.kind == MessageKind.PUBLIC_REPLY,
        "author": plan.author,
        "status": str(plan.new_status) if plan.new_status else None,
        "next_checkpoint": plan.next_checkpoint.isoformat() if plan.next_checkpoint else None,
        "attachments": list(plan.attachments),
        "draft": _draft_payload(draft) if draft is not None else None,
    }
    item_id = outbox.insert_item(conn, plan.ticket_id, "reply" if payload["public"] else "note", payload, now,
                                 state=HELD, not_before=until, item_id=uuid.uuid4().hex)
    if draft is not None:
        drafts.delete_draft(conn, plan.ticket_id)
    return item_id


def held_sends(conn: sqlite3.Connection) -> list[HeldSend]:
    """Every send in its undo window (or past it, not yet released), the soonest first."""
    rows = conn.execute("SELECT id, ticket_id, action, not_before, created_at FROM outbox WHERE state = ? "
                        "ORDER BY not_before, rowid", (HELD,))
    return [HeldSend(iid, tid, MessageKind.PUBLIC_REPLY if action == "reply" else MessageKind.INTERNAL_NOTE,
                     _at(until), _at(created)) for iid, tid, action, until, created in rows]


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def next_wake(conn: sqlite3.Connection, after: datetime | None = None) -> datetime | None:
    """When the next held send, or held triage change ending its window after ``after``,
    becomes due (None: nothing waits). A held send stays until released; a triage change
    whose window ended is an ordinary queued item (offline, it waits for the next sync)."""
    row = conn.execute("SELECT min(not_before) FROM outbox WHERE state = ? OR (state = ? AND not_before > ?)",
                       (HELD, outbox.QUEUED, to_epoch(after) if after else 0)).fetchone()
    return from_epoch(row[0]) if row and row[0] is not None else None


def release_due(conn: sqlite3.Connection, now: datetime) -> list[str]:
    """Queue every held send whose window has ended, with its local effect; returns their ids.
    The caller owns the transaction (``BEGIN IMMEDIATE``: no other writer between the two)."""
    rows = conn.execute("SELECT id, ticket_id, payload, created_at, not_before FROM outbox WHERE state = ? "
                        "AND not_before <= ? ORDER BY created_at, rowid", (HELD, to_epoch(now))).fetchall()
    released = []
    for item_id, ticket_id, raw, held_at, until in rows:
        # Dated when the agent sent it (the focus session and the KPIs count it there), unless
        # it is released long after its window (the app was down): then when it really goes.
        stamp = _at(held_at) if to_epoch(now) - until <= RELEASED_LATE else now
        claimed = conn.execute("UPDATE outbox SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                               (outbox.QUEUED, to_epoch(now), item_id, HELD))
        if claimed.rowcount != 1:
            continue
        held = json.loads(raw)
        try:
            message_id, payload = outbox.record_reply(conn, _plan(ticket_id, held), stamp)
        except outbox.TicketGone:
            conn.execute("UPDATE outbox SET state = ?, last_error = ? WHERE id = ?",
                         (outbox.FAILED, "The ticket was deleted before the reply went out; its text is "
                          "kept in this outbox item.", item_id))
            continue
        conn.execute("UPDATE outbox SET message_id = ?, payload = ? WHERE id = ?",
                     (message_id, json.dumps(payload, ensure_ascii=False), item_id))
        released.append(item_id)
    return released


def take_back(conn: sqlite3.Connection, ticket_id: int, now: datetime) -> Draft | None:
    """Undo the ticket's latest held send: it becomes the draft it was. None when nothing of
    the ticket is held any more (released meanwhile: too late). The caller owns the transaction."""
    row = conn.execute("SELECT id, payload FROM outbox WHERE ticket_id = ? AND state = ? "
                       "ORDER BY created_at DESC, rowid DESC LIMIT 1", (ticket_id, HELD)).fetchone()
    if row is None:
        return None
    draft = _draft(ticket_id, json.loads(row[1]), now)
    existing = drafts.get_draft(conn, ticket_id)
    if existing is not None and existing.body.strip() not in ("", draft.body.strip()):
        # Never overwrite other words (a note begun meanwhile); the same words are no loss.
        raise HoldError("This ticket has a new draft: send or discard it first, then undo.")
    if not cancel(conn, row[0]):
        return None
    drafts.save_draft(conn, draft)
    return draft


def cancel(conn: sqlite3.Connection, item_id: str) -> bool:
    """Drop a held send without a draft (the CLI's ctrl+c); False when it was released already."""
    return conn.execute("DELETE FROM outbox WHERE id = ? AND state = ?", (item_id, HELD)).rowcount == 1


def _plan(ticket_id: int, held: dict) -> ReplyPlan:
    return ReplyPlan(ticket_id, MessageKind.PUBLIC_REPLY if held["public"] else MessageKind.INTERNAL_NOTE,
                     held["body"], held.get("author") or "",
                     Status(held["status"]) if held.get("status") else None,
                     datetime.fromisoformat(held["next_checkpoint"]) if held.get("next_checkpoint") else None,
                     tuple(held.get("attachments") or ()))


def _draft_payload(draft: Draft) -> dict[str, object]:
    return {"body": draft.body, "cursor": list(draft.cursor), "seen_message_id": draft.seen_message_id,
            "started_at": to_epoch(draft.started_at)}


def _draft(ticket_id: int, held: dict, now: datetime) -> Draft:
    """The draft a held send was: its text, cursor and start, with the status, promise and
    attachments chosen for it (so the send dialog starts from them again)."""
    kept = held.get("draft") or {}
    body = kept.get("body")
    if body is None:  # held by the CLI: the text as it was to be sent
        body = held["body"].rstrip("\n")
    cursor = kept.get("cursor") or [0, 0]
    return Draft(ticket_id, MessageKind.PUBLIC_REPLY if held["public"] else MessageKind.INTERNAL_NOTE, body,
                 from_epoch(kept.get("started_at")) or now, now, cursor=(int(cursor[0]), int(cursor[1])),
                 seen_message_id=kept.get("seen_message_id"), status=held.get("status"),
                 next_checkpoint=datetime.fromisoformat(held["next_checkpoint"]) if held.get("next_checkpoint")
                 else None, attachments=tuple(held.get("attachments") or ()))
