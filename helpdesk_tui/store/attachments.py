"""Attachments of cached messages: their metadata in one shape, and whether their bytes are here.

Each backend keeps the metadata it was given in ``messages.attachments`` (JSON), under its
own keys: RT ``name``/``content_type``/``remote_id``, django-helpdesk ``filename``/``mime_type``,
Zendesk ``name``/``content_type``/``url``, the demo ``filename``/``content_type``. This module
reads all of them into ``AttachmentInfo``.

Downloaded bytes live beside the database, one file per attachment:
``<cache>.attachments/<message id>-<n>`` (n counts a message's attachments from 1, in the
order the helpdesk lists them). The name on disk never comes from the stranger's file name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from helpdesk_tui.domain.models import Message
from helpdesk_tui.records import record
from helpdesk_tui.store import rows

UNKNOWN_TYPE = "application/octet-stream"
_NAME_KEYS = ("name", "filename", "file_name")
_TYPE_KEYS = ("content_type", "mime_type", "media_type")


@record(frozen=True, slots=True)
class AttachmentInfo:
    """One attachment of a message as the thread and ``show`` list it."""

    id: str  # "<message id>-<n>": what ``attachment save`` will take; stable while the thread is
    message_id: int
    name: str  # the raw name the helpdesk sent: data, shown only through content.file_names
    media_type: str
    size: int | None  # bytes, None when the helpdesk did not say
    cached: bool  # the bytes are on this machine


def bytes_folder(db_path: Path) -> Path:
    """The folder holding an account's downloaded attachment bytes."""
    return db_path.with_name(db_path.name + ".attachments")


def bytes_path(folder: Path, attachment_id: str) -> Path:
    return folder / attachment_id


def _text(meta: Mapping[str, object], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = meta.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def _size(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _local_file(meta: Mapping[str, object], message: Message) -> bool:
    """A file the agent attached here (its path kept in the metadata) is on this machine.
    Only for messages written here: a path a helpdesk sent means nothing on this disk."""
    path = meta.get("path")
    return message.delivery is not None and isinstance(path, str) and bool(path) and Path(path).is_file()


def message_attachments(message: Message, folder: Path) -> list[AttachmentInfo]:
    """The attachments of ``message`` (a cached one, with its local id), in the helpdesk's order."""
    if message.id is None:
        return []
    out = []
    for n, meta in enumerate((m for m in message.attachments if isinstance(m, Mapping)), start=1):
        name = _text(meta, _NAME_KEYS)
        media_type = _text(meta, _TYPE_KEYS).split(";")[0].strip().lower()
        if not media_type:
            import mimetypes  # here: only a helpdesk that sends no type needs the table (show imports this module)

            media_type = mimetypes.guess_type(name, strict=False)[0] or UNKNOWN_TYPE
        attachment_id = f"{message.id}-{n}"
        cached = bytes_path(folder, attachment_id).is_file() or _local_file(meta, message)
        out.append(AttachmentInfo(attachment_id, message.id, name, media_type, _size(meta.get("size")), cached))
    return out


def thread_attachments(messages: Iterable[Message], folder: Path) -> dict[int, list[AttachmentInfo]]:
    """Message id → its attachments, for the messages that have any."""
    return {m.id: found for m in messages if m.id is not None and (found := message_attachments(m, folder))}


@record(frozen=True, slots=True)
class StoredAttachment:
    """One attachment with what a download needs: the backend's own metadata for it."""

    info: AttachmentInfo
    meta: Mapping[str, object]  # as the backend stored it (its keys: remote id, file URL…)
    ticket_id: int
    local_file: Path | None  # a file the agent attached here: its bytes are that file


def parse_id(attachment_id: str) -> tuple[int, int] | None:
    """``"<message id>-<n>"`` → (message id, n); None for anything else."""
    message, dash, n = attachment_id.strip().partition("-")
    if not dash or not message.isdigit() or not n.isdigit() or int(n) < 1:
        return None
    return int(message), int(n)


def find_attachment(conn: sqlite3.Connection, attachment_id: str, folder: Path) -> StoredAttachment | None:
    """The attachment ``attachment_id`` names in the cache, None when there is no such one."""
    parsed = parse_id(attachment_id)
    if parsed is None:
        return None
    message_id, n = parsed
    row = conn.execute(f"SELECT {rows.MESSAGE_SELECT}, (SELECT o.state FROM outbox o WHERE o.message_id = m.id "
                       "LIMIT 1) FROM messages m WHERE m.id = ?", (message_id,)).fetchone()
    if row is None:
        return None
    message = rows.message_from_row(row[:-1])
    message.delivery = row[-1]
    found = message_attachments(message, folder)
    metas = [m for m in message.attachments if isinstance(m, Mapping)]
    if n > len(found):
        return None
    meta = metas[n - 1]
    local = Path(str(meta["path"])) if _local_file(meta, message) else None
    return StoredAttachment(found[n - 1], meta, message.ticket_id, local)
