"""SLA policies: what is owed to a customer and by when, computed from a ticket's timeline.

This is the one place that turns a policy (targets per priority, optional business hours
and holidays) and what happened on a ticket into due times. The store writes the result
into the ticket's due columns; the inbox order, the inbox clock, the ticket header, the
KPIs and the session summaries all read those columns (``sla.next_due`` and
``sla.target_results``), so they can never disagree.

Rules, each with a reason:
- Time while the ticket waits on the customer or a third party (pending, on hold) or
  while it is solved does not count: the clock cannot run while the ball is not ours.
- An acknowledgement is the first public reply when it promised the time of the next
  update (the acknowledgement template does). The first substantive update is the first
  public reply that is not such an acknowledgement; a first reply without a promise is
  both at once.
- While a ticket is open, each public reply starts the interval to the next update.
- A solved ticket the customer reopens is owed a reply within the acknowledgement target
  of the reopening.
- Due times the helpdesk itself supplies (its own SLA) win over the policy's.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta, tzinfo

from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.vocab import EventKind, Priority, Status
from helpdesk_tui.records import field, record, replace

_PAUSED = frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED})
_FINISHED = frozenset({Status.SOLVED, Status.CLOSED})
# A reply and the promise made with it are recorded in the same second.
_SAME_MOMENT = timedelta(seconds=2)
_MAX_DAYS = 3 * 366  # an calendar with no working day never makes a clock run forever


@record(frozen=True, slots=True)
class SlaTargets:
    """How long each SLA target allows for one priority."""

    acknowledge: timedelta
    first_update: timedelta
    update_interval: timedelta | None  # None: no regular updates owed while open
    resolution: timedelta


@record(frozen=True, slots=True)
class BusinessHours:
    """The hours in which SLA clocks run; outside them (and on holidays) they stand still."""

    start: time
    end: time
    weekdays: frozenset[int]  # 0 = Monday
    tz: tzinfo
    holidays: frozenset[date] = frozenset()

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows from the day ``since`` falls on, in order."""
        day = since.astimezone(self.tz).date()
        for offset in range(_MAX_DAYS):
            current = day + timedelta(days=offset)
            if current.weekday() in self.weekdays and current not in self.holidays:
                yield datetime.combine(current, self.start, self.tz), datetime.combine(current, self.end, self.tz)


DEFAULT_TARGETS: Mapping[Priority, SlaTargets] = {
    Priority.URGENT: SlaTargets(timedelta(minutes=10), timedelta(minutes=20), timedelta(hours=1), timedelta(hours=8)),
    Priority.HIGH: SlaTargets(timedelta(minutes=10), timedelta(minutes=20), timedelta(hours=4), timedelta(hours=24)),
    Priority.NORMAL: SlaTargets(timedelta(minutes=10), timedelta(minutes=20), timedelta(hours=24),
                                timedelta(hours=72)),
    Priority.LOW: SlaTargets(timedelta(minutes=10), timedelta(minutes=20), None, timedelta(days=7)),
}


@record(frozen=True, slots=True)
class SlaPolicy:
    """The SLA targets per priority and the business hours their clocks run in."""

    targets: Mapping[Priority, SlaTargets] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    hours: BusinessHours | None = None  # None: clocks run around the clock

    def for_priority(self, priority: str) -> SlaTargets:
        return self.targets.get(Priority(priority), self.targets[Priority.NORMAL])

    def to_json(self) -> str:
        """A stable text form: the cache keeps it to notice when the policy changed."""
        def seconds(value: timedelta | None) -> int | None:
            return None if value is None else int(value.total_seconds())

        data: dict[str, object] = {
            "targets": {str(p): [seconds(t.acknowledge), seconds(t.first_update), seconds(t.update_interval),
                                 seconds(t.resolution)] for p, t in sorted(self.targets.items())},
        }
        if self.hours is not None:
            data["hours"] = {"start": self.hours.start.isoformat(), "end": self.hours.end.isoformat(),
                             "weekdays": sorted(self.hours.weekdays), "tz": str(self.hours.tz),
                             "holidays": sorted(d.isoformat() for d in self.hours.holidays)}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SlaPolicy:
        data = json.loads(text)

        def span(value: int | None) -> timedelta | None:
            return None if value is None else timedelta(seconds=value)

        targets = {Priority(p): SlaTargets(timedelta(seconds=a), timedelta(seconds=f), span(u), timedelta(seconds=r))
                   for p, (a, f, u, r) in data["targets"].items()}
        hours = None
        if "hours" in data:
            from zoneinfo import ZoneInfo  # importing zoneinfo reads the environment: only when needed

            h = data["hours"]
            hours = BusinessHours(time.fromisoformat(h["start"]), time.fromisoformat(h["end"]),
                                  frozenset(h["weekdays"]), ZoneInfo(h["tz"]),
                                  frozenset(date.fromisoformat(d) for d in h["holidays"]))
        return cls(targets, hours)


DEFAULT_POLICY = SlaPolicy()


@record(frozen=True, slots=True)
class SlaTimeline:
    """What the clocks depend on, sorted by time."""

    replies: tuple[tuple[datetime, bool], ...] = ()  # public agent replies: (at, is an acknowledgement)
    statuses: tuple[tuple[datetime, Status], ...] = ()  # the status each change led to


def build_timeline(ticket: Ticket, events: Iterable[Event], reply_times: Iterable[datetime] = ()) -> SlaTimeline:
    """The timeline from stored events and the times of public replies in the thread.

    Synced threads bring replies as messages without events; replies written here
    bring both. A reply is an acknowledgement when a promise of the next update was
    made with it (a ``checkpoint_set`` event at the same moment).
    """
    promises: list[datetime] = []
    moments: set[datetime] = {t.replace(microsecond=0) for t in reply_times}
    statuses: list[tuple[datetime, Status]] = []
    for event in events:
        if event.kind == EventKind.CHECKPOINT_SET:
            promises.append(event.at)
        elif event.kind in (EventKind.REPLIED, EventKind.FIRST_RESPONSE):
            moments.add(event.at.replace(microsecond=0))
        elif event.kind == EventKind.STATUS_CHANGED:
            new = _status_after(event.detail)
            if new is not None:
                statuses.append((event.at, new))
    statuses.sort(key=lambda item: item[0])
    current = statuses[-1][1] if statuses else Status.NEW
    if current != ticket.status:
        # The helpdesk told us the status without the change (a first sync): it changed
        # no later than the ticket's last update.
        statuses.append((max(ticket.updated_at, statuses[-1][0]) if statuses else ticket.updated_at,
                         Status(ticket.status)))
    replies = tuple((at, any(abs(at - p) <= _SAME_MOMENT for p in promises)) for at in sorted(moments))
    return SlaTimeline(replies, tuple(statuses))


def _status_after(detail: str) -> Status | None:
    target = detail.rsplit("→", 1)[-1].strip()
    try:
        return Status(target)
    except ValueError:
        return None


@record(frozen=True, slots=True)
class SlaClocks:
    """A ticket's SLA clocks under a policy: when each target is due and when it was met."""

    acknowledge_due: datetime | None
    acknowledged_at: datetime | None
    first_update_due: datetime | None
    first_update_at: datetime | None
    update_due: datetime | None  # the next regular update while open, or the reply owed on a reopening
    resolution_due: datetime | None


def sla_clocks(ticket: Ticket, timeline: SlaTimeline, policy: SlaPolicy, *, supplied: bool = False) -> SlaClocks:
    """Every due time of ``ticket`` under ``policy``. ``supplied``: the helpdesk set the
    acknowledgement and resolution due times itself, and they are kept."""
    targets = policy.for_priority(ticket.priority)
    pauses = _pauses(ticket, timeline)
    clock = _Clock(pauses, policy.hours)
    replies = timeline.replies
    acknowledged = ticket.first_response_at or (replies[0][0] if replies else None)
    first_update = next((at for at, is_ack in replies if not is_ack), None)
    if first_update is None and acknowledged is not None and not replies:
        first_update = acknowledged  # a helpdesk's first response we hold no thread for
    if supplied:
        acknowledge_due, resolution_due = ticket.first_response_due_at, ticket.resolution_due_at
    else:
        acknowledge_due = clock.add(ticket.created_at, targets.acknowledge)
        resolution_due = clock.add(ticket.created_at, targets.resolution)
    first_update_due = clock.add(ticket.created_at, targets.first_update)
    return SlaClocks(acknowledge_due, acknowledged, first_update_due, first_update,
                     _update_due(ticket, timeline, targets, clock, first_update), resolution_due)


def _update_due(ticket: Ticket, timeline: SlaTimeline, targets: SlaTargets, clock: _Clock,
                first_update: datetime | None) -> datetime | None:
    status = Status(ticket.status)
    if not status.is_active or status.is_waiting:
        return None
    last_reply = timeline.replies[-1][0] if timeline.replies else None
    reopened = _last_reopening(timeline)
    if reopened is not None and (last_reply is None or last_reply < reopened):
        return clock.add(reopened, targets.acknowledge)
    if first_update is None or last_reply is None or targets.update_interval is None:
        return None
    return clock.add(last_reply, targets.update_interval)


def _last_reopening(timeline: SlaTimeline) -> datetime | None:
    previous = Status.NEW
    reopened = None
    for at, status in timeline.statuses:
        if previous in _FINISHED and status not in _FINISHED:
            reopened = at
        previous = status
    return reopened


def _pauses(ticket: Ticket, timeline: SlaTimeline) -> list[tuple[datetime, datetime | None]]:
    """Intervals in which clocks stand still; the last may be open (``None``: still waiting).

    Time while solved is a pause for a ticket that is later reopened. A ticket solved now
    has met what it owed: the stretch since it was solved is not an open pause, so its due
    times stay the ones it was judged against.
    """
    pauses: list[tuple[datetime, datetime | None]] = []
    since: datetime | None = None
    finished = False
    for at, status in timeline.statuses:
        at = max(at, ticket.created_at)
        now_paused, now_finished = status in _PAUSED, status in _FINISHED
        if since is not None and (not now_paused or now_finished != finished):
            if at > since:
                pauses.append((since, at))
            since = None
        if now_paused and since is None:
            since = at
        finished = now_finished
    if since is not None and not finished:
        pauses.append((since, None))
    return pauses


class _Clock:
    """Adds SLA time: only working time outside pauses counts."""

    def __init__(self, pauses: list[tuple[datetime, datetime | None]], hours: BusinessHours | None) -> None:
        self.pauses = pauses
        self._pause_starts = [start for start, _ in pauses]
        self.hours = hours

    def add(self, start: datetime, amount: timedelta) -> datetime | None:
        """The moment ``amount`` of counting time after ``start``; None while the clock is stopped
        for good (an open pause reached before the time is used up)."""
        remaining = amount
        for window_start, window_end in self._windows(start):
            for a, b in self._unpaused(max(window_start, start), window_end):
                if b is None or b - a >= remaining:
                    return a + remaining
                remaining -= b - a
            if self._open_pause_before(window_end):
                return None
        return None

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime | None]]:
        if self.hours is None:
            yield start, None
            return
        for window_start, window_end in self.hours.windows(start):
            if window_end > start:
                yield window_start, window_end

    def _open_pause_before(self, moment: datetime | None) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None and (moment is None or self.pauses[-1][0] <= moment)

    def _unpaused(self, a: datetime, b: datetime | None) -> Iterator[tuple[datetime, datetime | None]]:
        """[a, b) minus the pauses, as intervals in order (b None: open-ended)."""
        cursor = a
        first = max(bisect_right(self._pause_starts, a) - 1, 0)
        for pause_start, pause_end in self.pauses[first:]:
            if b is not None and pause_start >= b:
                break
            if pause_end is not None and pause_end <= cursor:
                continue
            if pause_start > cursor:
                yield cursor, pause_start
            if pause_end is None:
                return
            cursor = max(cursor, pause_end)
        if b is None or cursor < b:
            yield cursor, b


def with_clocks(ticket: Ticket, clocks: SlaClocks) -> Ticket:
    """``ticket`` carrying the due times of ``clocks``."""
    return replace(
        ticket, first_response_at=clocks.acknowledged_at, first_response_due_at=clocks.acknowledge_due,
        first_update_at=clocks.first_update_at, first_update_due_at=clocks.first_update_due,
        update_due_at=clocks.update_due, resolution_due_at=clocks.resolution_due)


def clocked(ticket: Ticket, events: Iterable[Event], reply_times: Iterable[datetime], policy: SlaPolicy) -> Ticket:
    """``ticket`` with the due times ``policy`` gives it, from its events and the times of
    its public replies; due times the helpdesk supplied (``sla_source``) are kept."""
    timeline = build_timeline(ticket, events, reply_times)
    return with_clocks(ticket, sla_clocks(ticket, timeline, policy, supplied=ticket.sla_source == "helpdesk"))
