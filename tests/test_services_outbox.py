"""services.outbox: the checks before a reply is queued, queueing and holding it, and the outbox's
items; services.sync.send_outbox sends them once (against the demo helpdesk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.services import outbox
from helpdesk_tui.services.errors import InvalidRequest
from helpdesk_tui.services.sync import send_outbox
from helpdesk_tui.services.workspace import Workspace, find_ticket
from helpdesk_tui.store import outbox as store_outbox
from helpdesk_tui.store.db import transaction
from tests.factories import NOW

AGENT = "Dana Agent"


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


@pytest.fixture
def cache(workspace):
    with workspace.cache() as cache:
        yield cache


def check(body="We restarted it.", **options):
    return outbox.check_reply(body, **{"note": False, "status": None, "next_update": None, "delay": 0,
                                       "now": NOW, **options})


def test_a_checked_reply_carries_its_kind_status_and_promise():
    reply = check(note=True, status="on-hold", next_update="+2h", delay=5)
    assert (reply.kind, reply.new_status, reply.delay, reply.what) == (MessageKind.INTERNAL_NOTE, Status.ON_HOLD,
                                                                       5, "note")
    assert reply.checkpoint == NOW + timedelta(hours=2)
    assert check().what == "reply" and check().kind == MessageKind.PUBLIC_REPLY


@pytest.mark.parametrize("body, options, sentence", [
    (" \n", {}, "The reply is empty: write something in the file first."),
    ("Hi", {"status": "bogus"}, "Unknown status 'bogus': use one of "),
    ("Hi", {"delay": -1}, "--delay must be between 0 and "),
    ("Hi", {"delay": 10**6}, "--delay must be between 0 and "),
])
def test_a_reply_that_cannot_go_is_refused_with_one_sentence(body, options, sentence):
    with pytest.raises(InvalidRequest) as caught:
        check(body, **options)
    assert str(caught.value).startswith(sentence) and caught.value.status == 2


def test_an_unreadable_promise_is_refused():
    with pytest.raises(InvalidRequest) as caught:
        check(next_update="when pigs fly")
    assert caught.value.status == 2 and "\n" not in str(caught.value)


def test_a_queued_reply_waits_in_the_outbox_with_its_ticket_number(cache):
    ticket = find_ticket(cache, "10001")
    item_id = outbox.queue_reply(cache, ticket, check(), AGENT, NOW)
    waiting = outbox.waiting_items(cache)
    assert [(e.item.id, e.item.state, e.number) for e in waiting] == [(item_id, "queued", 10001)]


def test_a_held_reply_can_be_taken_back_in_its_window(cache):
    ticket = find_ticket(cache, "10002")
    now = datetime.now(UTC).replace(microsecond=500_000)
    held = outbox.hold_reply(cache, ticket, check(delay=30), AGENT, now)
    # The cache keeps whole seconds, rounded up: the window ends at its moment, never before ours.
    assert held.until == (now + timedelta(seconds=31)).replace(microsecond=0)
    assert [e.item.state for e in outbox.waiting_items(cache)] == ["held"]
    assert outbox.take_back(cache, held.item_id) is True
    assert outbox.waiting_items(cache) == []
    assert outbox.take_back(cache, held.item_id) is False


@pytest.fixture
def failed_and_conflicting(cache):
    ids = [outbox.queue_reply(cache, find_ticket(cache, n), check(), AGENT, NOW) for n in ("10001", "10002")]
    with cache.connection() as conn, transaction(conn):
        store_outbox.mark(conn, ids[0], store_outbox.FAILED, NOW, error="refused")
        store_outbox.mark(conn, ids[1], store_outbox.CONFLICT, NOW, error="changed")
    return ids


def states(cache) -> dict[str, str]:
    return {i.id: i.state for i in cache.outbox_items()}


def test_drop_gives_up_on_a_failed_item_and_retry_queues_a_conflict_again(cache, failed_and_conflicting):
    failed, conflict = failed_and_conflicting
    assert outbox.drop(cache, failed[:8]).id == failed
    assert outbox.retry(cache, conflict[:8], NOW).id == conflict
    assert states(cache) == {failed: "dropped", conflict: "queued"}
    assert [e.item.id for e in outbox.waiting_items(cache)] == [conflict]


@pytest.mark.parametrize("change", [outbox.drop, lambda cache, prefix: outbox.retry(cache, prefix, NOW)],
                         ids=["drop", "retry"])
def test_only_failed_or_conflicting_items_change_and_an_unknown_one_is_named(cache, failed_and_conflicting,
                                                                            change):
    failed, _ = failed_and_conflicting
    outbox.retry(cache, failed[:8], NOW)  # queued now
    with pytest.raises(InvalidRequest) as caught:
        change(cache, failed[:8])
    assert str(caught.value) == (f"Item {failed[:8]} is queued: only failed or conflicting items can be "
                                 "retried or dropped.")
    with pytest.raises(InvalidRequest, match="^No outbox item starts with 'ffffffffff': 'helpdesk-tui outbox' "
                                             "lists them.$"):
        change(cache, "ffffffffff")
    with pytest.raises(InvalidRequest, match="^More than one outbox item starts with ''"):
        change(cache, "")
    assert states(cache)[failed] == "queued"


def test_a_queued_reply_is_sent_once(workspace, cache):
    ticket = find_ticket(cache, "10003")
    before = len(cache.thread(ticket.id))
    item_id = outbox.queue_reply(cache, ticket, check("Fixed now."), AGENT, datetime.now(UTC))
    backend = workspace.backend()
    assert send_outbox(cache, backend).sent == 1
    assert send_outbox(cache, backend).sent == 0
    assert states(cache)[item_id] == "sent"
    assert len(cache.thread(ticket.id)) == before + 1
