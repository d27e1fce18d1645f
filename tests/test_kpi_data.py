"""Reading the KPIs' inputs from a real cache: the hand-counted data set, and the demo workspace."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest

from helpdesk_tui.domain.kpi_report import Durations, TargetStats, Window
from helpdesk_tui.domain.kpis import TICKET_ROW, compute
from helpdesk_tui.store import kpi_data, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.ratings import record_local_rating
from helpdesk_tui.store.timeconv import from_epoch, to_epoch
from tests import kpi_dataset as data
from tests.conftest import DEMO_NOW


@pytest.fixture
def conn(tmp_path):
    connection = open_database(tmp_path / "kpis.sqlite")
    with transaction(connection):
        writer.save_tickets(connection, data.TICKETS, fresh=True)
        writer.save_messages(connection, data.messages(), fresh=True)
        writer.save_events(connection, data.events())
        for tid, score, comment, when in data.RATINGS:
            record_local_rating(connection, tid, score, when, comment=comment)
    yield connection
    connection.close()


def test_the_cache_gives_the_hand_counted_report(conn):
    from_store = kpi_data.kpi_report(conn, data.WINDOW)
    by_hand = compute(data.WINDOW, data.ticket_facts(), data.changes(), data.replies(), data.ratings())
    assert from_store == by_hand
    assert from_store.total.first_response == Durations(4, 8100.0, 18000.0)
    assert from_store.total.acknowledge == TargetStats(4, 2, 2)
    assert [d.backlog for d in from_store.days] == [3, 2, 2]
    assert (from_store.total.fcr, from_store.total.replies_per_hour) == (pytest.approx(1 / 3), pytest.approx(1.2))


def test_first_contact_facts_come_from_the_thread_and_the_timeline(conn):
    column = TICKET_ROW.index
    rows = {row[0]: row for row in kpi_data.ticket_rows(conn, data.WINDOW)}
    facts = {tid: (row[column("public_replies_before_solve")], row[column("reopened")]) for tid, row in rows.items()}
    # T6 was solved before the window and only closed in it: nothing of it is read.
    assert set(facts) == {1, 2, 3, 4, 5}
    # Whether a ticket was reopened is looked up only when it had one reply (None: not looked up).
    assert (facts[1], facts[2], facts[5]) == ((1, 0), (3, None), (1, 1))


def test_each_ticket_row_carries_its_changes_of_activity_in_the_window(conn):
    flips = {row[0]: row[TICKET_ROW.index("flips")] for row in kpi_data.ticket_rows(conn, data.WINDOW)}
    assert flips[5] == ((to_epoch(data.at(10, 11)), False), (to_epoch(data.at(10, 16)), True),
                        (to_epoch(data.at(11, 15)), False))
    assert flips[1] == ((to_epoch(data.at(10, 12)), False),) and flips[4] == ()


def test_only_changes_that_start_or_end_activity_are_read(conn):
    changes = kpi_data.status_changes(conn, data.WINDOW)
    assert sorted((tid, from_epoch(at).hour) for tid, at, _ in changes) == [
        (1, 12), (2, 10), (5, 11), (5, 15), (5, 16)]


def test_replies_in_the_window_with_their_queue(conn):
    replies = sorted(kpi_data.replies(conn, data.WINDOW))
    assert len(replies) == 6 and replies[0] == ("ana", to_epoch(data.at(10, 8, 30)), "Billing")
    assert all(at >= to_epoch(data.START) for _, at, _ in replies)


def test_a_rating_without_an_agent_belongs_to_the_assignee(conn):
    ratings = kpi_data.ratings(conn, data.WINDOW)
    assert [(r.ticket_number, r.score, r.agent, r.queue) for r in ratings] == [
        (1001, "good", "ana", "Billing"), (1002, "bad", "ana", "Tech"), (1005, "good", "bo", "Billing")]


# The active tickets are walked whole, but in their own small partial index, never the table.
_SCAN = re.compile(r"\bSCAN (t|m|e|r|tickets|messages|events|ratings)\b(?! USING COVERING INDEX ix_tickets_kpi_active)")


def test_no_query_reads_a_whole_table(demo_db):
    """Every read goes through an index: a full scan of a million tickets is what made it slow."""
    connection = open_database(demo_db)
    window = Window(DEMO_NOW - timedelta(days=7), DEMO_NOW, UTC)
    statements = []
    connection.set_trace_callback(statements.append)
    kpi_data.kpi_report(connection, window)
    connection.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 5
    for sql in selects:
        plan = " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))
        assert not _SCAN.search(plan), plan
    connection.close()


def test_the_demo_workspace_has_believable_figures(demo_db):
    connection = open_database(demo_db)
    report = kpi_data.kpi_report(connection, Window(DEMO_NOW - timedelta(days=30), DEMO_NOW, UTC))
    connection.close()
    total = report.total
    assert 300 < total.created < 500 and total.solved > 200 and total.backlog > 50
    assert total.good + total.bad > 30 and 0.7 < total.satisfaction < 0.97
    assert 0.2 < total.fcr < 0.8 and total.replies > total.solved
    assert len(report.agents) >= 9 and len(report.queues) == 5 and len(report.days) == 31
    assert total.first_response.median < total.first_response.p90


def test_a_pause_callback_runs_every_thousand_rows_and_can_stop_the_work(demo_db):
    connection = open_database(demo_db)
    window = Window(DEMO_NOW - timedelta(days=180), DEMO_NOW, UTC)
    calls = []
    whole = kpi_data.kpi_report(connection, window, pause=lambda: calls.append(1))
    assert len(calls) >= 1 and whole == kpi_data.kpi_report(connection, window)

    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        kpi_data.kpi_report(connection, window, pause=stop)
    connection.close()
