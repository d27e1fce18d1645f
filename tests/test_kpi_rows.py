"""The fast KPI path (plain rows, epoch seconds) gives the answers of the plain one (records,
datetimes): the same target judgement as ``sla.target_results``, exact windows, local hours."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.kpi_report import LocalHours, TargetStats, Window
from helpdesk_tui.domain.kpis import (
    ACTIVE, RatingFact, Reply, StatusChange, TicketFacts, compute, reopen_details, transition,
)
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.sla import Target, target_breached, target_results
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.store import kpi_data, tickets
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.timeconv import to_epoch
from tests.conftest import DEMO_NOW

T = datetime(2026, 11, 10, 12, tzinfo=UTC)
M = timedelta(minutes=1)


def ticket(tid: int = 1, status: Status = Status.OPEN, created: datetime = T - 60 * M, **kw) -> Ticket:
    return Ticket(number=tid, subject="x", status=status, priority=Priority.NORMAL, requester_id=None,
                  created_at=created, updated_at=kw.pop("updated_at", created), id=tid, **kw)


# -- one rule for targets -------------------------------------------------------------------

MOMENTS = (None, T - 2 * M, T, T + 2 * M)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("deleted", [None, T - 30 * M])
def test_target_breached_on_epoch_seconds_agrees_with_target_results(status, deleted):
    for due, met, now in itertools.product(MOMENTS, MOMENTS, (T - M, T, T + M)):
        t = ticket(status=status, first_response_due_at=due, first_response_at=met, first_update_due_at=due,
                   first_update_at=met, resolution_due_at=due, solved_at=met, deleted_at=deleted)
        owed = deleted is None and status in ACTIVE
        fast = target_breached(to_epoch(due), to_epoch(met), to_epoch(now), owed)
        assert [r.breached for r in target_results(t, now)] == [fast] * 3, (due, met, now)


WINDOW = Window(T - timedelta(days=2), T + timedelta(days=1), ZoneInfo("Europe/Rome"))
# Moments on and next to the window's edges, where a "<" taken for a "<=" would show.
EDGES = [edge + timedelta(seconds=s) for edge in (WINDOW.start, WINDOW.end) for s in (-1, 0, 1)]


def _random_tickets(seed: int, count: int) -> list[Ticket]:
    rng = random.Random(seed)

    def moment() -> datetime | None:
        draw = rng.random()
        if draw < 0.2:
            return None
        return rng.choice(EDGES) if draw < 0.4 else T + rng.randrange(-3 * 1440, 3 * 1440) * M

    out = []
    for tid in range(1, count + 1):
        status = rng.choice(list(Status))
        created = T + rng.randrange(-4 * 1440, 2 * 1440) * M
        out.append(ticket(tid, status, created, updated_at=created + 10 * M, first_response_due_at=moment(),
                          first_response_at=moment(), first_update_due_at=moment(), first_update_at=moment(),
                          resolution_due_at=moment(), solved_at=None if status in ACTIVE else moment(),
                          assignee=rng.choice(["ana", "bo", None])))
    return out


def test_the_kpis_settle_targets_as_target_results_judges_them():
    """Each target counts where it settled: at its due moment when breached, when met in time."""
    window = WINDOW
    all_tickets = _random_tickets(seed=5, count=400)
    report = compute(window, [TicketFacts(t) for t in all_tickets])
    expected = {target: [0, 0, 0] for target in Target.ALL}
    for t in all_tickets:
        for result in target_results(t, window.end):
            settled = result.due if result.breached else result.met_at if result.met_in_time else None
            if result.due is not None and settled in window:
                counts = expected[result.target]
                counts[0] += 1
                counts[2 if result.breached else 1] += 1
    total = report.total
    assert (total.acknowledge, total.first_update, total.resolution_target) == tuple(
        TargetStats(*expected[target]) for target in Target.ALL)
    assert total.acknowledge.settled > 50 and total.acknowledge.breached > 10  # the data set judges both ways


# -- exact windows ---------------------------------------------------------------------------

def test_a_window_ending_within_a_second_counts_whole_seconds_exactly():
    half = timedelta(milliseconds=500)
    window = Window(T + half, T + 2 * 60 * M + half, UTC)
    facts = [TicketFacts(ticket(1, created=T)),  # half a second before the window: not counted
             TicketFacts(ticket(2, created=T + timedelta(seconds=1))),
             TicketFacts(ticket(3, created=T + 120 * M, first_response_due_at=T + 120 * M)),  # in, due at "now"
             TicketFacts(ticket(4, created=T + 120 * M + timedelta(seconds=1)))]  # after "now"
    report = compute(window, facts)
    assert report.total.created == 2
    assert report.total.acknowledge == TargetStats(1, 0, 1)  # due at or before now, still owed: breached


# -- local hours -----------------------------------------------------------------------------

@pytest.mark.parametrize("zone, switch", [
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),  # 02:00 EDT → 01:00 EST
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, tzinfo=UTC)),  # a half-hour switch
    ("Asia/Kolkata", datetime(2026, 4, 4, 15, tzinfo=UTC)),  # no switch, half-hour offset
])
def test_reply_hours_are_the_local_clock_hours_across_a_daylight_saving_switch(zone, switch):
    tz = ZoneInfo(zone)
    hour_of = LocalHours(tz)
    labels: dict[int, set[tuple]] = {}
    for step in range(-6 * 60, 6 * 60, 5):  # every five minutes, six hours either side
        moment = switch + step * M + timedelta(seconds=step % 7)
        local = moment.astimezone(tz)
        labels.setdefault(hour_of(to_epoch(moment)), set()).add((local.date(), local.hour))
    # One number per local (date, hour), and one (date, hour) per number.
    assert all(len(found) == 1 for found in labels.values())
    assert len({next(iter(found)) for found in labels.values()}) == len(labels)


# -- the cache against the plain repositories ------------------------------------------------

def _records(conn):
    """Everything the KPIs look at, read ticket by ticket through the plain repositories and
    counted here in Python: the reference for the store's SQL."""
    reopening = set(reopen_details())
    facts, changes, replies = [], [], []
    for (tid,) in conn.execute("SELECT id FROM tickets ORDER BY id"):
        t = tickets.get_ticket(conn, tid)
        solve_or_update = t.solved_at or t.updated_at
        public = [m for m in tickets.thread(conn, tid) if m.kind == MessageKind.PUBLIC_REPLY]
        events = [e for e in tickets.timeline(conn, tid) if e.kind == EventKind.STATUS_CHANGED]
        facts.append(TicketFacts(t, sum(m.created_at <= solve_or_update for m in public),
                                 any(e.detail in reopening for e in events)))
        changes += [StatusChange(tid, e.at, *transition(e.detail)) for e in events]
        if t.deleted_at is None:
            replies += [Reply(m.author, m.created_at, t.group) for m in public]
    return facts, changes, replies


@pytest.mark.parametrize("days, zone", [(7, "UTC"), (30, "America/New_York"), (90, "Asia/Kolkata")])
def test_the_cache_gives_the_report_of_the_plain_records(demo_db, days, zone):
    conn = open_database(demo_db)
    tz = ZoneInfo(zone)
    window = Window((DEMO_NOW - timedelta(days=days)).astimezone(tz), DEMO_NOW + timedelta(microseconds=1), tz)
    facts, changes, replies = _records(conn)
    ratings: list[RatingFact] = kpi_data.ratings(conn, window)
    fast = kpi_data.kpi_report(conn, window)
    conn.close()
    assert fast == compute(window, facts, changes, replies, ratings)
    assert fast.total.solved > 20 and fast.total.first_contact > 5 and fast.total.replies > 100  # not empty
