"""Focus-session rules: time with pauses, the warning, the queue order, what counts as handled, the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain import focus
from helpdesk_tui.domain.focus import FocusError, FocusSession, FocusSummary, ServedTicket
from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.query import Clause, Filter, builtin_views
from helpdesk_tui.domain.vocab import EventKind, Priority, Status

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ME = "Aiko"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def session(**kw) -> FocusSession:
    values = dict(id=1, agent=ME, view="mine", filter="", planned_seconds=50 * 60, started_at=T0)
    values.update(kw)
    return FocusSession(**values)


# ----- time
def test_a_pause_stops_the_clock_and_resuming_continues_where_it_stood():
    s = session()
    assert focus.remaining(s, at(10)) == timedelta(minutes=40)
    s = focus.pause(s, at(10))
    assert focus.remaining(s, at(25)) == timedelta(minutes=40)  # frozen while paused
    assert s.paused
    s = focus.resume(s, at(25))
    assert s.paused_seconds == 15 * 60 and not s.paused
    assert focus.remaining(s, at(30)) == timedelta(minutes=35)
    assert focus.worked(s, at(30)) == timedelta(minutes=15)
    # a second pause adds to the first
    s = focus.resume(focus.pause(s, at(40)), at(42))
    assert s.paused_seconds == 17 * 60
    assert focus.remaining(s, at(50)) == timedelta(minutes=50 - 33)


def test_time_left_never_goes_below_zero_and_the_session_is_then_over():
    s = session()
    assert focus.remaining(s, at(70)) == timedelta(0)
    assert focus.worked(s, at(70)) == timedelta(minutes=50)  # not ended yet, but no longer counting
    assert focus.is_over(s, at(50)) and not focus.is_over(s, at(49.9))


def test_pausing_twice_or_resuming_a_running_session_is_refused():
    s = focus.pause(session(), at(5))
    with pytest.raises(FocusError, match="already paused"):
        focus.pause(s, at(6))
    with pytest.raises(FocusError, match="not paused"):
        focus.resume(session(), at(6))


def test_ending_folds_a_running_pause_in():
    s = focus.end(focus.pause(session(), at(10)), at(30))
    assert s.ended_at == at(30) and s.paused_seconds == 20 * 60 and not s.paused
    assert focus.worked(s, at(99)) == timedelta(minutes=10)  # ended: later clocks change nothing


def test_a_session_whose_time_ran_out_unwatched_ends_at_its_planned_end():
    s = focus.resume(focus.pause(session(), at(10)), at(20))  # 10 minutes of pause
    ended = focus.end(s, at(180))  # the app was closed; noticed three hours later
    assert ended.ended_at == at(60)
    assert focus.worked(ended, at(180)) == timedelta(minutes=50)


def test_the_warning_comes_five_minutes_before_the_end_and_moves_with_pauses():
    s = session()
    assert not focus.should_warn(s, at(44) + timedelta(seconds=59))
    assert focus.should_warn(s, at(45))
    assert focus.should_warn(s, at(49.5))
    assert not focus.should_warn(s, at(50))  # over, not "near the end"
    paused = focus.pause(s, at(30))
    assert not focus.should_warn(paused, at(47))
    resumed = focus.resume(paused, at(40))  # 10 minutes of pause: warning at 55 now
    assert not focus.should_warn(resumed, at(54))
    assert focus.should_warn(resumed, at(55))
    assert focus.should_warn(s, at(40), before=timedelta(minutes=10))  # configurable


def test_the_header_says_time_left_and_handled_count():
    s = session()
    assert focus.status_line(s, 4, at(12) + timedelta(seconds=48)) == "Focus 37:12 left · 4 handled"
    paused = focus.pause(s, at(12) + timedelta(seconds=48))
    assert focus.status_line(paused, 4, at(30)) == "Focus paused · 37:12 left · 4 handled"
    assert focus.format_clock(timedelta(hours=1, minutes=5)) == "1:05:00"


@pytest.mark.parametrize("typed, minutes", [("", 50), (" 25 ", 25), ("480", 480)])
def test_duration_defaults_to_fifty_minutes(typed, minutes):
    assert focus.planned_minutes(typed) == minutes


@pytest.mark.parametrize("typed", ["0", "abc", "-5", "481", "2.5"])
def test_a_duration_that_is_not_minutes_is_refused_with_a_sentence(typed):
    with pytest.raises(FocusError, match="number of minutes"):
        focus.planned_minutes(typed)


# ----- the queue
def test_next_ticket_is_the_first_in_sla_order_not_served_yet():
    order = [31, 7, 12, 5]
    assert focus.pick_next(order, []) == 31
    assert focus.pick_next(order, [31, 12]) == 7
    assert focus.pick_next(order, [31, 7, 12, 5]) is None


def test_the_queue_is_the_view_and_filter_limited_to_tickets_that_need_work():
    mine = builtin_views(ME)[0]
    extra = Filter((Clause("priority", ("high",)),), "invoice")
    flt = focus.queue_filter(mine, extra)
    assert Clause("priority", ("high",)) in flt.clauses and flt.text == "invoice"
    assert Clause("assignee", (ME,)) in flt.clauses
    assert flt.clauses[-1] == Clause("status", ("active",))


def test_only_the_agents_own_work_while_served_counts_as_handled():
    since, until = at(10), at(20)
    synced = Event(1, EventKind.STATUS_CHANGED, at(15), "", "open → pending")  # from the helpdesk
    other = Event(1, EventKind.REPLIED, at(15), "Bob")
    before = Event(1, EventKind.REPLIED, at(9), ME)
    assigned = Event(1, EventKind.ASSIGNED, at(15), ME)
    assert not focus.did_work([synced, other, before, assigned], ME, since, until)
    for kind in (EventKind.REPLIED, EventKind.NOTE_ADDED, EventKind.STATUS_CHANGED):
        assert focus.did_work([Event(1, kind, at(15), ME)], ME, since, until)
    assert focus.did_work([Event(1, EventKind.REPLIED, at(99), ME)], ME, since, None)  # still served


@pytest.mark.parametrize("typed", ["", "   ", "\n\t"])
def test_a_skip_needs_a_reason(typed):
    with pytest.raises(FocusError, match="why you skip"):
        focus.skip_reason(typed)


def test_a_skip_reason_is_one_line():
    assert focus.skip_reason("  waiting on\nthe vendor  ") == "waiting on the vendor"
    assert len(focus.skip_reason("x" * 1000)) == focus.MAX_REASON


# ----- the summary
def _ticket(tid: int, *, due: datetime, first: datetime | None) -> Ticket:
    return Ticket(number=1000 + tid, subject=f"T{tid}", status=Status.OPEN, priority=Priority.HIGH,
                  requester_id=None, created_at=at(-120), updated_at=at(0), id=tid,
                  first_response_due_at=due, first_response_at=first)


def scenario():
    """Four tickets served: two replies (one first reply in time, one late), one note, one skip."""
    s = focus.end(session(), at(50))
    served = [
        ServedTicket(1, 11, 1011, "Site down", at(0), at(4), focus.HANDLED),
        ServedTicket(2, 12, 1012, "Billing", at(4), at(14), focus.HANDLED),
        ServedTicket(3, 13, 1013, "DNS", at(14), at(21), focus.HANDLED),
        ServedTicket(4, 14, 1014, "[red]Hard[/red] one\x1b[2J", at(21), at(23), focus.SKIPPED,
                     "waiting on the vendor"),
        ServedTicket(5, 15, 1015, "Left over", at(23), at(50), None),
    ]
    events = [
        Event(11, EventKind.REPLIED, at(3), ME), Event(11, EventKind.FIRST_RESPONSE, at(3), ME),
        Event(12, EventKind.NOTE_ADDED, at(13), ME),
        Event(13, EventKind.REPLIED, at(20), ME), Event(13, EventKind.FIRST_RESPONSE, at(20), ME),
        Event(13, EventKind.STATUS_CHANGED, at(20), ME, "new → open"),
        Event(12, EventKind.REPLIED, at(13), "Bob"),  # a colleague's reply is not ours
        Event(14, EventKind.REPLIED, at(40), ME),  # after the skip: not part of the session
    ]
    tickets = {11: _ticket(11, due=at(5), first=at(3)), 12: _ticket(12, due=at(60), first=at(-30)),
               13: _ticket(13, due=at(10), first=at(20))}
    return s, served, events, tickets


def test_summary_numbers_of_a_fixed_session():
    s, served, events, tickets = scenario()
    summary = focus.summarize(s, served, events, tickets, at(60), "My open")
    assert summary.handled == 3 and summary.served == 5
    assert summary.replies_sent == 2 and summary.notes_added == 1
    assert (summary.first_responses_in_target, summary.first_responses) == (1, 2)
    assert summary.median_handling_seconds == 7 * 60  # of 4, 10 and 7 minutes
    assert summary.skipped == (focus.SkippedTicket(1014, "[red]Hard[/red] one\x1b[2J", "waiting on the vendor"),)
    assert summary.unfinished == 1
    assert summary.worked_seconds == 50 * 60


def test_summary_text_keeps_hostile_subjects_literal():
    s, served, events, tickets = scenario()
    lines = focus.render_summary(focus.summarize(s, served, events, tickets, at(60), "My open"), clean=clean_line)
    text = "\n".join(lines)
    assert lines[0] == "Focus session 1 · My open · 2026-11-20 09:00"
    assert "Handled          3 tickets of 5 served" in lines
    assert "Replies sent     2 · 1 internal note" in lines
    assert "First responses  1 of 2 within target" in lines
    assert "Median handling  7m 00s per ticket" in lines
    assert "  #1014  [red]Hard[/red] one — waiting on the vendor" in lines
    assert "\x1b" not in text
    assert "Left unfinished  1 (served when the session ended)" in lines


def test_summary_survives_a_round_trip_through_json_data():
    s, served, events, tickets = scenario()
    summary = focus.summarize(s, served, events, tickets, at(60), "My open")
    assert FocusSummary.from_dict(summary.to_dict()) == summary


def test_an_empty_session_has_no_median():
    summary = focus.summarize(session(), [], [], {}, at(10), "All")
    assert summary.median_handling_seconds is None and summary.handled == 0
    assert "Median handling  – per ticket" in focus.render_summary(summary)
