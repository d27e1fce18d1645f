"""A backend that lets the engine pull ahead (``pull_ahead``): the next page is asked for while
one is written, yet the cursor is committed with its own page only, one request runs at a
time, and a sync stopped anywhere resumes after the last page applied."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from helpdesk_tui.store import sync_apply
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.engine import SyncEngine
from tests.factories import NOW
from tests.test_sync_engine import ScriptedBackend, count, pages_of, remote_ticket


class AheadBackend(ScriptedBackend):
    """Scripted pages, slow to come, with a check that no two backend calls overlap."""

    pull_ahead = True

    def __init__(self, pages, delay: float = 0.05):
        super().__init__(pages)
        self.delay = delay
        self.busy = threading.Lock()
        self.overlapped = False
        self.threads_seen: set[str] = set()

    def pull(self, cursor):
        if not self.busy.acquire(blocking=False):
            self.overlapped = True
            self.busy.acquire()
        try:
            self.threads_seen.add(threading.current_thread().name)
            time.sleep(self.delay)
            return super().pull(cursor)
        finally:
            self.busy.release()

    def fetch_threads(self, tickets):
        if not self.busy.acquire(blocking=False):
            self.overlapped = True
            self.busy.acquire()
        try:
            return {t.remote_id: self.fetch_thread(t) for t in tickets}
        finally:
            self.busy.release()


@pytest.fixture
def cache(tmp_path):
    c = Cache(tmp_path / "cache.sqlite", "t")
    yield c
    c.close()


def five_pages():
    return pages_of(*([remote_ticket(n)] for n in range(1, 6)))


def test_the_next_page_is_fetched_on_another_thread_while_one_is_written(cache):
    backend = AheadBackend(five_pages())
    seen: list[tuple[int, str | None]] = []

    def progress(state):
        with cache.connection() as conn:  # what a reader sees once each page is reported
            seen.append((count(cache, "SELECT count(*) FROM tickets"), sync_apply.cursor(conn, "tickets")))

    report = SyncEngine(cache, backend, lambda: NOW).pull(progress)
    assert report.pulled.pages == 5 and report.new == 5
    assert backend.pulls == [None, "1", "2", "3", "4"]
    assert seen == [(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]  # each cursor with its own page
    assert any(name.startswith("sync-pull-ahead") for name in backend.threads_seen)
    assert not backend.overlapped  # the threads of a page are fetched before the next page is asked for


def test_a_sync_stopped_by_the_cache_keeps_the_cursor_of_the_last_page_written_and_resumes_there(cache):
    backend = AheadBackend(five_pages())
    calls = {"n": 0}

    def clock():
        calls["n"] += 1
        if calls["n"] == 3:  # the third page's transaction: the page asked for ahead is already there
            raise sqlite3.OperationalError("database or disk is full")
        return NOW

    with pytest.raises(sqlite3.OperationalError):
        SyncEngine(cache, backend, clock).pull()
    with cache.connection() as conn:
        assert sync_apply.cursor(conn, "tickets") == "2"
    assert count(cache, "SELECT count(*) FROM tickets") == 2
    backend.pulls.clear()
    report = SyncEngine(cache, backend, lambda: NOW).pull()
    assert backend.pulls[0] == "2" and report.new == 3
    assert count(cache, "SELECT count(*) FROM tickets") == 5


def test_a_page_that_fails_to_come_ahead_fails_after_the_page_before_is_written(cache):
    backend = AheadBackend(five_pages())
    backend.fail_on_page = 3
    with pytest.raises(errors.Unreachable):
        SyncEngine(cache, backend, lambda: NOW).pull()
    with cache.connection() as conn:
        assert sync_apply.cursor(conn, "tickets") == "3"
    assert count(cache, "SELECT count(*) FROM tickets") == 3


def test_max_pages_asks_for_no_page_beyond_it(cache):
    backend = AheadBackend(five_pages())
    report = SyncEngine(cache, backend, lambda: NOW).pull(max_pages=2)
    assert report.pulled.pages == 2 and backend.pulls == [None, "1"]
