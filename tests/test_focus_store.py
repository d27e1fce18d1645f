"""Focus sessions in the SQLite cache: serving in SLA order, done/skip, summaries, surviving a restart."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from helpdesk_tui.domain import focus
from helpdesk_tui.domain.focus import FocusError
from helpdesk_tui.domain.query import builtin_views
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import focus_sessions, inbox, outbox, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.focus_sessions import FocusStore

from tests.conftest import DEMO_NOW
from tests.factories import NOW, Builder

ME = "Aiko"


def at(minutes: float):
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def workspace(tmp_path):
    """Aiko's tickets whose first replies fall due in turn (ten minutes after creation, as the
    default SLA policy says too), one answered before, one solved, and one of Bob's."""
    conn = open_database(tmp_path / "acct.sqlite")
    b = Builder()
    created = {"Later": 0, "Soonest": -5, "Middle": -2}
    made = {name: b.ticket(name, assignee=ME, priority=Priority.HIGH, created_at=at(minutes),
                           first_response_due_at=at(minutes + 10))
            for name, minutes in created.items()}
    made["Answered"] = b.ticket("Answered", assignee=ME, priority=Priority.HIGH, created_at=at(-60),
                                first_response_due_at=at(-50), first_response_at=at(-55))
    made["Solved"] = b.ticket("Solved", assignee=ME, status=Status.SOLVED, created_at=at(-60),
                              first_response_due_at=at(-50))
    made["Bobs"] = b.ticket("Bobs", assignee="Bob", created_at=at(-60), first_response_due_at=at(-50))
    with transaction(conn):
        writer.save_tickets(conn, list(made.values()))
    yield conn, {name: t.id for name, t in made.items()}
    conn.close()


@pytest.fixture
def db(workspace):
    return workspace[0]


def start(conn, **kw):
    values = dict(agent=ME, view="mine", filter_text="", minutes=50, now=at(0))
    values.update(kw)
    with transaction(conn):
        return focus_sessions.start(conn, **values)


def serve_next(conn, session, now):
    with transaction(conn):
        tid = focus_sessions.next_ticket(conn, session, now)
        return None if tid is None else focus_sessions.serve(conn, session.id, tid, now)


def reply(conn, ticket_id, now, kind=MessageKind.PUBLIC_REPLY, author=ME, status=None):
    with transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(ticket_id, kind, "Done.\n", author, status), now)


def test_tickets_are_served_in_sla_order_of_the_view_skipping_solved_and_others(workspace):
    db, made = workspace
    s = start(db)
    names = {v: k for k, v in made.items()}
    order = []
    while (row := serve_next(db, s, at(len(order)))) is not None:
        order.append(names[row.ticket_id])
        with transaction(db):
            focus_sessions.skip(db, s, "test", at(len(order)))
    assert order == ["Soonest", "Middle", "Later", "Answered"]


def test_next_ticket_follows_the_inbox_sla_order_on_the_demo_workspace(demo_db):
    conn = open_database(demo_db)
    view = next(v for v in builtin_views("you") if v.id == "unassigned")
    expected = list(inbox.ordered_ids(conn, inbox.InboxQuery(filter=focus.queue_filter(view, focus.Filter()),
                                                             order="urgency"), limit=6))
    s = start(conn, agent="you", view="unassigned", now=DEMO_NOW)
    served = []
    for i in range(6):
        row = serve_next(conn, s, DEMO_NOW)
        served.append(row.ticket_id)
        with transaction(conn):
            focus_sessions.skip(conn, s, f"reason {i}", DEMO_NOW)
    assert len(expected) == 6 and served == expected
    conn.close()


def test_only_one_session_runs_at_a_time(db):
    start(db)
    with pytest.raises(FocusError, match="already running"):
        start(db)


def test_a_filter_that_cannot_be_read_is_refused_at_start(db):
    with pytest.raises(FocusError, match="Unknown status"):
        start(db, filter_text="status:sideways")
    assert focus_sessions.running(db, ME) is None


def test_done_is_refused_until_the_agent_did_something(db):
    s = start(db)
    row = serve_next(db, s, at(0))
    reply(db, row.ticket_id, at(1), author="Bob")  # a colleague's work is not ours
    with pytest.raises(FocusError, match="Nothing was done on"):
        with transaction(db):
            focus_sessions.done(db, s, at(2))
    reply(db, row.ticket_id, at(3), kind=MessageKind.INTERNAL_NOTE)
    with transaction(db):
        finished = focus_sessions.done(db, s, at(4))
    assert finished.ticket_id == row.ticket_id
    assert focus_sessions.handled_count(db, s.id) == 1
    assert focus_sessions.current(db, s.id) is None


def test_skip_without_a_reason_is_refused_and_nothing_is_recorded(db):
    s = start(db)
    row = serve_next(db, s, at(0))
    with pytest.raises(FocusError, match="why you skip"):
        with transaction(db):
            focus_sessions.skip(db, s, "   ", at(1))
    assert focus_sessions.current(db, s.id).id == row.id
    with transaction(db):
        focus_sessions.skip(db, s, "needs the billing team", at(1))
    assert focus_sessions.served(db, s.id)[0].skip_reason == "needs the billing team"


def test_summary_of_a_worked_session_pins_its_numbers(db):
    s = start(db)
    first = serve_next(db, s, at(0))  # Soonest (due at 5): first reply at 3, in time
    reply(db, first.ticket_id, at(3))
    with transaction(db):
        focus_sessions.done(db, s, at(4))
    second = serve_next(db, s, at(4))  # Middle (due at 8): first reply at 9, late
    reply(db, second.ticket_id, at(9), status=Status.PENDING)
    with transaction(db):
        focus_sessions.done(db, s, at(12))
    serve_next(db, s, at(12))  # Later: skipped
    with transaction(db):
        focus_sessions.skip(db, s, "customer on holiday", at(13))
    fourth = serve_next(db, s, at(13))  # Answered: a note, and the session ends while it is served
    reply(db, fourth.ticket_id, at(20), kind=MessageKind.INTERNAL_NOTE)
    with transaction(db):
        summary = focus_sessions.end(db, s.id, at(30))
    assert [summary.handled, summary.served, summary.replies_sent, summary.notes_added] == [3, 4, 2, 1]
    assert (summary.first_responses_in_target, summary.first_responses) == (1, 2)
    assert summary.median_handling_seconds == 8 * 60  # of 4, 8 and 17 minutes
    assert [(k.subject, k.reason) for k in summary.skipped] == [("Later", "customer on holiday")]
    stored = json.loads(db.execute("SELECT summary FROM focus_sessions WHERE id = ?", (s.id,)).fetchone()[0])
    assert stored["handled"] == 3 and stored["skipped"][0]["reason"] == "customer on holiday"
    ended = focus_sessions.get(db, s.id)
    assert ended.ended_at == at(30) and not ended.running
    assert focus_sessions.served(db, s.id)[-1].outcome == focus.HANDLED


def test_the_summary_kept_at_the_end_does_not_change_with_later_work(db):
    s = start(db)
    row = serve_next(db, s, at(0))
    reply(db, row.ticket_id, at(1))
    with transaction(db):
        focus_sessions.end(db, s.id, at(2))
    reply(db, row.ticket_id, at(3))  # after the session
    assert focus_sessions.summary(db, focus_sessions.get(db, s.id), at(10)).replies_sent == 1


def test_a_session_left_with_nothing_done_on_the_served_ticket_records_it_unfinished(db):
    s = start(db)
    serve_next(db, s, at(0))
    with transaction(db):
        summary = focus_sessions.end(db, s.id, at(5))
    assert summary.handled == 0 and summary.unfinished == 1


def test_a_running_session_survives_closing_the_cache_and_its_timer_continues(tmp_path, db):
    path = tmp_path / "acct.sqlite"
    cache = Cache(path, "acct")
    store = FocusStore(cache)
    s = store.start(agent=ME, view="mine", filter_text="priority:high", minutes=50, now=at(0))
    served = store.serve_next(s, at(0))
    store.pause(s.id, at(10))
    cache.close()

    again = FocusStore(Cache(path, "acct"))  # the app starts again
    found = again.running(ME)
    assert found.id == s.id and found.paused and found.filter == "priority:high"
    assert focus.remaining(found, at(60)) == timedelta(minutes=40)  # paused: frozen
    resumed = again.resume(s.id, at(20))
    assert focus.remaining(resumed, at(25)) == timedelta(minutes=35)
    assert again.current(s.id).ticket_id == served.ticket_id


def test_sessions_are_listed_newest_first_with_their_summaries(db):
    first = start(db, now=at(0))
    with transaction(db):
        focus_sessions.end(db, first.id, at(20))
    second = start(db, view="all", now=at(30))
    listed = focus_sessions.list_sessions(db, at(40))
    assert [s.id for s, _ in listed] == [second.id, first.id]
    running_summary = listed[0][1]
    assert running_summary.ended_at is None and running_summary.worked_seconds == 10 * 60
    assert running_summary.view_title == "All"
    assert len(focus_sessions.list_sessions(db, at(40), limit=1)) == 1
