"""Recomputing every ticket's clocks gives what the straightforward computation gives.

The oracle here reads whole tickets, all their events and messages, runs the datetime
reference (``sla_policy.clocked``) per ticket and keeps the stored columns of a ticket whose
clocks come out unchanged: what recomputing a cache meant before it was made fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, BusinessHours, SlaPolicy, SlaTargets, clocked
from helpdesk_tui.domain.models import Event
from helpdesk_tui.domain.vocab import EventKind, Priority
from helpdesk_tui.store import rows, sla_batches, sla_refresh, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.timeconv import from_epoch_not_null

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
SLA_COLUMNS = ("first_response_at, first_response_due_at, first_update_at, first_update_due_at, update_due_at, "
               "resolution_due_at, sla_due_at, sla_kind, sla_key")
CUSTOM = {p: SlaTargets(15 * M, 45 * M, None if p == Priority.LOW else 2 * H, 3 * D) for p in Priority}
POLICIES = {
    "around the clock": SlaPolicy(CUSTOM),
    "office hours with holidays": SlaPolicy(CUSTOM, BusinessHours(
        time(8, 30), time(17, 30), frozenset(range(5)), ZoneInfo("Europe/Rome"),
        frozenset({date(2026, 11, 2), date(2026, 11, 16), date(2026, 12, 8)}))),
    # Working windows that hold a daylight-saving change are computed by the reference.
    "long days in New York": SlaPolicy(DEFAULT_POLICY.targets, BusinessHours(
        time(0, 30), time(23, 30), frozenset(range(7)), ZoneInfo("America/New_York"))),
}


def stored(conn) -> dict[int, tuple]:
    return {r[0]: tuple(r[1:]) for r in conn.execute(f"SELECT id, {SLA_COLUMNS} FROM tickets")}


def oracle(conn, policy: SlaPolicy) -> dict[int, tuple]:
    """Every ticket's SLA columns after recomputing it under ``policy``, the straightforward way."""
    kinds = {"status_changed", "replied", "first_response", "checkpoint_set"}
    events: dict[int, list] = {}
    for r in conn.execute(f"SELECT {rows.EVENT_COLUMNS} FROM events ORDER BY at, id"):
        event = rows.event_from_row(r)
        if event.kind in kinds:
            events.setdefault(event.ticket_id, []).append(event)
    replies: dict[int, list] = {}
    for ticket_id, kind, at in conn.execute("SELECT ticket_id, kind, created_at FROM messages"):
        if kind == "public_reply":
            replies.setdefault(ticket_id, []).append(from_epoch_not_null(at))
    before = stored(conn)
    expected = {}
    for r in conn.execute(f"SELECT {rows.TICKET_COLUMNS} FROM tickets"):
        ticket = rows.ticket_from_row(r)
        fresh = clocked(ticket, events.get(ticket.id, []), replies.get(ticket.id, []), policy)
        expected[ticket.id] = rows.clock_params(fresh) if fresh != ticket else before[ticket.id]
    return expected


def insert_events(conn, rows_sql: str, params=()) -> None:
    """The rows (ticket_id, kind, at, detail) ``rows_sql`` gives, written as the app writes new
    events (the writer gives their ids: the table is keyed by ticket and does not number rows)."""
    writer.add_events(conn, [Event(t, EventKind(k), from_epoch_not_null(at), "", d)
                             for t, k, at, d in conn.execute(rows_sql, params).fetchall()])


def enrich(conn) -> None:
    """Give the demo's tickets what it lacks: reopenings, replies known only from the synced
    thread, due times the helpdesk supplied, deletions, events before a ticket's creation,
    promises made with a reply; the stored clocks are left as they were (stale on purpose)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM tickets ORDER BY id")]
    with transaction(conn):
        for tid in ids[::7]:  # solved, then reopened by the customer
            solved = conn.execute("SELECT max(at) FROM events WHERE ticket_id = ?", (tid,)).fetchone()[0]
            insert_events(conn, "VALUES (?, 'status_changed', ?, "
                         "'open → solved'), (?, 'status_changed', ?, 'solved → open')",
                         (tid, solved + 600, tid, solved + 7200))
            conn.execute("UPDATE tickets SET status = 'open', updated_at = ? WHERE id = ?", (solved + 7200, tid))
        for tid in ids[3::11]:  # a public reply known only from the thread
            conn.execute("INSERT INTO messages (ticket_id, kind, body, created_at) SELECT id, 'public_reply', "
                         "'Sorted.', created_at + 1800 FROM tickets WHERE id = ?", (tid,))
        for tid in ids[5::13]:  # the helpdesk's own SLA
            conn.execute("UPDATE tickets SET sla_source = 'helpdesk', first_response_due_at = created_at + 3600, "
                         "resolution_due_at = CASE WHEN id % 2 THEN created_at + 86400 END WHERE id = ?", (tid,))
        for tid in ids[2::17]:  # an acknowledgement promising the next update
            insert_events(conn, "SELECT id, 'replied', created_at + 300, '' "
                         "FROM tickets WHERE id = ? UNION ALL SELECT id, 'checkpoint_set', created_at + 301, 'x' "
                         "FROM tickets WHERE id = ?", (tid, tid))
        for tid in ids[4::19]:
            conn.execute("UPDATE tickets SET deleted_at = updated_at WHERE id = ?", (tid,))
        for tid in ids[6::23]:  # a status change recorded before the ticket's creation (clock skew)
            insert_events(conn, "SELECT id, 'status_changed', "
                         "created_at - 120, 'new → pending' FROM tickets WHERE id = ?", (tid,))


def test_the_enriched_workspace_covers_what_the_clocks_depend_on(demo_db):
    conn = open_database(demo_db)
    enrich(conn)
    count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(DISTINCT priority) FROM tickets") == 4
    assert count("SELECT count(DISTINCT status) FROM tickets") == 6
    assert count("SELECT count(*) FROM tickets WHERE sla_source = 'helpdesk'") > 50
    assert count("SELECT count(*) FROM events WHERE detail = 'solved → open'") > 100
    assert count("SELECT count(*) FROM events WHERE detail LIKE '% → pending' OR detail LIKE '% → on_hold'") > 100
    conn.close()


@pytest.fixture(params=["one process", "a second process computing ahead"])
def ahead(request, monkeypatch) -> bool:
    """Whether the whole-cache recompute has a second process read and compute ahead (sla_ahead)."""
    if request.param == "one process":
        monkeypatch.setattr(sla_refresh, "AHEAD_FROM", 10**9)
        return False
    monkeypatch.setattr(sla_refresh, "AHEAD_FROM", 0)
    monkeypatch.setattr(sla_refresh, "BATCH", 150)
    return True


@pytest.mark.parametrize("name", list(POLICIES))
def test_a_policy_change_gives_every_ticket_the_straightforward_result(demo_db, name, ahead, monkeypatch):
    policy = POLICIES[name]
    started = []
    if ahead:
        from helpdesk_tui.store.sla_ahead import Ahead

        start = Ahead.start
        monkeypatch.setattr(Ahead, "start", classmethod(lambda cls, *a: started.append(1) or start(*a)))
    conn = open_database(demo_db)
    enrich(conn)
    expected = oracle(conn, policy)
    assert sla_refresh.install_policy(conn, policy) == len(expected)
    assert stored(conn) == expected
    assert not sla_refresh.needs_install(conn, policy)
    assert started == ([1] if ahead else [])
    conn.close()


def test_when_the_second_process_dies_the_writer_finishes_alone(demo_db, monkeypatch):
    from helpdesk_tui.store.sla_ahead import Ahead

    monkeypatch.setattr(sla_refresh, "AHEAD_FROM", 0)
    monkeypatch.setattr(sla_refresh, "BATCH", 150)
    answer = Ahead.answer
    answers = []

    def die_after_two(self, *args):
        if len(answers) == 2:
            self.process.kill()
            self.process.wait()
        answers.append(answer(self, *args))
        return answers[-1]

    monkeypatch.setattr(Ahead, "answer", die_after_two)
    policy = POLICIES["office hours with holidays"]
    conn = open_database(demo_db)
    enrich(conn)
    expected = oracle(conn, policy)
    sla_refresh.install_policy(conn, policy)
    # An answer the helper wrote into the pipe before the kill can still be read (CI saw four
    # answers once): the process is found gone at the third or fourth, and none is asked after.
    assert len(answers) in (3, 4) and answers[-1] is None
    assert all(computed is not None for computed in answers[:-1])
    assert stored(conn) == expected
    conn.close()


def test_only_tickets_whose_clocks_moved_are_written_and_every_one_of_them_is(demo_db):
    conn = open_database(demo_db)
    sla_refresh.install_policy(conn, DEFAULT_POLICY)  # every stored clock up to date
    enrich(conn)  # some tickets' clocks are stale now
    conn.execute("UPDATE tickets SET first_update_due_at = 1 WHERE id IN (SELECT id FROM tickets LIMIT 5)")
    expected = oracle(conn, DEFAULT_POLICY)
    before = stored(conn)
    moved = {tid for tid, columns in expected.items() if columns != before[tid]}
    assert 100 < len(moved) < len(expected) // 2
    conn.execute("CREATE TEMP TABLE touched (id INTEGER)")
    conn.execute("CREATE TEMP TRIGGER count_writes AFTER UPDATE ON tickets BEGIN "
                 "INSERT INTO touched VALUES (new.id); END")
    sla_refresh.install_policy(conn, DEFAULT_POLICY)
    assert {r[0] for r in conn.execute("SELECT id FROM touched")} == moved
    assert stored(conn) == expected
    conn.close()


def test_refreshing_single_tickets_gives_the_straightforward_result(demo_db):
    conn = open_database(demo_db)
    policy = POLICIES["office hours with holidays"]
    sla_refresh.install_policy(conn, policy)
    enrich(conn)
    expected = oracle(conn, policy)
    ids = [r[0] for r in conn.execute("SELECT id FROM tickets ORDER BY id")][::5]
    for tid in ids:
        with transaction(conn):
            sla_refresh.refresh_tickets(conn, [tid])
    with transaction(conn):
        sla_refresh.refresh_tickets(conn, ids[:40] + ids[:3])  # several at once, duplicates too
    after = stored(conn)
    assert {tid: after[tid] for tid in ids} == {tid: expected[tid] for tid in ids}
    conn.close()


CHILD = textwrap.dedent("""
    import sys, time
    from helpdesk_tui.domain.sla_policy import SlaPolicy
    from helpdesk_tui.store import sla_refresh
    from helpdesk_tui.store.db import open_database

    sla_refresh.BATCH = 40
    sla_refresh.AHEAD_FROM = int(sys.argv[3])
    conn = open_database(sys.argv[1])

    def progress(done, total):
        print(done, flush=True)
        time.sleep(0.05)

    sla_refresh.install_policy(conn, SlaPolicy.from_json(sys.argv[2]), progress)
    print("finished", flush=True)
""")


def test_a_recompute_killed_midway_is_finished_with_the_right_values_on_the_next_start(demo_db, tmp_path, ahead):
    policy = POLICIES["office hours with holidays"]
    conn = open_database(demo_db)
    enrich(conn)
    expected = oracle(conn, policy)
    before = stored(conn)
    conn.close()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    child = subprocess.Popen([sys.executable, str(script), str(demo_db), policy.to_json(), str(sla_refresh.AHEAD_FROM)],
                             env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for _ in range(5):  # five batches committed, the sixth likely under way
        assert child.stdout.readline().strip().isdigit()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    conn = open_database(demo_db)
    assert sla_refresh.needs_install(conn, policy)  # the old policy is still the recorded one
    partial = stored(conn)
    done = sum(partial[tid] == expected[tid] != before[tid] for tid in expected)
    assert done > 100 and sum(partial[tid] != expected[tid] for tid in expected) > 100
    sla_refresh.install_policy(conn, policy)  # the next start
    assert not sla_refresh.needs_install(conn, policy)
    assert stored(conn) == expected
    conn.close()


def test_a_ticket_another_connection_changes_while_its_batch_is_computed_gets_the_new_timeline(demo_db, monkeypatch):
    policy = POLICIES["around the clock"]
    conn = open_database(demo_db)
    other = open_database(demo_db)
    plan = sla_batches.plan_batch
    calls: list[int] = []
    changed: list[int] = []

    def plan_then_another_writer_commits(conn, found, *args, **kwargs):
        result = plan(conn, found, *args, **kwargs)
        if not calls:  # a first reply arrives, written by another connection, after the batch was read
            changed.append(found[100][0])
            with transaction(other):
                insert_events(other, "SELECT id, 'replied', "
                              "created_at + 42, '' FROM tickets WHERE id = ?", changed)
        calls.append(len(found))
        return result

    monkeypatch.setattr(sla_refresh, "BATCH", 300)
    monkeypatch.setattr(sla_batches, "plan_batch", plan_then_another_writer_commits)
    sla_refresh.install_policy(conn, policy)
    assert calls[:2] == [300, 300]  # the first batch was computed again, under the lock
    monkeypatch.undo()
    expected = oracle(conn, policy)
    after = stored(conn)
    assert after[changed[0]][2] == conn.execute("SELECT created_at + 42 FROM tickets WHERE id = ?",
                                                changed).fetchone()[0]  # the first update
    assert after == expected
    other.close()
    conn.close()


def test_asking_a_helper_that_has_died_is_no_error(demo_db):
    """The helper may die between two batches: the next question meets a broken pipe, which
    must leave the writer to go on alone (CI saw a BrokenPipeError stop the recompute)."""
    from helpdesk_tui.store.sla_ahead import Ahead

    conn = open_database(demo_db)
    ahead = Ahead.start(conn, POLICIES["office hours with holidays"], 150)
    assert ahead is not None
    ahead.process.kill()
    ahead.process.wait()
    for _ in range(3):  # the pipe's buffer may take the first question
        ahead.ask(0, 1)
    assert ahead.answer(0, 1) is None
    conn.close()
