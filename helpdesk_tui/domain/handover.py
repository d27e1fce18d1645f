"""What a handover note is made of: the records the store gathers (``store.handover_data``).

``reports.handover`` writes them out as markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Sequence
from typing import Protocol

from helpdesk_tui.domain.sla import SlaDue

MAX_ROWS = 50
"""Longest list per section: past that the document says how many more and where to see them."""


@dataclass(frozen=True, slots=True)
class TicketAtRisk:
    number: int
    subject: str
    priority: str
    status: str
    assignee: str | None
    due: SlaDue


class PromiseLike(Protocol):
    """A promised update (``store.checkpoints.PromiseDue``, a frozen dataclass: read-only here)."""

    @property
    def number(self) -> int: ...
    @property
    def subject(self) -> str: ...
    @property
    def customer_name(self) -> str: ...
    @property
    def assignee(self) -> str | None: ...
    @property
    def promised_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Escalation:
    number: int
    subject: str
    at: datetime
    by: str
    to_assignee: str | None
    to_group: str | None
    note: str
    status: str  # the ticket's state now, which may have moved on since
    assignee: str | None


@dataclass(frozen=True, slots=True)
class InternalNote:
    number: int
    subject: str
    at: datetime
    body: str


@dataclass(frozen=True, slots=True)
class CustomerNoteEdit:
    customer: str
    organization: str
    at: datetime
    body: str


@dataclass(frozen=True, slots=True)
class Rotation:
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class HandoverData:
    account: str
    agent: str
    hours: int  # how far ahead "at risk" and "promises due" look
    since: datetime  # start of the look-back (the rotation's start, or ``hours`` ago)
    rotation: Rotation | None
    at_risk: list[TicketAtRisk] = field(default_factory=list)
    at_risk_total: int = 0
    promises: Sequence[PromiseLike] = field(default_factory=list)
    promises_total: int = 0
    escalations: list[Escalation] = field(default_factory=list)
    pending: int = 0
    pending_mine: int = 0
    on_hold: int = 0
    on_hold_mine: int = 0
    notes: list[InternalNote] = field(default_factory=list)  # the latest MAX_ROWS, oldest first
    notes_total: int = 0
    customer_notes: list[CustomerNoteEdit] = field(default_factory=list)
    customer_notes_total: int = 0


def window_start(now: datetime, hours: int, rotation: Rotation | None) -> datetime:
    """Where the look-back starts: the rotation's start, or ``hours`` before now without one."""
    return rotation.started_at if rotation is not None else now - timedelta(hours=hours)
