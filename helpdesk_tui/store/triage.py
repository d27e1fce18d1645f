"""Rotation triage in the cache: actions through the outbox, undo, the rotation log.

(What waits for triage, and the names to pick from, are read in ``triage_queue``.)

Each action writes the ticket's new state, its timeline events, its outbox item(s) and its
line in ``triage_actions`` in one transaction (the caller's, as with ``queue_reply``). The
line keeps what undo needs in ``detail`` (JSON): the fields before and after, the events
and outbox items it made, the note message of an escalation, the feedback mark. Undo
takes back the agent's last batch (one key on several marked tickets) only while every
outbox item of it is still ``queued``: once one has been claimed for sending it may
already be on the helpdesk.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.triage import (
    ESCALATE, FEEDBACK, FEEDBACK_TAG, TAKE, Change, RotationSummary, apply_change, belongs_in_queue, changed_fields,
    escalation_status, restore, summarize, update_payload,
)
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import feedback, outbox, sla_refresh, tickets, writer
from helpdesk_tui.store.fts_text import index_text
from helpdesk_tui.store.rowids import inserted_id
from helpdesk_tui.store.timeconv import from_epoch_not_null, to_epoch

class TriageError(Exception):
    """An action or undo that cannot be done; ``str()`` is one sentence for the agent."""


# ----- rotations

@dataclass(frozen=True, slots=True)
class Rotation:
    id: int
    agent: str
    started_at: datetime


def current_rotation(conn: sqlite3.Connection, agent: str, now: datetime) -> Rotation:
    """The agent's open rotation; one is started when none is open. The caller owns the transaction."""
    row = conn.execute("SELECT id, agent, started_at FROM rotations WHERE agent = ? AND ended_at IS NULL "
                       "ORDER BY started_at DESC, id DESC LIMIT 1", (agent,)).fetchone()
    if row is not None:
        return Rotation(row[0], row[1], from_epoch_not_null(row[2]))
    return start_rotation(conn, agent, now)


def start_rotation(conn: sqlite3.Connection, agent: str, now: datetime) -> Rotation:
    """End the agent's open rotation (if any) and start a new one. The caller owns the transaction."""
    conn.execute("UPDATE rotations SET ended_at = ? WHERE agent = ? AND ended_at IS NULL", (to_epoch(now), agent))
    cur = conn.execute("INSERT INTO rotations (agent, started_at) VALUES (?, ?)", (agent, to_epoch(now)))
    return Rotation(inserted_id(cur), agent, now)


def rotation_summary(conn: sqlite3.Connection, rotation_id: int) -> RotationSummary:
    lines = conn.execute("SELECT ticket_id, action FROM triage_actions WHERE rotation_id = ? AND undone_at IS NULL",
                         (rotation_id,))
    return summarize(lines)


@dataclass(frozen=True, slots=True)
class LoggedAction:
    at: datetime
    ticket_id: int
    number: int
    action: str
    what: str  # e.g. "priority urgent", "to Dana"
    undone: bool


def recent_actions(conn: sqlite3.Connection, rotation_id: int, limit: int = 10) -> list[LoggedAction]:
    """The rotation's latest actions, newest first (undone ones included, marked)."""
    lines = conn.execute(
        "SELECT a.at, a.ticket_id, t.number, a.action, a.detail, a.undone_at FROM triage_actions a "
        "JOIN tickets t ON t.id = a.ticket_id WHERE a.rotation_id = ? ORDER BY a.id DESC LIMIT ?",
        (rotation_id, limit))
    return [LoggedAction(from_epoch_not_null(at), tid, number, action, json.loads(detail).get("what", ""), undone is not None)
            for at, tid, number, action, detail, undone in lines]


# ----- actions

@dataclass(frozen=True, slots=True)
class ActionResult:
    """One ticket's share of an action."""

    ticket_id: int
    number: int
    action: str
    outbox_ids: tuple[str, ...]
    left_queue: bool  # taken, assigned, escalated or closed: no longer waiting for triage
    local_only: tuple[str, ...] = ()  # fields changed here but not sent (a helpdesk without tags)


def new_batch() -> str:
    """The id that ties the per-ticket lines of one key press together (undo takes them back together)."""
    return uuid.uuid4().hex


def _last_event_id(conn: sqlite3.Connection) -> int:
    return writer.last_event_id(conn)


def _events_since(conn: sqlite3.Connection, ticket_id: int, mark: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM events WHERE ticket_id = ? AND id > ?", (ticket_id, mark))]


def _get(conn: sqlite3.Connection, ticket_id: int) -> Ticket:
    ticket = tickets.get_ticket(conn, ticket_id)
    if ticket is None:
        raise outbox.TicketGone(f"Ticket {ticket_id} is no longer in the cache.")
    return ticket


def _log(conn: sqlite3.Connection, *, rotation_id: int | None, ticket_id: int, agent: str, action: str, now: datetime,
         outbox_id: str | None, detail: dict) -> int:
    cur = conn.execute(
        "INSERT INTO triage_actions (rotation_id, ticket_id, at, agent, action, detail, outbox_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rotation_id, ticket_id, to_epoch(now), agent, action, json.dumps(detail, ensure_ascii=False), outbox_id))
    return inserted_id(cur)


def _what(action: str, change: Change) -> str:
    """How the side panel and the log say the action: "priority urgent", "escalated to Dana"."""
    if action == TAKE:
        return "took"
    if action == ESCALATE:
        return f"escalated to {change.assignee or change.group}"
    if action == FEEDBACK:
        return "product feedback"
    parts = []
    if change.assignee:
        parts.append(f"assigned to {change.assignee}")
    if change.group:
        parts.append(f"group {change.group}")
    if change.priority:
        parts.append(f"priority {change.priority}")
    if change.status:
        parts.append(f"status {change.status}")
    if change.add_tags:
        parts.append("tagged " + ", ".join(change.add_tags))
    return " · ".join(parts)


def queue_update(conn: sqlite3.Connection, ticket_id: int, change: Change, agent: str, now: datetime, *,
                 action: str, rotation_id: int | None, batch: str, sends_tags: bool,
                 extra: dict | None = None) -> ActionResult | None:
    """Apply ``change`` locally, queue it as one "update" item, log it; None when it changes nothing.

    ``sends_tags``: the helpdesk keeps tags; without, a new tag stays in this cache only.
    ``rotation_id`` None: an action outside any rotation (a macro), undone by its batch only.
    The caller owns the transaction.
    """
    ticket = _get(conn, ticket_id)
    mark = _last_event_id(conn)
    updated, events = apply_change(ticket, change, agent, now)
    changes = changed_fields(ticket, updated)
    if not changes and not extra:
        return None
    outbox_ids: list[str] = []
    if changes:
        writer.save_tickets(conn, [updated])
        writer.save_events(conn, events)
        sla_refresh.refresh_tickets(conn, [ticket_id])  # a new priority or status moves the clocks
        payload = update_payload(ticket, updated, sends_tags=sends_tags)
        if payload:
            outbox_ids.append(outbox.insert_item(conn, ticket_id, "update", payload, now))
    local_only = ("tags",) if "tags" in changes and not sends_tags else ()
    detail = {"batch": batch, "what": _what(action, change), "changes": changes,
              "events": _events_since(conn, ticket_id, mark), "outbox": outbox_ids, "local_only": list(local_only),
              **(extra or {})}
    _log(conn, rotation_id=rotation_id, ticket_id=ticket_id, agent=agent, action=action, now=now,
         outbox_id=outbox_ids[0] if outbox_ids else None, detail=detail)
    return ActionResult(ticket_id, ticket.number, action, tuple(outbox_ids), not belongs_in_queue(updated), local_only)


def escalate(conn: sqlite3.Connection, ticket_id: int, *, note: str, agent: str, now: datetime, rotation_id: int | None,
             batch: str, assignee: str | None = None, group: str | None = None,
             status: str | None = None) -> ActionResult:
    """Hand the ticket to an expert (``assignee``) or a ``group``: an internal note with what is
    known so far, then the update. Both go through the outbox, note first, so the expert finds
    the note when the assignment reaches them. ``status``: the template's suggestion, set on a
    ticket still new. The caller owns the transaction."""
    if not (assignee or group):
        raise TriageError("Say who takes the ticket over: a colleague or a group.")
    if not note.strip():
        raise TriageError("The escalation note is empty: say what was checked so far.")
    ticket = _get(conn, ticket_id)
    mark = _last_event_id(conn)
    message_id, note_item = outbox.queue_reply(
        conn, ReplyPlan(ticket_id, MessageKind.INTERNAL_NOTE, note.strip() + "\n", agent), now, keep_draft=True)
    # The note's own effect (updated_at) is not undone field by field: its message goes.
    change = Change(assignee=assignee, group=group, status=escalation_status(ticket, status))
    result = queue_update(conn, ticket_id, change, agent, now, action=ESCALATE, rotation_id=rotation_id,
                          batch=batch, sends_tags=False,
                          extra={"note_outbox": note_item, "message": message_id, "to_group": not assignee,
                                 "note_events": _events_since(conn, ticket_id, mark)})
    assert result is not None  # the extra detail always logs a line
    return ActionResult(result.ticket_id, result.number, ESCALATE, (note_item, *result.outbox_ids),
                        result.left_queue or not assignee)


def mark_product_feedback(conn: sqlite3.Connection, ticket_id: int, agent: str, now: datetime, *,
                          rotation_id: int | None, batch: str, sends_tags: bool, note: str = "") -> ActionResult:
    """Mark the ticket's latest customer message as product feedback and tag the ticket
    ``product-feedback`` (through the outbox, or here only when the helpdesk has no tags)."""
    message_id = feedback.latest_customer_message(conn, ticket_id)
    existed = conn.execute("SELECT id, note, author, marked_at FROM feedback_marks WHERE ticket_id = ? "
                           "AND message_id IS ?", (ticket_id, message_id)).fetchone()
    mark_id = feedback.mark_feedback(conn, ticket_id, now, message_id=message_id, note=note, author=agent)
    # Undo removes a mark this action made, or puts back the one it overwrote.
    extra = ({"feedback_mark": mark_id} if existed is None else
             {"feedback_restore": {"id": existed[0], "note": existed[1], "author": existed[2], "at": existed[3]}})
    result = queue_update(conn, ticket_id, Change(add_tags=(FEEDBACK_TAG,)), agent, now, action=FEEDBACK,
                          rotation_id=rotation_id, batch=batch, sends_tags=sends_tags, extra=extra)
    assert result is not None
    return result


# ----- undo

@dataclass
class Undone:
    numbers: list[int] = field(default_factory=list)
    action: str = ""
    kept: list[str] = field(default_factory=list)  # "#1042 status": changed again since, left as it is
    outbox_removed: int = 0
    ticket_ids: list[int] = field(default_factory=list)


def undo_last(conn: sqlite3.Connection, agent: str, rotation_id: int | None, now: datetime) -> Undone:
    """Take back the agent's last batch of the rotation (None: of the actions outside any rotation, the inbox's); raises ``TriageError`` with a sentence
    when there is none or when part of it has left the outbox. The caller owns the transaction."""
    # By id, not time: the log's order is the order the keys were pressed, whatever the clock did.
    last = conn.execute("SELECT detail FROM triage_actions WHERE rotation_id IS ? AND agent = ? AND undone_at IS NULL "
                        "ORDER BY id DESC LIMIT 1", (rotation_id, agent)).fetchone()
    if last is None:
        raise TriageError("Nothing to undo in this rotation." if rotation_id is not None else "Nothing to undo.")
    batch = json.loads(last[0]).get("batch")
    lines = [(i, t, n, a, json.loads(d)) for i, t, n, a, d in conn.execute(
        "SELECT a.id, a.ticket_id, t.number, a.action, a.detail FROM triage_actions a "
        "JOIN tickets t ON t.id = a.ticket_id WHERE a.rotation_id IS ? AND a.agent = ? AND a.undone_at IS NULL AND json_extract(a.detail, '$.batch') = ? "
        "ORDER BY a.id DESC", (rotation_id, agent, batch))]
    return _undo_lines(conn, lines, now)


def undo_batch(conn: sqlite3.Connection, batch: str, now: datetime) -> Undone:
    """Take back one batch by its id (a macro's, logged outside any rotation); the same rules
    as ``undo_last``. The caller owns the transaction."""
    lines = [(i, t, n, a, json.loads(d)) for i, t, n, a, d in conn.execute(
        "SELECT a.id, a.ticket_id, t.number, a.action, a.detail FROM triage_actions a "
        "JOIN tickets t ON t.id = a.ticket_id WHERE a.undone_at IS NULL AND json_extract(a.detail, '$.batch') = ? "
        "ORDER BY a.id DESC", (batch,))]
    if not lines:
        raise TriageError("Nothing to undo: it was undone already.")
    return _undo_lines(conn, lines, now)


def _undo_lines(conn: sqlite3.Connection, lines: list[tuple[int, int, int, str, dict]], now: datetime) -> Undone:
    items = [(number, item) for _, _, number, _, d in lines for item in (d.get("note_outbox"), *d["outbox"]) if item]
    for number, item in items:
        row = conn.execute("SELECT state FROM outbox WHERE id = ?", (item,)).fetchone()
        if row is None or row[0] != outbox.QUEUED:
            state = row[0] if row else "gone"
            raise TriageError(f"Too late to undo: the change to #{number} has already left the outbox ({state}); "
                              "make the opposite change instead.")
    done = Undone(action=lines[0][3])
    for line_id, ticket_id, number, _action, detail in lines:
        for item in (detail.get("note_outbox"), *detail["outbox"]):
            if item:
                conn.execute("DELETE FROM outbox WHERE id = ? AND state = ?", (item, outbox.QUEUED))
                done.outbox_removed += 1
        if detail.get("message"):
            _delete_message(conn, detail["message"])
        # The line's events are its ticket's (``_events_since``): found by the table's key.
        for event_id in (*detail.get("note_events", ()), *detail["events"]):
            conn.execute("DELETE FROM events WHERE ticket_id = ? AND id = ?", (ticket_id, event_id))
        if detail.get("feedback_mark"):
            feedback.unmark_feedback(conn, detail["feedback_mark"])
        if detail.get("feedback_restore"):
            old = detail["feedback_restore"]
            conn.execute("UPDATE feedback_marks SET note = ?, author = ?, marked_at = ? WHERE id = ?",
                         (old["note"], old["author"], old["at"], old["id"]))
        ticket = tickets.get_ticket(conn, ticket_id)
        if ticket is not None and detail["changes"]:
            restored, kept = restore(ticket, {k: tuple(v) for k, v in detail["changes"].items()}, now)
            writer.save_tickets(conn, [restored])
            done.kept += [f"#{number} {name}" for name in kept]
        if ticket is not None and detail.get("checkpoint"):
            if not _restore_checkpoint(conn, ticket_id, detail["checkpoint"], now):
                done.kept.append(f"#{number} promised update")
        if ticket is not None:
            sla_refresh.refresh_tickets(conn, [ticket_id])
        conn.execute("UPDATE triage_actions SET undone_at = ? WHERE id = ?", (to_epoch(now), line_id))
        done.numbers.append(number)
        done.ticket_ids.append(ticket_id)
    done.numbers.reverse()  # in the order the batch acted on them
    done.ticket_ids.reverse()
    return done


def _restore_checkpoint(conn: sqlite3.Connection, ticket_id: int, change: list, now: datetime) -> bool:
    """Put back the promised update a macro replaced (``change``: [old, new] ISO or None),
    unless it was changed again since (False: left as it is)."""
    old, new = (datetime.fromisoformat(v) if v else None for v in change)
    ticket = tickets.get_ticket(conn, ticket_id)
    if ticket is None or ticket.next_checkpoint_at != new:
        return False
    ticket.next_checkpoint_at = old
    ticket.updated_at = now
    writer.save_tickets(conn, [ticket])
    return True


def _delete_message(conn: sqlite3.Connection, message_id: int) -> None:
    """A local message that never left: gone with its full-text entry (a contentless index
    forgets a row only when given the text it indexed)."""
    row = conn.execute("SELECT message_body(body) FROM messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        return
    conn.execute("INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', ?, ?)",
                 (message_id, index_text(row[0])))
    conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
