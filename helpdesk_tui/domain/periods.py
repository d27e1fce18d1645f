"""Reading the windows people type: ``--since 7d``, ``12h``, ``2w``, ``2026-11-01``; and setting lengths.

The grammar is ``domain/durations.py``'s, the one for every length of time; this module
keeps the names and the error type the report commands and the settings use.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from helpdesk_tui.domain import durations


class PeriodError(ValueError):
    """A window that cannot be read; the message is one sentence for the user."""


def parse_since(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The start of the window ``text`` names, relative to ``now`` (``durations.parse_since``)."""
    try:
        return durations.parse_since(text, now, tz)
    except durations.DurationError as error:
        raise PeriodError(str(error)) from None


def parse_span(text: str) -> timedelta:
    """A length of time as people write it in settings: ``10m``, ``1h30m``, ``2d``, ``1w``.

    ``OverflowError`` for a length no clock can hold, so a caller can say its own range.
    """
    try:
        return durations.parse_duration(text)
    except durations.DurationTooLong:
        raise OverflowError(text) from None
    except durations.DurationError as error:
        raise PeriodError(str(error)) from None
