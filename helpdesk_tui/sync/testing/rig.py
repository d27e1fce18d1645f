"""One conformance test's world: a fresh cache, the engine over the backend under test, a clock.

Everything goes through the app's public paths: replies and notes are queued with
``Cache.queue_reply``, ticket updates with the triage store (``store.triage.queue_update``),
the outbox is drained with ``drain_outbox`` and a sync is ``SyncEngine.sync()``. Nothing
here calls a backend's ``push`` itself, so the suite holds whatever shape that call takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from helpdesk_tui.content import html_to_text
from helpdesk_tui.domain.models import Message, OutboxItem, Ticket
from helpdesk_tui.domain.new_ticket import NewTicketPlan
from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.triage import Change
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import outbox, outbox_files, triage
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync.contract import Backend
from helpdesk_tui.sync.engine import SyncEngine, SyncReport
from helpdesk_tui.sync.outbox_sender import DrainResult, drain_outbox
from helpdesk_tui.sync.testing.server import Scoped, ServerActions

AGENT = "conformance agent"
# Engine-clock time between two drains: longer than the grace before an unknown outcome is
# looked up (outbox.UNKNOWN_GRACE), as the next periodic sync would be.
LATER = timedelta(seconds=outbox.UNKNOWN_GRACE + 30)


class Clock:
    """The engine's clock: real time plus an offset the test moves on."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Rig:
    server: ServerActions
    cache: Cache
    backend: Scoped
    clock: Clock = field(default_factory=Clock)

    @classmethod
    def open(cls, server: ServerActions, path: Path) -> Rig:
        backend = Scoped(server.backend(), set())
        return cls(server, Cache(path, "conformance"), backend)

    @property
    def capabilities(self) -> Any:
        return self.backend.capabilities

    def close(self) -> None:
        self.cache.close()

    # ---------------------------------------------------------------- the server's side

    def new_ticket(self, subject: str, body: str) -> str:
        """A ticket the customer opens on the server, pulled by this rig from now on."""
        remote_id = self.server.create_ticket(subject, body)
        self.backend.wanted.add(remote_id)
        return remote_id

    def new_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        remote_id = self.server.create_ticket_with_file(subject, body, file_name, data, media_type)
        self.backend.wanted.add(remote_id)
        return remote_id

    # ---------------------------------------------------------------- the app's side

    def engine(self, backend: Any = None) -> SyncEngine:
        # Scoped stands in for the backend (it delegates everything it does not filter).
        return SyncEngine(self.cache, cast(Backend, backend if backend is not None else self.backend), self.clock)

    def sync(self) -> SyncReport:
        """What the app's sync does (send the outbox, then pull); a problem fails the test."""
        report = self.engine().sync()
        assert report.problem is None, report.problem
        assert not report.skipped, report.skipped
        return report

    def drain(self, backend: Any = None) -> DrainResult:
        return drain_outbox(self.cache, cast(Backend, backend if backend is not None else self.backend), self.clock)

    def later(self) -> None:
        self.clock.offset += LATER

    def local(self, remote_id: str) -> Ticket:
        with self.cache.connection() as conn:
            row = conn.execute("SELECT id FROM tickets WHERE remote_id = ?", (remote_id,)).fetchone()
        assert row is not None, f"ticket {remote_id} is not in the cache"
        ticket = self.cache.ticket(row[0])
        assert ticket is not None
        return ticket

    def thread(self, remote_id: str) -> list[Message]:
        ticket = self.local(remote_id)
        assert ticket.id is not None
        return self.cache.thread(ticket.id)

    def reply(self, remote_id: str, body: str, *, note: bool = False, attach: tuple[Path, ...] = ()) -> str:
        """Queue a reply (or an internal note) as the composer does, the files in ``attach``
        copied as attaching them does; the outbox item's id."""
        kind = MessageKind.INTERNAL_NOTE if note else MessageKind.PUBLIC_REPLY
        ticket = self.local(remote_id)
        assert ticket.id is not None
        files = tuple(outbox_files.snapshot(self.cache.path, path) for path in attach)
        _, item_id = self.cache.queue_reply(ReplyPlan(ticket.id, kind, body, AGENT, attachments=files), self.clock())
        return item_id

    def open_ticket(self, subject: str, body: str, email: str, word: str, *, attach: tuple[Path, ...] = (),
                    **fields: Any) -> tuple[int, str]:
        """Open a ticket for ``email`` as ``helpdesk-tui new`` does, the files in ``attach`` copied
        as attaching them does; (provisional ticket id, outbox id). ``word`` is in the subject:
        the rig pulls the server's copy by it."""
        self.backend.subjects.add(word)
        files = tuple(outbox_files.snapshot(self.cache.path, path) for path in attach)
        plan = NewTicketPlan(subject=subject, body=body, requester_email=email, requester_name="", author=AGENT,
                             attachments=files, **fields)
        return self.cache.queue_new_ticket(plan, self.clock())

    def rows_titled(self, word: str) -> list[Ticket]:
        """The cache's tickets whose subject has ``word`` (provisional rows included)."""
        with self.cache.connection() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM tickets WHERE instr(subject, ?) > 0", (word,))]
        return [t for t in (self.cache.ticket(i) for i in ids) if t is not None]

    def update(self, remote_id: str, change: Change) -> str:
        """Queue a ticket update as the triage keys do; the outbox item's id."""
        ticket = self.local(remote_id)
        assert ticket.id is not None
        now = self.clock()
        with self.cache.connection() as conn, transaction(conn):
            rotation = triage.current_rotation(conn, AGENT, now)
            done = triage.queue_update(conn, ticket.id, change, AGENT, now, action="conformance",
                                       rotation_id=rotation.id, batch=triage.new_batch(),
                                       sends_tags=bool(self.capabilities.tags))
        assert done is not None and len(done.outbox_ids) == 1, f"{change} queued {done}"
        return done.outbox_ids[0]

    def item(self, item_id: str) -> OutboxItem:
        return next(i for i in self.cache.outbox_items() if i.id == item_id)


def words(message: Message | RemoteMessage) -> str:
    """A message's text as written (a server may answer plain text as HTML)."""
    return (html_to_text(message.body) if message.body_format == "html" else message.body).strip()
