"""The promised time of the next update: every accepted form, the errors, and DST days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.checkpoint import (
    CheckpointError, check_checkpoint_syntax, describe_checkpoint, format_checkpoint_for_customer,
    parse_checkpoint,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # a Friday
ROME = ZoneInfo("Europe/Rome")
TOKYO = ZoneInfo("Asia/Tokyo")


def at(*args: int, tz=UTC) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize("text, delta", [
    ("+2h", timedelta(hours=2)),
    ("2h", timedelta(hours=2)),
    ("+90m", timedelta(minutes=90)),
    ("+90min", timedelta(minutes=90)),
    ("+1h30m", timedelta(hours=1, minutes=30)),
    ("+1h 30m", timedelta(hours=1, minutes=30)),
    ("+1d", timedelta(days=1)),
    ("+2d4h", timedelta(days=2, hours=4)),
    ("  +2H ", timedelta(hours=2)),
])
def test_durations_count_from_now(text, delta):
    assert parse_checkpoint(text, NOW, UTC) == NOW + delta


@pytest.mark.parametrize("text, expected", [
    ("today 17:30", at(2026, 11, 20, 17, 30)),
    ("tomorrow 10:00", at(2026, 11, 21, 10, 0)),
    ("Tomorrow  9:05", at(2026, 11, 21, 9, 5)),
    ("tomorrow", at(2026, 11, 21, 9, 0)),
    ("17:30", at(2026, 11, 20, 17, 30)),
    ("08:00", at(2026, 11, 21, 8, 0)),  # already past today: tomorrow
    ("9:30", at(2026, 11, 21, 9, 30)),  # exactly now is not the future
    ("mon 09:00", at(2026, 11, 23, 9, 0)),
    ("monday 9:00", at(2026, 11, 23, 9, 0)),
    ("fri 17:00", at(2026, 11, 20, 17, 0)),  # today is Friday and 17:00 is still ahead
    ("fri 08:00", at(2026, 11, 27, 8, 0)),  # today's 08:00 has passed: next Friday
    ("thu", at(2026, 11, 26, 9, 0)),
    ("2026-12-01 09:00", at(2026, 12, 1, 9, 0)),
    ("2026-12-01T14:15", at(2026, 12, 1, 14, 15)),
    ("2026-12-01", at(2026, 12, 1, 9, 0)),
])
def test_wall_clock_forms_in_utc(text, expected):
    assert parse_checkpoint(text, NOW, UTC) == expected


def test_wall_clock_forms_use_the_agents_zone_and_return_utc():
    result = parse_checkpoint("tomorrow 10:00", NOW, TOKYO)  # 18:30 in Tokyo now
    assert result == at(2026, 11, 21, 10, 0, tz=TOKYO)
    assert result.tzinfo is UTC
    assert parse_checkpoint("17:30", NOW, TOKYO) == at(2026, 11, 21, 17, 30, tz=TOKYO)


@pytest.mark.parametrize("text", ["", "soon", "+", "in two hours", "next monday", "tomorrow at 10",
                                  "2026/12/01", "+2x", "mon 9", "today 17:30 please"])
def test_unreadable_text_is_refused_with_the_accepted_forms(text):
    with pytest.raises(CheckpointError) as raised:
        parse_checkpoint(text, NOW, UTC)
    message = str(raised.value)
    assert "+2h" in message and "tomorrow 10:00" in message and "2026-12-01" in message
    assert message.count(".") == 1 and message.endswith(".")  # one sentence


@pytest.mark.parametrize("text, fragment", [
    ("25:00", "00:00 to 23:59"),
    ("tomorrow 10:75", "00:00 to 23:59"),
    ("2026-02-30", "not a date"),
    ("today 08:00", "already past"),
    ("2026-11-20", "already past"),  # 09:00 today, half an hour ago
    ("2025-01-01 10:00", "already past"),
    ("+0h", "future"),
    ("+400d", "more than a year"),
    ("2028-01-01", "more than a year"),
    ("today", "needs a time"),
])
def test_impossible_promises_say_what_is_wrong(text, fragment):
    with pytest.raises(CheckpointError, match=fragment):
        parse_checkpoint(text, NOW, UTC)


def test_checkpoint_error_is_a_value_error_and_now_must_be_aware():
    assert issubclass(CheckpointError, ValueError)
    with pytest.raises(ValueError, match="aware"):
        parse_checkpoint("+2h", datetime(2026, 11, 20, 9, 30), UTC)


def test_syntax_can_be_checked_without_a_clock():
    check_checkpoint_syntax("+4h")
    check_checkpoint_syntax("tomorrow 10:00")
    with pytest.raises(CheckpointError):
        check_checkpoint_syntax("whenever")


# --- DST: Europe/Rome springs forward on 2026-03-29 at 02:00 and falls back on 2026-10-25 at 03:00.

SPRING_EVE = datetime(2026, 3, 28, 20, 0, tzinfo=ROME)  # CET, UTC+1
AUTUMN_EVE = datetime(2026, 10, 24, 20, 0, tzinfo=ROME)  # CEST, UTC+2


def test_a_day_is_a_calendar_day_across_spring_forward():
    result = parse_checkpoint("+1d", SPRING_EVE, ROME)
    assert result.astimezone(ROME).replace(tzinfo=None) == datetime(2026, 3, 29, 20, 0)
    assert result - SPRING_EVE == timedelta(hours=23)


def test_hours_are_elapsed_time_across_spring_forward():
    result = parse_checkpoint("+24h", SPRING_EVE, ROME)
    assert result - SPRING_EVE == timedelta(hours=24)
    assert result.astimezone(ROME).hour == 21


def test_a_day_is_a_calendar_day_across_fall_back():
    result = parse_checkpoint("+1d", AUTUMN_EVE, ROME)
    assert result.astimezone(ROME).replace(tzinfo=None) == datetime(2026, 10, 25, 20, 0)
    assert result - AUTUMN_EVE == timedelta(hours=25)


def test_tomorrow_morning_after_the_clocks_change_is_local_time():
    assert parse_checkpoint("tomorrow 10:00", SPRING_EVE, ROME) == at(2026, 3, 29, 8, 0)  # CEST
    assert parse_checkpoint("tomorrow 10:00", AUTUMN_EVE, ROME) == at(2026, 10, 25, 9, 0)  # CET


def test_a_time_in_the_skipped_hour_moves_forward_past_the_gap():
    result = parse_checkpoint("tomorrow 02:30", SPRING_EVE, ROME)
    assert result == at(2026, 3, 29, 1, 30)
    assert result.astimezone(ROME).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_time_in_the_repeated_hour_means_its_first_occurrence():
    result = parse_checkpoint("tomorrow 02:30", AUTUMN_EVE, ROME)
    assert result == at(2026, 10, 25, 0, 30)
    assert result.astimezone(ROME).strftime("%H:%M %Z") == "02:30 CEST"


def test_describe_checkpoint_across_dst_still_says_tomorrow():
    late = datetime(2026, 3, 28, 23, 30, tzinfo=ROME)
    assert describe_checkpoint(at(2026, 3, 29, 8, 0), late, ROME) == "tomorrow 10:00"


# --- saying it back

@pytest.mark.parametrize("moment, text", [
    (at(2026, 11, 20, 17, 30), "today 17:30"),
    (at(2026, 11, 21, 10, 0), "tomorrow 10:00"),
    (at(2026, 12, 1, 9, 0), "Tue 1 Dec 09:00"),
    (at(2026, 11, 19, 16, 0), "yesterday 16:00"),
    (at(2027, 8, 2, 9, 0), "Mon 2 Aug 2027 09:00"),
])
def test_describe_checkpoint_is_compact_for_the_agents_screen(moment, text):
    assert describe_checkpoint(moment, NOW, UTC) == text


def test_describe_checkpoint_uses_the_agents_zone():
    assert describe_checkpoint(at(2026, 11, 20, 15, 0), NOW, TOKYO) == "tomorrow 00:00"


@pytest.mark.parametrize("language, tz, text", [
    ("en", ROME, "Tuesday 1 December, 10:00 CET"),
    ("ja", TOKYO, "12月1日(火) 18:00 (JST)"),
    ("it", ROME, "martedì 1 dicembre, ore 10:00 (CET)"),
    ("he", UTC, "Tuesday 1 December, 09:00 UTC"),  # no form of its own: English
    ("ja-JP", TOKYO, "12月1日(火) 18:00 (JST)"),
])
def test_customer_text_gets_an_absolute_localised_date_with_its_zone(language, tz, text):
    assert format_checkpoint_for_customer(at(2026, 12, 1, 9, 0), tz, language) == text


def test_customer_text_names_summer_time():
    assert format_checkpoint_for_customer(at(2026, 7, 1, 8, 0), ROME, "en") == "Wednesday 1 July, 10:00 CEST"
