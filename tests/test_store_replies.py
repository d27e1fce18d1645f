"""Drafts, the outbox and the knowledge base in the cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.domain.models import Article, Draft
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Status
from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.store import drafts, kb, outbox, sync_apply, tickets, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import Capabilities, PushResult
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.outbox_sender import drain_outbox

from tests.factories import NOW, Builder

LATER = NOW + timedelta(minutes=3)  # past the grace period for unknown outcomes


@pytest.fixture
def setup(tmp_path):
    path = tmp_path / "a.sqlite"
    conn = open_database(path)
    b = Builder()
    t = b.ticket("Site down", status=Status.NEW, first_response_due_at=NOW + timedelta(minutes=10),
                 remote_id="R-1")
    with transaction(conn):
        writer.save_tickets(conn, [t])
        writer.save_messages(conn, [b.message(t, "help, the site is down")])
    return conn, t, path


def test_draft_round_trip_keeps_cursor_and_what_was_seen(setup):
    conn, t, _ = setup
    d = Draft(t.id, MessageKind.PUBLIC_REPLY, "Hello\nwor", NOW, NOW, cursor=(1, 3), seen_message_id=1)
    with transaction(conn):
        drafts.save_draft(conn, d)
    got = drafts.get_draft(conn, t.id)
    assert (got.body, got.cursor, got.seen_message_id, got.kind) == ("Hello\nwor", (1, 3), 1, MessageKind.PUBLIC_REPLY)
    with transaction(conn):
        drafts.save_draft(conn, Draft(t.id, MessageKind.PUBLIC_REPLY, "Hello world", NOW, NOW, (0, 11), 99))
    got = drafts.get_draft(conn, t.id)
    assert got.body == "Hello world" and got.seen_message_id == 1  # the start of the draft is kept


def test_queue_reply_writes_message_ticket_events_and_outbox_together(setup):
    conn, t, _ = setup
    with transaction(conn):
        drafts.save_draft(conn, Draft(t.id, MessageKind.PUBLIC_REPLY, "draft", NOW, NOW))
    promise = NOW + timedelta(hours=2)
    plan = ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "We are on it.", "you", Status.PENDING, promise)
    with transaction(conn):
        message_id, item_id = outbox.queue_reply(conn, plan, NOW)
    ticket = tickets.get_ticket(conn, t.id)
    assert ticket.status == Status.PENDING and ticket.first_response_at == NOW
    assert ticket.next_checkpoint_at == promise
    thread = tickets.thread(conn, t.id)
    assert thread[-1].id == message_id and thread[-1].delivery == "queued" and thread[-1].remote_id is None
    kinds = [e.kind for e in tickets.timeline(conn, t.id)]
    assert {EventKind.REPLIED, EventKind.FIRST_RESPONSE, EventKind.CHECKPOINT_SET, EventKind.STATUS_CHANGED} <= set(kinds)
    assert [i.id for i in outbox.pending(conn, NOW)] == [item_id]
    assert drafts.get_draft(conn, t.id) is None
    # The promise is what the SLA clock now counts down to.
    assert conn.execute("SELECT sla_kind, sla_due_at FROM tickets WHERE id = ?", (t.id,)).fetchone() == (
        "next_update", int(promise.timestamp()))


def test_a_failed_transaction_leaves_no_trace_of_the_reply(setup):
    conn, t, _ = setup
    plan = ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "We are on it.", "you")
    with pytest.raises(RuntimeError):
        with transaction(conn):
            outbox.queue_reply(conn, plan, NOW)
            raise RuntimeError("crash before commit")
    assert outbox.pending(conn, NOW) == []
    assert len(tickets.thread(conn, t.id)) == 1
    assert tickets.get_ticket(conn, t.id).first_response_at is None


def test_an_internal_note_does_not_count_as_first_response(setup):
    conn, t, _ = setup
    with transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.INTERNAL_NOTE, "checked logs", "you"), NOW)
    ticket = tickets.get_ticket(conn, t.id)
    assert ticket.first_response_at is None and ticket.status == Status.NEW
    assert outbox.pending(conn, NOW)[0].action == "note"


def test_demo_backend_delivers_each_item_once_and_marks_it_sent(setup):
    conn, t, path = setup
    with transaction(conn):
        _, first = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
        _, second = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.INTERNAL_NOTE, "two", "you"), NOW)
    cache = Cache(path, "a")
    result = drain_outbox(cache, DemoBackend(), lambda: NOW)
    assert result.sent == 2
    assert drain_outbox(cache, DemoBackend(), lambda: NOW).sent == 0  # nothing twice
    thread = tickets.thread(conn, t.id)
    assert [m.delivery for m in thread[-2:]] == ["sent", "sent"]
    assert thread[-1].remote_id == f"demo-{second}"


class Flaky:
    """A backend without idempotency keys whose next calls fail as told."""

    name = "flaky"
    capabilities = Capabilities(change_feed="timestamp", idempotency=False)

    def __init__(self, failures, delivered=None):
        self.failures = list(failures)
        self.calls = []
        self.delivered = delivered  # what find_delivered answers
        self.looked = []

    def push(self, item, ticket_remote_id, version):
        self.calls.append(item.id)
        if self.failures:
            raise self.failures.pop(0)
        return PushResult(remote_id=f"r-{len(self.calls)}")

    def find_delivered(self, item, ticket_remote_id):
        self.looked.append(item.id)
        return self.delivered


def test_a_retryable_failure_keeps_the_item_and_the_order(setup):
    conn, t, path = setup
    with transaction(conn):
        _, first = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
        _, second = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "two", "you"), NOW)
    backend = Flaky([errors.Unreachable("server unreachable")])
    result = drain_outbox(Cache(path, "a"), backend, lambda: NOW)
    assert (result.sent, result.waiting) == (0, 1) and backend.calls == [first]
    assert [i.id for i in outbox.pending(conn, NOW)] == [first, second]
    result = drain_outbox(Cache(path, "a"), backend, lambda: NOW)
    assert result.sent == 2


def test_a_refused_item_is_failed_with_its_reason_and_others_go_on(setup):
    conn, t, path = setup
    with transaction(conn):
        _, first = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
        outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "two", "you"), NOW)
    result = drain_outbox(Cache(path, "a"), Flaky([errors.BadResponse("ticket is closed")]), lambda: NOW)
    assert (result.sent, result.failed) == (1, 1)
    failed = [i for i in outbox.all_items(conn) if i.state == "failed"]
    assert [(i.id, i.last_error) for i in failed] == [(first, "ticket is closed")]


def test_unknown_outcome_is_never_blindly_resent_the_thread_is_read_first(setup):
    conn, t, path = setup
    with transaction(conn):
        _, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
    backend = Flaky([errors.UnknownOutcome("timeout after send")], delivered="remote-77")
    first = drain_outbox(Cache(path, "a"), backend, lambda: NOW)
    assert (first.sent, first.waiting) == (0, 1) and outbox.all_items(conn)[0].state == "unknown"
    # Within the grace period a held request may still land: nobody looks yet.
    assert drain_outbox(Cache(path, "a"), backend, lambda: NOW + timedelta(seconds=30)).sent == 0
    assert backend.looked == []
    second = drain_outbox(Cache(path, "a"), backend, lambda: LATER)
    assert second.sent == 1 and backend.calls == [item]  # pushed once, found the second time
    assert backend.looked == [item]
    assert tickets.thread(conn, t.id)[-1].remote_id == "remote-77"


def test_unknown_outcome_not_found_on_the_server_is_sent_again_once(setup):
    conn, t, path = setup
    with transaction(conn):
        _, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
    backend = Flaky([errors.UnknownOutcome("dropped")], delivered=None)
    drain_outbox(Cache(path, "a"), backend, lambda: NOW)
    assert drain_outbox(Cache(path, "a"), backend, lambda: LATER).sent == 1
    assert backend.calls == [item, item] and backend.looked == [item]


def test_when_the_lookup_itself_fails_the_item_stays_unknown_and_is_not_sent(setup):
    conn, t, path = setup
    with transaction(conn):
        _, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
    backend = Flaky([errors.UnknownOutcome("dropped")], delivered=None)
    drain_outbox(Cache(path, "a"), backend, lambda: NOW)

    def failing_lookup(item, ticket_remote_id):
        raise errors.ServerError("503")

    backend.find_delivered = failing_lookup
    result = drain_outbox(Cache(path, "a"), backend, lambda: LATER)
    assert result.sent == 0 and backend.calls == [item]
    assert outbox.all_items(conn)[0].state == "unknown"


def test_a_found_message_already_owned_by_another_local_message_is_not_ours(setup):
    conn, t, path = setup
    with transaction(conn):
        first_msg, first = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.INTERNAL_NOTE, "same", "you"), NOW)
        _, second = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.INTERNAL_NOTE, "same", "you"), NOW)
        outbox.mark(conn, first, outbox.SENT, NOW, remote_id="r-1")
        outbox.mark(conn, second, outbox.UNKNOWN, NOW)
    backend = Flaky([], delivered="r-1")  # the look-up finds the first note's twin
    assert drain_outbox(Cache(path, "a"), backend, lambda: LATER).sent == 1
    assert backend.calls == [second]  # so the second is sent, not taken as delivered


def test_a_found_message_a_pull_brought_in_first_is_ours_and_merged_not_sent_again(setup):
    """Unknown outcome, then a pull brings the server's copy in as its own row (the server
    reworded it, so the pull could not tell it was ours), then the look-up finds it: the item
    is sent (not again), and the cache holds one message, ours, bound to the server's id."""
    conn, t, path = setup
    with transaction(conn):
        mine, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "**Fixed**, see the guide.",
                                                        "you"), NOW)
        outbox.mark(conn, item, outbox.UNKNOWN, NOW)
    with transaction(conn):
        sync_apply.apply_thread(conn, t.id, [RemoteMessage(
            remote_id="r-5", kind=MessageKind.PUBLIC_REPLY, author="you", body="<p><b>Fixed</b>, see the guide.</p>",
            created_at=NOW, body_format="html")], 0)
    assert len([m for m in tickets.thread(conn, t.id) if m.kind == MessageKind.PUBLIC_REPLY]) == 2
    backend = Flaky([], delivered="r-5")
    assert drain_outbox(Cache(path, "a"), backend, lambda: LATER).sent == 1
    assert backend.calls == []  # found, not sent a second time
    replies = [m for m in tickets.thread(conn, t.id) if m.kind == MessageKind.PUBLIC_REPLY]
    assert [(m.id, m.remote_id) for m in replies] == [(mine, "r-5")]
    assert outbox.all_items(conn)[0].state == outbox.SENT


def test_the_server_copy_of_a_message_whose_answer_was_lost_is_recognised_by_the_pull(setup):
    """Zendesk answers our plain text as HTML: the pull binds it to our message, not a second row."""
    conn, t, path = setup
    with transaction(conn):
        mine, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "Fixed & done.\n\nBye",
                                                        "you"), NOW)
        outbox.mark(conn, item, outbox.UNKNOWN, NOW)
        sync_apply.apply_thread(conn, t.id, [RemoteMessage(
            remote_id="r-6", kind=MessageKind.PUBLIC_REPLY, author="you", created_at=NOW, body_format="html",
            body='<div class="zd-comment" dir="auto"><p>Fixed &amp; done.</p><p>Bye</p></div>')], 0)
    replies = [m for m in tickets.thread(conn, t.id) if m.kind == MessageKind.PUBLIC_REPLY]
    assert [(m.id, m.remote_id) for m in replies] == [(mine, "r-6")]


def test_an_item_left_sending_by_a_crash_is_looked_up_first(setup):
    conn, t, path = setup
    with transaction(conn):
        _, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
        # what a kill -9 mid-request leaves behind, ten minutes ago
        outbox.mark(conn, item, outbox.SENDING, NOW - timedelta(minutes=10), attempt=True)
    backend = Flaky([], delivered="r-9")
    assert drain_outbox(Cache(path, "a"), backend, lambda: NOW).sent == 1
    assert backend.calls == [] and backend.looked == [item]


def test_an_item_another_drainer_is_sending_right_now_is_left_alone(setup):
    conn, t, path = setup
    with transaction(conn):
        _, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
        outbox.mark(conn, item, outbox.SENDING, NOW - timedelta(seconds=5), attempt=True)
    backend = Flaky([])
    assert drain_outbox(Cache(path, "a"), backend, lambda: NOW).sent == 0
    assert backend.calls == [] and backend.looked == []


def test_two_drainers_racing_for_one_item_send_it_once(setup):
    conn, t, path = setup
    with transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
    item = outbox.pending(conn, NOW)[0]
    with transaction(conn):
        assert outbox.claim(conn, item, NOW)
    with transaction(conn):
        assert not outbox.claim(conn, item, NOW)  # the same snapshot cannot be claimed twice


def test_a_conflict_waits_for_the_agent_and_can_be_retried_or_dropped(setup):
    conn, t, path = setup
    with transaction(conn):
        _, item = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
    result = drain_outbox(Cache(path, "a"), Flaky([errors.Conflict("changed")]), lambda: NOW)
    assert result.conflicts == 1 and outbox.pending(conn, NOW) == []
    with transaction(conn):
        assert outbox.retry(conn, item, NOW)
    assert [i.id for i in outbox.pending(conn, NOW)] == [item]


@pytest.fixture
def kbase(tmp_path):
    conn = open_database(tmp_path / "kb.sqlite")
    b = Builder()
    articles = [
        Article("Resetting your password", "Open **Account** and choose *Reset password*.", id=1),
        Article("DNS propagation", "Changes to nameservers take up to 48 hours to propagate.", id=2),
        Article("返金について", "返金のお手続きは請求画面から行えます。", language="ja", id=3),
        Article("איפוס סיסמה", "כדי לאפס סיסמה יש להיכנס להגדרות", language="he", id=4),
    ]
    solved = b.ticket("Password trouble", status=Status.SOLVED)
    open_ = b.ticket("Password again")
    with transaction(conn):
        writer.save_articles(conn, articles)
        writer.save_tickets(conn, [solved, open_])
        writer.save_messages(conn, [
            b.message(solved, "I cannot reset my password"),
            b.message(solved, "Use the reset link on the login page; it expires in 1 hour.", MessageKind.PUBLIC_REPLY),
            b.message(open_, "Reset password link expired", MessageKind.PUBLIC_REPLY),
        ])
    return conn


@pytest.mark.parametrize("query, article_id", [("password", 1), ("propag", 2), ("返金", 3), ("סיסמה", 4)])
def test_article_search_in_every_script(kbase, query, article_id):
    assert kb.search_articles(kbase, query)[0].article_id == article_id


def test_past_replies_come_only_from_public_answers_on_solved_tickets(kbase):
    hits = kb.search_past_replies(kbase, "reset")
    assert [h.snippet for h in hits] == ["Use the reset link on the login page; it expires in 1 hour."]


def test_suggestions_come_from_the_tickets_own_words(kbase):
    hits = kb.suggest_articles(kbase, "Our nameservers changed yesterday and the site still does not propagate")
    assert hits[0].article_id == 2
    assert kb.suggest_articles(kbase, "返金をお願いします")[0].article_id == 3
    assert kb.suggest_articles(kbase, "the and of") == []


def test_later_items_of_a_ticket_wait_behind_one_whose_outcome_is_unknown(setup):
    conn, t, path = setup
    with transaction(conn):
        _, first = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "one", "you"), NOW)
        _, second = outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "two", "you"), NOW)
    backend = Flaky([errors.UnknownOutcome("dropped")], delivered=None)
    drain_outbox(Cache(path, "a"), backend, lambda: NOW)
    drain_outbox(Cache(path, "a"), backend, lambda: NOW + timedelta(seconds=30))
    assert backend.calls == [first]  # "two" must not overtake "one"
    drain_outbox(Cache(path, "a"), backend, lambda: LATER)
    assert backend.calls == [first, first, second]
