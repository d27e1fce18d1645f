"""``BackendTests``: the tests every backend passes (needs pytest; see the package docstring).

Each test opens a fresh cache (``rig``), makes its own tickets on the server through the
subclass's ``ServerActions`` and then works as the app does: sync, queue, drain, sync. The
tests for a capability a backend does not declare are skipped with the reason.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.content import clean_line, clean_text
from helpdesk_tui.demo.attachment_bytes import demo_png
from helpdesk_tui.domain.models import Message
from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.triage import Change
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import outbox, outbox_files, sync_apply
from helpdesk_tui.store.attachments import message_attachments
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.testing import hostile
from helpdesk_tui.sync.testing.rig import Rig, words
from helpdesk_tui.sync.testing.server import ServerActions, ServerTicket
from helpdesk_tui.sync.testing.suite_new_ticket import NewTicketTests

SAID = (MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE)


def tag() -> str:
    """A few letters that make this test's subjects and bodies its own on a shared server."""
    return uuid.uuid4().hex[:8]


def said(thread: list[Message] | list[RemoteMessage]) -> list[tuple[MessageKind, str]]:
    """The messages people wrote (no system lines), as (kind, words)."""
    return [(m.kind, words(m)) for m in thread if m.kind in SAID]


def keeps_notes(rig: Rig) -> bool:
    """The helpdesk has internal notes (a backend without them declares
    ``Capabilities(internal_notes=False)``: its notes are refused, and the tests that write one
    leave it out)."""
    return bool(rig.capabilities.internal_notes)


def copies(thread: list[Message] | list[RemoteMessage], body: str) -> list[Message | RemoteMessage]:
    flat = " ".join(body.split())
    return [m for m in thread if " ".join(words(m).split()) == flat]


class BackendTests(NewTicketTests):
    """Subclass this in a backend's test module and give it a ``server`` fixture::

        class TestMyDesk(BackendTests):
            @pytest.fixture
            def server(self, my_desk_server) -> ServerActions:
                return MyDeskActions(my_desk_server)
    """

    @pytest.fixture
    def server(self) -> ServerActions:
        raise NotImplementedError("A BackendTests subclass provides a `server` fixture (a ServerActions).")

    @pytest.fixture
    def rig(self, server: ServerActions, tmp_path: Path) -> Iterator[Rig]:
        rig = Rig.open(server, tmp_path / "conformance.sqlite")
        yield rig
        rig.close()

    # ---------------------------------------------------------------- signing in and pulling

    def test_check_says_who_we_are_in_a_sentence(self, rig: Rig) -> None:
        sentence = rig.backend.check()
        assert isinstance(sentence, str) and sentence.strip() and "\n" not in sentence

    def test_a_pull_from_scratch_brings_the_ticket_its_thread_and_customer(self, rig: Rig) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Printer offline {t}", f"The printer on floor 3 is offline ({t}).")
        report = rig.sync()
        assert report.new == 1 and report.pulled.done
        ticket = rig.local(remote_id)
        assert ticket.subject == f"Printer offline {t}"
        assert ticket.status.is_active
        assert ticket.requester_id is not None, "the customer who wrote in is not in the cache"
        assert said(rig.thread(remote_id)) == [(MessageKind.CUSTOMER, f"The printer on floor 3 is offline ({t}).")]
        assert all(m.remote_id for m in rig.thread(remote_id))

    def test_a_second_sync_brings_a_server_change_and_reapplies_nothing_else(self, rig: Rig) -> None:
        t = tag()
        changed = rig.new_ticket(f"VPN drops {t}", "The VPN drops every five minutes.")
        quiet = rig.new_ticket(f"Invoice copy {t}", "Please send a copy of the invoice.")
        rig.sync()
        before = (rig.local(quiet), [(m.id, m.remote_id, m.body) for m in rig.thread(quiet)])
        rig.server.customer_writes(changed, f"It dropped again at 10:04 ({t}).")
        pulls_before = len(rig.backend.pulled)
        report = rig.sync()
        assert report.new == 0, report
        assert said(rig.thread(changed))[-1] == (MessageKind.CUSTOMER, f"It dropped again at 10:04 ({t}).")
        assert len(copies(rig.thread(changed), f"It dropped again at 10:04 ({t}).")) == 1
        pulled = [r for page in rig.backend.pulled[pulls_before:] for r in page]
        assert changed in pulled
        # A timestamp feed may send the boundary again (servers count in whole seconds); it changes nothing.
        if rig.capabilities.change_feed != "timestamp":
            assert quiet not in pulled, f"the unchanged ticket came again: {pulled}"
        after = (rig.local(quiet), [(m.id, m.remote_id, m.body) for m in rig.thread(quiet)])
        assert after == before
        assert rig.sync().new == 0

    def test_a_thread_keeps_its_messages_their_order_and_what_is_internal(self, rig: Rig) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Mailbox full {t}", f"My mailbox is full ({t}).")
        rig.server.agent_writes(remote_id, f"Please archive last year's mail ({t}).", public=True)
        if keeps_notes(rig):
            rig.server.agent_writes(remote_id, f"Quota is 2 GB on this plan ({t}).", public=False)
        rig.server.customer_writes(remote_id, f"Done, still full ({t}).")
        rig.sync()
        expected = [(MessageKind.CUSTOMER, f"My mailbox is full ({t})."),
                    (MessageKind.PUBLIC_REPLY, f"Please archive last year's mail ({t})."),
                    (MessageKind.INTERNAL_NOTE, f"Quota is 2 GB on this plan ({t})."),
                    (MessageKind.CUSTOMER, f"Done, still full ({t}).")]
        if not keeps_notes(rig):
            del expected[2]
        assert said(rig.thread(remote_id)) == expected
        assert said(rig.server.thread(remote_id)) == expected
        rig.sync()
        assert said(rig.thread(remote_id)) == expected  # a sync again adds nothing

    # ---------------------------------------------------------------- one ticket by its number

    def test_a_ticket_fetched_by_its_number_is_stored_whole_and_the_next_sync_keeps_one_copy(
            self, rig: Rig, server: ServerActions, tmp_path: Path) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Jumped to {t}", f"Found by its number ({t}).")
        rig.server.agent_writes(remote_id, f"Seen before, check the MTU ({t}).", public=not keeps_notes(rig))
        other = Rig.open(server, tmp_path / "elsewhere.sqlite")  # learns the ticket's number, as a colleague's cache
        try:
            other.backend.wanted.add(remote_id)
            other.sync()
            number = other.local(remote_id).number
        finally:
            other.close()
        try:
            ticket_id = rig.engine().fetch_ticket(number)
        except NotSupported as exc:
            pytest.skip(f"{rig.backend.label} cannot fetch one ticket: {exc}")
        assert ticket_id is not None and rig.local(remote_id).id == ticket_id
        expected = [(MessageKind.CUSTOMER, f"Found by its number ({t})."),
                    (MessageKind.INTERNAL_NOTE if keeps_notes(rig) else MessageKind.PUBLIC_REPLY,
                     f"Seen before, check the MTU ({t}).")]
        assert said(rig.thread(remote_id)) == expected
        assert rig.local(remote_id).requester_id is not None, "the customer who wrote in is not in the cache"
        with rig.cache.connection() as conn:
            assert sync_apply.cursor(conn, "tickets") is None, "fetching one ticket moved the feed's cursor"
        assert rig.engine().fetch_ticket(number + 50_000_000) is None  # no such ticket: None, not an error
        rig.sync()
        assert rig.local(remote_id).id == ticket_id
        assert said(rig.thread(remote_id)) == expected  # updated in place by the sync: one copy

    # ---------------------------------------------------------------- sending

    def _sends(self, rig: Rig, *, note: bool) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Password reset {t}", "The reset mail never arrives.")
        rig.sync()
        body = f"{'Customer is on the legacy plan' if note else 'We have sent it again'} ({t})."
        item_id = rig.reply(remote_id, body, note=note)
        report = rig.sync()
        assert report.pushed.sent == 1, report.pushed.problems
        assert rig.item(item_id).state == outbox.SENT
        kind = MessageKind.INTERNAL_NOTE if note else MessageKind.PUBLIC_REPLY
        on_server = copies(rig.server.thread(remote_id), body)
        assert [m.kind for m in on_server] == [kind], f"on the server: {[(m.kind, words(m)) for m in on_server]}"
        local = copies(rig.thread(remote_id), body)
        assert [(m.kind, m.remote_id) for m in local] == [(kind, on_server[0].remote_id)]

    def test_a_reply_reaches_the_server_once_and_comes_back_as_ours(self, rig: Rig) -> None:
        self._sends(rig, note=False)

    def test_an_internal_note_reaches_the_server_once_and_stays_internal(self, rig: Rig) -> None:
        if not keeps_notes(rig):
            pytest.skip(f"{rig.backend.label} has no internal notes (capabilities.internal_notes is False)")
        self._sends(rig, note=True)

    def test_a_note_where_the_helpdesk_has_none_is_refused_and_nothing_reaches_it(self, rig: Rig) -> None:
        if keeps_notes(rig):
            pytest.skip(f"{rig.backend.label} has internal notes")
        t = tag()
        remote_id = rig.new_ticket(f"Password reset {t}", "The reset mail never arrives.")
        rig.sync()
        item_id = rig.reply(remote_id, f"Customer is on the legacy plan ({t}).", note=True)
        result = rig.drain()
        assert (result.sent, result.failed) == (0, 1), result
        assert rig.item(item_id).state == outbox.FAILED
        assert copies(rig.server.thread(remote_id), f"Customer is on the legacy plan ({t}).") == []

    def test_status_priority_and_assignee_updates_reach_the_server(self, rig: Rig) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Disk quota {t}", "We are out of disk space.")
        rig.sync()
        assert rig.server.assignee, "ServerActions.assignee names an agent the ticket can be assigned to"
        item_id = rig.update(remote_id, Change(status=Status.SOLVED, priority=Priority.HIGH,
                                               assignee=rig.server.assignee))
        report = rig.sync()
        assert report.pushed.sent == 1, report.pushed.problems
        assert rig.item(item_id).state == outbox.SENT
        assert rig.server.ticket(remote_id) == ServerTicket(Status.SOLVED, Priority.HIGH, rig.server.assignee)
        ticket = rig.local(remote_id)
        assert (ticket.status, ticket.priority, ticket.assignee) == (Status.SOLVED, Priority.HIGH,
                                                                     rig.server.assignee)

    def test_a_change_on_the_server_since_the_sync_is_a_conflict(self, rig: Rig) -> None:
        if rig.capabilities.concurrency == "none":
            pytest.skip(f"{rig.backend.label} declares no concurrency control (capabilities.concurrency)")
        t = tag()
        remote_id = rig.new_ticket(f"Quota {t}", "Out of space again.")
        rig.sync()
        rig.server.change_subject(remote_id, f"Quota (edited elsewhere) {t}")
        item_id = rig.update(remote_id, Change(priority=Priority.URGENT))
        result = rig.drain()
        assert (result.conflicts, result.sent) == (1, 0), result
        assert rig.item(item_id).state == outbox.CONFLICT
        assert rig.server.ticket(remote_id).priority != Priority.URGENT  # not applied over the other change

    def test_a_ticket_deleted_on_the_server_is_deleted_here(self, rig: Rig) -> None:
        if not rig.capabilities.deletions:
            pytest.skip(f"{rig.backend.label} declares no deletions in its feed (capabilities.deletions)")
        t = tag()
        doomed = rig.new_ticket(f"Spam {t}", "Buy now.")
        kept = rig.new_ticket(f"Real question {t}", "How do I export?")
        rig.sync()
        rig.server.delete_ticket(doomed)
        report = rig.sync()
        assert report.deleted == 1
        assert rig.local(doomed).deleted_at is not None
        assert rig.local(kept).deleted_at is None

    # ---------------------------------------------------------------- exactly once

    def test_a_reply_whose_answer_was_lost_is_on_the_server_exactly_once(self, rig: Rig) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Site down {t}", "Our site answers 502.")
        rig.sync()
        body = f"We restarted the gateway; please check again ({t})."
        item_id = rig.reply(remote_id, body)
        with rig.server.answers_lost() as lossy:
            first = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
            # A backend whose server honours idempotency keys may repeat at once and be done;
            # any other must leave the outcome unknown until it has looked.
            if first.sent == 0 or not rig.capabilities.idempotency:
                assert (first.sent, first.waiting) == (0, 1), first
                assert rig.item(item_id).state == outbox.UNKNOWN
                rig.later()
                second = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
                assert second.sent == 1, second.problems
        rig.sync()
        assert rig.item(item_id).state == outbox.SENT
        on_server = copies(rig.server.thread(remote_id), body)
        assert len(on_server) == 1, f"the reply is on the server {len(on_server)} times"
        local = copies(rig.thread(remote_id), body)
        assert [m.remote_id for m in local] == [on_server[0].remote_id]

    # ---------------------------------------------------------------- attachments

    def test_attach_a_reply_with_a_file_lands_once_with_the_same_bytes(self, rig: Rig, tmp_path: Path) -> None:
        """The file is copied when attached (the original is deleted before the send), the
        first answer is lost, and the server ends up with one message carrying the file, byte
        for byte; locally the copy leaves the outbox folder and the bytes open from the cache."""
        if not rig.capabilities.attachments.supported:
            pytest.skip(f"{rig.backend.label} declares no attachments (capabilities.attachments)")
        t = tag()
        remote_id = rig.new_ticket(f"Screenshot please {t}", "The error dialog shows a code.")
        rig.sync()
        original = tmp_path / f"dialog-{t}.png"
        data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64 + t.encode()  # every byte value, not text
        original.write_bytes(data)
        body = f"Here is the log you asked for ({t})."
        item_id = rig.reply(remote_id, body, attach=(original,))
        original.unlink()  # the snapshot goes out, not the original
        with rig.server.answers_lost() as lossy:
            first = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
            if first.sent == 0 or not rig.capabilities.idempotency:  # as for a reply without files
                assert first.sent == 0, first
                rig.later()
                second = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
                assert second.sent == 1, second.problems
        assert rig.item(item_id).state == outbox.SENT
        on_server = copies(rig.server.thread(remote_id), body)
        assert len(on_server) == 1, f"the reply is on the server {len(on_server)} times"
        [mine] = on_server
        assert isinstance(mine, RemoteMessage)
        names = [str(a.get("name") or a.get("filename") or a.get("file_name")) for a in mine.attachments]
        assert names == [original.name], f"attachments on the server: {mine.attachments}"
        got = rig.server.attachment_bytes(remote_id, mine, 1)
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(), (len(got), len(data))
        assert not any(outbox_files.outbox_folder(rig.cache.path).glob("*")), "a copy stayed in the outbox folder"
        rig.sync()
        [local] = copies(rig.thread(remote_id), body)
        assert local.remote_id == mine.remote_id

    # ---------------------------------------------------------------- hostile content

    def test_hostile_subject_and_body_arrive_as_data(self, rig: Rig) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"{hostile.HOSTILE_SUBJECT} {t}", hostile.HOSTILE_BODY)
        rig.sync()
        ticket = rig.local(remote_id)
        [message] = [m for m in rig.thread(remote_id) if m.kind == MessageKind.CUSTOMER]
        for text in (ticket.subject, words(message)):
            assert hostile.missing_words(text) == [], f"words lost in {text!r}"
            assert not hostile.escaped_markup(text), f"markup escaped into the cache: {text!r}"
        assert hostile.unsafe_characters(clean_line(ticket.subject)) == []
        assert hostile.unsafe_characters(clean_text(message.body)) == []

    def test_a_huge_body_arrives_whole(self, rig: Rig) -> None:
        body = hostile.huge_body()
        remote_id = rig.new_ticket(f"Huge log {tag()}", body)
        rig.sync()
        [message] = [m for m in rig.thread(remote_id) if m.kind == MessageKind.CUSTOMER]
        text = words(message)
        assert text.startswith("HUGE-START") and text.endswith("HUGE-END"), (text[:40], text[-40:])
        assert " ".join(text.split()) == " ".join(body.split())

    def test_a_hostile_reply_reaches_the_server_as_text(self, rig: Rig) -> None:
        t = tag()
        remote_id = rig.new_ticket(f"Odd characters {t}", "Please look.")
        rig.sync()
        body = f"{hostile.HOSTILE_BODY}\n({t})"
        item_id = rig.reply(remote_id, body)
        report = rig.sync()
        assert report.pushed.sent == 1, report.pushed.problems
        assert rig.item(item_id).state == outbox.SENT
        [mine] = [m for m in rig.server.thread(remote_id) if m.kind == MessageKind.PUBLIC_REPLY and t in words(m)]
        assert hostile.missing_words(words(mine)) == [], words(mine)
        local = [m for m in rig.thread(remote_id) if m.kind == MessageKind.PUBLIC_REPLY]
        assert [m.remote_id for m in local] == [mine.remote_id]

    # ---------------------------------------------------------------- attachments

    def test_a_customers_attachment_is_listed_and_its_bytes_download_whole(self, rig: Rig, tmp_path: Path) -> None:
        t = tag()
        name, data = f"screen-{t}.png", demo_png(t, 48_000)
        try:
            remote_id = rig.new_ticket_with_file(f"Screenshot {t}", f"The error is in the picture ({t}).", name, data,
                                                 "image/png")
        except NotSupported as exc:
            pytest.skip(f"the test server cannot attach a file: {exc}")
        rig.sync()
        [message] = [m for m in rig.thread(remote_id) if m.kind == MessageKind.CUSTOMER]
        [info] = message_attachments(message, tmp_path / "no-bytes-yet")
        assert (info.name, info.media_type, info.size, info.cached) == (name, "image/png", len(data), False)
        [meta] = message.attachments
        sink, heard = io.BytesIO(), []
        rig.backend.download_attachment(meta, sink, lambda done, total: heard.append((done, total)))
        assert hashlib.sha256(sink.getvalue()).hexdigest() == hashlib.sha256(data).hexdigest()
        assert heard, "no progress was reported"
        assert all(b[0] >= a[0] for a, b in zip(heard, heard[1:], strict=False)), "the progress went backwards"
        done, total = heard[-1]
        assert total == 0 or done == total, heard[-3:]
