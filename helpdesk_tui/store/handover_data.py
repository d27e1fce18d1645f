"""Gathering what a handover note says (``domain.handover``) from the cache.

Every query is served by an index: "at risk" is a range of the urgency index, promises
the same range (``checkpoints.due_soon``), escalations the rotation index of the triage
log, the waiting counts the status index, notes the tickets updated since the window
opened (a note bumps its ticket's ``updated_at``) and then each ticket's messages.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from helpdesk_tui.domain.handover import (
    MAX_ROWS, CustomerNoteEdit, Escalation, HandoverData, InternalNote, Rotation, TicketAtRisk, window_start,
)
from helpdesk_tui.domain.sla import DELETED_FLOOR, SlaDue
from helpdesk_tui.store.checkpoints import count_due, due_soon
from helpdesk_tui.store.timeconv import from_epoch, from_epoch_not_null, to_epoch


def current_rotation(conn: sqlite3.Connection, agent: str) -> tuple[int, Rotation] | None:
    """The agent's open rotation, else their most recent one (id and times)."""
    row = conn.execute("SELECT id, started_at, ended_at FROM rotations WHERE agent = ? "
                       "ORDER BY ended_at IS NULL DESC, started_at DESC, id DESC LIMIT 1", (agent,)).fetchone()
    if row is None:
        return None
    return row[0], Rotation(from_epoch_not_null(row[1]), from_epoch(row[2]))


def _at_risk(conn: sqlite3.Connection, horizon: int) -> tuple[list[TicketAtRisk], int]:
    # sla_key <= horizon is exactly "active, with a clock due before the horizon" (see
    # domain.sla.urgency_key): breached ones first, as in the inbox.
    rows = conn.execute("SELECT number, subject, priority, status, assignee, sla_kind, sla_due_at FROM tickets "
                        "WHERE sla_key <= ? ORDER BY sla_key, id LIMIT ?", (horizon, MAX_ROWS)).fetchall()
    total = conn.execute("SELECT count(*) FROM tickets WHERE sla_key <= ?", (horizon,)).fetchone()[0]
    return [TicketAtRisk(n, s, p, st, a, SlaDue(kind, from_epoch_not_null(due))) for n, s, p, st, a, kind, due in rows], total


def _detail(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _changed_to(detail: dict, key: str) -> str | None:
    """Where the escalation sent the ticket: ``detail[key]``, or the new value in ``changes``
    (the triage log keeps field -> [old, new] there, for undo)."""
    value = detail.get(key)
    if not value:
        change = (detail.get("changes") or {}).get(key) if isinstance(detail.get("changes"), dict) else None
        value = change[1] if isinstance(change, list) and len(change) == 2 else None
    return _text(value) or None


def _escalations(conn: sqlite3.Connection, rotation_id: int | None, since: datetime,
                 until: datetime) -> list[Escalation]:
    where, params = ("ta.rotation_id = ?", [rotation_id]) if rotation_id is not None else \
        ("ta.at >= ? AND ta.at <= ?", [to_epoch(since), to_epoch(until)])
    # The escalation note is an internal note the triage screen queued; the log points at it.
    rows = conn.execute(
        "SELECT t.number, t.subject, ta.at, ta.agent, ta.detail, t.status, t.assignee, message_body(m.body) "
        "FROM triage_actions ta JOIN tickets t ON t.id = ta.ticket_id "
        "LEFT JOIN messages m ON m.id = CASE WHEN json_valid(ta.detail) THEN json_extract(ta.detail, '$.message') END "
        f"WHERE {where} AND ta.action = 'escalate' AND ta.undone_at IS NULL ORDER BY ta.at, ta.id", params)
    out = []
    for number, subject, at, by, detail, status, assignee, note_body in rows:
        d = _detail(detail)
        out.append(Escalation(number, subject, from_epoch_not_null(at), by, _changed_to(d, "assignee"), _changed_to(d, "group"),
                              _text(d.get("note")) or (note_body or ""), status, assignee))
    return out


def _waiting(conn: sqlite3.Connection, agent: str) -> dict[str, tuple[int, int]]:
    rows = conn.execute("SELECT status, count(*), coalesce(sum(assignee = ?), 0) FROM tickets "
                        "WHERE status IN ('pending', 'on_hold') AND sla_key < ? GROUP BY status",
                        (agent, DELETED_FLOOR))
    return {status: (n, mine) for status, n, mine in rows}


def _notes(conn: sqlite3.Connection, agent: str, since: datetime, until: datetime) -> tuple[list[InternalNote], int]:
    """The agent's latest internal notes in the window (oldest first) and how many there were."""
    rows = conn.execute(
        "SELECT t.number, t.subject, m.created_at, message_body(m.body) FROM tickets t "
        "JOIN messages m ON m.ticket_id = t.id AND m.created_at >= :since AND m.created_at <= :until "
        "WHERE t.updated_at >= :since AND m.kind = 'internal_note' AND m.author = :agent "
        "ORDER BY m.created_at DESC, m.id DESC",
        {"since": to_epoch(since), "until": to_epoch(until), "agent": agent}).fetchall()
    return [InternalNote(n, s, from_epoch_not_null(at), body) for n, s, at, body in reversed(rows[:MAX_ROWS])], len(rows)


def _customer_notes(conn: sqlite3.Connection, since: datetime,
                    until: datetime) -> tuple[list[CustomerNoteEdit], int]:
    rows = conn.execute(
        "SELECT coalesce(c.name, ''), coalesce(o.name, ''), n.updated_at, n.body FROM customer_notes n "
        "LEFT JOIN customers c ON c.id = n.customer_id LEFT JOIN organizations o ON o.id = c.organization_id "
        "WHERE n.updated_at >= ? AND n.updated_at <= ? ORDER BY n.updated_at DESC, n.id DESC",
        (to_epoch(since), to_epoch(until))).fetchall()
    return [CustomerNoteEdit(name, org, from_epoch_not_null(at), body) for name, org, at, body in reversed(rows[:MAX_ROWS])], \
        len(rows)


def load_handover(conn: sqlite3.Connection, *, account: str, agent: str, now: datetime,
                  hours: int) -> HandoverData:
    """Everything the handover note shows, looking ``hours`` ahead of ``now``."""
    found = current_rotation(conn, agent)
    rotation_id, rotation = found if found else (None, None)
    since = window_start(now, hours, rotation)
    until = rotation.ended_at if rotation is not None and rotation.ended_at is not None else now
    ahead = timedelta(hours=hours)
    at_risk, at_risk_total = _at_risk(conn, to_epoch(now + ahead))
    waiting = _waiting(conn, agent)
    notes, notes_total = _notes(conn, agent, since, until)
    customer_notes, customer_notes_total = _customer_notes(conn, since, until)
    return HandoverData(
        account=account, agent=agent, hours=hours, since=since, rotation=rotation,
        at_risk=at_risk, at_risk_total=at_risk_total,
        promises=due_soon(conn, now, ahead, limit=MAX_ROWS), promises_total=count_due(conn, now, ahead),
        escalations=_escalations(conn, rotation_id, since, until),
        pending=waiting.get("pending", (0, 0))[0], pending_mine=waiting.get("pending", (0, 0))[1],
        on_hold=waiting.get("on_hold", (0, 0))[0], on_hold_mine=waiting.get("on_hold", (0, 0))[1],
        notes=notes, notes_total=notes_total, customer_notes=customer_notes,
        customer_notes_total=customer_notes_total,
    )
