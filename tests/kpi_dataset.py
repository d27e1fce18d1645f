"""A small helpdesk with exact timestamps whose KPIs were worked out by hand.

Window: 2026-11-10 00:00 → 2026-11-12 12:00 UTC (now); days 11-10, 11-11, 11-12.
Agents ana and bo; queues Billing and Tech. The expected figures, with how they follow:

First responses in the window: T1 30m, T2 4h, T3 5h (T3 was created the day before), T5 10m
  → sorted 600, 1800, 14400, 18000 s: median (1800+14400)/2 = 8100, p90 rank ceil(3.6)=4 → 18000.
Solved in the window: T1 4h, T2 24h, T5 30h → median 86400, p90 rank ceil(2.7)=3 → 108000.
  FCR: T1 only (one public reply and a note, never reopened); T2 had three replies; T5 was
  reopened → 1/3.
Acknowledgement: T1 met, T5 met, T2 breached (due 11-10 11:00), T4 breached (due 11-11 10:00);
  T3 breached on 11-09 21:00, before the window → 4 settled, 2 met, 2 breached.
First update: T1 met, T2 breached (11-10 18:00), T4 breached (11-11 12:00) → 3 settled, 1 met.
Resolution: T1, T2, T5 met; T4 breached at 11-12 09:00; T3 is due after now → 4 settled, 3 met.
Breaches: 2 + 2 + 1 = 5.
Backlog at 11-11 00:00: T2 (solved 11-11 10:00), T3, T5 (reopened 11-10 16:00) = 3;
  at 11-12 00:00: T3, T4 = 2; now: T3, T4 = 2.
Replies: ana 4 in 3 clock hours, bo 2 in 2 → 6 replies / 5 agent-hours = 1.2 per hour.
Ratings: good (T1, ana), bad (T2, ana), good (T5, bo) → 2/3 satisfied.
T6 (solved before the window, closed in it) and T7 (deleted) count nowhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.domain.kpis import RatingFact, Reply, StatusChange, TicketFacts
from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status

START = datetime(2026, 11, 10, tzinfo=UTC)
NOW = datetime(2026, 11, 12, 12, tzinfo=UTC)
WINDOW = Window(START, NOW, UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _ticket(tid: int, agent: str | None, queue: str | None, status: Status, created: datetime, **kw) -> Ticket:
    return Ticket(number=1000 + tid, subject=f"Ticket {tid}", status=status, priority=Priority.NORMAL,
                  requester_id=None, created_at=created, updated_at=kw.pop("updated_at", created), assignee=agent,
                  group=queue, id=tid, **kw)


TICKETS = [
    _ticket(1, "ana", "Billing", Status.SOLVED, at(10, 8), first_response_at=at(10, 8, 30),
            first_response_due_at=at(10, 9), first_update_at=at(10, 8, 30), first_update_due_at=at(10, 10),
            solved_at=at(10, 12), resolution_due_at=at(11, 8), updated_at=at(10, 12)),
    _ticket(2, "ana", "Tech", Status.SOLVED, at(10, 10), first_response_at=at(10, 14),
            first_response_due_at=at(10, 11), first_update_at=at(11, 9), first_update_due_at=at(10, 18),
            solved_at=at(11, 10), resolution_due_at=at(12, 10), updated_at=at(11, 10)),
    _ticket(3, "bo", "Billing", Status.OPEN, at(9, 20), first_response_at=at(10, 1),
            first_response_due_at=at(9, 21), resolution_due_at=at(12, 20), updated_at=at(10, 1)),
    _ticket(4, "bo", "Tech", Status.NEW, at(11, 9), first_response_due_at=at(11, 10),
            first_update_due_at=at(11, 12), resolution_due_at=at(12, 9)),
    _ticket(5, "bo", "Billing", Status.SOLVED, at(10, 9), first_response_at=at(10, 9, 10),
            first_response_due_at=at(10, 10), solved_at=at(11, 15), resolution_due_at=at(13, 9),
            updated_at=at(11, 15)),
    _ticket(6, "ana", None, Status.CLOSED, at(5, 9), first_response_at=at(5, 10), first_response_due_at=at(5, 11),
            solved_at=at(8, 9), resolution_due_at=at(8, 12), updated_at=at(10, 13)),
    _ticket(7, "bo", "Tech", Status.NEW, at(11, 8), first_response_due_at=at(11, 9), deleted_at=at(11, 8, 5),
            updated_at=at(11, 8, 5)),
]

# Public replies (author, ticket, when): ana's two at 14:00 and 14:40 share one clock hour; the
# one on T6 is before the window. ana's 08:45 on T1 is an internal note (T1 stays first contact).
REPLIES = [("ana", 1, at(10, 8, 30)), ("ana", 2, at(10, 14)), ("ana", 2, at(10, 14, 40)), ("ana", 2, at(11, 9)),
           ("bo", 3, at(10, 1)), ("bo", 5, at(10, 9, 10)), ("ana", 6, at(5, 10))]
NOTES = [("ana", 1, at(10, 8, 45))]

STATUS_CHANGES = [  # (ticket, when, detail)
    (5, at(10, 11), "open → solved"), (5, at(10, 16), "solved → open"), (5, at(11, 15), "open → solved"),
    (1, at(10, 12), "open → solved"), (2, at(11, 10), "pending → solved"), (3, at(10, 1), "new → open"),
    (6, at(10, 13), "solved → closed"),
]
RATINGS = [  # (ticket, score, comment, when)
    (1, "good", "Great", at(10, 13)), (2, "bad", "", at(11, 11)), (5, "good", "[bold]thanks[/] \x1b[31m", at(11, 16)),
    (6, "bad", "too late", at(9, 9)),
]

AGENT_OF = {t.id: t.assignee for t in TICKETS}
QUEUE_OF = {t.id: t.group for t in TICKETS}


def messages() -> list[Message]:
    """Every ticket opens with the customer's message; then the replies and notes above."""
    out = [Message(ticket_id=t.id, kind=MessageKind.CUSTOMER, author="customer", body="Help", created_at=t.created_at)
           for t in TICKETS]
    out += [Message(ticket_id=tid, kind=MessageKind.PUBLIC_REPLY, author=author, body="Reply", created_at=when)
            for author, tid, when in REPLIES]
    out += [Message(ticket_id=tid, kind=MessageKind.INTERNAL_NOTE, author=author, body="Note", created_at=when)
            for author, tid, when in NOTES]
    return out


def events() -> list[Event]:
    return ([Event(t.id, EventKind.RECEIVED, t.created_at) for t in TICKETS]
            + [Event(tid, EventKind.STATUS_CHANGED, when, "ana", detail) for tid, when, detail in STATUS_CHANGES])


def ticket_facts() -> list[TicketFacts]:
    """What the store reads for FCR, counted by hand: public replies before the solve, reopens."""
    replies_before = {1: 1, 2: 3, 5: 1, 6: 1}
    return [TicketFacts(t, replies_before.get(t.id, 0), t.id == 5) for t in TICKETS]


def changes() -> list[StatusChange]:
    from helpdesk_tui.domain.kpis import transition

    return [StatusChange(tid, when, *transition(detail)) for tid, when, detail in STATUS_CHANGES]


def replies() -> list[Reply]:
    return [Reply(author, when, QUEUE_OF[tid]) for author, tid, when in REPLIES]


def ratings() -> list[RatingFact]:
    return [RatingFact(tid, score, when, AGENT_OF[tid], QUEUE_OF[tid], comment, 1000 + tid, "local")
            for tid, score, comment, when in RATINGS]

