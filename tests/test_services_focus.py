"""services.focus.FocusDesk: the focus-session workflow the UI calls, over a real temp SQLite cache,
with the clock injected: start, pick up after a restart, serve, done, skip, pause, tick, end."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from helpdesk_tui.config.settings import load_settings
from helpdesk_tui.domain import focus
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.focus import AfterReply, FocusDesk, open_desk, planned_minutes
from helpdesk_tui.store import held, outbox, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.focus_sessions import FocusStore
from tests.factories import NOW, Builder

ME = "Aiko"


class Clock:
    """The desk's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = NOW + timedelta(minutes=minutes)


@pytest.fixture
def path(tmp_path):
    """Aiko's three open tickets whose first replies fall due in turn, one solved, one of Bob's."""
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    b = Builder()
    made = [b.ticket(name, assignee=ME, priority=Priority.HIGH, created_at=NOW + timedelta(minutes=m),
                     first_response_due_at=NOW + timedelta(minutes=m + 10))
            for name, m in (("Later", 0), ("Soonest", -5), ("Middle", -2))]
    made.append(b.ticket("Solved", assignee=ME, status=Status.SOLVED, created_at=NOW - timedelta(hours=1)))
    made.append(b.ticket("Bobs", assignee="Bob", created_at=NOW - timedelta(hours=1)))
    with transaction(conn):
        writer.save_tickets(conn, made)
    conn.close()
    return path


@pytest.fixture
def cache(path):
    cache = Cache(path, "acct")
    yield cache
    cache.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def desk(cache, clock) -> FocusDesk:
    return FocusDesk(cache, ME, clock, warning_minutes=5)


def reply(cache: Cache, ticket_id: int, at: datetime, kind=MessageKind.PUBLIC_REPLY, author=ME) -> None:
    with cache.connection() as conn, transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(ticket_id, kind, "Done.\n", author, None), at)


def test_start_serves_the_most_urgent_ticket_and_the_status_line_counts_down(desk, clock):
    assert desk.status_line() == "" and desk.session is None
    session = desk.start("mine", "", 30)
    assert desk.session == session and session.planned_seconds == 30 * 60
    assert desk.served is not None and desk.served.subject == "Soonest"
    clock.at(10)
    assert desk.status_line() == "Focus 20:00 left · 0 handled"
    assert desk.remaining() == timedelta(minutes=20)
    view, extra = desk.queue()
    assert (view.id, view.order, extra) == ("mine", "urgency", focus.Filter())


def test_start_refuses_a_bad_duration_a_bad_filter_and_a_second_session(desk):
    with pytest.raises(InvalidRequest, match="number of minutes from 1 to 480"):
        desk.start("mine", "", 0)
    with pytest.raises(InvalidRequest, match="Unknown status"):
        desk.start("mine", "status:sideways", 30)
    assert desk.session is None
    desk.start("mine", "priority:high", 30)
    with pytest.raises(ServiceError, match="already running") as caught:
        desk.start("mine", "", 30)
    assert not isinstance(caught.value, InvalidRequest)
    assert planned_minutes("", 45) == 45 and planned_minutes(" 20 ") == 20
    with pytest.raises(InvalidRequest, match="number of minutes"):
        planned_minutes("forever")


def test_done_needs_work_on_the_served_ticket_then_serves_the_next(desk, cache, clock):
    desk.start("mine", "", 50)
    first = desk.served
    reply(cache, first.ticket_id, NOW + timedelta(minutes=1), author="Bob")  # a colleague's work is not ours
    clock.at(2)
    with pytest.raises(ServiceError, match=f"Nothing was done on #{first.number} yet"):
        desk.done()
    assert desk.served == first and desk.handled == 0
    reply(cache, first.ticket_id, NOW + timedelta(minutes=3), kind=MessageKind.INTERNAL_NOTE)
    clock.at(4)
    step = desk.done()
    assert step.finished.ticket_id == first.ticket_id and step.served.subject == "Middle"
    assert desk.served == step.served and desk.handled == 1
    assert desk.status_line().endswith("· 1 handled")


def test_a_reply_still_in_its_undo_window_counts_as_work(desk, cache, clock):
    desk.start("mine", "", 50)
    served = desk.served
    with cache.connection() as conn, transaction(conn):
        held.hold_reply(conn, ReplyPlan(served.ticket_id, MessageKind.PUBLIC_REPLY, "Soon.\n", ME, None),
                        NOW + timedelta(minutes=1), NOW + timedelta(minutes=1, seconds=10))
    clock.at(1)
    assert desk.done().finished.ticket_id == served.ticket_id


def test_skip_needs_a_reason_is_not_served_again_and_an_empty_queue_says_so(desk, clock):
    desk.start("mine", "", 50)
    first = desk.served
    with pytest.raises(InvalidRequest, match="why you skip"):
        desk.skip("   ")
    assert desk.served == first
    subjects = []
    while desk.served is not None:
        subjects.append(desk.served.subject)
        clock.at(len(subjects))
        step = desk.skip(f"reason {len(subjects)}")
        assert step.finished.subject == subjects[-1]
    assert subjects == ["Soonest", "Middle", "Later"]
    with pytest.raises(ServiceError, match="The queue is empty: there is nothing to skip."):
        desk.skip("again")
    assert desk.done().served is None  # with nothing served, done looks at the queue again
    summary = desk.end()
    assert [(s.subject, s.reason) for s in summary.skipped] == [
        ("Soonest", "reason 1"), ("Middle", "reason 2"), ("Later", "reason 3")]


def test_pause_freezes_the_clock_and_resume_restarts_it(desk, clock):
    desk.start("mine", "", 50)
    clock.at(10)
    assert desk.toggle_pause().paused
    clock.at(30)
    assert desk.remaining() == timedelta(minutes=40)
    assert desk.status_line() == "Focus paused · 40:00 left · 0 handled"
    with pytest.raises(ServiceError):
        desk.pause()  # already paused: the domain's sentence
    assert not desk.toggle_pause().paused
    clock.at(35)
    assert desk.remaining() == timedelta(minutes=35)


def test_a_session_is_picked_up_after_a_restart_where_it_stood(path, cache, clock):
    desk = FocusDesk(cache, ME, clock)
    desk.start("mine", "priority:high", 50)
    reply(cache, desk.served.ticket_id, NOW + timedelta(minutes=1))
    clock.at(2)
    desk.done()
    served = desk.served
    clock.at(5)
    desk.pause()
    cache.close()

    reopened = Cache(path, "acct")  # the app starts again
    again = FocusDesk(reopened, ME, clock)
    clock.at(20)
    picked = again.pick_up()
    assert picked.ran_out is None and picked.session.paused and picked.session.filter == "priority:high"
    assert (again.served, again.handled) == (served, 1)
    assert again.remaining() == timedelta(minutes=45)
    bobs = FocusDesk(reopened, "Bob", clock)  # another agent's desk has nothing to pick up
    assert (bobs.pick_up().session, bobs.pick_up().ran_out, bobs.session) == (None, None, None)
    reopened.close()


def test_a_session_whose_time_ran_out_meanwhile_is_ended_with_its_summary(cache, clock):
    FocusDesk(cache, ME, clock).start("mine", "", 20)
    clock.at(45)
    desk = FocusDesk(cache, ME, clock)
    picked = desk.pick_up()
    assert picked.session is None and picked.ran_out is not None and desk.session is None
    assert picked.ran_out.served == 1 and picked.ran_out.unfinished == 1
    assert FocusStore(cache).running(ME) is None
    assert desk.pick_up().ran_out is None  # nothing left to pick up


def test_tick_warns_once_then_ends_the_session_when_time_is_up(desk, clock):
    desk.start("mine", "", 20)
    clock.at(10)
    assert (desk.tick().warn, desk.tick().ended) == (False, None)
    clock.at(16)
    assert desk.tick().warn
    clock.at(17)
    assert not desk.tick().warn  # said once
    clock.at(21)
    ended = desk.tick().ended
    assert ended is not None and (ended.planned_seconds, ended.worked_seconds) == (20 * 60, 20 * 60)
    assert ended.ended_at == NOW + timedelta(minutes=20)  # the planned end, not the late tick
    assert desk.session is None and desk.status_line() == ""
    with pytest.raises(ServiceError, match="No focus session is running: F starts one."):
        desk.tick()


def test_after_a_reply_a_public_reply_moves_on_and_a_note_or_a_pause_lets_the_agent_say(desk):
    assert desk.after_reply(1, MessageKind.PUBLIC_REPLY) is AfterReply.NOT_SERVED
    desk.start("mine", "", 50)
    served = desk.served.ticket_id
    assert desk.after_reply(served + 1000, MessageKind.PUBLIC_REPLY) is AfterReply.NOT_SERVED
    assert desk.after_reply(served, MessageKind.PUBLIC_REPLY) is AfterReply.MOVE_ON
    assert desk.after_reply(served, MessageKind.INTERNAL_NOTE) is AfterReply.COUNTS
    desk.pause()
    assert desk.after_reply(served, MessageKind.PUBLIC_REPLY) is AfterReply.COUNTS


def test_end_keeps_the_summary_counting_the_worked_ticket_and_clears_the_desk(desk, cache, clock):
    desk.start("mine", "", 50)
    reply(cache, desk.served.ticket_id, NOW + timedelta(minutes=3))
    clock.at(10)
    summary = desk.end()
    assert (summary.handled, summary.served, summary.replies_sent) == (1, 1, 1)
    assert (desk.session, desk.served, desk.handled) == (None, None, 0)
    with pytest.raises(ServiceError, match="No focus session is running"):
        desk.done()


def test_open_desk_takes_the_agent_and_the_warning_from_the_settings(cache, clock, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[agent]\nname = "Aiko"\n[focus]\nwarning_minutes = 0\n', encoding="utf-8")
    desk = open_desk(cache, load_settings(config), clock)
    assert (desk.agent, desk.warn_before) == (ME, timedelta(0))
    desk.start("mine", "", 10)
    clock.at(9)
    assert not desk.tick().warn  # 0 turns the warning off
