"""One attachment found by its id ("<message id>-<n>"), with the metadata its backend stored."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from helpdesk_tui.store import rows
from helpdesk_tui.store.attachments import AttachmentInfo, message_attachments


@dataclass(frozen=True, slots=True)
class FoundAttachment:
    info: AttachmentInfo
    meta: Mapping[str, object]  # what the backend stored for it (its own keys)
    ticket_id: int


def parse_id(attachment_id: str) -> tuple[int, int] | None:
    """(message id, n) of an id like "812-1"; None for anything else."""
    message, dash, n = str(attachment_id).strip().partition("-")
    if not dash or not message.isdigit() or not n.isdigit() or int(n) < 1:
        return None
    return int(message), int(n)


def find(conn: sqlite3.Connection, attachment_id: str, folder: Path) -> FoundAttachment | None:
    """The attachment ``attachment_id`` of a cached message, or None when there is no such one."""
    parsed = parse_id(attachment_id)
    if parsed is None:
        return None
    message_id, n = parsed
    columns = ", ".join(f"m.{c.strip()}" for c in rows.MESSAGE_COLUMNS.split(","))
    row = conn.execute(f"SELECT {columns}, o.state FROM messages m LEFT JOIN outbox o ON o.message_id = m.id "
                       "WHERE m.id = ? LIMIT 1", (message_id,)).fetchone()
    if row is None:
        return None
    message = rows.message_from_row(row[:-1])
    message.delivery = row[-1]
    found = message_attachments(message, folder)
    metas = [m for m in message.attachments if isinstance(m, Mapping)]
    if n > len(found):
        return None
    return FoundAttachment(found[n - 1], metas[n - 1], message.ticket_id)
