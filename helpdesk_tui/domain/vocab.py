"""The status, priority and message-kind vocabulary every backend is mapped onto."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    ON_HOLD = "on_hold"  # waiting on a third party
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """True while the ticket still needs work from us or the customer."""
        return self not in (Status.SOLVED, Status.CLOSED)

    @property
    def is_waiting(self) -> bool:
        """True while the ball is not in the agent's court."""
        return self in (Status.PENDING, Status.ON_HOLD)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """1 for urgent … 4 for low, the order agents say them in."""
        return {"urgent": 1, "high": 2, "normal": 3, "low": 4}[self.value]


class MessageKind(StrEnum):
    CUSTOMER = "customer"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    SYSTEM = "system"


class EventKind(StrEnum):
    RECEIVED = "received"
    FIRST_RESPONSE = "first_response"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    ASSIGNED = "assigned"
    CHECKPOINT_SET = "checkpoint_set"
    CUSTOMER_REPLIED = "customer_replied"
    REPLIED = "replied"
    NOTE_ADDED = "note_added"
