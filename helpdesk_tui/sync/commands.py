"""What a backend is asked to deliver: typed commands, one per kind of outbox item.

The outbox stores each item as JSON (``store/outbox.py``; its format does not change); the
outbox sender turns a stored item into one of these with ``command_from`` and hands it to
``Backend.push``. A backend never reads the stored payload itself.

Every command carries ``id`` (the outbox item's id, which doubles as the idempotency key)
and ``created_at`` (when it was queued: the look-up after an unknown outcome searches from
there), and ``attachments``: the files that go with it, read from the private copies taken
when they were attached (``store/outbox_files.py``), each with the sha256 it must still have.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Mapping
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.domain.new_ticket import NEW_TICKET_ACTION
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.upload_memo import FileMemo, UploadMemo


class Keep(Enum):
    """A field of an ``Update`` the agent did not change (``None`` means "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a command: its name, media type, size and a way to read it.

    ``sha256`` is the hex digest of the bytes when the file was attached (empty: not known);
    ``memo`` is where a backend keeps what it uploaded for it (``sync/upload_memo.py``)."""

    name: str
    media_type: str
    size: int
    read: Callable[[], bytes] = field(repr=False, compare=False)
    sha256: str = ""
    memo: UploadMemo = field(default_factory=UploadMemo, repr=False, compare=False)

    @classmethod
    def from_path(cls, path: Path, *, name: str | None = None, media_type: str | None = None,
                  sha256: str = "", memo: UploadMemo | None = None) -> Attachment:
        """An attachment read from a file when the backend asks for its bytes."""
        guessed = mimetypes.guess_type(path.name)[0]
        return cls(name=name or path.name, media_type=media_type or guessed or "application/octet-stream",
                   size=path.stat().st_size if path.is_file() else 0, read=path.read_bytes, sha256=sha256,
                   memo=memo or UploadMemo())

    def content(self) -> bytes:
        """The bytes to send; ``NotSupported`` when the snapshot is gone or no longer matches."""
        try:
            data = self.read()
        except OSError as exc:
            raise NotSupported(f"The attached file {self.name} can no longer be read ({exc.strerror or exc}): "
                               "drop the item and attach the file again.") from None
        if self.sha256 and hashlib.sha256(data).hexdigest() != self.sha256:
            raise NotSupported(f"The attached file {self.name} changed after it was queued: drop the item "
                               "and attach the file again.")
        return data


@dataclass(frozen=True)
class Reply:
    """A public reply to the customer; ``status``/``next_checkpoint`` change the ticket with it."""

    id: str
    created_at: datetime
    body: str
    status: Status | None = None
    next_checkpoint: datetime | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Note:
    """An internal note (agents only)."""

    id: str
    created_at: datetime
    body: str
    status: Status | None = None
    next_checkpoint: datetime | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Update:
    """A change of ticket fields without a message. ``KEEP``: not changed; ``None`` for assignee
    or group: cleared. ``tags`` is the whole new list; ``next_checkpoint`` the promised update."""

    id: str
    created_at: datetime
    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None | Keep = KEEP
    group: str | None | Keep = KEEP
    tags: tuple[str, ...] | Keep = KEEP
    next_checkpoint: datetime | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class NewTicket:
    """A ticket opened from here on a customer's behalf (``helpdesk-tui new``, ``N`` in the app).

    ``requester`` is the customer's e-mail address (``requester_name`` their name, when known);
    ``body`` is the first message, written by the agent to the customer. ``id`` is the
    idempotency key or the marker a backend leaves on the ticket so ``find_delivered`` can
    find it after an unknown outcome. A field the backend cannot set raises ``NotSupported``."""

    id: str
    created_at: datetime
    subject: str
    body: str
    requester: str
    priority: Priority | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    requester_name: str = ""
    cc: tuple[str, ...] = ()
    status: Status | None = None
    assignee: str | None = None


Command = Reply | Note | Update | NewTicket
NEW_TICKET = NEW_TICKET_ACTION
Message = Reply | Note  # the commands that leave a message in the thread


def command_from(item: OutboxItem) -> Command:
    """The command a stored outbox item asks for; ``NotSupported`` for one this version cannot read."""
    payload = item.payload
    try:
        status = Status(str(payload["status"])) if payload.get("status") else None
        checkpoint = payload.get("next_checkpoint")
        next_checkpoint = datetime.fromisoformat(str(checkpoint)) if checkpoint else None
        attachments = tuple(_attachment(a) for a in _list(payload.get("attachments")) if isinstance(a, Mapping))
        if item.action in ("reply", "note"):
            body = str(payload.get("body") or "")
            # "reply" items are public unless the payload says otherwise (the stored format's rule).
            if item.action == "reply" and bool(payload.get("public", True)):
                return Reply(item.id, item.created_at, body, status, next_checkpoint, attachments)
            return Note(item.id, item.created_at, body, status, next_checkpoint, attachments)
        if item.action == "update":
            priority = Priority(str(payload["priority"])) if payload.get("priority") else None
            return Update(item.id, item.created_at, status=status, priority=priority,
                          assignee=_optional(payload, "assignee"), group=_optional(payload, "group"),
                          tags=tuple(str(t) for t in _list(payload["tags"])) if "tags" in payload else KEEP,
                          next_checkpoint=next_checkpoint, attachments=attachments)
        if item.action == NEW_TICKET:
            priority = Priority(str(payload["priority"])) if payload.get("priority") else None
            return NewTicket(item.id, item.created_at, subject=str(payload.get("subject") or ""),
                             body=str(payload.get("body") or ""), requester=str(payload.get("requester") or ""),
                             priority=priority, group=str(payload["group"]) if payload.get("group") else None,
                             tags=tuple(str(t) for t in _list(payload.get("tags"))), attachments=attachments,
                             requester_name=str(payload.get("requester_name") or ""),
                             cc=tuple(str(c) for c in _list(payload.get("cc"))), status=status,
                             assignee=str(payload["assignee"]) if payload.get("assignee") else None)
    except (ValueError, TypeError) as exc:
        raise NotSupported(f"The queued {item.action} could not be read ({exc}): discard it and write it again.") from None
    raise NotSupported(f"This version cannot send a queued {item.action!r}: update helpdesk-tui.")


def _optional(payload: Mapping[str, object], key: str) -> str | None | Keep:
    if key not in payload:
        return KEEP
    value = payload[key]
    return None if value is None else str(value)


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _attachment(meta: Mapping[str, object]) -> Attachment:
    """Attachment metadata as drafts store it: a ``path`` on disk (the private snapshot), with
    name, type, size and sha256; its upload memo sits beside the snapshot."""
    raw_path = str(meta.get("path") or "")
    path = Path(raw_path)
    name = str(meta.get("name") or meta.get("filename") or path.name or "attachment")
    media_type = str(meta.get("media_type") or meta.get("content_type") or "") or None
    size = meta.get("size")
    memo = FileMemo(path.with_name(path.name + ".uploads.json")) if raw_path else None
    attachment = Attachment.from_path(path, name=name, media_type=media_type,
                                      sha256=str(meta.get("sha256") or ""), memo=memo)
    if isinstance(size, int) and not isinstance(size, bool):
        return dataclasses.replace(attachment, size=size)
    return attachment
