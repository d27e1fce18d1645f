"""The one grammar for lengths and moments (``domain/durations.py``), tested once, table by table.

The callers keep their own tests (``test_checkpoint.py`` for promises, ``test_periods.py``
for ``--since``, ``test_config_settings.py`` for SLA targets); here is the grammar itself,
and a check that each caller reads a form the way the grammar does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.durations import (
    DurationError,
    DurationTooLong,
    Length,
    check_moment_syntax,
    parse_duration,
    parse_moment,
    parse_since,
    read_length,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # a Friday
ROME = ZoneInfo("Europe/Rome")


def one_sentence(error: BaseException) -> str:
    message = str(error)
    assert message.endswith(".") and "\n" not in message, message
    assert not re.search(r"[.:;]\s+[A-Z]", message), message
    return message


# --- lengths -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, length", [
    ("10m", Length(minutes=10)),
    ("90m", Length(minutes=90)),
    ("90min", Length(minutes=90)),
    ("1h30m", Length(minutes=90)),
    ("1h 30m", Length(minutes=90)),
    ("30m1h", Length(minutes=90)),  # any order
    ("2H", Length(minutes=120)),
    ("3d", Length(days=3)),
    ("2w", Length(days=14)),
    ("1w 2d", Length(days=9)),
    ("2d4h", Length(days=2, minutes=240)),
    ("+2h", Length(minutes=120, plus=True)),
    ("+ 2h", Length(minutes=120, plus=True)),
    ("  4 h  ", Length(minutes=240)),
    ("0m", Length()),
])
def test_a_length_is_counts_with_units_in_any_order(text, length):
    assert read_length(text) == length


@pytest.mark.parametrize("text", ["", "+", "10", "h", "ten minutes", "5s", "1h and 5m", "1.5h", "-2h", "2h+",
                                  "1y", "2 hours", "tomorrow", "17:30"])
def test_text_that_is_not_a_length_is_not_read_as_one(text):
    assert read_length(text) is None


@pytest.mark.parametrize("text, span", [
    ("10m", timedelta(minutes=10)), ("1h30m", timedelta(minutes=90)), ("90m", timedelta(minutes=90)),
    ("3d", timedelta(days=3)), ("2w", timedelta(weeks=2)), ("1w 2d", timedelta(days=9)),
])
def test_parse_duration_gives_elapsed_time(text, span):
    assert parse_duration(text) == span


@pytest.mark.parametrize("text, fragment", [
    ("", "not a length of time"), ("10", "not a length of time"), ("5s", "not a length of time"),
    ("0m", "no time at all"), ("0h0m", "no time at all"),
])
def test_parse_duration_errors_are_one_sentence(text, fragment):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert fragment in one_sentence(caught.value)


def test_a_length_past_any_clock_is_its_own_error():
    with pytest.raises(DurationTooLong) as caught:
        parse_duration("99999999999999999999d")
    one_sentence(caught.value)
    assert issubclass(DurationTooLong, DurationError) and issubclass(DurationError, ValueError)


# --- windows back ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, start", [
    ("7d", NOW - timedelta(days=7)),
    ("12h", NOW - timedelta(hours=12)),
    ("30m", NOW - timedelta(minutes=30)),
    ("2w", NOW - timedelta(weeks=2)),
    (" 3D ", NOW - timedelta(days=3)),
    ("1d12h", NOW - timedelta(hours=36)),
    ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
    ("2026-11-20T09:00", datetime(2026, 11, 20, 9, tzinfo=UTC)),
    ("2026-11-20T09:00+01:00", datetime(2026, 11, 20, 8, tzinfo=UTC)),
])
def test_a_window_counts_back_from_now_or_starts_at_a_date(text, start):
    assert parse_since(text, NOW, UTC) == start


def test_a_window_date_is_midnight_in_the_agents_zone():
    assert parse_since("2026-11-01", NOW, ROME) == datetime(2026, 11, 1, tzinfo=ROME)


@pytest.mark.parametrize("text, fragment", [
    ("", "not a window"), ("7", "not a window"), ("+7d", "not a window"), ("seven days", "not a window"),
    ("0d", "empty window"), ("2026-13-01", "not a window"), ("2027-01-01", "in the future"),
    ("99999999999999w", "before the calendar begins"),
])
def test_window_errors_are_one_sentence(text, fragment):
    with pytest.raises(DurationError) as caught:
        parse_since(text, NOW, UTC)
    assert fragment in one_sentence(caught.value)


# --- moments ahead --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, moment", [
    ("+2h", NOW + timedelta(hours=2)),
    ("2h", NOW + timedelta(hours=2)),
    ("+90m", NOW + timedelta(minutes=90)),
    ("+1h30m", NOW + timedelta(minutes=90)),
    ("+1d", NOW + timedelta(days=1)),
    ("+2w", NOW + timedelta(weeks=2)),
    ("today 17:30", datetime(2026, 11, 20, 17, 30, tzinfo=UTC)),
    ("tomorrow 10:00", datetime(2026, 11, 21, 10, tzinfo=UTC)),
    ("tomorrow", datetime(2026, 11, 21, 9, tzinfo=UTC)),
    ("17:30", datetime(2026, 11, 20, 17, 30, tzinfo=UTC)),
    ("08:00", datetime(2026, 11, 21, 8, tzinfo=UTC)),
    ("monday 09:00", datetime(2026, 11, 23, 9, tzinfo=UTC)),
    ("Mon", datetime(2026, 11, 23, 9, tzinfo=UTC)),
    ("fri 08:00", datetime(2026, 11, 27, 8, tzinfo=UTC)),
    ("2026-12-01 09:00", datetime(2026, 12, 1, 9, tzinfo=UTC)),
    ("2026-12-01T14:15", datetime(2026, 12, 1, 14, 15, tzinfo=UTC)),
    ("2026-12-01", datetime(2026, 12, 1, 9, tzinfo=UTC)),
])
def test_a_moment_ahead(text, moment):
    assert parse_moment(text, NOW, UTC) == moment


def test_in_a_moment_weeks_and_days_are_calendar_days_and_hours_elapsed_time():
    spring_eve = datetime(2026, 3, 28, 20, 0, tzinfo=ROME)  # the clocks go forward tonight
    assert parse_moment("+1w", spring_eve, ROME) == datetime(2026, 4, 4, 20, 0, tzinfo=ROME)
    assert parse_moment("+1d", spring_eve, ROME) - spring_eve == timedelta(hours=23)
    assert parse_moment("+24h", spring_eve, ROME) - spring_eve == timedelta(hours=24)


@pytest.mark.parametrize("text, fragment", [
    ("", "Cannot read"), ("soon", "Cannot read"), ("+", "Cannot read"), ("+2x", "Cannot read"),
    ("next monday", "Cannot read"), ("mon 9", "Cannot read"),
    ("25:00", "00:00 to 23:59"), ("2026-02-30", "not a date on the calendar"),
    ("today 08:00", "already past"), ("+0h", "no time at all"), ("today", "needs a time"),
    ("+400d", "more than a year"), ("+53w", "more than a year"), ("+99999999999999999999d", "more than a year"),
    ("+9999999999999999h", "more than a year"), ("2028-01-01", "more than a year"),
])
def test_moment_errors_are_one_sentence(text, fragment):
    with pytest.raises(DurationError) as caught:
        parse_moment(text, NOW, UTC)
    assert fragment in one_sentence(caught.value)


def test_an_unreadable_moment_lists_the_forms():
    with pytest.raises(DurationError) as caught:
        check_moment_syntax("whenever")
    assert "+2h" in str(caught.value) and "tomorrow 10:00" in str(caught.value)
    check_moment_syntax("mon 09:00")


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        parse_moment("+2h", datetime(2026, 11, 20, 9, 30), UTC)


# --- every caller reads the grammar the same way ---------------------------------------------------

def test_the_callers_share_the_grammar(tmp_path):
    from helpdesk_tui.config.settings import load_settings
    from helpdesk_tui.domain.checkpoint import parse_checkpoint
    from helpdesk_tui.domain.periods import parse_since as period_since
    from helpdesk_tui.domain.periods import parse_span

    # Forms the callers did not read before the grammar was one: weeks in a promise, several
    # parts in a window, "min" in a setting.
    assert parse_checkpoint("+1w", NOW, UTC) == NOW + timedelta(weeks=1)
    assert period_since("1d12h", NOW, UTC) == NOW - timedelta(hours=36)
    assert parse_span("90min") == timedelta(minutes=90)
    config = tmp_path / "config.toml"
    config.write_text('[sla.urgent]\nacknowledge = "1h 30min"\n', encoding="utf-8")
    assert load_settings(config, env={}).sla.policy.targets["urgent"].acknowledge == timedelta(minutes=90)
