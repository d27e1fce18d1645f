"""The rules of ``sla_policy``, on integer epoch seconds, for recomputing many tickets at once.

``sla_policy`` states the rules on a ``Ticket``, its ``Event``s and datetimes, and stays the
reference: the demo build and the tests use it. Recomputing a million tickets that way spends
most of its time building those objects, so this module applies the same rules to the plain
values the cache stores (tests compare both on random timelines, business hours included).

Where epoch arithmetic could give another moment than datetime arithmetic, it declines
(``None``) and the caller asks the reference instead:
- targets or working hours with fractions of a second (the cache keeps whole seconds);
- a working window that a daylight-saving change falls into, or that starts or ends at a
  wall time the change skips or repeats: ``datetime`` adds and subtracts wall-clock time
  between two moments of the same time zone, which only there differs from elapsed time;
- a status or priority the vocabulary does not know (the reference raises, as it should).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from helpdesk_tui.domain.sla import DELETED_FLOOR, SlaKind
from helpdesk_tui.domain.sla_policy import _MAX_DAYS, _SAME_MOMENT, BusinessHours, SlaPolicy
from helpdesk_tui.domain.vocab import EventKind, Priority, Status

# One ticket's stored facts the clocks depend on, in this order (``store.sla_refresh`` reads them).
INPUT_COLUMNS = ("status", "priority", "created_at", "updated_at", "first_response_at", "first_response_due_at",
                 "resolution_due_at", "sla_source", "next_checkpoint_at", "deleted_at")
# What ``clock_columns`` gives, in the order of ``store.writer._CLOCK_COLUMNS``.
Columns = tuple[int | None, int | None, int | None, int | None, int | None, int | None, int | None, str | None, int]
# One event the clocks depend on, as the store reads it: (ticket id, at in epoch seconds, what),
# what being a status change's detail ("open → pending"), PROMISE for a checkpoint_set (the
# promise of the next update) or REPLY for replied / first_response. A ticket's events come in
# the order of (at, id), as the reference sorts them.
Event = tuple[int, int, str | int]
REPLY, PROMISE = 0, 1

# What an event is to the clocks, by kind (the store turns kinds into what ``Event`` says).
EVENT_KINDS = {str(EventKind.STATUS_CHANGED): None, str(EventKind.CHECKPOINT_SET): PROMISE,
               str(EventKind.REPLIED): REPLY, str(EventKind.FIRST_RESPONSE): REPLY}
_PAUSED = frozenset({str(Status.PENDING), str(Status.ON_HOLD), str(Status.SOLVED), str(Status.CLOSED)})
_FINISHED = frozenset({str(Status.SOLVED), str(Status.CLOSED)})
_WAITING = frozenset({str(Status.PENDING), str(Status.ON_HOLD)})
_STATUSES = frozenset(str(s) for s in Status)
_NEW = str(Status.NEW)
_TIER = DELETED_FLOOR // 5
_SAME = int(_SAME_MOMENT.total_seconds())
# A day's working window in epoch seconds; ``regular``: elapsed time and wall time agree in it.
_Window = tuple[int, int, bool]
_NEVER = 1 << 62
# 9999-12-31 23:59:59 UTC, the last moment a datetime holds: a due time past it makes the
# reference overflow, which the sync reports as a bad record (a ticket dated in year 9999).
_LAST_MOMENT = 253_402_300_799


class Declined(Exception):
    """This ticket's clocks need the datetime reference (see the module's docstring)."""


class EpochPolicy:
    """An ``SlaPolicy`` prepared for epoch arithmetic; build one with ``prepare``."""

    __slots__ = ("targets", "hours")

    def __init__(self, targets: dict[str, tuple[int, int, int | None, int]], hours: _EpochHours | None) -> None:
        self.targets = targets  # by priority: acknowledge, first update, update interval, resolution
        self.hours = hours


def prepare(policy: SlaPolicy) -> EpochPolicy | None:
    """``policy`` for ``clock_columns``, or None when only the reference computes it exactly."""
    targets: dict[str, tuple[int, int, int | None, int]] = {}
    for priority in Priority:
        t = policy.for_priority(priority)
        spans = (t.acknowledge, t.first_update, t.update_interval, t.resolution)
        if any(s is not None and s.microseconds for s in spans):
            return None
        targets[str(priority)] = (_seconds(t.acknowledge), _seconds(t.first_update),
                                  None if t.update_interval is None else _seconds(t.update_interval),
                                  _seconds(t.resolution))
    hours = None
    if policy.hours is not None:
        if policy.hours.start.microsecond or policy.hours.end.microsecond:
            return None
        hours = _EpochHours(policy.hours)
    return EpochPolicy(targets, hours)


def _seconds(span: timedelta) -> int:
    return span.days * 86400 + span.seconds


def clock_columns(policy: EpochPolicy, ticket: Sequence[Any], events: Sequence[Event],
                  reply_times: Iterable[int]) -> Columns:
    """The SLA columns of one ticket (its ``INPUT_COLUMNS`` values) under ``policy``, as
    ``sla_policy.clocked`` and ``store.rows.clock_params`` give them; raises ``Declined``
    where they might not agree."""
    (status, priority, created, updated, first_response_at, first_response_due, resolution_due, sla_source,
     checkpoint, deleted_at) = ticket
    targets = policy.targets.get(priority)
    if targets is None or status not in _STATUSES:
        raise Declined
    acknowledge, first_update_span, interval, resolution = targets
    # The timeline (sla_policy.build_timeline).
    promises: list[int] = []
    moments = set(reply_times)
    statuses: list[tuple[int, str]] = []
    for _, at, what in events:
        if what.__class__ is str:
            new = _status_after(what)
            if new is not None:
                statuses.append((at, new))
        elif what == REPLY:
            moments.add(at)
        else:
            promises.append(at)
    # ``statuses`` is in time order already: the events are (the reference sorts them).
    if (statuses[-1][1] if statuses else _NEW) != status:
        statuses.append((max(updated, statuses[-1][0]) if statuses else updated, status))
    replies = sorted(moments)
    clock = _Clock(created, statuses, policy.hours)
    # The clocks (sla_policy.sla_clocks).
    acknowledged = first_response_at if first_response_at is not None else (replies[0] if replies else None)
    first_update = None
    for at in replies:
        if not any(abs(at - p) <= _SAME for p in promises):
            first_update = at
            break
    if first_update is None and acknowledged is not None and not replies:
        first_update = acknowledged
    if sla_source != "helpdesk":
        first_response_due = clock.add(created, acknowledge)
        resolution_due = clock.add(created, resolution)
    first_update_due = clock.add(created, first_update_span)
    update_due = None
    if status not in _PAUSED:  # active and not waiting
        last_reply = replies[-1] if replies else None
        reopened = _last_reopening(statuses)
        if reopened is not None and (last_reply is None or last_reply < reopened):
            update_due = clock.add(reopened, acknowledge)
        elif first_update is not None and last_reply is not None and interval is not None:
            update_due = clock.add(last_reply, interval)
    if any(m is not None and m > _LAST_MOMENT for m in (first_response_due, first_update_due, update_due,
                                                         resolution_due)):
        raise Declined
    due_at, due_kind, key = _next_due(status, updated, checkpoint, deleted_at, acknowledged, first_response_due,
                                  first_update, first_update_due, update_due, resolution_due)
    return (acknowledged, first_response_due, first_update, first_update_due, update_due, resolution_due,
            due_at, due_kind, key)


@lru_cache(maxsize=4096)
def _status_after(detail: str) -> str | None:
    target = detail.rsplit("→", 1)[-1].strip()
    return target if target in _STATUSES else None


def _last_reopening(statuses: list[tuple[int, str]]) -> int | None:
    previous = _NEW
    reopened = None
    for at, status in statuses:
        if previous in _FINISHED and status not in _FINISHED:
            reopened = at
        previous = status
    return reopened


def _next_due(status: str, updated: int, checkpoint: int | None, deleted_at: int | None,
              first_response_at: int | None, first_response_due: int | None, first_update_at: int | None,
              first_update_due: int | None, update_due: int | None,
              resolution_due: int | None) -> tuple[int | None, str | None, int]:
    """``sla.next_due`` and ``sla.urgency_key`` on epoch seconds: (due at, kind, inbox key)."""
    active = status not in _FINISHED
    if active and deleted_at is None:
        # The first of equal moments wins, in next_due's order of candidates.
        best: tuple[int, str] | None = None
        if checkpoint is not None:
            best = (checkpoint, SlaKind.CHECKPOINT)
        if status not in _WAITING:
            for at, kind in ((first_response_due if first_response_at is None else None, SlaKind.FIRST_RESPONSE),
                             (first_update_due if first_update_at is None else None, SlaKind.FIRST_UPDATE),
                             (update_due, SlaKind.UPDATE), (resolution_due, SlaKind.RESOLUTION)):
                if at is not None and (best is None or at < best[0]):
                    best = (at, kind)
        if best is not None:
            return best[0], best[1], best[0]
    recency = _TIER - updated
    if deleted_at is not None:
        return None, None, DELETED_FLOOR + recency
    return None, None, (1 if active else 3) * _TIER + recency


class _Clock:
    """``sla_policy._Clock`` on epoch seconds: only working time outside pauses counts."""

    __slots__ = ("pauses", "starts", "open_since", "hours")

    def __init__(self, created: int, statuses: list[tuple[int, str]], hours: _EpochHours | None) -> None:
        # The pauses (sla_policy._pauses): the last may be open (end None: still waiting).
        pauses: list[tuple[int, int | None]] = []
        since: int | None = None
        finished = False
        for at, status in statuses:
            if at < created:
                at = created
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
        self.pauses = pauses
        self.starts = [start for start, _ in pauses]
        self.open_since = pauses[-1][0] if pauses and pauses[-1][1] is None else None
        self.hours = hours

    def add(self, start: int, amount: int) -> int | None:
        """The moment ``amount`` seconds of counting time after ``start``; None while the clock
        is stopped for good."""
        if self.hours is None:
            if not self.pauses:
                return start + amount
            return self._add_unpaused(start, amount)
        return self._add_working(start, amount)

    def _add_unpaused(self, start: int, remaining: int) -> int | None:
        cursor = start
        for pause_start, pause_end in self.pauses[max(bisect_right(self.starts, start) - 1, 0):]:
            if pause_end is not None and pause_end <= cursor:
                continue
            if pause_start > cursor:
                if pause_start - cursor >= remaining:
                    return cursor + remaining
                remaining -= pause_start - cursor
            if pause_end is None:
                return None
            cursor = max(cursor, pause_end)
        return cursor + remaining

    def _add_working(self, start: int, remaining: int) -> int | None:
        hours = self.hours
        assert hours is not None
        pauses, open_since = self.pauses, self.open_since
        for window_start, window_end, regular in hours.windows(start):
            if window_end <= start:
                continue
            if not regular:
                raise Declined
            cursor = window_start if window_start >= start else start
            if not pauses:
                if cursor < window_end:
                    if window_end - cursor >= remaining:
                        return cursor + remaining
                    remaining -= window_end - cursor
                continue
            stopped = False
            for pause_start, pause_end in pauses[max(bisect_right(self.starts, cursor) - 1, 0):]:
                if pause_start >= window_end:
                    break
                if pause_end is not None and pause_end <= cursor:
                    continue
                if pause_start > cursor:
                    if pause_start - cursor >= remaining:
                        return cursor + remaining
                    remaining -= pause_start - cursor
                if pause_end is None:
                    stopped = True
                    break
                cursor = max(cursor, pause_end)
            if not stopped and cursor < window_end:
                if window_end - cursor >= remaining:
                    return cursor + remaining
                remaining -= window_end - cursor
            if open_since is not None and open_since <= window_end:
                return None
        return None


class _EpochHours:
    """``BusinessHours`` as epoch windows, worked out once per calendar day."""

    __slots__ = ("hours", "_days")

    def __init__(self, hours: BusinessHours) -> None:
        self.hours = hours
        self._days: dict[int, _Window | None] = {}  # by date ordinal; None: no work that day

    def windows(self, since: int) -> Iterable[_Window]:
        """The working windows from the (local) day ``since`` falls on, in order."""
        first = self._day_of(since)
        days = self._days
        for ordinal in range(first, first + _MAX_DAYS):
            try:
                window = days[ordinal]
            except KeyError:
                window = days[ordinal] = self._window(ordinal)
            if window is not None:
                yield window

    def _day_of(self, moment: int) -> int:
        return datetime.fromtimestamp(moment, self.hours.tz).toordinal()

    def _window(self, ordinal: int) -> _Window | None:
        hours = self.hours
        day = date.fromordinal(ordinal)
        if day.weekday() not in hours.weekdays or day in hours.holidays:
            return None
        start, end = datetime.combine(day, hours.start, hours.tz), datetime.combine(day, hours.end, hours.tz)
        first, last = start.timestamp(), end.timestamp()
        if not (first.is_integer() and last.is_integer()):
            return int(first), _NEVER, False  # never passed over: reaching it declines
        return int(first), int(last), self._steady(start, end, int(first), int(last))

    def _steady(self, start: datetime, end: datetime, first: int, last: int) -> bool:
        """True when the time zone's offset is one and the same all through [start, end], both
        ends included and neither a skipped nor a repeated wall time."""
        tz = self.hours.tz
        offset = start.utcoffset()
        if end.utcoffset() != offset or start.replace(fold=1).utcoffset() != offset \
                or end.replace(fold=1).utcoffset() != offset:
            return False
        # Offsets change at most a few times a year, hours apart: a quarter-hour step finds any.
        for moment in range(first, max(last, first) + 1, 900):
            if datetime.fromtimestamp(moment, tz).utcoffset() != offset:
                return False
        return datetime.fromtimestamp(last, tz).utcoffset() == offset
