"""services.tickets, services.focus and services.sync over a copy of the demo workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.query import builtin_views
from helpdesk_tui.services import focus, tickets
from helpdesk_tui.services.errors import InvalidRequest, NotFound
from helpdesk_tui.services.sync import anything_happened, sync_workspace
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.inbox import view_query
from helpdesk_tui.sync.engine import SyncReport
from tests.conftest import DEMO_NOW


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


@pytest.fixture
def cache(workspace):
    with workspace.cache() as cache:
        yield cache


@pytest.mark.parametrize("view, filter_text, words", [
    ("nope", "", "Unknown view 'nope': use one of "),
    ("all", "status:bogus", "Unknown status"),
])
def test_a_view_or_filter_that_does_not_exist_is_an_invalid_request(workspace, view, filter_text, words):
    with pytest.raises(InvalidRequest, match=words) as caught:
        tickets.inbox_query(workspace.settings, view, filter_text, DEMO_NOW)
    assert caught.value.status == 2


def test_the_inbox_comes_in_pages_in_the_apps_order(workspace, cache, monkeypatch):
    monkeypatch.setattr(tickets, "PAGE", 7)
    query = tickets.inbox_query(workspace.settings, "all", "", DEMO_NOW)
    pages = list(tickets.inbox_pages(cache, query, limit=20))
    assert [len(p) for p in pages] == [7, 7, 6]
    app_view = next(v for v in builtin_views(workspace.settings.agent.name) if v.id == "all")
    assert [r.id for p in pages for r in p] == list(cache.inbox_ids(view_query(app_view, DEMO_NOW), limit=20))


def test_a_ticket_comes_with_its_thread_timeline_and_customer(cache):
    detail = tickets.ticket_detail(cache, "#10001")
    assert detail.ticket.number == 10001 and detail.messages and detail.customer is not None
    with pytest.raises(NotFound):
        tickets.ticket_detail(cache, "99999999")


def test_search_finds_japanese_words(cache):
    assert tickets.search(cache, "請求", limit=5)


@pytest.mark.parametrize("reference", ["abc", "-1", ""])
def test_a_session_reference_must_be_a_number(reference):
    with pytest.raises(InvalidRequest, match="is not a session number: 'helpdesk-tui sessions' lists them."):
        focus.session_number(reference)


def test_sessions_limit_and_a_missing_session(cache):
    with pytest.raises(InvalidRequest, match=r"^--limit must be at least 1\.$"):
        focus.list_sessions(cache, DEMO_NOW, 0)
    assert focus.session_number(" #12 ") == "12"
    with pytest.raises(NotFound, match="^No focus session 424242 in the 'demo' cache"):
        focus.session_summary(cache, "#424242", DEMO_NOW)


def test_a_sync_of_the_demo_reports_progress_and_what_it_did(workspace):
    seen = []
    outcome = sync_workspace(workspace, seen.append, lambda: datetime.now(UTC))
    assert outcome.report.problem is None and outcome.report.online
    assert all(p.tickets >= 0 for p in seen)


def test_an_empty_report_says_nothing_happened():
    report = SyncReport()
    assert not anything_happened(report)
    report.pushed.failed = 1
    assert anything_happened(report)


def test_a_views_query_is_the_stores_and_a_typed_filter_narrows_it(workspace, cache):
    """services.tickets.view_query: what the inbox (TUI) lists for a view, narrowed by the filter box."""
    from helpdesk_tui.domain.query import parse_filter

    me = workspace.settings.agent.name
    app_view = next(v for v in builtin_views(me) if v.id == "all")
    assert tickets.view_query(app_view, DEMO_NOW) == view_query(app_view, DEMO_NOW)
    typed = parse_filter("status:open", me=me)
    narrowed = tickets.view_query(app_view, DEMO_NOW, typed)
    assert narrowed == tickets.inbox_query(workspace.settings, "all", "status:open", DEMO_NOW)
    assert 0 < cache.inbox_count(narrowed) < cache.inbox_count(tickets.view_query(app_view, DEMO_NOW))


def test_a_tickets_thread_is_refreshed_from_the_helpdesk_and_an_unknown_ticket_is_not(tmp_path):
    """services.sync.refresh_thread: the look at the helpdesk's thread before a reply goes out."""
    from helpdesk_tui.services.sync import refresh_thread, run_sync
    from helpdesk_tui.services.types import Cache
    from helpdesk_tui.sync.backends.demo import DemoBackend
    from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk

    helpdesk = DemoHelpdesk()
    remote_id = helpdesk.create_ticket("Printer on fire", "It smokes.")
    backend = DemoBackend(helpdesk=helpdesk)
    cache = Cache(tmp_path / "cache.db", "acct")
    try:
        assert run_sync(cache, backend).problem is None
        everything = next(v for v in builtin_views("me") if v.id == "all")
        (ticket_id,) = cache.inbox_ids(tickets.view_query(everything, DEMO_NOW))
        before = len(cache.thread(ticket_id))
        helpdesk.customer_writes(remote_id, "Now the paper is burning too.")
        assert refresh_thread(cache, backend, ticket_id) is True
        assert len(cache.thread(ticket_id)) == before + 1
        assert refresh_thread(cache, backend, 99_999_999) is False
    finally:
        cache.close()


@pytest.mark.parametrize("typed", ["10015", "#10015", " #10015 "])
def test_a_ticket_number_typed_at_jump_finds_the_cached_ticket(cache, typed):
    ticket = tickets.find_by_number(cache, typed)
    assert ticket is not None and ticket.number == 10015
    assert tickets.jump_target(cache, typed).id == ticket.id


def test_a_number_not_in_the_cache_is_one_sentence(cache):
    assert tickets.find_by_number(cache, "12345") is None
    with pytest.raises(NotFound) as caught:
        tickets.jump_target(cache, "#12345")
    assert str(caught.value) == "#12345 is not in the cache: sync, or check the number."


@pytest.mark.parametrize("typed", ["", "abc", "10 015", "#", "1e5", "12345678901234567890", "x" * 200])
def test_what_is_not_a_ticket_number_is_an_invalid_request(cache, typed):
    with pytest.raises(InvalidRequest, match=r"is not a ticket number: type its digits, like 10015\.$") as caught:
        tickets.jump_target(cache, typed)
    assert len(str(caught.value)) < 100  # a pasted page is not echoed back whole


@pytest.mark.parametrize("typed", ["10015", "#10015"])
def test_a_filter_that_is_only_a_number_lists_that_ticket_whatever_the_view(workspace, cache, typed):
    wanted = tickets.find_by_number(cache, "10015")
    assert wanted is not None
    for view in ("mine", "due", "waiting", "all"):
        query = tickets.inbox_query(workspace.settings, view, typed, DEMO_NOW)
        assert list(cache.inbox_ids(query)) == [wanted.id], view
        assert cache.inbox_count(query) == 1
    mine = tickets.inbox_query(workspace.settings, "mine", "", DEMO_NOW)
    assert wanted.id not in cache.inbox_ids(mine)  # so "mine" alone would not have found it
    assert list(cache.inbox_ids(tickets.inbox_query(workspace.settings, "all", "#12345", DEMO_NOW))) == []
