"""``NewTicketTests``: a ticket opened from here reaches the server exactly once (part of ``BackendTests``).

Each test opens the ticket as ``helpdesk-tui new`` does (a provisional row and an outbox item
in one transaction), drains the outbox through the backend and counts the tickets on the
server by a word of the subject. "Exactly once" is checked on both sides: one ticket on the
server, one row in the cache, and that row carries the server's number.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from helpdesk_tui.domain.new_ticket import is_provisional
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import outbox, outbox_files
from helpdesk_tui.sync.testing.rig import Rig, words


def _word() -> str:
    return "nt" + uuid.uuid4().hex[:10]


def _email(word: str) -> str:
    return f"{word}@example.com"


class NewTicketTests:
    def _one_row(self, rig: Rig, word: str, body: str) -> None:
        """One row in the cache for the ticket, numbered as on the server, its first message once."""
        [remote_id] = rig.server.tickets_titled(word)
        rows = rig.rows_titled(word)
        assert len(rows) == 1, f"{len(rows)} rows in the cache: {[(t.number, t.remote_id) for t in rows]}"
        [row] = rows
        assert row.remote_id == remote_id and not is_provisional(row.number), (row.number, row.remote_id)
        assert row.id is not None
        thread = rig.cache.thread(row.id)
        flat = " ".join(body.split())
        assert [m.kind for m in thread if " ".join(words(m).split()) == flat] in (
            [MessageKind.PUBLIC_REPLY], [MessageKind.CUSTOMER]), [(m.kind, words(m)) for m in thread]

    def test_a_new_ticket_shows_queued_at_once_and_reaches_the_server_once(self, rig: Rig) -> None:
        word = _word()
        subject, body = f"Your order {word}", f"Your replacement ships on Monday ({word})."
        ticket_id, item_id = rig.open_ticket(subject, body, _email(word), word)
        [queued] = rig.rows_titled(word)
        assert queued.id == ticket_id and is_provisional(queued.number) and queued.remote_id is None
        report = rig.sync()
        assert report.pushed.sent == 1, report.pushed.problems
        assert rig.item(item_id).state == outbox.SENT
        self._one_row(rig, word, body)
        rig.sync()
        self._one_row(rig, word, body)

    def test_a_new_ticket_whose_answer_was_lost_is_on_the_server_exactly_once(self, rig: Rig) -> None:
        word = _word()
        subject, body = f"Account moved {word}", f"We moved your account to the new plan ({word})."
        _, item_id = rig.open_ticket(subject, body, _email(word), word)
        with rig.server.answers_lost() as lossy:
            first = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
            if first.sent == 0:  # a backend that repeats with its idempotency key is done at once
                assert first.waiting == 1, first
                assert rig.item(item_id).state == outbox.UNKNOWN
                rig.later()
                second = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
                assert second.sent == 1, second.problems
        assert rig.item(item_id).state == outbox.SENT
        assert len(rig.server.tickets_titled(word)) == 1, "the new ticket is on the server more than once"
        rig.sync()
        self._one_row(rig, word, body)

    def test_a_pull_between_a_lost_answer_and_the_look_up_leaves_one_ticket_and_one_row(self, rig: Rig) -> None:
        word = _word()
        subject, body = f"Renewal {word}", f"Your licence renews on the 1st ({word})."
        _, item_id = rig.open_ticket(subject, body, _email(word), word)
        with rig.server.answers_lost() as lossy:
            first = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
        report = rig.engine().pull()  # the server's copy arrives before the look-up runs
        assert report.problem is None, report.problem
        assert len(rig.rows_titled(word)) == 1, [(t.number, t.remote_id) for t in rig.rows_titled(word)]
        rig.later()
        again = rig.drain()
        assert first.sent + again.sent == 1, (first, again)
        assert rig.item(item_id).state == outbox.SENT
        assert len(rig.server.tickets_titled(word)) == 1
        rig.sync()
        self._one_row(rig, word, body)

    def test_a_new_ticket_with_a_file_whose_answer_was_lost_lands_once_with_the_same_bytes(
            self, rig: Rig, tmp_path: Path) -> None:
        """``new --attach F``: F is copied when attached (the original is deleted before the send),
        the create's answer is lost, and the server ends with one ticket whose first message
        carries F byte for byte; the copy leaves the outbox folder."""
        if not rig.capabilities.attachments.supported:
            pytest.skip(f"{rig.backend.label} declares no attachments (capabilities.attachments)")
        word = _word()
        subject, body = f"Your invoice {word}", f"The corrected invoice is attached ({word})."
        original = tmp_path / f"invoice-{word}.png"
        data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64 + word.encode()  # every byte value, not text
        original.write_bytes(data)
        _, item_id = rig.open_ticket(subject, body, _email(word), word, attach=(original,))
        original.unlink()  # the snapshot goes out, not the original
        with rig.server.answers_lost() as lossy:
            first = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
            if first.sent == 0:  # a backend that repeats with its idempotency key is done at once
                assert rig.item(item_id).state == outbox.UNKNOWN, rig.item(item_id)
                rig.later()
                second = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
                assert second.sent == 1, second.problems
        assert rig.item(item_id).state == outbox.SENT
        [remote_id] = rig.server.tickets_titled(word)
        flat = " ".join(body.split())
        opening = [m for m in rig.server.thread(remote_id) if " ".join(words(m).split()) == flat]
        assert len(opening) == 1, f"the first message is on the server {len(opening)} times"
        [mine] = opening
        names = [str(a.get("name") or a.get("filename") or a.get("file_name")) for a in mine.attachments]
        assert names == [original.name], f"attachments on the server: {mine.attachments}"
        got = rig.server.attachment_bytes(remote_id, mine, 1)
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(), (len(got), len(data))
        assert not any(outbox_files.outbox_folder(rig.cache.path).glob("*")), "a copy stayed in the outbox folder"
        rig.sync()
        self._one_row(rig, word, body)

    def test_a_new_ticket_with_a_file_pulled_before_its_look_up_keeps_one_row_and_no_copy(
            self, rig: Rig, tmp_path: Path) -> None:
        """The server's copy (with the file) is pulled between the lost answer and the look-up:
        one ticket on the server, one row here, the file once on the first message, no copy left."""
        if not rig.capabilities.attachments.supported:
            pytest.skip(f"{rig.backend.label} declares no attachments (capabilities.attachments)")
        word = _word()
        subject, body = f"Contract {word}", f"The signed contract is attached ({word})."
        original = tmp_path / f"contract-{word}.pdf"
        original.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 16 + word.encode())
        _, item_id = rig.open_ticket(subject, body, _email(word), word, attach=(original,))
        with rig.server.answers_lost() as lossy:
            first = rig.drain(type(rig.backend)(lossy, rig.backend.wanted))
        report = rig.engine().pull()
        assert report.problem is None, report.problem
        assert len(rig.rows_titled(word)) == 1, [(t.number, t.remote_id) for t in rig.rows_titled(word)]
        rig.later()
        again = rig.drain()
        assert first.sent + again.sent == 1, (first, again)
        assert rig.item(item_id).state == outbox.SENT
        [remote_id] = rig.server.tickets_titled(word)
        files = [str(a.get("name") or a.get("filename") or a.get("file_name"))
                 for m in rig.server.thread(remote_id) for a in m.attachments]
        assert files == [original.name], files
        assert not any(outbox_files.outbox_folder(rig.cache.path).glob("*")), "a copy stayed in the outbox folder"
        rig.sync()
        self._one_row(rig, word, body)
        [row] = rig.rows_titled(word)
        assert row.id is not None
        local = [str(a.get("name") or a.get("filename") or a.get("file_name"))
                 for m in rig.cache.thread(row.id) for a in m.attachments]
        assert local == [original.name], local  # listed once here too, not ours and the server's
