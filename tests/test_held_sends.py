"""Held sends in the cache (store.held): hold, release, take back, and exactly-once around
the end of the undo window, with real SQLite files, real threads and a real killed process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.store import drafts, held, outbox, tickets, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.sync.contract import Capabilities, PushResult
from helpdesk_tui.sync.outbox_sender import drain_outbox

from tests.factories import NOW, Builder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNTIL = NOW + timedelta(seconds=10)
PROMISE = NOW + timedelta(hours=2)


class RecordingBackend:
    """Accepts everything and remembers each push (its idempotency key), optionally pausing
    inside the request until the test lets it go."""

    name = "recording"
    label = "recording"
    capabilities = Capabilities(change_feed="cursor", idempotency=True)

    def __init__(self) -> None:
        self.pushed: list[str] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()

    def push(self, item, ticket_remote_id, version) -> PushResult:
        self.entered.set()
        self.release.wait(10)
        with self._lock:
            self.pushed.append(item.id)
        return PushResult(remote_id=f"r-{item.id}")

    def find_delivered(self, item, ticket_remote_id):
        return f"r-{item.id}" if item.id in self.pushed else None


def make_ticket(path):
    conn = open_database(path)
    b = Builder()
    t = b.ticket("Site down", status=Status.NEW, first_response_due_at=NOW + timedelta(minutes=10), remote_id="R-1")
    with transaction(conn):
        writer.save_tickets(conn, [t])
        writer.save_messages(conn, [b.message(t, "help, the site is down")])
    return conn, t


@pytest.fixture
def setup(tmp_path):
    path = tmp_path / "a.sqlite"
    conn, t = make_ticket(path)
    return conn, t, path


def draft_of(t, body="We fixed it.\nPlease check.") -> Draft:
    return Draft(t.id, MessageKind.PUBLIC_REPLY, body, NOW - timedelta(minutes=5), NOW, cursor=(1, 6),
                 seen_message_id=1, status="solved", next_checkpoint=PROMISE,
                 attachments=({"name": "log.txt", "size": 12},))


def plan_of(t, body="We fixed it.\nPlease check.\n") -> ReplyPlan:
    return ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, body, "you", Status.SOLVED, PROMISE,
                     ({"name": "log.txt", "size": 12},))


def hold(conn, t, until=UNTIL) -> str:
    with transaction(conn):
        drafts.save_draft(conn, draft_of(t))
    with transaction(conn):
        return held.hold_reply(conn, plan_of(t), NOW, until, draft=drafts.get_draft(conn, t.id))


def test_migration_v8_adds_draft_and_outbox_columns(setup):
    conn, _, _ = setup
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 8  # v9 (sync_status) came after
    draft_cols = {r[1] for r in conn.execute("PRAGMA table_info(drafts)")}
    outbox_cols = {r[1] for r in conn.execute("PRAGMA table_info(outbox)")}
    assert {"status", "next_checkpoint_at", "attachments"} <= draft_cols and "not_before" in outbox_cols


def test_draft_keeps_status_promise_and_attachments(setup):
    conn, t, _ = setup
    with transaction(conn):
        drafts.save_draft(conn, draft_of(t))
    got = drafts.get_draft(conn, t.id)
    assert (got.status, got.next_checkpoint, got.attachments) == ("solved", PROMISE, ({"name": "log.txt", "size": 12},))


def test_a_held_reply_has_no_local_effect_and_is_not_pending(setup):
    conn, t, _ = setup
    before = tickets.get_ticket(conn, t.id)
    item_id = hold(conn, t)
    assert drafts.get_draft(conn, t.id) is None  # the draft is inside the held item now
    assert len(tickets.thread(conn, t.id)) == 1
    after = tickets.get_ticket(conn, t.id)
    assert (after.status, after.first_response_at, after.next_checkpoint_at) == (
        before.status, before.first_response_at, before.next_checkpoint_at)
    assert outbox.pending(conn, UNTIL + timedelta(hours=1)) == []  # only a release makes it pending
    assert [s.item_id for s in held.held_sends(conn)] == [item_id]
    assert held.next_wake(conn) == UNTIL


def test_undo_before_the_window_ends_gives_back_the_draft_it_was_and_nothing_is_ever_released(setup):
    conn, t, _ = setup
    hold(conn, t)
    with transaction(conn):
        draft = held.take_back(conn, t.id, UNTIL - timedelta(seconds=1))
    assert draft.body == "We fixed it.\nPlease check." and draft.cursor == (1, 6)
    assert (draft.status, draft.next_checkpoint, draft.seen_message_id) == ("solved", PROMISE, 1)
    assert draft.attachments == ({"name": "log.txt", "size": 12},)
    assert drafts.get_draft(conn, t.id).body == draft.body
    with transaction(conn):
        assert held.release_due(conn, UNTIL + timedelta(days=1)) == []
    assert outbox.all_items(conn) == [] and len(tickets.thread(conn, t.id)) == 1


def test_release_at_the_end_queues_it_once_with_its_effect_and_undo_is_then_too_late(setup):
    conn, t, _ = setup
    item_id = hold(conn, t)
    with transaction(conn):
        assert held.release_due(conn, UNTIL - timedelta(seconds=1)) == []
    with transaction(conn):
        assert held.release_due(conn, UNTIL) == [item_id]
    with transaction(conn):
        assert held.release_due(conn, UNTIL + timedelta(seconds=5)) == []
    [item] = outbox.pending(conn, UNTIL)
    assert item.id == item_id and item.payload["status"] == "solved" and item.payload["ticket_remote_id"] == "R-1"
    thread = tickets.thread(conn, t.id)
    # Dated when the agent sent it, as the focus session and the KPIs count it.
    assert len(thread) == 2 and thread[-1].id == item.message_id and thread[-1].created_at == NOW
    ticket = tickets.get_ticket(conn, t.id)
    assert ticket.status == Status.SOLVED and ticket.first_response_at == NOW
    with transaction(conn):
        assert held.take_back(conn, t.id, UNTIL) is None
    assert drafts.get_draft(conn, t.id) is None


def test_the_window_is_never_shortened_by_rounding(setup):
    conn, t, _ = setup
    until = NOW + timedelta(seconds=10, milliseconds=300)
    hold(conn, t, until)
    with transaction(conn):
        assert held.release_due(conn, NOW + timedelta(seconds=10)) == []  # 0.3 s still to go
    with transaction(conn):
        assert len(held.release_due(conn, NOW + timedelta(seconds=11))) == 1


def test_undo_refuses_over_a_new_draft_and_keeps_both(setup):
    conn, t, _ = setup
    hold(conn, t)
    with transaction(conn):
        drafts.save_draft(conn, Draft(t.id, MessageKind.INTERNAL_NOTE, "a note begun meanwhile", NOW, NOW))
    with pytest.raises(held.HoldError):
        with transaction(conn):
            held.take_back(conn, t.id, NOW)
    assert drafts.get_draft(conn, t.id).body == "a note begun meanwhile" and len(held.held_sends(conn)) == 1


def test_drain_never_pushes_a_held_reply_before_its_time_and_pushes_it_once_after(setup):
    _, t, path = setup
    cache = Cache(path, "a")
    backend = RecordingBackend()
    clock = {"now": NOW}
    item_id = cache.hold_reply(plan_of(t), NOW, UNTIL, draft=None)
    for seconds in (0, 5, 9):
        clock["now"] = NOW + timedelta(seconds=seconds)
        drain_outbox(cache, backend, lambda: clock["now"])
    assert backend.pushed == []
    clock["now"] = UNTIL
    result = drain_outbox(cache, backend, lambda: clock["now"])
    drain_outbox(cache, backend, lambda: clock["now"])
    assert result.sent == 1 and backend.pushed == [item_id]
    assert [i.state for i in cache.outbox_items()] == ["sent"]


def test_a_later_change_to_the_same_ticket_waits_behind_the_held_reply(setup):
    conn, t, path = setup
    cache = Cache(path, "a")
    backend = RecordingBackend()
    reply_id = cache.hold_reply(plan_of(t), NOW, UNTIL)
    with transaction(conn):
        update_id = outbox.insert_item(conn, t.id, "update", {"status": "open"}, NOW + timedelta(seconds=1))
    drain_outbox(cache, backend, lambda: NOW + timedelta(seconds=2))
    assert backend.pushed == []  # the update must not overtake the reply the agent sent first
    drain_outbox(cache, backend, lambda: UNTIL)
    assert backend.pushed == [reply_id, update_id]


def test_triage_items_held_with_not_before_wait_and_undo_can_still_remove_them(setup):
    conn, t, path = setup
    cache = Cache(path, "a")
    backend = RecordingBackend()
    with transaction(conn):
        item_id = outbox.insert_item(conn, t.id, "update", {"priority": "high"}, NOW)
        outbox.hold_items(conn, [item_id], UNTIL)
    drain_outbox(cache, backend, lambda: UNTIL - timedelta(seconds=1))
    assert backend.pushed == [] and [i.state for i in cache.outbox_items()] == ["queued"]
    drain_outbox(cache, backend, lambda: UNTIL)
    assert backend.pushed == [item_id]


def test_undo_and_release_racing_from_two_connections_exactly_one_wins(tmp_path):
    """Undo pressed just as the window ends, while a drainer releases: over many rounds, the
    reply is either a draft (nothing queued) or queued once (no draft), never both or neither."""
    path = tmp_path / "race.sqlite"
    conn, t = make_ticket(path)
    other = open_database(path)
    outcomes = set()
    for _ in range(40):
        hold(conn, t)
        barrier = threading.Barrier(2)
        got: dict[str, object] = {}

        def undo(barrier=barrier, got=got):
            barrier.wait()
            with transaction(conn):
                got["draft"] = held.take_back(conn, t.id, UNTIL)

        def release(barrier=barrier, got=got):
            barrier.wait()
            with transaction(other):
                got["released"] = held.release_due(other, UNTIL)

        threads = [threading.Thread(target=undo), threading.Thread(target=release)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        undone = got["draft"] is not None
        assert undone != bool(got["released"])
        queued = conn.execute("SELECT count(*) FROM outbox WHERE state = 'queued'").fetchone()[0]
        assert queued == (0 if undone else 1)
        assert (drafts.get_draft(conn, t.id) is not None) == undone
        outcomes.add(undone)
        with transaction(conn):  # next round from a clean slate
            conn.execute("DELETE FROM outbox")
            drafts.delete_draft(conn, t.id)
    assert outcomes  # (which side wins is up to the scheduler; both are correct)


def test_a_window_ending_while_a_sync_is_pushing_sends_each_item_once(setup):
    """A second drainer (the window's end in the app) runs while the first (a sync) is inside
    a request: the held reply is released and pushed by exactly one of them."""
    _, t, path = setup
    cache = Cache(path, "a")
    backend = RecordingBackend()
    first_id = cache.queue_reply(ReplyPlan(t.id, MessageKind.INTERNAL_NOTE, "first\n", "you"), NOW)[1]
    held_id = cache.hold_reply(plan_of(t), NOW, UNTIL)
    backend.release.clear()  # the first push hangs until we let it go
    results = []
    sync = threading.Thread(target=lambda: results.append(drain_outbox(cache, backend, lambda: UNTIL)))
    sync.start()
    assert backend.entered.wait(5)
    window = threading.Thread(target=lambda: results.append(drain_outbox(cache, backend, lambda: UNTIL)))
    window.start()
    time.sleep(0.3)
    backend.release.set()
    sync.join(10)
    window.join(10)
    drain_outbox(cache, backend, lambda: UNTIL + timedelta(minutes=10))
    assert sorted(backend.pushed) == sorted([first_id, held_id])
    assert backend.pushed.count(held_id) == 1
    assert [i.state for i in cache.outbox_items()] == ["sent", "sent"]


_HOLDER = """
import sys, time
from datetime import UTC, datetime, timedelta
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache
cache = Cache(sys.argv[1], "a")
now = datetime.now(UTC)
item = cache.hold_reply(ReplyPlan(int(sys.argv[2]), MessageKind.PUBLIC_REPLY, "held then killed\\n", "you"),
                        now, now + timedelta(seconds=float(sys.argv[3])))
print(item, flush=True)
time.sleep(60)
"""


def test_kill_9_during_the_window_neither_loses_nor_doubles_the_reply(setup):
    _, t, path = setup
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), str(t.id), "2"], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, start_new_session=True)
    try:
        item_id = proc.stdout.readline().strip()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert item_id
    cache = Cache(path, "a")
    [send] = cache.held_sends()
    assert (send.item_id, send.ticket_id) == (item_id, t.id)  # not lost
    backend = RecordingBackend()
    drain_outbox(cache, backend, lambda: datetime.now(UTC))
    assert backend.pushed == []  # still inside its window: not sent early either
    time.sleep(max(0.0, (send.send_at - datetime.now(UTC)).total_seconds()) + 0.2)
    # After a restart past the window, two drainers (the app and a CLI sync) find it.
    drain_outbox(cache, backend, lambda: datetime.now(UTC))
    drain_outbox(Cache(path, "a"), backend, lambda: datetime.now(UTC))
    assert backend.pushed == [item_id]
    assert [m.body for m in cache.thread(t.id)].count("held then killed\n") == 1


def test_undo_over_a_draft_with_the_same_words_gives_back_the_held_choices(setup):
    """A late autosave of the sent text must not block the undo (and loses nothing)."""
    conn, t, _ = setup
    hold(conn, t)
    with transaction(conn):
        drafts.save_draft(conn, Draft(t.id, MessageKind.PUBLIC_REPLY, "We fixed it.\nPlease check.", NOW, NOW))
    with transaction(conn):
        draft = held.take_back(conn, t.id, NOW)
    assert draft is not None and drafts.get_draft(conn, t.id).status == "solved"


def test_a_release_long_after_the_window_is_dated_when_it_really_goes(setup):
    """The app was down through the window: the customer hears from us only now."""
    conn, t, _ = setup
    hold(conn, t)
    later = UNTIL + timedelta(hours=3)
    with transaction(conn):
        assert len(held.release_due(conn, later)) == 1
    assert tickets.thread(conn, t.id)[-1].created_at == later
    assert tickets.get_ticket(conn, t.id).first_response_at == later


def test_next_wake_forgets_a_triage_window_already_drained_but_never_a_held_send(setup):
    """Offline, a triage change whose window ended waits for the next sync (the app must not
    ask the helpdesk every few seconds); a held send stays a wake-up until it is released."""
    conn, t, _ = setup
    with transaction(conn):
        item_id = outbox.insert_item(conn, t.id, "update", {"priority": "high"}, NOW)
        outbox.hold_items(conn, [item_id], UNTIL)
    assert held.next_wake(conn) == UNTIL
    assert held.next_wake(conn, after=UNTIL) is None
    hold(conn, t, NOW + timedelta(seconds=5))
    assert held.next_wake(conn, after=UNTIL + timedelta(hours=1)) == NOW + timedelta(seconds=5)
