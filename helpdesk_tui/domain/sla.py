"""SLA clocks: which due moment a ticket faces next, and how to say how far away it is.

One function decides the next due moment for the inbox order, the inbox clock column,
the ticket header and (later) the KPIs, so they can never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.vocab import Status
from helpdesk_tui.records import record

M = TypeVar("M", int, datetime)  # a moment: epoch seconds or a datetime, never mixed in one call
_ACTIVE = frozenset(s for s in Status if s.is_active)


class SlaKind:
    FIRST_RESPONSE = "first_response"  # the acknowledgement
    FIRST_UPDATE = "first_update"  # the first substantive update
    CHECKPOINT = "next_update"  # the update we promised the customer
    UPDATE = "update"  # the policy's interval between updates, or a reply owed to a reopened ticket
    RESOLUTION = "resolution"

    LABELS = {
        "first_response": "first reply",
        "first_update": "first update",
        "next_update": "next update",
        "update": "regular update",
        "resolution": "resolution",
    }


@record(frozen=True, slots=True)
class SlaDue:
    """The SLA clock that runs out next: its kind and when."""

    kind: str
    at: datetime

    @property
    def label(self) -> str:
        return SlaKind.LABELS.get(self.kind, self.kind)


def next_due(ticket: Ticket) -> SlaDue | None:
    """The earliest commitment still open on ``ticket``, or None when nothing is owed.

    Solved and closed tickets owe nothing. While a ticket waits on the customer or a
    third party (pending, on hold) the resolution clock is paused, but a promised
    update (the checkpoint) still binds us.
    """
    status = Status(ticket.status)
    if not status.is_active or ticket.deleted_at is not None:
        return None
    candidates: list[SlaDue] = []
    if ticket.next_checkpoint_at is not None:
        candidates.append(SlaDue(SlaKind.CHECKPOINT, ticket.next_checkpoint_at))
    if not status.is_waiting:
        if ticket.first_response_at is None and ticket.first_response_due_at is not None:
            candidates.append(SlaDue(SlaKind.FIRST_RESPONSE, ticket.first_response_due_at))
        if ticket.first_update_at is None and ticket.first_update_due_at is not None:
            candidates.append(SlaDue(SlaKind.FIRST_UPDATE, ticket.first_update_due_at))
        if ticket.update_due_at is not None:
            candidates.append(SlaDue(SlaKind.UPDATE, ticket.update_due_at))
        if ticket.resolution_due_at is not None:
            candidates.append(SlaDue(SlaKind.RESOLUTION, ticket.resolution_due_at))
    if not candidates:
        return None
    return min(candidates, key=lambda due: due.at)


def is_breached(due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and due_at <= now


def format_remaining(due_at: datetime | None, now: datetime) -> str:
    """A compact clock for a narrow column: ``4m``, ``2h05``, ``3d``, ``-12m`` when breached."""
    if due_at is None:
        return ""
    seconds = int((due_at - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        body = f"{seconds}s" if seconds else "0m"
    elif seconds < 3600:
        body = f"{seconds // 60}m"
    elif seconds < 86400:
        hours, rest = divmod(seconds, 3600)
        body = f"{hours}h{rest // 60:02d}"
    else:
        body = f"{seconds // 86400}d"
    return sign + body


def describe_due(due: SlaDue | None, now: datetime) -> str:
    """A sentence for the ticket header: ``first reply due in 4m`` / ``next update overdue by 2h05``."""
    if due is None:
        return "no SLA clock running"
    remaining = format_remaining(due.at, now)
    if is_breached(due.at, now):
        return f"{due.label} overdue by {remaining.lstrip('-')}"
    return f"{due.label} due in {remaining}"


# The inbox order is one integer per ticket so that a single index serves it:
# tier 0: a due moment exists -> the due time itself (breached ones are smallest);
# tier 1: active, no clock running -> most recently updated first;
# tier 3: solved or closed -> most recently updated first;
# tier 5: deleted -> never shown; the inbox filters them with ``sla_key < DELETED_FLOOR``,
#         which the urgency index answers without reading the table.
_TIER = 10_000_000_000  # epoch seconds stay below this until the year 2286
DELETED_FLOOR = 5 * _TIER


def urgency_key(ticket: Ticket) -> int:
    """Sort key for the default inbox order: the ticket that breaches next comes first."""
    due = next_due(ticket)
    if due is not None:
        return int(due.at.timestamp())
    recency = _TIER - int(ticket.updated_at.timestamp())
    if ticket.deleted_at is not None:
        return DELETED_FLOOR + recency
    return (1 if Status(ticket.status).is_active else 3) * _TIER + recency


class Target:
    """The commitments the KPIs judge, in the order a ticket meets them."""

    ACKNOWLEDGE = "acknowledge"
    FIRST_UPDATE = "first_update"
    RESOLUTION = "resolution"

    ALL = ("acknowledge", "first_update", "resolution")
    LABELS = {"acknowledge": "acknowledgement", "first_update": "first update", "resolution": "resolution"}


@record(frozen=True, slots=True)
class TargetResult:
    """One SLA target of a ticket: its due time, when it was met, and whether it was breached."""

    target: str  # one of Target.ALL
    due: datetime | None  # None: no clock for this target (nothing was owed)
    met_at: datetime | None  # when it was met; None while still owed
    breached: bool  # met late, or still owed and already overdue at ``now``

    @property
    def met_in_time(self) -> bool:
        return self.met_at is not None and (self.due is None or self.met_at <= self.due)


def target_breached(due: M | None, met: M | None, now: M, still_owed: bool) -> bool:
    """The one rule that judges a target: missed when met after its due moment, or when it is
    still owed (an active ticket not deleted) and its due moment has come. No due moment: nothing
    was owed, never breached.

    The KPIs call this with epoch seconds for a million tickets; ``target_results`` calls it
    with datetimes. It only compares moments, so both get the same answer.
    """
    if due is None:
        return False
    if met is not None:
        return met > due
    return still_owed and due <= now


def target_results(ticket: Ticket, now: datetime) -> list[TargetResult]:
    """Each target of ``ticket`` as the stored due times say (the store computes those with
    the SLA policy, or takes them from the helpdesk): the KPIs and session summaries judge
    tickets with ``target_breached``, so they agree with the inbox clocks."""
    owed = ticket.deleted_at is None and ticket.status in _ACTIVE
    return [TargetResult(target, due, met, target_breached(due, met, now, owed)) for target, due, met in (
        (Target.ACKNOWLEDGE, ticket.first_response_due_at, ticket.first_response_at),
        (Target.FIRST_UPDATE, ticket.first_update_due_at, ticket.first_update_at),
        (Target.RESOLUTION, ticket.resolution_due_at, ticket.solved_at),
    )]
