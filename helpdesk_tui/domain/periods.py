"""Reading the windows people type: ``--since 7d``, ``12h``, ``2w``, ``2026-11-01``."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class PeriodError(ValueError):
    """A window that cannot be read; the message is one sentence for the user."""


def parse_since(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The start of the window ``text`` names, relative to ``now``.

    ``30m``, ``12h``, ``7d``, ``2w`` count back from now; an ISO date (``2026-11-01``) means
    midnight of that day in the agent's time zone ``tz``; an ISO date-time is taken as is
    (in ``tz`` when it names no offset).
    """
    match = _RELATIVE.match(text or "")
    if match:
        count = int(match.group(1))
        if count <= 0:
            raise PeriodError(f"'{text}' is an empty window: use a positive number, such as 7d.")
        return now - count * _UNITS[match.group(2).lower()]
    try:
        day = date.fromisoformat(text.strip())
        start = datetime.combine(day, time.min, tz)
    except ValueError:
        try:
            start = datetime.fromisoformat(text.strip())
        except ValueError:
            raise PeriodError(
                f"'{text}' is not a window: use a count with m, h, d or w (such as 7d) or a date (2026-11-01)."
            ) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=tz)
    if start > now:
        raise PeriodError(f"'{text}' is in the future: give a start before now.")
    return start


_SPAN_PART = re.compile(r"(\d+)\s*([mhdw])", re.IGNORECASE)


def parse_span(text: str) -> timedelta:
    """A length of time as people write it in settings: ``10m``, ``1h30m``, ``2d``, ``1w``."""
    compact = (text or "").strip()
    parts = _SPAN_PART.findall(compact)
    if not parts or _SPAN_PART.sub("", compact).strip():
        raise PeriodError(f"'{text}' is not a length of time: write it like 10m, 4h, 1h30m or 3d.")
    total = sum((int(count) * _UNITS[unit.lower()] for count, unit in parts), timedelta())
    if total <= timedelta():
        raise PeriodError(f"'{text}' is no time at all: give a length above zero.")
    return total
