"""Exactly once for a mapped reply whose answer has no id (``new_id: null``): the real outbox
sender and a real SQLite cache drive the ``Writer`` against the Deskly fake, which applies a
write and then drops the answer, or fails before applying it. Every interleaving ends with
the reply on the server once and the outbox item sent with the server's id."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.store import outbox, sync_apply, tickets, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.timeconv import to_epoch
from helpdesk_tui.sync.contract import Capabilities, Command, PushResult
from helpdesk_tui.sync.outbox_sender import drain_outbox
from tests.factories import NOW, Builder
from tests.generic_write_rig import AGENT, NOTE_JSON, UPDATE_JSON, Rig, rig

# The reply's answer says nothing about the message: it is found by reading the thread back.
WRITES_NO_ID = "writes:\n" + NOTE_JSON + UPDATE_JSON + """
  reply:
    steps:
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: false, status_id: "{status}"}}}
    new_id: null
"""
LATER = NOW + timedelta(minutes=3)  # past outbox.UNKNOWN_GRACE: the next drain looks the item up


class WriterBackend:
    """The three calls the outbox sender makes, as the generic backend forwards them."""

    name = "deskly"
    label = "Deskly"
    capabilities = Capabilities(change_feed="timestamp")

    def __init__(self, r: Rig) -> None:
        self.rig = r
        self.looked = 0

    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        return self.rig.writer.push(command, ticket_remote_id, version, agent=AGENT)

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        self.looked += 1
        return self.rig.writer.find_delivered(command, ticket_remote_id)

    def current_version(self, ticket_remote_id: str) -> str | None:
        return self.rig.writer.current_version(ticket_remote_id)


@pytest.fixture
def world(tmp_path):
    r = rig(WRITES_NO_ID)
    remote_id = r.fake.add_ticket("Site down", "Our site answers 502.")
    path = tmp_path / "cache.sqlite"
    conn = open_database(path)
    ticket = Builder().ticket("Site down", remote_id=remote_id)
    with transaction(conn):
        writer.save_tickets(conn, [ticket])
    return r, remote_id, conn, ticket, Cache(path, "a")


def queue(conn, ticket, body: str, status: Status | None = None) -> str:
    with transaction(conn):
        _, item_id = outbox.queue_reply(conn, ReplyPlan(ticket.id, MessageKind.PUBLIC_REPLY, body, "Ana", status), NOW)
    return item_id


def copies(r: Rig, remote_id: str, body: str) -> list[str]:
    return [m.remote_id for m in r.thread(remote_id) if m.kind == MessageKind.PUBLIC_REPLY and m.body == body]


class Row:
    def __init__(self, state: str, remote_id: str | None) -> None:
        self.state, self.remote_id = state, remote_id


def item(conn, item_id: str) -> Row:
    state, remote_id = conn.execute("SELECT state, remote_id FROM outbox WHERE id = ?", (item_id,)).fetchone()
    return Row(state, remote_id)


def test_answer_lost_then_the_thread_read_finds_it_and_nothing_is_sent_again(world):
    r, remote_id, conn, ticket, cache = world
    item_id = queue(conn, ticket, "We restarted the gateway.")
    backend = WriterBackend(r)
    r.fake.lose_answers(1)
    first = drain_outbox(cache, backend, lambda: NOW)
    assert (first.sent, first.waiting) == (0, 1)
    assert item(conn, item_id).state == outbox.UNKNOWN
    second = drain_outbox(cache, backend, lambda: LATER)
    assert second.sent == 1 and backend.looked == 1
    [on_server] = copies(r, remote_id, "We restarted the gateway.")
    assert (item(conn, item_id).state, item(conn, item_id).remote_id) == (outbox.SENT, on_server)
    assert len(r.fake.writes()) == 1  # found, not sent again
    assert drain_outbox(cache, backend, lambda: LATER + timedelta(minutes=5)).sent == 0


def test_answer_lost_before_it_landed_is_not_found_and_sent_again_once(world):
    r, remote_id, conn, ticket, cache = world
    item_id = queue(conn, ticket, "Please clear your cache.")
    backend = WriterBackend(r)
    r.fake.refuse_next(502)  # a gateway answered; the helpdesk never saw it
    assert drain_outbox(cache, backend, lambda: NOW).waiting == 1
    assert copies(r, remote_id, "Please clear your cache.") == []
    assert drain_outbox(cache, backend, lambda: LATER).sent == 1
    [on_server] = copies(r, remote_id, "Please clear your cache.")
    assert item(conn, item_id).remote_id == on_server
    assert drain_outbox(cache, backend, lambda: LATER + timedelta(minutes=5)).sent == 0
    assert copies(r, remote_id, "Please clear your cache.") == [on_server]


def test_answer_lost_and_a_pull_brings_the_servers_copy_first_it_is_still_found_never_twice(world):
    r, remote_id, conn, ticket, cache = world
    item_id = queue(conn, ticket, "The certificate is renewed.")
    backend = WriterBackend(r)
    r.fake.lose_answers(1)
    drain_outbox(cache, backend, lambda: NOW)
    # A sync runs between the lost answer and the look-up: the server's copy arrives.
    with transaction(conn):
        sync_apply.apply_thread(conn, ticket.id, r.thread(remote_id), to_epoch(NOW))
    assert drain_outbox(cache, backend, lambda: LATER).sent == 1
    [on_server] = copies(r, remote_id, "The certificate is renewed.")
    assert item(conn, item_id).remote_id == on_server
    local = [m for m in tickets.thread(conn, ticket.id) if m.body == "The certificate is renewed."]
    assert [m.remote_id for m in local] == [on_server]  # one row, bound to the server's id
    assert len(r.fake.writes()) == 1


def test_the_same_words_sent_twice_on_purpose_land_twice(world):
    r, remote_id, conn, ticket, cache = world
    backend = WriterBackend(r)
    first = queue(conn, ticket, "Thanks!")
    assert drain_outbox(cache, backend, lambda: NOW).sent == 1
    second = queue(conn, ticket, "Thanks!")
    r.fake.refuse_next(502)  # the second never reached the helpdesk
    drain_outbox(cache, backend, lambda: NOW)
    assert drain_outbox(cache, backend, lambda: LATER).sent == 1
    ids = copies(r, remote_id, "Thanks!")
    assert len(ids) == 2  # the first one's id is not taken for the second
    assert {item(conn, first).remote_id, item(conn, second).remote_id} == set(ids)


def test_a_reply_with_a_status_whose_answer_was_lost_lands_once_with_its_status(world):
    r, remote_id, conn, ticket, cache = world
    item_id = queue(conn, ticket, "Fixed, closing.", Status.SOLVED)
    backend = WriterBackend(r)
    r.fake.lose_answers(1)
    drain_outbox(cache, backend, lambda: NOW)
    assert drain_outbox(cache, backend, lambda: LATER).sent == 1
    assert len(copies(r, remote_id, "Fixed, closing.")) == 1
    assert r.fake.tickets[int(remote_id)].status_id == 4
    assert item(conn, item_id).state == outbox.SENT
