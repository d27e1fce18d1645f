"""The KPI report: summaries of durations and targets, one row per group (see ``kpis.py``)."""

from __future__ import annotations

import math
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


def median(values: list[float]) -> float | None:
    """The middle value; the mean of the two middle ones for an even count; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the value at position ceil(p/100 * n) in ascending order (p90 of 10 values is the 9th)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds: how many, their median and their 90th percentile (None when there are none)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, seconds: list[float]) -> Durations:
        ordered = sorted(seconds)  # sorting a sorted list again costs one pass
        return cls(len(ordered), median(ordered), percentile(ordered, 90))


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
