"""The promised time of the next update: read what the agent types, say it back.

Pure: ``now`` and the agent's time zone are always passed in, nothing reads a clock.

Durations count two ways, as people mean them: hours and minutes are elapsed time
(``+2h`` is 7200 seconds from now, even across a DST change), days are calendar days
on the local wall clock (``+1d`` at 10:00 is 10:00 tomorrow, even when tomorrow is 23
or 25 hours away). A local time that does not exist (the hour skipped in spring) moves
forward by the gap; an ambiguous one (the hour repeated in autumn) means the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

FORMS = "+2h, +90m, +1d, +1h30m, today 17:30, tomorrow 10:00, 17:30, mon 09:00, 2026-12-01 09:00 or 2026-12-01"
MAX_AHEAD = timedelta(days=366)
DEFAULT_TIME = time(9, 0)
"""The time of day a bare date (``2026-12-01``, ``tomorrow``, ``mon``) stands for."""


class CheckpointError(ValueError):
    """What the agent typed is not a time we can promise; the message says what to type."""


_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
_DURATION = re.compile(r"\+?\s*(?:(\d{1,3})\s*d)?\s*(?:(\d{1,4})\s*h)?\s*(?:(\d{1,5})\s*m(?:in)?)?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[t ](\S+))?")


# What the text says, before it meets a clock: one of three shapes.
@dataclass(frozen=True, slots=True)
class _Duration:
    days: int
    minutes: int


@dataclass(frozen=True, slots=True)
class _Day:
    anchor: str  # "today", "tomorrow", "next" (bare time), or a weekday name
    at: time


@dataclass(frozen=True, slots=True)
class _Date:
    on: date
    at: time


_Spec = _Duration | _Day | _Date


def _fail(text: str) -> CheckpointError:
    return CheckpointError(f"Cannot read {text.strip()!r} as a time: use {FORMS}.")


def _parse_time(text: str, original: str) -> time:
    match = _TIME.fullmatch(text)
    if not match:
        raise _fail(original)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise CheckpointError(f"{text!r} is not a time of day: use 00:00 to 23:59.")
    return time(hour, minute)


def _parse(text: str) -> _Spec:
    source = " ".join(text.lower().split())
    duration = _DURATION.fullmatch(source)
    if duration and any(duration.groups()):
        days, hours, minutes = (int(g or 0) for g in duration.groups())
        return _Duration(days=days, minutes=hours * 60 + minutes)
    dated = _DATE_TIME.fullmatch(source)
    if dated:
        year, month, day = (int(g) for g in dated[1].split("-"))
        try:
            on = date(year, month, day)
        except ValueError:
            raise CheckpointError(f"{dated[1]!r} is not a date on the calendar: use YYYY-MM-DD.") from None
        return _Date(on=on, at=_parse_time(dated[2], text) if dated[2] else DEFAULT_TIME)
    head, _, rest = source.partition(" ")
    if head in ("today", "tomorrow") or head in _WEEKDAYS:
        if head == "today" and not rest:
            raise CheckpointError("'today' needs a time, for example today 17:30.")
        return _Day(anchor=head, at=_parse_time(rest, text) if rest else DEFAULT_TIME)
    if _TIME.fullmatch(source):
        return _Day(anchor="next", at=_parse_time(source, text))
    raise _fail(text)


def check_checkpoint_syntax(text: str) -> None:
    """Raise ``CheckpointError`` unless ``text`` is one of the accepted forms (no clock needed)."""
    _parse(text)


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    # fold=0: an ambiguous wall time means its first occurrence, and a time in the spring
    # gap keeps the offset from before the change, which lands it after the gap.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def parse_checkpoint(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The moment ``text`` promises, as an aware UTC datetime strictly after ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spec = _parse(text)
    local_now = now.astimezone(tz)
    today = local_now.date()
    if isinstance(spec, _Duration):
        moment = now.astimezone(UTC)
        if spec.days:
            wall = local_now.replace(tzinfo=None) + timedelta(days=spec.days)
            moment = wall.replace(tzinfo=tz).astimezone(UTC)
        moment += timedelta(minutes=spec.minutes)
        if moment <= now:
            raise CheckpointError(f"{text.strip()!r} is no time at all: promise a moment in the future, such as +2h.")
    elif isinstance(spec, _Date):
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
        shown = describe_checkpoint(moment, now, tz)
        raise CheckpointError(f"{text.strip()!r} ({shown}) is already past: promise a later time.")
    if moment - now > MAX_AHEAD:
        raise CheckpointError(f"{text.strip()!r} is more than a year away: promise a nearer update.")
    return moment


_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def describe_checkpoint(at: datetime, now: datetime, tz: tzinfo) -> str:
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


_CUSTOMER_FORMS = {
    "en": ("{weekday} {day} {month}, {clock} {zone}",
           ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
           ("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December")),
    "ja": ("{month_number}月{day}日({weekday}) {clock} ({zone})",
           ("月", "火", "水", "木", "金", "土", "日"), ()),
    "it": ("{weekday} {day} {month}, ore {clock} ({zone})",
           ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
           ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
            "settembre", "ottobre", "novembre", "dicembre")),
}


def format_checkpoint_for_customer(at: datetime, tz: tzinfo, language: str = "en") -> str:
    """An absolute date and time with its zone, for text the customer reads later.

    ``Tuesday 1 December, 09:00 CET`` / ``12月1日(火) 09:00 (JST)``. Words like "today"
    would be wrong by the time the customer opens the mail, so they never appear here.
    Languages without their own form get the English one.
    """
    form, weekdays, months = _CUSTOMER_FORMS.get(language.split("-")[0].lower(), _CUSTOMER_FORMS["en"])
    local = at.astimezone(tz)
    zone = local.tzname() or "UTC"
    if zone[:1] in "+-":
        zone = f"UTC{zone}"
    return form.format(weekday=weekdays[local.weekday()], day=local.day,
                       month=months[local.month - 1] if months else "", month_number=local.month,
                       clock=f"{local.hour:02d}:{local.minute:02d}", zone=zone)
