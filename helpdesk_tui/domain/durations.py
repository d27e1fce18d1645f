"""One grammar for the lengths of time and the moments people type.

A *length* is one or more counts with a unit, in any order, spaces allowed between them:
``w`` weeks, ``d`` days, ``h`` hours, ``m`` or ``min`` minutes (``1h30m``, ``90m``,
``1w 2d``, ``2H``). It is read three ways:

- ``parse_duration``: a length on its own, for settings (``[sla.urgent] acknowledge = "10m"``);
- ``parse_since``: a window counting back from now (``--since 7d``), or an ISO date
  (midnight in the agent's zone) or date-time (in the agent's zone unless it names an offset);
- ``parse_moment``: a moment ahead, for promised updates (``--next-update``, the composer):
  a length from now with an optional ``+`` (``+2h``, ``+1d``), ``today 17:30``,
  ``tomorrow 10:00`` or ``tomorrow``, a bare ``17:30`` (the next one), a weekday with an
  optional time (``mon 09:00``), or an ISO date with an optional time
  (``2026-12-01 09:00``, ``2026-12-01T09:00``, ``2026-12-01``).

Pure: ``now`` and the agent's time zone are always passed in, nothing reads a clock.

Lengths count two ways, as people mean them. Hours and minutes are elapsed time (``+2h``
is 7200 seconds from now, even across a DST change). In a moment ahead, days and weeks
are calendar days on the local wall clock (``+1d`` at 10:00 is 10:00 tomorrow, even when
tomorrow is 23 or 25 hours away); a window back (``--since 7d``) and a setting are elapsed
time. A local time that does not exist (the hour skipped in spring) moves forward by the
gap; an ambiguous one (the hour repeated in autumn) means the first.

Every error is a ``DurationError`` whose message is one sentence saying what to type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MOMENT_FORMS = ("+2h, +90m, +1d, +1h30m, today 17:30, tomorrow 10:00, 17:30, mon 09:00, 2026-12-01 09:00 "
                "or 2026-12-01")
MAX_AHEAD = timedelta(days=366)
"""The furthest a moment ahead may be: a promise more than a year out is a typo."""
DEFAULT_TIME = time(9, 0)
"""The time of day a bare date (``2026-12-01``, ``tomorrow``, ``mon``) stands for."""
_MINUTES_PER_DAY = 24 * 60


class DurationError(ValueError):
    """Text that is not a length of time or a moment we can use; the message says what to type."""


class DurationTooLong(DurationError):
    """A well-formed length too long for any clock (``99999999999d``)."""


@dataclass(frozen=True, slots=True)
class Length:
    """A length as written: calendar ``days`` (weeks included) and elapsed ``minutes``."""

    days: int = 0
    minutes: int = 0
    plus: bool = False
    """Written with a leading ``+`` (a moment from now, not a window back)."""

    def as_timedelta(self) -> timedelta:
        """The length as elapsed time (a day is 24 hours); ``DurationTooLong`` past any clock."""
        try:
            return timedelta(days=self.days, minutes=self.minutes)
        except OverflowError:
            raise DurationTooLong("That is more time than a clock can count: give a shorter length.") from None

    @property
    def total_minutes(self) -> int:
        return self.days * _MINUTES_PER_DAY + self.minutes


_UNIT_MINUTES = {"w": 7 * _MINUTES_PER_DAY, "d": _MINUTES_PER_DAY, "h": 60, "m": 1, "min": 1}
_PART = re.compile(r"(\d+)\s*(min|[wdhm])", re.IGNORECASE)
_LENGTH = re.compile(r"(\+)?\s*((?:\d+\s*(?:min|[wdhm])\s*)+)", re.IGNORECASE)


def read_length(text: str) -> Length | None:
    """The length ``text`` spells, or None when it is not shaped like one (try another form)."""
    match = _LENGTH.fullmatch((text or "").strip())
    if not match:
        return None
    days = minutes = 0
    for count, unit in _PART.findall(match[2]):
        unit = unit.lower()
        if unit in ("w", "d"):
            days += int(count) * (7 if unit == "w" else 1)
        else:
            minutes += int(count) * _UNIT_MINUTES[unit]
    return Length(days=days, minutes=minutes, plus=bool(match[1]))


# --- a length on its own (settings) --------------------------------------------------------------

def parse_duration(text: str) -> timedelta:
    """A length above zero as people write it in settings: ``10m``, ``1h30m``, ``2d``, ``1w``."""
    length = read_length(text)
    if length is None:
        raise DurationError(f"'{text}' is not a length of time: write it like 10m, 4h, 1h30m or 3d.")
    if length.total_minutes <= 0:
        raise DurationError(f"'{text}' is no time at all: give a length above zero.")
    return length.as_timedelta()


# --- a window back from now (--since) ------------------------------------------------------------

def parse_since(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The start of the window ``text`` names, at or before ``now``.

    ``30m``, ``12h``, ``7d``, ``2w``, ``1d12h`` count back from now; an ISO date
    (``2026-11-01``) means midnight of that day in the agent's time zone ``tz``; an ISO
    date-time is taken as is (in ``tz`` when it names no offset).
    """
    length = read_length(text)
    if length is not None and not length.plus:
        if length.total_minutes <= 0:
            raise DurationError(f"'{text}' is an empty window: use a positive number, such as 7d.")
        try:
            return now - length.as_timedelta()
        except (OverflowError, DurationTooLong):
            raise DurationError(f"'{text}' reaches back before the calendar begins: give a shorter window.") \
                from None
    text = text or ""
    try:
        day = date.fromisoformat(text.strip())
        start = datetime.combine(day, time.min, tz)
    except ValueError:
        try:
            start = datetime.fromisoformat(text.strip())
        except ValueError:
            raise DurationError(
                f"'{text}' is not a window: use a count with m, h, d or w (such as 7d) or a date (2026-11-01)."
            ) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=tz)
    if start > now:
        raise DurationError(f"'{text}' is in the future: give a start before now.")
    return start


# --- a moment ahead (promised updates) -----------------------------------------------------------

_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[t ](\S+))?")


@dataclass(frozen=True, slots=True)
class _Spec:
    """What the text says, before it meets a clock: one of three shapes."""

    kind: str  # "length", "day" (today/tomorrow/weekday/bare time) or "date"
    length: Length = Length()
    anchor: str = ""  # "today", "tomorrow", "next" (bare time), or a weekday name
    on: date | None = None
    at: time = DEFAULT_TIME


def _unreadable(text: str) -> DurationError:
    return DurationError(f"Cannot read {text.strip()!r} as a time: use {MOMENT_FORMS}.")


def _parse_time(text: str, original: str) -> time:
    match = _TIME.fullmatch(text)
    if not match:
        raise _unreadable(original)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise DurationError(f"{text!r} is not a time of day: use 00:00 to 23:59.")
    return time(hour, minute)


def _parse_moment(text: str) -> _Spec:
    source = " ".join(text.lower().split())
    length = read_length(source)
    if length is not None:
        return _Spec("length", length=length)
    dated = _DATE_TIME.fullmatch(source)
    if dated:
        parts = _DATE.fullmatch(dated[1])
        assert parts is not None  # _DATE_TIME's first group has _DATE's shape
        try:
            on = date(int(parts[1]), int(parts[2]), int(parts[3]))
        except ValueError:
            raise DurationError(f"{dated[1]!r} is not a date on the calendar: use YYYY-MM-DD.") from None
        return _Spec("date", on=on, at=_parse_time(dated[2], text) if dated[2] else DEFAULT_TIME)
    head, _, rest = source.partition(" ")
    if head in ("today", "tomorrow") or head in _WEEKDAYS:
        if head == "today" and not rest:
            raise DurationError("'today' needs a time, for example today 17:30.")
        return _Spec("day", anchor=head, at=_parse_time(rest, text) if rest else DEFAULT_TIME)
    if _TIME.fullmatch(source):
        return _Spec("day", anchor="next", at=_parse_time(source, text))
    raise _unreadable(text)


def check_moment_syntax(text: str) -> None:
    """Raise ``DurationError`` unless ``text`` is one of the moment forms (no clock needed)."""
    _parse_moment(text)


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    # fold=0: an ambiguous wall time means its first occurrence, and a time in the spring
    # gap keeps the offset from before the change, which lands it after the gap.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def parse_moment(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The moment ``text`` names, as an aware UTC datetime after ``now`` and within ``MAX_AHEAD``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spec = _parse_moment(text)
    local_now = now.astimezone(tz)
    today = local_now.date()
    too_far = DurationError(f"{text.strip()!r} is more than a year away: promise a nearer update.")
    if spec.kind == "length":
        length = spec.length
        # Past a year (with a day's slack for DST) is refused before any calendar sum overflows.
        if length.total_minutes > (MAX_AHEAD.days + 1) * _MINUTES_PER_DAY:
            raise too_far
        moment = now.astimezone(UTC)
        if length.days:
            wall = local_now.replace(tzinfo=None) + timedelta(days=length.days)
            moment = wall.replace(tzinfo=tz).astimezone(UTC)
        moment += timedelta(minutes=length.minutes)
        if moment <= now:
            raise DurationError(f"{text.strip()!r} is no time at all: promise a moment in the future, such as +2h.")
    elif spec.kind == "date" and spec.on is not None:
        moment = _local(spec.on, spec.at, tz)
    elif spec.anchor in ("today", "tomorrow"):
        moment = _local(today + timedelta(days=spec.anchor == "tomorrow"), spec.at, tz)
    elif spec.anchor == "next":
        moment = _local(today, spec.at, tz)
        if moment <= now:
            moment = _local(today + timedelta(days=1), spec.at, tz)
    else:
        ahead = (_WEEKDAYS[spec.anchor] - today.weekday()) % 7
        moment = _local(today + timedelta(days=ahead), spec.at, tz)
        if moment <= now:  # today is that weekday and the time has passed: a week on
            moment = _local(today + timedelta(days=7), spec.at, tz)
    if moment <= now:
        raise DurationError(f"{text.strip()!r} ({describe_moment(moment, now, tz)}) is already past: "
                            "promise a later time.")
    if moment - now > MAX_AHEAD:
        raise too_far
    return moment


_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def describe_moment(at: datetime, now: datetime, tz: tzinfo) -> str:
    """The compact form for the agent's screen: ``today 17:30``, ``tomorrow 10:00``, ``Mon 1 Dec 09:00``."""
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    clock = f"{local.hour:02d}:{local.minute:02d}"
    offset = (local.date() - today).days
    if offset == 0:
        return f"today {clock}"
    if offset == 1:
        return f"tomorrow {clock}"
    if offset == -1:
        return f"yesterday {clock}"
    year = f" {local.year}" if abs(offset) > 180 else ""
    return f"{_DAY_ABBR[local.weekday()]} {local.day} {_MONTH_ABBR[local.month - 1]}{year} {clock}"
