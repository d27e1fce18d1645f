"""Drafts: saved while the agent types, one per ticket, restored with the cursor."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.timeconv import from_epoch, from_epoch_not_null, to_epoch


def save_draft(conn: sqlite3.Connection, draft: Draft) -> None:
    conn.execute(
        "INSERT INTO drafts (ticket_id, kind, body, cursor_row, cursor_col, seen_message_id, started_at, "
        "updated_at, status, next_checkpoint_at, attachments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(ticket_id) DO UPDATE SET kind = excluded.kind, "
        "body = excluded.body, cursor_row = excluded.cursor_row, cursor_col = excluded.cursor_col, "
        "updated_at = excluded.updated_at, status = excluded.status, "
        "next_checkpoint_at = excluded.next_checkpoint_at, attachments = excluded.attachments",
        (draft.ticket_id, str(draft.kind), draft.body, draft.cursor[0], draft.cursor[1],
         draft.seen_message_id, to_epoch(draft.started_at), to_epoch(draft.updated_at),
         draft.status, to_epoch(draft.next_checkpoint), json.dumps(list(draft.attachments), ensure_ascii=False)),
    )


def get_draft(conn: sqlite3.Connection, ticket_id: int) -> Draft | None:
    r = conn.execute(
        "SELECT ticket_id, kind, body, cursor_row, cursor_col, seen_message_id, started_at, updated_at, "
        "status, next_checkpoint_at, attachments FROM drafts WHERE ticket_id = ?", (ticket_id,)).fetchone()
    if r is None:
        return None
    return Draft(ticket_id=r[0], kind=MessageKind(r[1]), body=r[2], cursor=(r[3], r[4]),
                 seen_message_id=r[5], started_at=from_epoch_not_null(r[6]), updated_at=from_epoch_not_null(r[7]),
                 status=r[8], next_checkpoint=from_epoch(r[9]), attachments=tuple(json.loads(r[10] or "[]")))


def delete_draft(conn: sqlite3.Connection, ticket_id: int) -> None:
    conn.execute("DELETE FROM drafts WHERE ticket_id = ?", (ticket_id,))


def touch(draft: Draft, body: str, cursor: tuple[int, int], now: datetime) -> Draft:
    draft.body, draft.cursor, draft.updated_at = body, cursor, now
    return draft


def mark_seen(conn: sqlite3.Connection, ticket_id: int, message_id: int) -> None:
    """The agent has read the thread up to ``message_id`` (the collision check asks no more)."""
    conn.execute("UPDATE drafts SET seen_message_id = ? WHERE ticket_id = ?", (message_id, ticket_id))
