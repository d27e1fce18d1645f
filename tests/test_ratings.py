"""Satisfaction ratings: recorded here, synced from Zendesk (its fake, over HTTP), made up for the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_tui.demo.ratings import HOSTILE, Solved, demo_ratings
from helpdesk_tui.domain.remote import RemoteRating, RemoteTicket
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.store import ratings, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.sync_apply import apply_page
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.backends.zendesk_records import satisfaction
from helpdesk_tui.sync.http import RetryPolicy
from tests import kpi_dataset as data
from tests.conftest import DEMO_NOW
from tests.fakes.zendesk import FakeZendesk

NOW = datetime(2026, 11, 12, 12, tzinfo=UTC)


@pytest.fixture
def conn(tmp_path):
    connection = open_database(tmp_path / "ratings.sqlite")
    with transaction(connection):
        writer.save_tickets(connection, data.TICKETS, fresh=True)
    yield connection
    connection.close()


# -- recorded here -------------------------------------------------------------------------

def test_a_local_rating_is_about_the_assignee_and_a_second_one_replaces_it(conn):
    with transaction(conn):
        first = ratings.record_local_rating(conn, 2, "bad", NOW, comment="slow")
        again = ratings.record_local_rating(conn, 2, " Good ", NOW + timedelta(hours=1), comment="sorted now")
    [rating] = ratings.ticket_ratings(conn, 2)
    assert first == again
    assert (rating.score, rating.comment, rating.agent, rating.source) == ("good", "sorted now", "ana", "local")
    assert rating.created_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize("score", ["meh", "", "offered", "5"])
def test_only_good_or_bad_is_a_rating(conn, score):
    with pytest.raises(ratings.RatingError, match="use good or bad"):
        ratings.record_local_rating(conn, 1, score, NOW)
    assert ratings.ticket_ratings(conn, 1) == []


def test_ratings_between_is_a_half_open_window(conn):
    with transaction(conn):
        ratings.record_local_rating(conn, 1, "good", NOW)
        ratings.record_local_rating(conn, 2, "bad", NOW + timedelta(hours=1))
    assert [r.ticket_id for r in ratings.ratings_between(conn, NOW, NOW + timedelta(hours=1))] == [1]


# -- from the helpdesk -----------------------------------------------------------------------

def remote(rating: RemoteRating | None, assignee: str = "ana") -> RemoteTicket:
    return RemoteTicket(remote_id="77", number=77, subject="x", status=Status.SOLVED, priority=Priority.NORMAL,
                        created_at=NOW - timedelta(days=1), updated_at=NOW, assignee=assignee, rating=rating)


def test_a_helpdesk_rating_is_kept_by_its_remote_id_and_updated_in_place(conn):
    with transaction(conn):
        first = ratings.apply_remote_rating(conn, 1, remote(RemoteRating("bad", "slow", "900")))
        second = ratings.apply_remote_rating(conn, 1, remote(RemoteRating("good", "ok now", "900"), assignee="bo"))
    [rating] = ratings.ticket_ratings(conn, 1)
    assert first == second
    assert (rating.score, rating.comment, rating.agent, rating.source, rating.remote_id) == (
        "good", "ok now", "bo", "helpdesk", "900")
    assert rating.created_at == NOW  # no stamp of its own: the ticket's last update


def test_a_ticket_without_a_rating_changes_nothing(conn):
    with transaction(conn):
        assert ratings.apply_remote_rating(conn, 1, remote(None)) is None
        assert ratings.apply_remote_rating(conn, 1, remote(RemoteRating("offered"))) is None
    assert ratings.ticket_ratings(conn, 1) == []


@pytest.mark.parametrize("raw, expected", [
    (None, None), ({"score": "unoffered"}, None), ({"score": "offered", "id": 5}, None), ("good", None),
    ({"score": "good", "id": 12, "comment": None}, RemoteRating("good", "", "12")),
    ({"score": "bad", "comment": "Too slow", "id": 13, "created_at": "2026-11-12T10:00:00Z"},
     RemoteRating("bad", "Too slow", "13", datetime(2026, 11, 12, 10, tzinfo=UTC))),
])
def test_zendesk_satisfaction_rating_mapping(raw, expected):
    assert satisfaction(raw) == expected


def test_a_zendesk_rating_is_synced_from_the_fake_and_a_change_updates_it(tmp_path):
    conn = open_database(tmp_path / "zendesk.sqlite")
    with FakeZendesk() as fake:
        agent = fake.add_user("Sam Senior", email="sam@example.com", role="agent")
        solved = fake.add_ticket("Refund please", status="solved", assignee_id=agent)
        fake.add_ticket("Still open", status="open", assignee_id=agent)
        rating_id = fake.rate_ticket(solved, "bad", "Took a week")
        account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=fake.token)
        backend = ZendeskBackend(account, ZendeskBackend.make_client(account, sleep=lambda s: None,
                                                                     policy=RetryPolicy(timeout=5.0)))

        def pull(cursor):
            page = backend.pull(cursor)
            with transaction(conn):
                apply_page(conn, page, {}, stream="tickets", now=NOW)  # stores each ticket's rating
            return page

        cursor = None
        while not (page := pull(cursor)).done:
            cursor = page.cursor
        assert [(r.score, r.comment, r.agent, r.remote_id) for r in ratings.ratings_between(
            conn, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))] == [
            ("bad", "Took a week", "Sam Senior", str(rating_id))]

        fake.rate_ticket(solved, "good", "Refunded after all")  # the customer changes their mind
        pull(page.cursor)
    all_ratings = conn.execute("SELECT score, comment, source FROM ratings").fetchall()
    assert all_ratings == [("good", "Refunded after all", "helpdesk")]
    conn.close()


# -- the demo's ----------------------------------------------------------------------------

def _solved(n: int) -> list[Solved]:
    start = DEMO_NOW - timedelta(days=60)
    return [Solved(i, "ana" if i % 2 else "bo", start + timedelta(hours=i), start + timedelta(hours=i - (i % 3)),
                   ("en", "ja", "it", "he")[i % 4]) for i in range(1, n + 1)]


def test_demo_ratings_are_deterministic_and_after_the_solve():
    first = list(demo_ratings(_solved(400), seed=7, now=DEMO_NOW))
    assert first == list(demo_ratings(_solved(400), seed=7, now=DEMO_NOW))
    assert first != list(demo_ratings(_solved(400), seed=8, now=DEMO_NOW))
    solved_at = {s.ticket_id: s.solved_at for s in _solved(400)}
    assert all(solved_at[r.ticket_id] <= r.created_at < DEMO_NOW for r in first)
    assert 50 < len(first) < 130  # about 22 % answer the survey
    assert sum(r.score == "bad" for r in first) < len(first) / 2
    assert [r.comment for r in first].count(HOSTILE) == 1


def test_the_demo_workspace_has_ratings_with_comments(demo_db):
    conn = open_database(demo_db)
    rows = conn.execute("SELECT score, count(*), sum(comment != '') FROM ratings GROUP BY score").fetchall()
    late = conn.execute("SELECT count(*) FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
                        "WHERE r.created_at < t.solved_at").fetchone()[0]
    conn.close()
    counts = {score: (n, with_comment) for score, n, with_comment in rows}
    assert set(counts) == {"good", "bad"} and counts["good"][0] > 4 * counts["bad"][0]
    assert counts["good"][1] > 0 and counts["bad"][1] > 0 and late == 0
