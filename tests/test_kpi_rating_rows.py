"""The KPIs count ratings from plain rows and build a datetime only for the comments a report
keeps; the counts and the comments must stay those of the reference computation (every rating
as a ``RatingFact``, every comment as a ``RatingComment``, sorted newest first, the first 20).

The cache is real (a temp file) and random with a fixed seed: many ratings in one second (the
order of ties), blank and whitespace comments, ratings that name no agent, tickets with no
queue, deleted tickets, scores that are neither good nor bad, and moments on the windows' edges.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.kpi_report import NO_QUEUE, UNASSIGNED, RatingComment, Window
from helpdesk_tui.domain.kpis import COMMENTS_KEPT, RatingFact, compute
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.store import kpi_data, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.timeconv import to_epoch

T = datetime(2026, 11, 10, 12, tzinfo=UTC)
ENDS = (T, T + timedelta(hours=5, seconds=0.75), T - timedelta(days=2, minutes=41))
LENGTHS = (timedelta(hours=6), timedelta(days=1), timedelta(days=4))
ZONES = ("UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York")
COMMENTS = ("", "   ", "\t\n", "thanks", "slow", "[b]not markup[/b]", "ok\u2003")


def _fill(path, seed: int, count: int = 60, ratings: int = 700):
    rng = random.Random(seed)
    edges = [end - length + timedelta(seconds=s) for end in ENDS for length in (*LENGTHS, timedelta(0))
             for s in (-1, 0, 1)]
    tickets = [Ticket(id=tid, number=500 + tid, subject=f"T{tid}", status=rng.choice(list(Status)),
                      priority=Priority.NORMAL, requester_id=None, assignee=rng.choice(["ana", "bo", None]),
                      group=rng.choice(["Billing", "Tech", None]), created_at=T - timedelta(days=9),
                      updated_at=T - timedelta(days=9),
                      deleted_at=T - timedelta(days=1) if rng.random() < 0.1 else None)
               for tid in range(1, count + 1)]
    conn = open_database(path)
    with transaction(conn):
        writer.save_tickets(conn, tickets, fresh=True)
        for _ in range(ratings):
            draw = rng.random()
            at = (rng.choice(edges).replace(microsecond=0) if draw < 0.3
                  else T - timedelta(seconds=rng.choice((0, 1, 2, 60))) if draw < 0.5  # ties
                  else T - timedelta(seconds=rng.randrange(0, 7 * 86400)))
            conn.execute("INSERT INTO ratings (ticket_id, score, comment, agent, created_at, source)"
                         " VALUES (?, ?, ?, ?, ?, 'local')",
                         (rng.randrange(1, count + 1), rng.choice(("good", "good", "bad", "offered")),
                          rng.choice(COMMENTS), rng.choice(["ana", "cy", None]), to_epoch(at)))
    return conn


def _reference(conn, window: Window):
    """good/bad per agent, queue and day and the comments kept, computed the plain way."""
    span = window.seconds()  # whole seconds: an `at` is in the window as its datetime is
    start, end = span.start, span.end
    rows = conn.execute(
        "SELECT r.score, r.created_at, r.agent, t.assignee, t.grp, r.comment, t.number FROM ratings r"
        " JOIN tickets t ON t.id = r.ticket_id WHERE t.deleted_at IS NULL ORDER BY r.created_at, r.id").fetchall()
    counts: dict[tuple[str, str], list[int]] = {}
    comments = []
    for score, at, agent, assignee, queue, comment, number in rows:
        moment = datetime.fromtimestamp(at, UTC)
        if not start <= at < end or score not in ("good", "bad"):
            continue
        who = agent or assignee
        for key in (("agent", who or UNASSIGNED), ("queue", queue or NO_QUEUE),
                    ("day", window.day_of(moment).isoformat()), ("total", "all")):
            pair = counts.setdefault(key, [0, 0])
            pair[score == "bad"] += 1
        if comment.strip():
            comments.append(RatingComment(moment, score, comment, who, number))
    comments.sort(key=lambda c: c.at, reverse=True)
    return counts, tuple(comments[:COMMENTS_KEPT])


@pytest.mark.parametrize("seed", [1, 2])
def test_rating_counts_and_comments_match_the_reference(tmp_path, seed):
    conn = _fill(tmp_path / "ratings.sqlite", seed)
    seen_comments = 0
    for end in ENDS:
        for length in LENGTHS:
            for zone in ZONES:
                tz = ZoneInfo(zone)
                window = Window((end - length).astimezone(tz), end, tz)
                report = kpi_data.kpi_report(conn, window)
                counts, comments = _reference(conn, window)
                assert report.comments == comments, window
                got = {("total", "all"): [report.total.good, report.total.bad]}
                for by in ("agent", "queue", "day"):
                    for row in report.rows(by):
                        if row.good or row.bad:
                            got[(by, row.key)] = [row.good, row.bad]
                assert got == {("total", "all"): [0, 0], **counts}, window
                seen_comments += len(comments)
    assert seen_comments > 200  # the windows hold comments, often more than are kept
    conn.close()


def test_records_keep_their_own_moment_in_a_comment():
    """``compute`` on records: a comment carries the rating's datetime, microseconds and all,
    and ratings in one second keep their order of moments."""
    window = Window(T - timedelta(days=1), T, UTC)
    ratings = [RatingFact(1, "good", T - timedelta(seconds=10, microseconds=-250), "ana", None, "early"),
               RatingFact(2, "bad", T - timedelta(seconds=10, microseconds=-900), "bo", None, "late"),
               RatingFact(3, "good", T - timedelta(seconds=10), None, None, "  ")]
    report = compute(window, [], ratings=ratings)
    assert [(c.comment, c.at) for c in report.comments] == [
        ("late", T - timedelta(seconds=10, microseconds=-900)), ("early", T - timedelta(seconds=10, microseconds=-250))]
    assert (report.total.good, report.total.bad) == (2, 1)
