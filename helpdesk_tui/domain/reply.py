"""What sending a reply or a note does to a ticket, as a pure function.

The store applies the result in one transaction with the message and its outbox row,
so the cache shows the reply's effects at once, before the helpdesk has confirmed it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Status


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    ticket_id: int
    kind: MessageKind  # PUBLIC_REPLY or INTERNAL_NOTE
    body: str
    author: str
    new_status: Status | None = None
    next_checkpoint: datetime | None = None
    attachments: tuple[dict[str, object], ...] = ()


def apply_reply(ticket: Ticket, plan: ReplyPlan, now: datetime) -> tuple[Ticket, list[Event]]:
    """The ticket after ``plan`` is sent, and the timeline events it adds."""
    updated = dataclasses.replace(ticket, updated_at=now)
    events: list[Event] = []
    public = plan.kind == MessageKind.PUBLIC_REPLY
    if public:
        events.append(Event(ticket.saved_id, EventKind.REPLIED, now, plan.author))
        if ticket.first_response_at is None:
            updated.first_response_at = now
            events.append(Event(ticket.saved_id, EventKind.FIRST_RESPONSE, now, plan.author))
        # A public reply is the update we promised; a new promise replaces it.
        updated.next_checkpoint_at = plan.next_checkpoint
    else:
        events.append(Event(ticket.saved_id, EventKind.NOTE_ADDED, now, plan.author))
        if plan.next_checkpoint is not None:
            updated.next_checkpoint_at = plan.next_checkpoint
    if plan.next_checkpoint is not None:
        events.append(Event(ticket.saved_id, EventKind.CHECKPOINT_SET, now, plan.author,
                            plan.next_checkpoint.isoformat(timespec="minutes")))
    status = plan.new_status
    if status is None and public and ticket.status == Status.NEW:
        status = Status.OPEN  # answering a new ticket opens it, as every helpdesk does
    if status is not None and status != ticket.status:
        updated.status = status
        events.append(Event(ticket.saved_id, EventKind.STATUS_CHANGED, now, plan.author,
                            f"{ticket.status} → {status}"))
        if status in (Status.SOLVED, Status.CLOSED) and ticket.solved_at is None:
            updated.solved_at = now
    return updated, events
