"""The backend contract (sync/contract.py, commands.py, status.py): typed commands from stored
outbox items, capabilities the engine reads, sync status kept apart from the cursor and
committed with each page, and the log lines of pages and outbox transitions."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import timedelta

import pytest

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import outbox, sync_status
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.schema import MIGRATIONS, migrate
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends import django_helpdesk_map as dhm
from helpdesk_tui.sync.commands import KEEP, Attachment, Note, Reply, Update, command_from
from helpdesk_tui.sync.contract import (
    Backend, Capabilities, ChangeFeed, ChangePage, Command, Concurrency, MemoryStatus, PushResult, RemoteTicket,
)
from helpdesk_tui.sync.engine import SyncEngine

from tests.factories import NOW


def item(action: str, **payload) -> OutboxItem:
    return OutboxItem(id="ob-1", ticket_id=1, action=action, payload=payload, state="queued", attempts=0,
                      created_at=NOW, updated_at=NOW)


# ---------------------------------------------------------------- commands


def test_stored_replies_and_notes_become_typed_commands(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    reply = command_from(item("reply", body="Fixed.", public=True, status="solved",
                              next_checkpoint=(NOW + timedelta(hours=2)).isoformat(),
                              attachments=[{"name": "a.txt", "path": str(path), "size": 5}]))
    assert isinstance(reply, Reply) and reply.body == "Fixed." and reply.status is Status.SOLVED
    assert reply.next_checkpoint == NOW + timedelta(hours=2) and (reply.id, reply.created_at) == ("ob-1", NOW)
    (attached,) = reply.attachments
    assert (attached.name, attached.media_type, attached.size, attached.read()) == ("a.txt", "text/plain", 5,
                                                                                   b"hello")
    assert isinstance(command_from(item("note", body="internal", public=False)), Note)
    # A "reply" stored as not public is a note (the stored format's rule).
    assert isinstance(command_from(item("reply", body="x", public=False)), Note)


def test_an_update_keeps_apart_unchanged_fields_from_cleared_ones():
    update = command_from(item("update", priority="urgent", assignee=None, tags=["vip"], public=False))
    assert isinstance(update, Update)
    assert update.priority is Priority.URGENT and update.assignee is None and update.tags == ("vip",)
    assert update.group is KEEP and update.status is None
    assert command_from(item("update", group="Tier 2")).group == "Tier 2"


def test_an_unreadable_stored_item_is_a_sentence_not_a_crash():
    with pytest.raises(errors.NotSupported, match="could not be read"):
        command_from(item("update", priority="whenever"))
    with pytest.raises(errors.NotSupported, match="cannot send a queued 'merge'"):
        command_from(item("merge"))


def test_an_attachment_reads_its_bytes_only_when_asked(tmp_path):
    path = tmp_path / "log.txt"
    path.write_text("first")
    attachment = Attachment.from_path(path)
    path.write_text("second, longer")
    assert attachment.read() == b"second, longer" and attachment.media_type == "text/plain"


# ---------------------------------------------------------------- capabilities


def test_capabilities_are_enums_and_accept_the_old_strings():
    caps = Capabilities(change_feed="full_scan", concurrency="etag")
    assert caps.change_feed is ChangeFeed.FULL_SCAN and caps.concurrency is Concurrency.ETAG
    assert Capabilities(change_feed=ChangeFeed.CURSOR).concurrency is Concurrency.NONE
    with pytest.raises(ValueError):
        Capabilities(change_feed="rss")


class Recorder(Backend):
    """Pages as scripted; records what it is asked to push and with which version."""

    name = "recorder"
    label = "Recorder"
    capabilities = Capabilities(change_feed=ChangeFeed.CURSOR, concurrency=Concurrency.NONE)

    def __init__(self, pages: list[ChangePage] | None = None) -> None:
        super().__init__(None, None)  # type: ignore[arg-type]
        self.pages = list(pages or [])
        self.pushed: list[tuple[Command, str | None]] = []

    def check(self) -> str:
        return "ok"

    def pull(self, cursor: str | None) -> ChangePage:
        return self.pages.pop(0) if self.pages else ChangePage(cursor=cursor, done=True)

    def fetch_thread(self, ticket):
        return []

    def push(self, command, ticket_remote_id, version):
        self.pushed.append((command, version))
        return PushResult(remote_id="m-1")


def remote(n: int) -> RemoteTicket:
    return RemoteTicket(remote_id=f"T{n}", number=n, subject=f"ticket {n}", status=Status.OPEN,
                        priority=Priority.NORMAL, created_at=NOW, updated_at=NOW, version=f"v{n}", messages=[])


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "acct.sqlite", "acct")


def queue_reply_on_t1(cache: Cache) -> None:
    with cache.connection() as conn, transaction(conn):
        t = cache.find_ticket("1")
        outbox.queue_reply(conn, ReplyPlan(t.id, MessageKind.PUBLIC_REPLY, "hello", "you"), NOW)


def test_a_backend_without_concurrency_control_is_sent_no_version_and_one_with_it_is(cache):
    backend = Recorder([ChangePage(tickets=[remote(1)], cursor="1", done=True)])
    engine = SyncEngine(cache, backend, lambda: NOW)
    engine.pull()
    queue_reply_on_t1(cache)
    engine.push()
    assert [(type(c).__name__, c.body, v) for c, v in backend.pushed] == [("Reply", "hello", None)]
    backend.capabilities = Capabilities(change_feed=ChangeFeed.CURSOR, concurrency=Concurrency.ETAG)
    queue_reply_on_t1(cache)
    engine.push()
    assert backend.pushed[-1][1] == "v1"


def test_deletions_from_a_backend_that_does_not_declare_them_are_logged_and_ignored(cache, caplog):
    backend = Recorder([ChangePage(tickets=[remote(1), remote(2)], cursor="1", done=True),
                        ChangePage(deleted_ticket_ids=["T2"], cursor="2", done=True)])
    engine = SyncEngine(cache, backend, lambda: NOW)
    engine.pull()
    with caplog.at_level(logging.WARNING, logger="helpdesk_tui.sync.engine"):
        report = engine.pull()
    assert report.deleted == 0 and "does not declare deletions" in caplog.text
    backend.capabilities = Capabilities(change_feed=ChangeFeed.CURSOR, deletions=True)
    backend.pages = [ChangePage(deleted_ticket_ids=["T2"], cursor="3", done=True)]
    assert engine.pull().deleted == 1


# ---------------------------------------------------------------- logging


def test_each_sync_page_and_each_outbox_transition_is_logged(cache, caplog):
    backend = Recorder([ChangePage(tickets=[remote(1)], cursor="1", done=False),
                        ChangePage(tickets=[remote(2)], cursor="2", done=True)])
    engine = SyncEngine(cache, backend, lambda: NOW)
    with caplog.at_level(logging.INFO, logger="helpdesk_tui.sync"):
        engine.pull()
        queue_reply_on_t1(cache)
        engine.push()
    pages = [r.getMessage() for r in caplog.records if r.name == "helpdesk_tui.sync.engine"]
    assert pages == ["sync page 1 of tickets (cursor feed): 1 records, 1 new, 0 updated, 0 deleted, 0 skipped",
                     "sync page 2 of tickets (cursor feed): 1 records, 1 new, 0 updated, 0 deleted, 0 skipped"]
    moves = [r.getMessage() for r in caplog.records if r.name == "helpdesk_tui.sync.outbox_sender"]
    assert [m.split(": ", 1)[1] for m in moves] == ["queued -> sending", "sending -> sent"]
    assert all(m.startswith("outbox ") and " reply" in m for m in moves)


# ---------------------------------------------------------------- sync status


class Counting(Recorder):
    """Keeps a count in its sync status on every page; fails on the page it is told to."""

    fail_on: int | None = None

    def pull(self, cursor):
        n = int(cursor or 0) + 1
        self.status.set("count", str(n))
        self.status.set(f"page-{n}", "seen")
        if n == self.fail_on:
            raise errors.Unreachable("gone")
        return ChangePage(tickets=[remote(n)], cursor=str(n), done=n == 3)


def test_the_sync_status_is_committed_with_its_page_and_dropped_with_a_failed_one(cache):
    backend = Counting()
    backend.fail_on = 2
    with pytest.raises(errors.Unreachable):
        SyncEngine(cache, backend, lambda: NOW).pull()
    with cache.connection() as conn:
        assert sync_status.all(conn, "tickets") == {"count": "1", "page-1": "seen"}
    backend.fail_on = None
    SyncEngine(cache, backend, lambda: NOW).pull()
    with cache.connection() as conn:
        assert sync_status.all(conn, "tickets") == {"count": "3", "page-1": "seen", "page-2": "seen",
                                                    "page-3": "seen"}


def test_a_cache_of_the_previous_version_opens_and_gains_the_sync_status_table(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:8], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute("INSERT INTO sync_state (stream, cursor) VALUES ('tickets', 'kept')")
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'sync_status'").fetchone() is None
    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT cursor FROM sync_state").fetchone() == ("kept",)
    with transaction(conn):
        sync_status.write(conn, "tickets", clear=False, values=[("7", "abc 1")], deleted=[])
    assert sync_status.get(conn, "tickets", "7") == "abc 1"
    conn.close()
    cache = Cache(path, "old")
    with cache.connection() as c:
        assert sync_status.all(c, "tickets") == {"7": "abc 1"}


def test_a_version_1_full_scan_cursor_moves_its_map_into_the_status():
    old = json.dumps({"v": 1, "p": 3, "s": 50, "l": 20, "g": [5],
                      "h": {"5": "aaaa", "10": "bbbb", "30": "cccc"}, "t": {"10": 1700000000}})
    status = MemoryStatus()
    state = dhm.ScanState.load(old, 100, status)
    assert (state.page, state.size, state.scan) == (3, 50, 2)
    # 10 was seen by this scan; 5 was passed over and 30 not reached: both still to be looked at.
    assert status.all() == {"5": "aaaa 1", "10": "bbbb 2 1700000000", "30": "cccc 1"}
    assert len(state.dump()) < 60 and dhm.known_hashes(status) == {5: "aaaa", 10: "bbbb", 30: "cccc"}
    assert dhm.ScanState.load(state.dump(), 100, status) == state


def test_a_fresh_scan_forgets_the_old_status():
    status = MemoryStatus({"5": "aaaa 1"})
    assert dhm.ScanState.load(None, 100, status).scan == 1 and status.all() == {}
