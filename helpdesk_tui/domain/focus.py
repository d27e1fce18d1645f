"""Focus sessions: a block of time in which the queue is served one ticket at a time, in SLA order.

Pure rules with the clock passed in: time left (pauses excluded), when to warn, which ticket
comes next, what counts as having handled a ticket, and the summary of what a session achieved.
The store keeps the rows; the UI and the CLI only show what these functions decide.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from helpdesk_tui.domain.focus_limits import MAX_MINUTES
from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.query import Clause, Filter, View
from helpdesk_tui.domain.sla import Target, target_results
from helpdesk_tui.domain.vocab import EventKind

DEFAULT_MINUTES = 50
DEFAULT_WARN_BEFORE = timedelta(minutes=5)
MAX_REASON = 200  # a skip reason is one line, not an essay

HANDLED = "handled"
SKIPPED = "skipped"

# What the agent can do to a served ticket that counts as working it. Events synced from the
# helpdesk carry no actor of ours, so only what this agent did here is counted.
WORK_EVENTS = frozenset({EventKind.REPLIED, EventKind.NOTE_ADDED, EventKind.STATUS_CHANGED})


class FocusError(ValueError):
    """A session rule the agent ran into; the message is one sentence saying what to do."""


@dataclass(frozen=True, slots=True)
class FocusSession:
    id: int
    agent: str
    view: str  # a view id (domain.query.builtin_views)
    filter: str  # extra filter text, as the agent typed it
    planned_seconds: int
    started_at: datetime
    paused_at: datetime | None = None
    paused_seconds: int = 0  # pauses that are over; a running pause is counted from paused_at
    ended_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None and self.ended_at is None

    @property
    def running(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class ServedTicket:
    """One ticket a session served: when, until when, and how it ended."""

    id: int
    ticket_id: int
    number: int
    subject: str
    served_at: datetime
    finished_at: datetime | None = None
    outcome: str | None = None  # HANDLED, SKIPPED, or None (still served, or left when the session ended)
    skip_reason: str | None = None


# ----- time
def planned_minutes(text: str, default: int = DEFAULT_MINUTES) -> int:
    """The duration the agent typed, in whole minutes (empty: the default)."""
    text = text.strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_MINUTES:
        raise FocusError(f"The duration is a number of minutes from 1 to {MAX_MINUTES}, for example 50.")
    return int(text)


def worked(session: FocusSession, now: datetime) -> timedelta:
    """Time spent in the session so far, pauses left out; never more than planned (a session
    nobody ended, because the app was closed, did not go on past its time)."""
    until = session.ended_at or now
    paused = session.paused_seconds
    if session.paused_at is not None:
        paused += max(0, int((until - session.paused_at).total_seconds()))
    spent = until - session.started_at - timedelta(seconds=paused)
    return min(max(timedelta(0), spent), timedelta(seconds=session.planned_seconds))


def remaining(session: FocusSession, now: datetime) -> timedelta:
    """Time left until the planned end; never negative."""
    left = timedelta(seconds=session.planned_seconds) - worked(session, now)
    return max(timedelta(0), left)


def is_over(session: FocusSession, now: datetime) -> bool:
    return session.ended_at is not None or remaining(session, now) == timedelta(0)


def planned_end(session: FocusSession) -> datetime:
    """The moment the time runs out if the session is not paused again (a paused one: as if
    resumed at once)."""
    return session.started_at + timedelta(seconds=session.planned_seconds + session.paused_seconds)


def should_warn(session: FocusSession, now: datetime, before: timedelta = DEFAULT_WARN_BEFORE) -> bool:
    """True once the time left is ``before`` or less (and not yet up); never while paused,
    never when ``before`` is zero (the warning is turned off)."""
    if session.paused or session.ended_at is not None or before <= timedelta(0):
        return False
    left = remaining(session, now)
    return timedelta(0) < left <= before


def pause(session: FocusSession, now: datetime) -> FocusSession:
    if session.ended_at is not None:
        raise FocusError("This focus session has ended.")
    if session.paused:
        raise FocusError("The session is already paused.")
    return dataclasses.replace(session, paused_at=now)


def resume(session: FocusSession, now: datetime) -> FocusSession:
    if session.ended_at is not None:
        raise FocusError("This focus session has ended.")
    paused_at = session.paused_at
    if paused_at is None:  # (ended_at is None: not session.paused means not paused_at)
        raise FocusError("The session is not paused.")
    pause_seconds = max(0, int((now - paused_at).total_seconds()))
    return dataclasses.replace(session, paused_at=None, paused_seconds=session.paused_seconds + pause_seconds)


def end(session: FocusSession, now: datetime) -> FocusSession:
    """The ended session; a running pause is folded in. A session whose time ran out while
    nobody watched (the app was closed) ends at its planned end, not when it was noticed."""
    if session.ended_at is not None:
        return session
    if session.paused:
        session = resume(session, now)
    return dataclasses.replace(session, ended_at=min(now, planned_end(session)))


def format_clock(left: timedelta) -> str:
    """``37:12``, or ``1:05:00`` from an hour up."""
    seconds = max(0, int(left.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def status_line(session: FocusSession, handled: int, now: datetime) -> str:
    """The header: ``Focus 37:12 left · 4 handled`` (or ``Focus paused · 37:12 left · …``)."""
    left = format_clock(remaining(session, now))
    state = f"paused · {left} left" if session.paused else f"{left} left"
    return f"Focus {state} · {handled} handled"


# ----- the queue
def queue_filter(view: View, extra: Filter) -> Filter:
    """What a session serves: the view and the agent's filter, limited to tickets that still
    need work (a solved ticket in the "All" view is not served)."""
    return view.filter.merged(extra).merged(Filter((Clause("status", ("active",)),)))


def pick_next(ordered_ids: Iterable[int], done: Iterable[int]) -> int | None:
    """The first ticket in SLA order that this session has not served yet: a skipped ticket is
    not served again, so a skip is a decision, not a loop."""
    seen = set(done)
    return next((tid for tid in ordered_ids if tid not in seen), None)


def did_work(events: Iterable[Event], agent: str, since: datetime, until: datetime | None) -> bool:
    """True when ``agent`` replied, added a note or changed the status between ``since`` and
    ``until`` (None: up to now): what makes a served ticket count as handled."""
    return any(e.kind in WORK_EVENTS and e.actor == agent and e.at >= since
               and (until is None or e.at <= until) for e in events)


def skip_reason(text: str) -> str:
    """The one-line reason for a skip, or FocusError when there is none."""
    reason = " ".join(text.split())
    if not reason:
        raise FocusError("Say in one line why you skip this ticket, so it is not passed over quietly.")
    return reason[:MAX_REASON]


# ----- the summary
@dataclass(frozen=True, slots=True)
class SkippedTicket:
    number: int
    subject: str
    reason: str


@dataclass(frozen=True, slots=True)
class FocusSummary:
    session_id: int
    view_title: str
    started_at: datetime
    ended_at: datetime | None
    planned_seconds: int
    worked_seconds: int
    served: int
    handled: int
    replies_sent: int
    notes_added: int
    first_responses: int  # first replies given in the session
    first_responses_in_target: int  # … of them within the acknowledgement target
    median_handling_seconds: float | None  # per handled ticket, served to done
    skipped: tuple[SkippedTicket, ...] = ()
    unfinished: int = 0  # served when the session ended, nothing done on it

    def to_dict(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat() if self.ended_at else None
        data["skipped"] = [dataclasses.asdict(s) for s in self.skipped]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> FocusSummary:
        values = dict(data)
        values["started_at"] = datetime.fromisoformat(values["started_at"])
        values["ended_at"] = datetime.fromisoformat(values["ended_at"]) if values.get("ended_at") else None
        values["skipped"] = tuple(SkippedTicket(**s) for s in values.get("skipped", ()))
        return cls(**values)


def _within(at: datetime, start: datetime, end: datetime | None) -> bool:
    """``at`` lies in a served ticket's window (end None: still being served)."""
    return start <= at and (end is None or at <= end)


def summarize(session: FocusSession, served: Sequence[ServedTicket], events: Iterable[Event],
              tickets: dict[int, Ticket], now: datetime, view_title: str) -> FocusSummary:
    """What the session achieved.

    ``events`` are the timeline events of the served tickets; only the agent's own, made while
    a ticket was served, count. ``tickets`` are the served tickets as they are now: a first reply
    given in the session is judged against the ticket's acknowledgement target.
    """
    windows = {row.ticket_id: (row.served_at, row.finished_at) for row in served}
    mine = [e for e in events if e.actor == session.agent and e.ticket_id in windows
            and _within(e.at, *windows[e.ticket_id])]
    first_tickets = {e.ticket_id for e in mine if e.kind == EventKind.FIRST_RESPONSE}
    in_target = 0
    for ticket_id in first_tickets:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        acknowledge = next(r for r in target_results(ticket, now) if r.target == Target.ACKNOWLEDGE)
        in_target += acknowledge.met_in_time
    handled = [row for row in served if row.outcome == HANDLED]
    durations = [(row.finished_at - row.served_at).total_seconds() for row in handled if row.finished_at]
    return FocusSummary(
        session_id=session.id, view_title=view_title, started_at=session.started_at,
        ended_at=session.ended_at, planned_seconds=session.planned_seconds,
        worked_seconds=int(worked(session, now).total_seconds()), served=len(served), handled=len(handled),
        replies_sent=sum(e.kind == EventKind.REPLIED for e in mine),
        notes_added=sum(e.kind == EventKind.NOTE_ADDED for e in mine),
        first_responses=len(first_tickets), first_responses_in_target=in_target,
        median_handling_seconds=statistics.median(durations) if durations else None,
        skipped=tuple(SkippedTicket(row.number, row.subject, row.skip_reason or "")
                      for row in served if row.outcome == SKIPPED),
        unfinished=sum(1 for row in served if row.outcome is None and row.finished_at is not None),
    )


def format_duration(seconds: float | None) -> str:
    """``6m 30s``, ``1h 05m``, ``45s``; ``–`` when there is nothing to measure."""
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def render_summary(summary: FocusSummary, *, clean: Callable[[str], str] = str, tz: tzinfo = UTC) -> list[str]:
    """The summary as lines of plain text. Subjects come from strangers: ``clean`` is the
    caller's sanitizer (``content.clean_line``), applied to them and to the skip reasons."""
    started = summary.started_at.astimezone(tz)
    state = "" if summary.ended_at else " · still running"
    plural = "" if summary.handled == 1 else "s"
    notes = f" · {summary.notes_added} internal note{'' if summary.notes_added == 1 else 's'}" \
        if summary.notes_added else ""
    lines = [
        f"Focus session {summary.session_id} · {clean(summary.view_title)} · {started:%Y-%m-%d %H:%M}{state}",
        f"Time             {summary.planned_seconds // 60} min planned · "
        f"{format_duration(summary.worked_seconds)} worked",
        f"Handled          {summary.handled} ticket{plural} of {summary.served} served",
        f"Replies sent     {summary.replies_sent}{notes}",
        f"First responses  {summary.first_responses_in_target} of {summary.first_responses} within target",
        f"Median handling  {format_duration(summary.median_handling_seconds)} per ticket",
        f"Skipped          {len(summary.skipped)}",
    ]
    for skip in summary.skipped:
        lines.append(f"  #{skip.number}  {clean(skip.subject)} — {clean(skip.reason)}")
    if summary.unfinished:
        lines.append(f"Left unfinished  {summary.unfinished} (served when the session ended)")
    return lines
