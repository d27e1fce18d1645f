"""The KPIs count the quiet active tickets from a partial index and read only the others.

A quiet active ticket (created before the window, no moment of its row in it, no change of
activity in it) adds one to the backlog of every day and nothing else: ``kpi_data`` counts
them in SQL instead of reading a hundred thousand rows. The reports must stay those of a
straightforward computation over every ticket of the cache (``compute`` on records read one
by one through the plain repositories), on windows whose edges fall on the tickets' moments.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.domain.kpis import ACTIVE, compute, reopen_details
from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.store import kpi_data, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.schema import KPI_ACTIVE_STATUSES, KPI_REOPEN_DETAILS
from tests.old_schema import build_before, save_events_before_v16, upgrade_in_two_processes_at_once
from tests.test_kpi_rows import _records

ROOT = Path(__file__).resolve().parent.parent
T = datetime(2026, 11, 10, 12, tzinfo=UTC)
STATUSES = list(Status)
ENDS = (T, T + timedelta(hours=7, seconds=0.25), T - timedelta(days=3, minutes=17))
LENGTHS = (timedelta(hours=9), timedelta(days=1), timedelta(days=3), timedelta(days=8))
ZONES = ("UTC", "America/New_York", "Asia/Kathmandu")


def test_the_indexes_list_the_active_statuses_and_the_reopenings():
    """A new status would change these: then a new migration must widen the indexes."""
    assert sorted(KPI_ACTIVE_STATUSES) == sorted(s.value for s in ACTIVE)
    assert list(KPI_REOPEN_DETAILS) == reopen_details()


def _edges() -> list[datetime]:
    """The windows' bounds and their days' ends (local midnights, where a backlog is taken) and
    the seconds around them, where a "<" taken for "<=" shows."""
    bounds = {end - length for end in ENDS for length in LENGTHS} | set(ENDS)
    bounds |= {datetime.fromtimestamp(e, UTC) for window in _windows() for e in window.seconds().day_ends_floor}
    return [b.replace(microsecond=0) + timedelta(seconds=s) for b in sorted(bounds) for s in (-1, 0, 1)]


def _fill(conn: sqlite3.Connection, seed: int, count: int = 300, save_events=writer.save_events) -> None:
    rng = random.Random(seed)
    edges = _edges()

    def moment(after: datetime) -> datetime | None:
        draw = rng.random()
        if draw < 0.3:
            return None
        if draw < 0.5:
            return rng.choice(edges)
        return after + timedelta(seconds=rng.randrange(0, 12 * 86400))

    tickets, events, messages = [], [], []
    for tid in range(1, count + 1):
        status = rng.choice(STATUSES)
        # Most tickets are old: the quiet ones must be there in numbers.
        created = T - timedelta(days=rng.choice((40, 20, 12, 5, 1)), seconds=rng.randrange(0, 5 * 86400))
        if rng.random() < 0.1:
            created = rng.choice(edges)
        moments = {name: moment(created) for name in ("first_response_at", "first_response_due_at",
                                                       "first_update_at", "first_update_due_at", "resolution_due_at")}
        moments["solved_at"] = None if rng.random() < 0.5 else moment(created)
        # Distinct seconds: the order of two changes in one second is the cache's (by detail).
        changed = sorted({rng.choice(edges + [moment(created) or created]) for _ in range(rng.choice((0, 0, 1, 2, 4)))})
        # A chain of changes that ends in the ticket's status, as a helpdesk's timeline does.
        chain = [status]
        for _ in changed:
            chain.insert(0, rng.choice([s for s in STATUSES if s != chain[0]]))
        for at, before, after in zip(sorted(changed), chain, chain[1:], strict=False):
            events.append(Event(tid, EventKind.STATUS_CHANGED, at, "system", f"{before.value} → {after.value}"))
            if status not in ACTIVE and before in ACTIVE and after not in ACTIVE:
                moments["solved_at"] = at  # a solved ticket's stamp is its last solve
        written = [moment(created) or created for _ in range(rng.choice((0, 1, 1, 2, 3)))]
        for at in written:
            messages.append(Message(tid, rng.choice((MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE)),
                                    rng.choice(["ana", "bo"]), "hi", at))
        # As a helpdesk keeps it: the last update is at least every moment something happened
        # (the store finds the tickets changed in a window by it); due moments may lie ahead.
        happened = [created, *changed, *written, *(moments[k] for k in ("first_response_at", "first_update_at",
                                                                         "solved_at"))]
        updated = max([m for m in happened if m is not None]
                      + [rng.choice([created, rng.choice(edges), T - timedelta(days=rng.randrange(0, 30))])])
        tickets.append(Ticket(
            id=tid, number=tid, subject=f"T{tid}", status=status, priority=Priority.NORMAL, requester_id=None,
            assignee=rng.choice(["ana", "bo", None]), group=rng.choice(["Billing", "Tech", None]),
            created_at=created, updated_at=updated, **moments,
            deleted_at=T - timedelta(days=2) if rng.random() < 0.05 else None))
    with transaction(conn):
        writer.save_tickets(conn, tickets, fresh=True)
        save_events(conn, events)
        writer.save_messages(conn, messages, fresh=True)


def _windows() -> list[Window]:
    return [Window((end - length).astimezone(ZoneInfo(zone)), end, ZoneInfo(zone))
            for end in ENDS for length in LENGTHS for zone in ZONES]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reports_equal_a_plain_computation_over_every_ticket(tmp_path, seed):
    conn = open_database(tmp_path / "kpis.sqlite")
    _fill(conn, seed)
    facts, changes, replies = _records(conn)
    quiet_seen = 0
    for window in _windows():
        fast = kpi_data.kpi_report(conn, window)
        plain = compute(window, facts, changes, replies, kpi_data.ratings(conn, window))
        assert fast == plain, window
        quiet = kpi_data.quiet_active(conn, window)
        rows = {row[0] for row in kpi_data.ticket_rows(conn, window)}
        active = {f.ticket.id for f in facts if f.ticket.status in ACTIVE and f.ticket.deleted_at is None}
        before = {tid for (tid,) in conn.execute("SELECT id FROM tickets WHERE created_at < ?",
                                                 (window.seconds().start,))}
        # The quiet ones are exactly the active tickets created before the window and left out
        # of the rows; the others left out count nowhere (the reports being equal says so).
        assert quiet == len((active & before) - rows)
        # What the report counts instead: every active ticket created before, less those listed.
        assert kpi_data.active_before(conn, window) - len(active & before & rows) == quiet
        quiet_seen += quiet
        assert fast.total.backlog is not None and fast.total.backlog >= quiet
    assert quiet_seen > 100  # the shortcut was taken, often
    conn.close()


def _plan(conn: sqlite3.Connection, sql: str) -> str:
    params = {"start": 0, "end": 1, **kpi_data._ACTIVE_PARAMS, **kpi_data._REOPEN_PARAMS}
    return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_the_kpis_read_their_covering_indexes(db):
    assert "COVERING INDEX ix_tickets_kpi_active" in _plan(db, kpi_data._QUIET_ACTIVE)
    assert "COVERING INDEX ix_tickets_kpi_active" in _plan(db, kpi_data._ACTIVE_BEFORE)
    plan = _plan(db, kpi_data._TICKETS)
    assert "SCAN tickets USING COVERING INDEX ix_tickets_kpi_active" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # the index is in id order: no sort
    assert "SEARCH messages USING COVERING INDEX ix_messages_kpi_replies" in plan, plan
    assert "SEARCH events USING COVERING INDEX ix_events_kpi_reopens" in plan, plan
    assert "SEARCH m USING COVERING INDEX ix_messages_kpi_replies" in _plan(db, kpi_data._REPLIES)


def _old_cache(path: Path) -> None:
    """A cache as the release before this index left it, with tickets in it."""
    build_before(path, "ix_tickets_kpi_active")
    conn = sqlite3.connect(path)
    _fill(conn, seed=7, save_events=save_events_before_v16)
    conn.close()


def test_two_processes_opening_an_old_cache_at_once_leave_one_full_index(tmp_path):
    path = tmp_path / "old.sqlite"
    _old_cache(path)
    upgrade_in_two_processes_at_once(path)
    conn = open_database(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    indexed = conn.execute("SELECT count(*) FROM tickets INDEXED BY ix_tickets_kpi_active "
                           "WHERE status IN ('new', 'on_hold', 'open', 'pending') AND deleted_at IS NULL"
                           ).fetchone()[0]
    plain = conn.execute("SELECT count(*) FROM tickets NOT INDEXED WHERE status IN ('new', 'on_hold', 'open', "
                         "'pending') AND deleted_at IS NULL").fetchone()[0]
    assert indexed == plain > 0
    replies = conn.execute("SELECT count(*) FROM messages INDEXED BY ix_messages_kpi_replies "
                           "WHERE kind = 'public_reply' AND ticket_id > 0").fetchone()[0]
    assert replies == conn.execute("SELECT count(*) FROM messages NOT INDEXED WHERE kind = 'public_reply'"
                                   ).fetchone()[0] > 0
    conn.close()
