"""The KPIs' status changes come from a partial index of the changes of activity alone.

It replaced ``ix_events_kind_at`` (every event of every kind, 190 MB at a million tickets):
the reads must give the same rows as a plain scan of the table, the migration must fill it
on an old cache (also with two processes starting on it at once), and the query must keep
naming the index's own filter, or SQLite would silently stop using it.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.old_schema import build_before, save_events_before_v16, upgrade_in_two_processes_at_once

from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.domain.kpis import activity_changes, reopen_details
from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.vocab import EventKind, Priority, Status
from helpdesk_tui.store import kpi_data, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.schema import KPI_FLIP_DETAILS, STATUS_CHANGED_CODE
from tests.conftest import DEMO_NOW

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 10, 1, tzinfo=UTC)


def test_the_index_lists_every_change_of_activity_and_nothing_else():
    """A new status would change ``activity_changes``: then a new migration must widen the index."""
    assert list(KPI_FLIP_DETAILS) == activity_changes()


def _plain_changes(conn: sqlite3.Connection, window: Window) -> list[tuple[int, int, int]]:
    """The reference: every status change read from the table itself and filtered here."""
    span = window.seconds()
    flips, reopens = set(activity_changes()), set(reopen_details())
    rows = conn.execute(f"SELECT ticket_id, at, detail FROM events NOT INDEXED WHERE kind = {STATUS_CHANGED_CODE}")
    kept = sorted((tid, at, detail) for tid, at, detail in rows if detail in flips and span.start <= at < span.end)
    return [(tid, at, int(detail in reopens)) for tid, at, detail in kept]


def _with_detail_order(conn: sqlite3.Connection, window: Window) -> list[tuple[int, int, int]]:
    return [tuple(row) for row in kpi_data.status_changes(conn, window)]


def _statuses() -> list[str]:
    return [s.value for s in Status]


def _random_events(rng: random.Random, tickets: int, count: int) -> list[Event]:
    """Status changes of every pair (flips, other changes, unreadable ones) and events of
    other kinds, at random moments, several in the same second."""
    kinds = [k for k in EventKind if k != EventKind.STATUS_CHANGED]
    details = [f"{a} → {b}" for a in _statuses() for b in _statuses() if a != b] + ["open → nonsense", ""]
    events = []
    for _ in range(count):
        tid = rng.randint(1, tickets)
        at = START + timedelta(seconds=rng.randrange(0, 60 * 86400, rng.choice((1, 3600))))
        if rng.random() < 0.6:
            events.append(Event(tid, EventKind.STATUS_CHANGED, at, "system", rng.choice(details)))
        else:
            events.append(Event(tid, rng.choice(kinds), at, "ana", rng.choice(details)))
    return events


def _fill(conn: sqlite3.Connection, seed: int, tickets: int = 40, count: int = 3000,
          save_events=writer.save_events) -> None:
    rng = random.Random(seed)
    with transaction(conn):
        writer.save_tickets(conn, [
            Ticket(id=tid, number=tid, subject=f"T{tid}", status=Status.OPEN, priority=Priority.NORMAL,
                   requester_id=None, assignee="ana", group="Billing",
                   created_at=START, updated_at=START + timedelta(days=61))
            for tid in range(1, tickets + 1)], fresh=True)
        save_events(conn, _random_events(rng, tickets, count))


def _windows() -> list[Window]:
    found = []
    for days, zone in ((1, "UTC"), (7, "America/New_York"), (30, "Asia/Kolkata"), (90, "Asia/Kathmandu")):
        tz = ZoneInfo(zone)
        for end in (START + timedelta(days=10, seconds=0.5), START + timedelta(days=45, hours=3),
                    START + timedelta(days=70)):
            found.append(Window(end - timedelta(days=days), end, tz))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_changes_read_through_the_index_are_those_of_a_plain_scan(tmp_path, seed):
    conn = open_database(tmp_path / "kpis.sqlite")
    _fill(conn, seed)
    for window in _windows():
        fast = _with_detail_order(conn, window)
        plain = _plain_changes(conn, window)
        assert fast == plain
    assert any(_with_detail_order(conn, w) for w in _windows())  # not empty
    conn.close()


def test_the_kpis_read_status_changes_through_the_partial_index(db):
    plan = " | ".join(row[3] for row in db.execute(
        "EXPLAIN QUERY PLAN " + kpi_data._CHANGES, {"start": 0, "end": 1, **kpi_data._REOPEN_PARAMS}))
    assert "COVERING INDEX ix_events_flips" in plan, plan
    names = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_events_kind_at" not in names


def test_on_the_demo_workspace_the_report_uses_no_other_events_index(demo_db):
    """The old index is gone and the report still never scans the events table."""
    conn = open_database(demo_db)
    window = Window(DEMO_NOW - timedelta(days=30), DEMO_NOW, UTC)
    assert _with_detail_order(conn, window) == _plain_changes(conn, window)
    conn.close()


def _old_cache(path: Path) -> None:
    """A cache as the release before this index left it, with events in it."""
    build_before(path, "ix_events_flips")
    conn = sqlite3.connect(path)
    _fill(conn, seed=7, save_events=save_events_before_v16)
    conn.close()


def test_two_processes_opening_an_old_cache_at_once_leave_one_full_index(tmp_path):
    path = tmp_path / "old.sqlite"
    _old_cache(path)
    upgrade_in_two_processes_at_once(path)
    conn = open_database(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'ix_events%'")]
    # Later migrations may add other indexes of events (v11: reopenings); the old one is gone.
    assert "ix_events_flips" in names and "ix_events_kind_at" not in names
    indexed = conn.execute("SELECT count(*) FROM events INDEXED BY ix_events_flips "
                           f"WHERE {kpi_data.KPI_FLIP_WHERE} AND at >= 0").fetchone()[0]
    flips = set(activity_changes())
    plain = sum(detail in flips for (detail,) in conn.execute(
        f"SELECT detail FROM events WHERE kind = {STATUS_CHANGED_CODE}"))
    assert indexed == plain > 100
    for window in _windows():
        assert _with_detail_order(conn, window) == _plain_changes(conn, window)
    conn.close()
