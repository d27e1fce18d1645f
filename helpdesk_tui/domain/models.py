"""Dataclasses for everything the cache holds.

Timestamps are timezone-aware UTC ``datetime`` objects; the store converts them to
integer epoch seconds. Text fields hold the raw remote text: display code must pass
them through ``helpdesk_tui.content`` before showing them.
"""

from __future__ import annotations

from datetime import datetime

from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.records import field, record


@record(slots=True)
class Organization:
    """A customer's organization."""

    name: str
    domain: str = ""
    notes: str = ""
    id: int | None = None
    remote_id: str | None = None


@record(slots=True)
class Customer:
    """A customer (a requester of tickets)."""

    name: str
    email: str
    organization_id: int | None = None
    language: str = "en"
    phone: str = ""
    created_at: datetime | None = None
    id: int | None = None
    remote_id: str | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else ""


@record(slots=True)
class CustomerNote:
    """An agent's note about a customer."""

    customer_id: int
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    id: int | None = None


@record(slots=True)
class Ticket:
    """A ticket as the cache keeps it."""

    number: int
    subject: str
    status: Status
    priority: Priority
    requester_id: int | None
    created_at: datetime
    updated_at: datetime
    organization_id: int | None = None
    assignee: str | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()
    custom_fields: dict[str, object] = field(default_factory=dict)
    status_raw: str = ""
    priority_raw: str = ""
    first_response_at: datetime | None = None
    first_response_due_at: datetime | None = None
    next_checkpoint_at: datetime | None = None
    resolution_due_at: datetime | None = None
    solved_at: datetime | None = None
    version: str | None = None
    deleted_at: datetime | None = None
    id: int | None = None
    remote_id: str | None = None
    # The first substantive update, when the first reply was a mere acknowledgement (SLA).
    first_update_at: datetime | None = None
    first_update_due_at: datetime | None = None
    # The next update owed by the SLA policy's interval (or to a reopened ticket).
    update_due_at: datetime | None = None
    # "helpdesk" when the helpdesk set the acknowledgement and resolution due times itself.
    sla_source: str = "policy"

    @property
    def saved_id(self) -> int:
        """The cache's id of a ticket read from it; a ticket never saved has none to give."""
        if self.id is None:
            raise ValueError(f"ticket #{self.number} has not been saved in the cache yet")
        return self.id


@record(slots=True)
class Message:
    """One message of a ticket's thread: a customer's, a reply, an internal note or a system line."""

    ticket_id: int
    kind: MessageKind
    author: str
    body: str
    created_at: datetime
    body_format: str = "markdown"  # "markdown", "text" or "html"
    attachments: tuple[dict[str, object], ...] = ()
    id: int | None = None
    remote_id: str | None = None
    delivery: str | None = None  # for messages written here: "queued", "sending", "sent", "failed"


@record(slots=True)
class Event:
    """One entry of a ticket's timeline."""

    ticket_id: int
    kind: EventKind
    at: datetime
    actor: str = ""
    detail: str = ""
    id: int | None = None


@record(slots=True)
class Article:
    """A knowledge-base article."""

    title: str
    body: str
    language: str = "en"
    tags: tuple[str, ...] = ()
    url: str = ""
    updated_at: datetime | None = None
    id: int | None = None
    remote_id: str | None = None


@record(slots=True)
class Draft:
    """A reply or internal note being written; saved while typing so nothing is ever lost."""

    ticket_id: int
    kind: MessageKind
    body: str
    started_at: datetime
    updated_at: datetime
    cursor: tuple[int, int] = (0, 0)
    seen_message_id: int | None = None  # the newest message the agent had seen when starting
    # What the send dialog starts from: a template's suggested status and promised update,
    # or what the agent chose before taking a held send back (kept across restarts).
    status: str | None = None
    next_checkpoint: datetime | None = None
    attachments: tuple[dict[str, object], ...] = ()


@record(slots=True)
class OutboxItem:
    """One change waiting to reach the helpdesk; ``id`` doubles as the idempotency key."""

    id: str
    ticket_id: int
    action: str  # "reply", "note" or "update"
    payload: dict[str, object]
    state: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    message_id: int | None = None
    last_error: str | None = None


@record(slots=True)
class InboxRow:
    """One line of the inbox: a ticket joined with what the list shows of its customer."""

    id: int
    number: int
    subject: str
    status: Status
    priority: Priority
    assignee: str | None
    customer_name: str
    organization_name: str
    updated_at: datetime
    sla_due_at: datetime | None
    sla_kind: str | None
    has_draft: bool = False
