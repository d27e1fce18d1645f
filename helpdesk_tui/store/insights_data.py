"""Feedback marks in a window, with their ticket, customer and message, for ``insights export``.

Marks are found by ``ix_feedback_marks_at``; the rest are primary-key look-ups.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from helpdesk_tui.domain.insights import FeedbackItem
from helpdesk_tui.store.schema import format_sql
from helpdesk_tui.store.timeconv import from_epoch, from_epoch_not_null, to_epoch

_SQL = f"""
SELECT f.id, t.number, t.subject, t.tags, coalesce(c.name, ''), coalesce(o.name, ''),
       m.created_at, coalesce(message_body(m.body), ''), coalesce({format_sql('m.body_format')}, 'text'),
       f.note, f.author, f.marked_at
FROM feedback_marks f
JOIN tickets t ON t.id = f.ticket_id
LEFT JOIN customers c ON c.id = t.requester_id
LEFT JOIN organizations o ON o.id = coalesce(t.organization_id, c.organization_id)
LEFT JOIN messages m ON m.id = f.message_id
WHERE f.marked_at >= ? AND f.marked_at <= ?
ORDER BY f.marked_at, f.id
"""


def _tags(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(t) for t in value) if isinstance(value, list) else ()


def feedback_items(conn: sqlite3.Connection, since: datetime, until: datetime) -> list[FeedbackItem]:
    """Marks made in [since, until], oldest first, with raw text."""
    return [FeedbackItem(mark_id, number, subject, _tags(tags), customer, org, from_epoch(said_at), body, note,
                         author, from_epoch_not_null(marked_at), body_format)
            for (mark_id, number, subject, tags, customer, org, said_at, body, body_format, note, author,
                 marked_at) in conn.execute(_SQL, (to_epoch(since), to_epoch(until)))]
