from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.periods import PeriodError, parse_since

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("text, back", [("7d", timedelta(days=7)), ("12h", timedelta(hours=12)),
                                        ("30m", timedelta(minutes=30)), ("2w", timedelta(weeks=2)),
                                        (" 3D ", timedelta(days=3))])
def test_relative_windows_count_back_from_now(text, back):
    assert parse_since(text, NOW, UTC) == NOW - back


def test_a_date_is_midnight_in_the_agents_zone():
    rome = ZoneInfo("Europe/Rome")
    assert parse_since("2026-11-01", NOW, rome) == datetime(2026, 11, 1, tzinfo=rome)
    assert parse_since("2026-11-01", NOW, rome).astimezone(UTC) == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


def test_a_datetime_without_offset_is_in_the_agents_zone():
    assert parse_since("2026-11-20T09:00", NOW, UTC) == datetime(2026, 11, 20, 9, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "7", "d7", "seven days", "0d", "2026-13-01", "2027-01-01"])
def test_unreadable_or_future_windows_are_one_sentence(text):
    with pytest.raises(PeriodError) as err:
        parse_since(text, NOW, UTC)
    message = str(err.value)
    assert message.endswith(".") and "\n" not in message


@pytest.mark.parametrize("text, span", [("10m", timedelta(minutes=10)), ("1h30m", timedelta(minutes=90)),
                                        ("2d", timedelta(days=2)), ("1w 2d", timedelta(days=9))])
def test_spans_as_written_in_settings(text, span):
    from helpdesk_tui.domain.periods import parse_span

    assert parse_span(text) == span


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "0m", "5s", "1h and 5m"])
def test_unreadable_spans_are_one_sentence(text):
    from helpdesk_tui.domain.periods import parse_span

    with pytest.raises(PeriodError) as err:
        parse_span(text)
    assert str(err.value).endswith(".")
