"""The promised time of the next update: read what the agent types, say it back.

What the agent may type is the moment grammar of ``domain/durations.py`` (the one
grammar for lengths and moments); this module gives its errors their own type and words
the promise for the agent's screen and for the customer.
Pure: ``now`` and the agent's time zone are always passed in, nothing reads a clock.
(``+1d`` is a calendar day, ``+24h`` elapsed time: see ``durations`` for DST days.)
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from helpdesk_tui.domain.durations import (
    DEFAULT_TIME,
    MAX_AHEAD,
    MOMENT_FORMS,
    DurationError,
    check_moment_syntax,
    describe_moment,
    parse_moment,
)

FORMS = MOMENT_FORMS
__all__ = ["DEFAULT_TIME", "FORMS", "MAX_AHEAD", "CheckpointError", "check_checkpoint_syntax", "describe_checkpoint",
           "format_checkpoint_for_customer", "parse_checkpoint"]


class CheckpointError(ValueError):
    """What the agent typed is not a time we can promise; the message says what to type."""


def check_checkpoint_syntax(text: str) -> None:
    """Raise ``CheckpointError`` unless ``text`` is one of the accepted forms (no clock needed)."""
    try:
        check_moment_syntax(text)
    except DurationError as error:
        raise CheckpointError(str(error)) from None


def parse_checkpoint(text: str, now: datetime, tz: tzinfo) -> datetime:
    """The moment ``text`` promises, as an aware UTC datetime strictly after ``now``."""
    try:
        return parse_moment(text, now, tz)
    except DurationError as error:
        raise CheckpointError(str(error)) from None


def describe_checkpoint(at: datetime, now: datetime, tz: tzinfo) -> str:
    """The compact form for the agent's screen: ``today 17:30``, ``tomorrow 10:00``, ``Mon 1 Dec 09:00``."""
    return describe_moment(at, now, tz)


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
