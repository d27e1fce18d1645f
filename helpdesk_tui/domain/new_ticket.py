"""A ticket opened from here, before the helpdesk has it: its plan and how it is labelled.

Until the helpdesk answers, the ticket is a provisional row in the cache: it has no number
of its own (the helpdesk gives numbers), so it is stored with a number at or below zero,
which no helpdesk uses, and shown as "queued", never as a number.
"""

from __future__ import annotations

import re
from datetime import datetime

from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.records import record

QUEUED_LABEL = "queued"
NEW_TICKET_ACTION = "new_ticket"  # the outbox action of a new ticket (its item's ticket is the provisional row)
# One address, as people type them: something@domain.tld, no spaces, no second "@".
_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\.]{2,}")


def is_provisional(number: int) -> bool:
    """Whether a ticket's number is a provisional row's (a new ticket the helpdesk has not numbered)."""
    return number <= 0


def ticket_label(number: int) -> str:
    """``#1042``, or ``queued`` for a new ticket still waiting for its number."""
    return QUEUED_LABEL if is_provisional(number) else f"#{number}"


def valid_email(text: str) -> bool:
    return _EMAIL.fullmatch(text.strip()) is not None


@record(frozen=True)
class NewTicketPlan:
    """A new ticket as the agent asked for it, checked; the store records it and queues it."""

    subject: str
    body: str
    requester_email: str
    requester_name: str
    author: str
    cc: tuple[str, ...] = ()
    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()
    next_checkpoint: datetime | None = None
    # Private copies of the files sent with the first message (``services/attaching.py``).
    attachments: tuple[dict[str, object], ...] = ()
