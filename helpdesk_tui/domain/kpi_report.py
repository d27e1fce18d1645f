"""The KPI report: summaries of durations and targets, one row per group (see ``kpis.py``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

UNASSIGNED = "(unassigned)"
NO_QUEUE = "(no queue)"


@dataclass(frozen=True, slots=True)
class Window:
    """``[start, end)`` with ``end`` the moment the report is made; days are local to ``tz``."""

    start: datetime
    end: datetime
    tz: tzinfo

    def __post_init__(self) -> None:
        # Every moment the KPIs compare is in UTC, like the cache's: comparing datetimes with
        # different tzinfo objects asks each for its offset, which a million tickets notice.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def days(self) -> list[date]:
        first, last = self.day_of(self.start), self.day_of(self.end)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def day_ends(self) -> list[datetime]:
        """The end of each day of ``days()``: the next local midnight, the window's end for the last."""
        ends = [datetime.combine(d + timedelta(days=1), time.min, self.tz).astimezone(UTC) for d in self.days()]
        ends[-1] = self.end
        return ends

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def seconds(self) -> WindowSeconds:
        """The window in whole epoch seconds, the cache's unit (see ``WindowSeconds``)."""
        ends = self.day_ends()
        return WindowSeconds(ceil_second(self.start), ceil_second(self.end), floor_second(self.end),
                             [ceil_second(e) for e in ends], [floor_second(e) for e in ends])


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def floor_second(moment: datetime) -> int:
    """Epoch seconds of ``moment``, rounded down (exact: no float in between)."""
    return (moment - _EPOCH) // _SECOND


def ceil_second(moment: datetime) -> int:
    """Epoch seconds of ``moment``, rounded up."""
    return -((_EPOCH - moment) // _SECOND)


@dataclass(frozen=True, slots=True)
class WindowSeconds:
    """A ``Window`` for moments in whole epoch seconds: each comparison gives the same answer as
    the datetime one (the bounds are rounded the way that keeps it exact)."""

    start: int  # ``start <= at < end`` is ``at in window``
    end: int
    now: int  # ``due <= now`` is ``due <= window.end``
    day_ends: list[int]  # ``bisect_right(day_ends, at)`` is the index of ``at``'s day
    day_ends_floor: list[int]  # ``bisect_left(day_ends_floor, at)`` counts the days that ended before ``at``


class LocalHours:
    """The clock hour, in ``tz``, of a moment in epoch seconds, as hours since the local epoch
    (one number per local date and hour). The zone's offset is looked up once per UTC hour, or
    for each moment of an hour in which it changes (a daylight-saving switch)."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.offsets: dict[int, int | None] = {}  # UTC hour -> offset in seconds; None: it changes within

    def __call__(self, at: int) -> int:
        utc_hour = at // 3600
        try:
            offset = self.offsets[utc_hour]
        except KeyError:
            first, last = self._offset(utc_hour * 3600), self._offset(utc_hour * 3600 + 3599)
            offset = self.offsets[utc_hour] = first if first == last else None
        if offset is None:
            offset = self._offset(at)
        return (at + offset) // 3600

    def _offset(self, at: int) -> int:
        offset = datetime.fromtimestamp(at, self.tz).utcoffset()
        return 0 if offset is None else offset // _SECOND  # None: a zone that names no offset


def median(values: list[float]) -> float | None:
    """The middle value; the mean of the two middle ones for an even count; None when empty."""
    return _median_of_sorted(sorted(values))


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the value at position ceil(p/100 * n) in ascending order (p90 of 10 values is the 9th)."""
    return _percentile_of_sorted(sorted(values), p)


def _median_of_sorted(ordered: Sequence[float]) -> float | None:
    if not ordered:
        return None
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _percentile_of_sorted(ordered: Sequence[float], p: float) -> float | None:
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds: how many, their median and their 90th percentile (None when there are none)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, seconds: list[int], *, may_sort: bool = False) -> Durations:
        """``may_sort``: ``seconds`` is the caller's scratch list and is sorted in place (a
        month of a big helpdesk has hundreds of thousands: no copy)."""
        ordered = seconds if may_sort else sorted(seconds)
        if may_sort:
            ordered.sort()
        return cls(len(ordered), _median_of_sorted(ordered), _percentile_of_sorted(ordered, 90))


@dataclass(frozen=True, slots=True)
class TargetStats:
    """Targets that settled in the window: met in time, or breached."""

    settled: int = 0
    met: int = 0
    breached: int = 0

    @property
    def rate(self) -> float | None:
        """Share met in time, 0..1; None when nothing settled."""
        return _ratio(self.met, self.settled)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class KpiRow:
    """The figures of one group: everyone, one agent, one queue or one day (``key``)."""

    key: str
    created: int = 0
    first_response: Durations = Durations()
    resolution: Durations = Durations()
    acknowledge: TargetStats = TargetStats()
    first_update: TargetStats = TargetStats()
    resolution_target: TargetStats = TargetStats()
    solved: int = 0
    first_contact: int = 0
    replies: int = 0
    reply_hours: int = 0
    good: int = 0
    bad: int = 0
    backlog: int | None = None  # days and the total: active tickets at the end of the day / window

    @property
    def breaches(self) -> int:
        return self.acknowledge.breached + self.first_update.breached + self.resolution_target.breached

    @property
    def fcr(self) -> float | None:
        """First-contact resolutions / solved tickets, 0..1."""
        return _ratio(self.first_contact, self.solved)

    @property
    def replies_per_hour(self) -> float | None:
        return _ratio(self.replies, self.reply_hours)

    @property
    def satisfaction(self) -> float | None:
        """Good / (good + bad) ratings, 0..1."""
        return _ratio(self.good, self.good + self.bad)


@dataclass(frozen=True, slots=True)
class RatingComment:
    at: datetime
    score: str
    comment: str  # untrusted: the customer's words
    agent: str | None
    ticket_number: int | None


@dataclass(frozen=True)
class KpiReport:
    window: Window
    total: KpiRow
    agents: tuple[KpiRow, ...]  # most replies first
    queues: tuple[KpiRow, ...]  # by name
    days: tuple[KpiRow, ...]  # oldest first, key = ISO date, backlog set
    comments: tuple[RatingComment, ...] = ()  # newest first

    def rows(self, by: str) -> tuple[KpiRow, ...]:
        """The rows grouped ``by`` "agent", "queue" or "day"."""
        return {"agent": self.agents, "queue": self.queues, "day": self.days}[by]
