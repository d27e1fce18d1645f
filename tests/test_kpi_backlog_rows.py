"""The backlog of each day is what the active stretches of the tickets say, second for second.

``domain.kpis`` adds the commonest stretches inline (active since created; solved once in the
window) and the others through ``_active_spans``; here each day's end is checked against the
stretches themselves, on random rows whose moments fall on the day ends and the seconds
around them (where an off-by-one shows).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.domain.kpis import _active_spans, compute_rows

T = datetime(2026, 11, 10, 12, 0, 0, 250000, tzinfo=UTC)


def _rows(rng: random.Random, window: Window, count: int) -> list[tuple]:
    span = window.seconds()
    edges = [e + d for e in (*span.day_ends_floor, span.start, span.end) for d in (-1, 0, 1)]

    def moment() -> int:
        if rng.random() < 0.6:
            return rng.choice(edges)
        return rng.randrange(span.start - 3 * 86400, span.end + 86400)

    rows = []
    for tid in range(1, count + 1):
        active = rng.random() < 0.5
        created = moment()
        solved_at = None if rng.random() < 0.3 else moment()
        updated = max(m for m in (created, solved_at, moment()) if m is not None)
        # Changes of activity in the window, by time; their directions need not alternate (a
        # helpdesk's timeline may miss one), and the commonest shape, one solve, is frequent.
        shape = rng.random()
        if shape < 0.4:
            flips: tuple = ()
        elif shape < 0.8:
            flips = ((rng.choice([e for e in edges if span.start <= e < span.end]), False),)
        else:
            ats = sorted(rng.choice([e for e in edges if span.start <= e < span.end]) for _ in range(rng.randrange(1, 4)))
            flips = tuple((at, rng.random() < 0.5) for at in ats)
        rows.append((tid, active, rng.choice(["ana", None]), "Tech", created, updated, None, None, None, None, None,
                     solved_at, None, None, flips))
    return rows


def _backlog_by_definition(window: Window, rows: list[tuple], quiet: int) -> list[int]:
    """Per day end E: the stretches [since, until) with since <= E, less those with until <= E
    (a stretch that ends before it starts takes one off in between, as a difference array does)."""
    span = window.seconds()
    counts = []
    for day_end in span.day_ends_floor:
        n = quiet
        for (_, active, _, _, created, updated, *_, solved_at, _, _, flips) in rows:
            if created >= span.end:
                continue
            for since, until in _active_spans(created, updated, active, solved_at, flips):
                n += (since <= day_end) - (until is not None and until <= day_end)
        counts.append(n)
    return counts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kathmandu"])
def test_each_days_backlog_is_the_active_stretches_at_its_end(seed, zone):
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    window = Window((T - timedelta(days=rng.choice((1, 3, 8)), seconds=rng.randrange(86400))).astimezone(tz), T, tz)
    rows = _rows(rng, window, 400)
    report = compute_rows(window, rows, quiet_active=7)
    expected = _backlog_by_definition(window, rows, 7)
    assert [day.backlog for day in report.days] == expected
    assert report.total.backlog == expected[-1]
    # The rows took both inlined shapes and the general one.
    shapes = {(bool(r[1]), len(r[14]) == 1 and not r[14][0][1], bool(r[14])) for r in rows}
    assert {(True, False, False), (False, True, True), (False, False, True)} <= shapes


def test_active_before_counts_the_quiet_ones_as_the_listed_rows_leave_them():
    """``active_before`` less the active rows created before the window is ``quiet_active``."""
    tz = ZoneInfo("Asia/Kathmandu")
    window = Window(T - timedelta(days=3), T, tz)
    rows = _rows(random.Random(9), window, 300)
    start = window.seconds().start
    listed_before = sum(1 for r in rows if r[1] and r[4] < start)
    assert listed_before > 10
    by_quiet = compute_rows(window, rows, quiet_active=5)
    by_before = compute_rows(window, rows, active_before=listed_before + 5)
    assert by_before == by_quiet
    assert compute_rows(window, rows, active_before=listed_before + 4) != by_quiet
