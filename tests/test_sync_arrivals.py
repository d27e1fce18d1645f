"""What a sync brought: the engine's report names the new tickets and the customer replies,
and the services layer keeps those that land in the agent's views (theirs or unassigned, active)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.services.sync import arrivals_in_views, run_sync
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.contract import RemoteMessage
from helpdesk_tui.sync.engine import SyncEngine

from tests.factories import NOW
from tests.test_sync_engine import ScriptedBackend, pages_of, remote_ticket


def ticket(n, *, assignee=None, status=Status.OPEN, subject=None):
    return replace(remote_ticket(n, status=status, subject=subject), assignee=assignee)


def msg(rid, kind, body, minutes=0):
    return RemoteMessage(rid, kind, "someone", body, NOW + timedelta(minutes=minutes))


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "acct.sqlite", "acct")


FIRST = [ticket(1, assignee="you"), ticket(2, assignee="dana")]
FIRST_THREADS = {"T1": [msg("m1", MessageKind.CUSTOMER, "help")], "T2": [msg("d1", MessageKind.CUSTOMER, "hi")]}


def second_sync(cache, tickets, threads):
    """A first page already applied (the cache is not empty), then ``tickets`` on the next page."""
    backend = ScriptedBackend(pages_of(FIRST, tickets), dict(FIRST_THREADS))
    SyncEngine(cache, backend, lambda: NOW).pull(max_pages=1)
    backend.threads.update(threads)  # what the helpdesk holds by the second sync
    return SyncEngine(cache, backend, lambda: NOW).pull()


def test_the_report_names_new_tickets_and_tickets_with_a_new_customer_message(cache):
    report = second_sync(cache, [ticket(3), ticket(1, assignee="you"), ticket(2, assignee="dana")], {
        "T1": [msg("m1", MessageKind.CUSTOMER, "help"), msg("m2", MessageKind.CUSTOMER, "still down", 5)],
        "T2": [msg("d1", MessageKind.CUSTOMER, "hi"), msg("d2", MessageKind.INTERNAL_NOTE, "note", 5)],
        "T3": [msg("n1", MessageKind.CUSTOMER, "new one")],
    })
    assert (report.new, report.updated, report.first_fill) == (1, 2, False)
    assert [(a.number, a.customer_reply, a.assignee) for a in report.arrivals] == [(3, False, None), (1, True, "you")]
    assert report.arrivals[0].ticket_id == cache.find_ticket("3").id


def test_the_agents_own_reply_coming_back_is_not_an_arrival(cache):
    report = second_sync(cache, [ticket(1, assignee="you")], {
        "T1": [msg("m1", MessageKind.CUSTOMER, "help"), msg("r1", MessageKind.PUBLIC_REPLY, "on it", 5)]})
    assert report.updated == 1 and report.arrivals == []
    assert not arrivals_in_views(report, "you")


def test_only_active_tickets_of_the_agent_or_nobody_are_in_the_views(cache):
    report = second_sync(cache, [
        ticket(3, assignee="you", subject="mine"), ticket(4, subject="nobody's"), ticket(5, assignee="dana"),
        ticket(6, assignee="you", status=Status.SOLVED), ticket(1, assignee="you"), ticket(2, assignee="dana"),
    ], {
        "T1": [msg("m1", MessageKind.CUSTOMER, "help"), msg("m2", MessageKind.CUSTOMER, "again", 5)],
        "T2": [msg("d1", MessageKind.CUSTOMER, "hi"), msg("d2", MessageKind.CUSTOMER, "hello?", 5)],
    })
    arrivals = arrivals_in_views(report, "you")
    assert [a.number for a in arrivals.new] == [3, 4]
    assert [a.number for a in arrivals.replies] == [1]
    assert [a.number for a in arrivals_in_views(report, "dana").new] == [4, 5]


def test_a_ticket_new_and_then_answered_in_one_sync_is_announced_once_as_new(cache):
    backend = ScriptedBackend(pages_of(FIRST, [ticket(3)], [ticket(3)]), {
        **FIRST_THREADS, "T3": [msg("n1", MessageKind.CUSTOMER, "a"), msg("n2", MessageKind.CUSTOMER, "b", 1)]})
    SyncEngine(cache, backend, lambda: NOW).pull(max_pages=1)
    # the second page brings T3 with its thread; the third again, with nothing new in it
    report = run_sync(cache, backend, clock=lambda: NOW)
    arrivals = arrivals_in_views(report, "you")
    assert [a.number for a in arrivals.new] == [3] and arrivals.replies == []


def test_the_first_sync_into_an_empty_cache_is_a_fill_not_arrivals(cache):
    report = SyncEngine(cache, ScriptedBackend(pages_of(FIRST), FIRST_THREADS), lambda: NOW).pull()
    assert report.first_fill and [a.number for a in report.arrivals] == [1, 2]
    assert not arrivals_in_views(report, "you")


def test_a_record_the_cache_cannot_take_is_not_announced(cache):
    bad = ticket(3, subject="bad \ud800 surrogate")  # a lone surrogate: SQLite cannot store it
    report = second_sync(cache, [bad, ticket(4)], {})
    assert report.skipped and [a.number for a in report.arrivals] == [4]
