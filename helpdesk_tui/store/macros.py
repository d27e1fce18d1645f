"""A macro's changes in the cache: field changes, the promised update and the internal note,
written with their outbox items in the caller's transaction, and undone by their batch.

The changes ride on triage's machinery (``store.triage``): one line in ``triage_actions``
(action ``macro``, outside any rotation, so it neither counts in a rotation's tally nor is
taken back by triage's ``u``) keeps what undo needs: the fields before and after, the
events, the outbox items, the note's message and the promise replaced. Undo is
``triage.undo_batch``: only while every item is still queued (its undo window keeps it
from every drainer), so nothing that may have reached the helpdesk is taken back here.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from helpdesk_tui.domain.models import Event
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.triage import Change, apply_change, changed_fields
from helpdesk_tui.domain.vocab import EventKind, MessageKind
from helpdesk_tui.store import outbox, sync_kb, triage, writer

MACRO = "macro"  # the action name in triage_actions


@dataclass(frozen=True, slots=True)
class MacroApplied:
    batch: str  # what undo takes back
    ticket_id: int
    number: int
    outbox_ids: tuple[str, ...]
    local_only: tuple[str, ...]  # fields changed here but not sent (a helpdesk without tags)


def apply_macro(conn: sqlite3.Connection, ticket_id: int, *, change: Change, checkpoint: datetime | None,
                note: str, agent: str, now: datetime, what: str, sends_tags: bool,
                hold_until: datetime | None, batch: str | None = None) -> MacroApplied | None:
    """Queue the note (first, so whoever gets the ticket finds it), set the promise, queue the
    field changes; None when the macro changes nothing here. ``hold_until``: the undo window
    (``[send] delay_seconds``), kept from every drainer. ``batch``: the id shared by the tickets
    of one action on several (undone together). The caller owns the transaction."""
    ticket = triage._get(conn, ticket_id)
    updated, _ = apply_change(ticket, change, agent, now)
    new_promise = checkpoint is not None and checkpoint != ticket.next_checkpoint_at
    if not note.strip() and not new_promise and not changed_fields(ticket, updated):
        return None
    batch = batch or triage.new_batch()
    mark = triage._last_event_id(conn)
    extra: dict[str, object] = {"what": what}
    items: list[str] = []
    if note.strip():
        message_id, note_item = outbox.queue_reply(
            conn, ReplyPlan(ticket_id, MessageKind.INTERNAL_NOTE, note.strip() + "\n", agent), now, keep_draft=True)
        extra.update(note_outbox=note_item, message=message_id)
        items.append(note_item)
    if new_promise and checkpoint is not None:
        current = triage._get(conn, ticket_id)
        extra["checkpoint"] = [current.next_checkpoint_at.isoformat() if current.next_checkpoint_at else None,
                               checkpoint.isoformat()]
        current.next_checkpoint_at = checkpoint
        current.updated_at = now
        writer.save_tickets(conn, [current])
        # The promise is ours: helpdesks have no field for it, so it is kept here, not sent.
        writer.save_events(conn, [Event(ticket_id, EventKind.CHECKPOINT_SET, now, agent,
                                        checkpoint.isoformat(timespec="minutes"))])
    extra["note_events"] = triage._events_since(conn, ticket_id, mark)
    result = triage.queue_update(conn, ticket_id, change, agent, now, action=MACRO, rotation_id=None, batch=batch,
                                 sends_tags=sends_tags, extra=extra)
    assert result is not None  # the extra detail always logs a line
    items.extend(result.outbox_ids)
    if hold_until is not None:
        outbox.hold_items(conn, items, hold_until)
    return MacroApplied(batch, ticket_id, ticket.number, tuple(items), result.local_only)


def undo_macro(conn: sqlite3.Connection, batch: str, now: datetime) -> triage.Undone:
    """Take the macro back while all of it is still queued; ``triage.TriageError`` (one
    sentence) when part of it has left. The caller owns the transaction."""
    return triage.undo_batch(conn, batch, now)


def not_undone(conn: sqlite3.Connection, batch: str) -> bool:
    """Whether part of ``batch`` is still logged as not undone (the inbox's undo may have taken
    a macro back: it takes whichever batch came last)."""
    return conn.execute("SELECT 1 FROM triage_actions WHERE undone_at IS NULL AND json_extract(detail, '$.batch') = ? "
                        "LIMIT 1", (batch,)).fetchone() is not None


@dataclass(frozen=True, slots=True)
class SyncedMacroRecord:
    """A template synced from the helpdesk with the server's record of it (a macro's actions)."""

    remote_id: str
    name: str
    description: str
    body: str
    origin: str
    raw: dict


def synced_records(conn: sqlite3.Connection) -> list[SyncedMacroRecord]:
    """The synced templates with their raw records, by name."""
    origin = writer.get_meta(conn, sync_kb._ORIGIN_KEY) or "helpdesk template"
    found = []
    for remote_id, name, description, body, raw in conn.execute(
            "SELECT remote_id, name, description, body, raw FROM templates WHERE source = ? AND remote_id IS NOT NULL "
            "ORDER BY name, id", (sync_kb.HELPDESK,)):
        try:
            record = json.loads(raw) if raw else {}
        except ValueError:
            record = {}
        found.append(SyncedMacroRecord(remote_id, name, description or "", body or "", origin,
                                       record if isinstance(record, dict) else {}))
    return found
