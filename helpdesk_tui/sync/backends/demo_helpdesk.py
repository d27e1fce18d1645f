"""The demo backend's helpdesk: tickets, threads and a change feed kept in this process.

It behaves like a small real helpdesk so the demo backend can pass the conformance suite
(``helpdesk_tui.sync.testing``): every change gets the next number of one sequence (the
change feed's cursor), a ticket carries a version that every change moves (writes that name
an older one are refused), writes keyed by the outbox id are applied once (a repeat answers
what the first one did), and deleted tickets are reported by the feed.

The demo *workspace* keeps its tickets in the cache itself; its helpdesk is made with
``adopts_unknown=True``: a write to a ticket it does not hold is accepted and remembered by
its key (so a repeat is still answered once), but never fed back into a pull.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from helpdesk_tui.domain.remote import RemoteMessage, RemoteTicket, RemoteUser
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync import errors

AGENT = "Demo Agent"


@dataclass
class DemoTicket:
    remote_id: str
    number: int
    subject: str
    customer: RemoteUser
    created_at: datetime
    updated_at: datetime
    status: Status = Status.NEW
    priority: Priority = Priority.NORMAL
    assignee: str | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()
    messages: list[RemoteMessage] = field(default_factory=list)
    version: int = 1
    seq: int = 0  # the feed position of its latest change
    deleted: bool = False

    def record(self) -> RemoteTicket:
        """The ticket as a pull hands it to the engine (its thread comes with it)."""
        return RemoteTicket(
            remote_id=self.remote_id, number=self.number, subject=self.subject, status=self.status,
            priority=self.priority, created_at=self.created_at, updated_at=self.updated_at,
            requester_remote_id=self.customer.remote_id, assignee=self.assignee, group=self.group,
            tags=self.tags, status_raw=str(self.status), priority_raw=str(self.priority),
            version=str(self.version), messages=list(self.messages))


@dataclass(frozen=True)
class Write:
    """One write as the demo helpdesk takes it; ``key`` makes a repeat answer the first time."""

    key: str
    remote_id: str  # the ticket
    body: str | None = None
    public: bool = True
    fields: dict[str, object] = field(default_factory=dict)  # status, priority, assignee, group, tags
    version: str | None = None  # refuse the write when the ticket has moved past this
    files: tuple[tuple[str, str, bytes], ...] = ()  # (name, media type, bytes) attached to the message


@dataclass(frozen=True)
class Applied:
    message_id: str | None
    version: str | None


class DemoHelpdesk:
    """A thread-safe in-process helpdesk (the app syncs in a worker thread)."""

    def __init__(self, *, adopts_unknown: bool = False, now: Callable[[], datetime] | None = None,
                 first_number: int = 1) -> None:
        self.adopts_unknown = adopts_unknown
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._seq = 0
        self._numbers = itertools.count(first_number)  # beside a workspace's own tickets: numbers they lack
        self._message_ids = itertools.count(1)
        self.tickets: dict[str, DemoTicket] = {}
        self.applied: dict[str, Applied] = {}  # write key → its result (idempotency)
        self.lose_answers = 0  # the next N writes are applied and then their answer is lost
        self.files: dict[str, bytes] = {}  # an attachment's key → its bytes

    # ---------------------------------------------------------------- the server's side

    def create_ticket(self, subject: str, body: str, *, customer: str = "Aiko Tanaka",
                      email: str = "aiko@example.com", files: tuple[tuple[str, bytes, str], ...] = ()) -> str:
        """A customer writes in (``files``: (name, bytes, media type) attached); the new ticket's remote id."""
        with self._lock:
            number = next(self._numbers)
            now = self._now()
            user = RemoteUser(remote_id=f"user-{email}", name=customer, email=email)
            ticket = DemoTicket(remote_id=str(number), number=number, subject=subject, customer=user,
                                created_at=now, updated_at=now)
            self.tickets[ticket.remote_id] = ticket
            message = self._message(ticket, MessageKind.CUSTOMER, customer, body)
            if files:
                ticket.messages[-1] = replace(message, attachments=tuple(self._keep(f) for f in files))
            self._touch(ticket)
            return ticket.remote_id

    def customer_writes(self, remote_id: str, body: str) -> str:
        """The customer answers on the ticket; returns the message's id."""
        with self._lock:
            ticket = self._live(remote_id)
            message = self._message(ticket, MessageKind.CUSTOMER, ticket.customer.name, body)
            if ticket.status in (Status.PENDING, Status.SOLVED):
                ticket.status = Status.OPEN
            self._touch(ticket)
            return message.remote_id

    def agent_writes(self, remote_id: str, body: str, *, public: bool = True, author: str = "Another Agent") -> str:
        """Another agent replies or leaves a note on the ticket elsewhere."""
        with self._lock:
            ticket = self._live(remote_id)
            kind = MessageKind.PUBLIC_REPLY if public else MessageKind.INTERNAL_NOTE
            message = self._message(ticket, kind, author, body)
            self._touch(ticket)
            return message.remote_id

    def change(self, remote_id: str, **fields: object) -> None:
        """Someone changes the ticket elsewhere (subject, status, priority, assignee, group, tags)."""
        with self._lock:
            ticket = self._live(remote_id)
            for name, value in fields.items():
                if not hasattr(ticket, name) or name in ("remote_id", "number", "messages", "version", "seq"):
                    raise ValueError(f"a demo ticket has no field {name!r}")
                setattr(ticket, name, value)
            self._touch(ticket)

    def delete(self, remote_id: str) -> None:
        with self._lock:
            ticket = self._live(remote_id)
            ticket.deleted = True
            self._touch(ticket)

    def ticket(self, remote_id: str) -> DemoTicket:
        """A copy of the ticket as it is now (deleted ones too)."""
        with self._lock:
            ticket = self._known(remote_id)
            return replace(ticket, messages=list(ticket.messages))

    # ---------------------------------------------------------------- the API the backend calls

    def changes_after(self, seq: int, limit: int) -> tuple[list[RemoteTicket], list[str], int, bool]:
        """(changed tickets, deleted remote ids, the last position given, whether that is all)."""
        with self._lock:
            changed = sorted((t for t in self.tickets.values() if t.seq > seq), key=lambda t: t.seq)
            page, rest = changed[:limit], changed[limit:]
            last = page[-1].seq if page else seq
            live = [t.record() for t in page if not t.deleted]
            gone = [t.remote_id for t in page if t.deleted]
            return live, gone, last, not rest

    def users_of(self, records: list[RemoteTicket]) -> list[RemoteUser]:
        with self._lock:
            users = {self.tickets[r.remote_id].customer.remote_id: self.tickets[r.remote_id].customer
                     for r in records if r.remote_id in self.tickets}
            return list(users.values())

    def numbered(self, number: int) -> tuple[RemoteTicket, RemoteUser] | None:
        """The live ticket numbered ``number`` (its thread with it) and its customer, or None."""
        with self._lock:
            found = next((t for t in self.tickets.values() if t.number == number and not t.deleted), None)
            return (found.record(), found.customer) if found is not None else None

    def thread(self, remote_id: str) -> list[RemoteMessage]:
        with self._lock:
            return list(self._live(remote_id).messages)

    def file(self, key: str) -> bytes:
        """An attachment's bytes by the key its metadata carries."""
        with self._lock:
            if key not in self.files:
                raise errors.NotFound(f"The demo helpdesk has no attachment {key!r}.")
            return self.files[key]

    def version(self, remote_id: str) -> str | None:
        with self._lock:
            ticket = self.tickets.get(remote_id)
            return str(ticket.version) if ticket is not None and not ticket.deleted else None

    def apply(self, write: Write) -> Applied:
        """Apply ``write`` once; a repeat of its key answers what the first one did."""
        with self._lock:
            done = self.applied.get(write.key)
            if done is None:
                done = self.applied[write.key] = self._apply(write)
            if self.lose_answers > 0:
                self.lose_answers -= 1
                raise errors.UnknownOutcome("The demo helpdesk applied the change, but its answer was lost.")
            return done

    def open_ticket(self, key: str, subject: str, body: str, *, email: str, name: str = "",
                    fields: dict[str, object] | None = None,
                    files: tuple[tuple[str, str, bytes], ...] = ()) -> Applied:
        """An agent opens a ticket for the customer ``email``; a repeat of ``key`` answers the first
        time's result (``message_id`` is then the new ticket's remote id)."""
        with self._lock:
            done = self.applied.get(key)
            if done is None:
                number = next(self._numbers)
                if self.adopts_unknown:
                    # The demo workspace's tickets live in the cache and this helpdesk starts
                    # afresh with each process: a number drawn from the key cannot collide with
                    # theirs, nor with one opened by an earlier run.
                    number = 100_000 + int(key[:7], 16) % 900_000 if key[:7].isalnum() else number
                now = self._now()
                user = RemoteUser(remote_id=f"user-{email}", name=name or email, email=email)
                ticket = DemoTicket(remote_id=str(number), number=number, subject=subject, customer=user,
                                    created_at=now, updated_at=now, status=Status.OPEN)
                for field_name, value in (fields or {}).items():
                    setattr(ticket, field_name, value)
                self.tickets[ticket.remote_id] = ticket
                self._message(ticket, MessageKind.PUBLIC_REPLY, AGENT, body, files)
                self._touch(ticket)
                done = self.applied[key] = Applied(message_id=ticket.remote_id, version=str(ticket.version))
            if self.lose_answers > 0:
                self.lose_answers -= 1
                raise errors.UnknownOutcome("The demo helpdesk opened the ticket, but its answer was lost.")
            return done

    def delivered(self, key: str) -> Applied | None:
        with self._lock:
            return self.applied.get(key)

    # ---------------------------------------------------------------- inside the lock

    def _apply(self, write: Write) -> Applied:
        ticket = self.tickets.get(write.remote_id)
        if ticket is None and self.adopts_unknown:
            # A demo workspace ticket: it lives in the cache, which already shows the change.
            return Applied(message_id=f"demo-{write.key}", version=None)
        ticket = self._live(write.remote_id)
        if write.version is not None and write.version != str(ticket.version):
            raise errors.Conflict(f"Ticket #{ticket.number} changed in the demo helpdesk since it was last "
                                  "synced: sync, then decide again.")
        message_id = None
        if write.body is not None:
            kind = MessageKind.PUBLIC_REPLY if write.public else MessageKind.INTERNAL_NOTE
            message_id = self._message(ticket, kind, AGENT, write.body, write.files).remote_id
        for name, value in write.fields.items():
            setattr(ticket, name, value)
        self._touch(ticket)
        return Applied(message_id=message_id, version=str(ticket.version))

    def _message(self, ticket: DemoTicket, kind: MessageKind, author: str, body: str,
                 files: tuple[tuple[str, str, bytes], ...] = ()) -> RemoteMessage:
        remote_id = f"m{next(self._message_ids)}"
        attachments = []
        for n, (name, media_type, data) in enumerate(files, start=1):
            key = f"{remote_id}-{n}"  # the key ``file`` and the backend's download read it by
            self.files[key] = data
            attachments.append({"filename": name, "content_type": media_type, "size": len(data), "n": n, "key": key})
        message = RemoteMessage(remote_id=remote_id, kind=kind, author=author, body=body,
                                created_at=self._now(), body_format="text", attachments=tuple(attachments))
        ticket.messages.append(message)
        return message

    def _keep(self, file: tuple[str, bytes, str]) -> dict[str, object]:
        name, data, media_type = file
        key = f"f{len(self.files) + 1}"  # never a message's "<id>-<n>"
        self.files[key] = bytes(data)
        return {"filename": name, "content_type": media_type, "size": len(data), "key": key}

    def _touch(self, ticket: DemoTicket) -> None:
        self._seq += 1
        ticket.seq = self._seq
        ticket.version += 1
        ticket.updated_at = self._now()

    def _known(self, remote_id: str) -> DemoTicket:
        ticket = self.tickets.get(remote_id)
        if ticket is None:
            raise errors.NotFound(f"The demo helpdesk has no ticket {remote_id!r}.")
        return ticket

    def _live(self, remote_id: str) -> DemoTicket:
        ticket = self._known(remote_id)
        if ticket.deleted:
            raise errors.NotFound(f"Ticket #{ticket.number} was deleted in the demo helpdesk.")
        return ticket
