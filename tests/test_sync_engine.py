"""The sync engine against a scripted backend: pages applied with their cursor, resumable, idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import outbox, rows, sync_apply
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import (
    Capabilities, ChangePage, PushResult, RemoteMessage, RemoteOrganization, RemoteTicket, RemoteUser,
)
from helpdesk_tui.sync.engine import SyncEngine

from tests.factories import NOW


def remote_ticket(n: int, *, status=Status.OPEN, updated=NOW, subject=None) -> RemoteTicket:
    return RemoteTicket(remote_id=f"T{n}", number=n, subject=subject or f"ticket {n}", status=status,
                        priority=Priority.HIGH, created_at=NOW - timedelta(hours=n), updated_at=updated,
                        requester_remote_id="U1", organization_remote_id="O1", raw={"id": n})


class ScriptedBackend:
    """Serves the pages it is given, in order, keyed by the cursor it handed out."""

    name = "scripted"
    capabilities = Capabilities(change_feed="cursor", idempotency=False, deletions=True)

    def __init__(self, pages: list[ChangePage], threads: dict[str, list[RemoteMessage]] | None = None):
        self.pages = pages
        self.threads = threads or {}
        self.pulls: list[str | None] = []
        self.fail_on_page: int | None = None

    def pull(self, cursor):
        self.pulls.append(cursor)
        index = 0 if cursor is None else int(cursor)
        if index == self.fail_on_page:
            raise errors.Unreachable("network went away")
        if index >= len(self.pages):
            return ChangePage(cursor=cursor, done=True)
        return self.pages[index]

    def fetch_thread(self, ticket):
        return self.threads.get(ticket.remote_id if not isinstance(ticket, str) else ticket, [])

    def push(self, item, ticket_remote_id, version):
        return PushResult(remote_id="m-sent")

    def find_delivered(self, item, ticket_remote_id):
        return None


def pages_of(*groups, done_last=True):
    out = []
    for i, group in enumerate(groups):
        out.append(ChangePage(tickets=list(group), users=[RemoteUser("U1", "Aiko Tanaka", "aiko@example.jp",
                                                                     "O1", "ja")],
                              organizations=[RemoteOrganization("O1", "ACME")], cursor=str(i + 1),
                              done=done_last and i == len(groups) - 1))
    return out


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "acct.sqlite", "acct")


def count(cache, sql):
    with cache.connection() as conn:
        return conn.execute(sql).fetchone()[0]


def test_pull_applies_every_page_with_customers_and_threads(cache):
    thread = [RemoteMessage("m1", MessageKind.CUSTOMER, "Aiko", "help", NOW - timedelta(hours=1)),
              RemoteMessage("m2", MessageKind.PUBLIC_REPLY, "you", "on it", NOW)]
    backend = ScriptedBackend(pages_of([remote_ticket(1), remote_ticket(2)], [remote_ticket(3)]), {"T1": thread})
    report = SyncEngine(cache, backend, lambda: NOW).pull()
    assert (report.new, report.pulled.pages) == (3, 2)
    t1 = cache.find_ticket("1")
    assert t1.first_response_at == NOW and [m.remote_id for m in cache.thread(t1.id)] == ["m1", "m2"]
    summary = cache.customer_summary(t1.requester_id)
    assert summary.customer.language == "ja" and summary.organization.name == "ACME"
    assert t1.first_response_due_at == t1.created_at + timedelta(minutes=10)  # default policy: acknowledge in 10m


def test_a_pull_killed_between_pages_resumes_after_the_last_applied_page(cache):
    backend = ScriptedBackend(pages_of([remote_ticket(1)], [remote_ticket(2)], [remote_ticket(3)]))
    backend.fail_on_page = 1
    with pytest.raises(errors.Unreachable):
        SyncEngine(cache, backend, lambda: NOW).pull()
    assert count(cache, "SELECT count(*) FROM tickets") == 1
    backend.fail_on_page = None
    SyncEngine(cache, backend, lambda: NOW).pull()
    assert backend.pulls == [None, "1", "1", "2"]  # resumed at the page that failed
    assert count(cache, "SELECT count(*) FROM tickets") == 3


def test_a_page_is_all_or_nothing(cache, monkeypatch):
    backend = ScriptedBackend(pages_of([remote_ticket(1), remote_ticket(2)]))
    calls = {"n": 0}
    original = sync_apply.apply_thread

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed mid-page")
        return original(*args, **kwargs)

    monkeypatch.setattr(sync_apply, "apply_thread", crash_on_second)
    with pytest.raises(RuntimeError):
        SyncEngine(cache, backend, lambda: NOW).pull()
    assert count(cache, "SELECT count(*) FROM tickets") == 0
    with cache.connection() as conn:
        assert sync_apply.cursor(conn, "tickets") is None


def test_pulling_the_same_changes_twice_changes_nothing(cache):
    pages = pages_of([remote_ticket(1), remote_ticket(2)])
    thread = {"T1": [RemoteMessage("m1", MessageKind.CUSTOMER, "Aiko", "help", NOW)]}
    SyncEngine(cache, ScriptedBackend(pages, thread), lambda: NOW).pull()
    with cache.connection() as conn, transaction(conn):
        conn.execute("DELETE FROM sync_state")  # forget the cursor: the server sends it all again
    report = SyncEngine(cache, ScriptedBackend(pages, thread), lambda: NOW).pull()
    assert (report.new, report.updated) == (0, 2)
    assert count(cache, "SELECT count(*) FROM tickets") == 2
    assert count(cache, "SELECT count(*) FROM messages") == 1
    assert count(cache, f"SELECT count(*) FROM events WHERE kind = {rows.event_kind_code('received')}") == 2


def test_local_promises_survive_a_pull_and_deletions_hide_tickets(cache):
    SyncEngine(cache, ScriptedBackend(pages_of([remote_ticket(1), remote_ticket(2)])), lambda: NOW).pull()
    t1 = cache.find_ticket("1")
    with cache.connection() as conn, transaction(conn):
        conn.execute("UPDATE tickets SET next_checkpoint_at = ? WHERE id = ?", (int(NOW.timestamp()) + 3600, t1.id))
    page = ChangePage(tickets=[remote_ticket(1, status=Status.PENDING, updated=NOW + timedelta(minutes=5))],
                      deleted_ticket_ids=["T2"], cursor="x", done=True)
    backend = ScriptedBackend([page])
    with cache.connection() as conn, transaction(conn):
        conn.execute("DELETE FROM sync_state")
    SyncEngine(cache, backend, lambda: NOW).pull()
    t1 = cache.find_ticket("1")
    assert t1.status == Status.PENDING and t1.next_checkpoint_at == NOW + timedelta(hours=1)
    from helpdesk_tui.store.inbox import InboxQuery

    assert [r.number for r in cache.inbox_rows(cache.inbox_ids(InboxQuery()))] == [1]
    kinds = [e.kind for e in cache.timeline(t1.id)]
    assert "status_changed" in kinds


def test_our_own_reply_coming_back_from_the_server_is_not_shown_twice(cache):
    SyncEngine(cache, ScriptedBackend(pages_of([remote_ticket(1)])), lambda: NOW).pull()
    t1 = cache.find_ticket("1")
    with cache.connection() as conn, transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(t1.id, MessageKind.PUBLIC_REPLY, "We are  on it.\n", "you"), NOW)
    thread = {"T1": [RemoteMessage("srv-9", MessageKind.PUBLIC_REPLY, "you", "We are on it.", NOW)]}
    with cache.connection() as conn, transaction(conn):
        conn.execute("DELETE FROM sync_state")
    SyncEngine(cache, ScriptedBackend(pages_of([remote_ticket(1)]), thread), lambda: NOW).pull()
    messages = cache.thread(t1.id)
    assert [(m.remote_id, m.kind) for m in messages] == [("srv-9", MessageKind.PUBLIC_REPLY)]


def test_sync_reports_offline_in_a_sentence_instead_of_raising(cache):
    backend = ScriptedBackend(pages_of([remote_ticket(1)]))
    backend.fail_on_page = 0
    report = SyncEngine(cache, backend, lambda: NOW).sync()
    assert report.online is False and "network went away" in report.problem
