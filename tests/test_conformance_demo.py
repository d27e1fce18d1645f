"""The demo backend passes the conformance suite over an in-process helpdesk of its own."""

from __future__ import annotations

import inspect
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from helpdesk_tui.domain.remote import ChangePage, RemoteMessage
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.demo_helpdesk import Applied, DemoHelpdesk, Write
from helpdesk_tui.sync.testing import BackendTests, Rig, ServerActions, ServerTicket


class DemoActions(ServerActions):
    assignee = "Dana"

    def __init__(self) -> None:
        self.helpdesk = DemoHelpdesk()

    def backend(self, url: str | None = None) -> DemoBackend:
        return DemoBackend(helpdesk=self.helpdesk, page_size=2)  # small pages: the feed is paged

    def create_ticket(self, subject: str, body: str) -> str:
        return self.helpdesk.create_ticket(subject, body)

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        return self.helpdesk.create_ticket(subject, body, files=((file_name, data, media_type),))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.helpdesk.customer_writes(remote_id, body)

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.helpdesk.agent_writes(remote_id, body, public=public)

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.helpdesk.change(remote_id, subject=subject)

    def delete_ticket(self, remote_id: str) -> None:
        self.helpdesk.delete(remote_id)

    def ticket(self, remote_id: str) -> ServerTicket:
        ticket = self.helpdesk.ticket(remote_id)
        return ServerTicket(ticket.status, ticket.priority, ticket.assignee)

    def thread(self, remote_id: str) -> list[RemoteMessage]:
        return self.helpdesk.thread(remote_id)

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        return self.helpdesk.file(f"{message.remote_id}-{n}")

    @contextmanager
    def answers_lost(self) -> Iterator[DemoBackend]:
        self.helpdesk.lose_answers = 1  # no HTTP here: the helpdesk applies the write, then loses the answer
        yield self.backend()
        self.helpdesk.lose_answers = 0


class TestDemoBackend(BackendTests):
    @pytest.fixture
    def server(self) -> ServerActions:
        return DemoActions()


# ==================================================================== the suite can fail
# Each broken variant of the demo backend below fails the one test written for what it
# breaks: the suite is a net with no holes where it claims to look.


class LosesIdempotency(DemoHelpdesk):
    """Applies every write again, even one whose key it has seen."""

    def apply(self, write: Write) -> Applied:
        self.applied.pop(write.key, None)
        return super().apply(write)


class OpensTicketsTwice(DemoHelpdesk):
    """Opens a new ticket again for a key it has seen (no idempotency on creation)."""

    def open_ticket(self, key: str, *args: object, **kwargs: object) -> Applied:
        self.applied.pop(key, None)
        return super().open_ticket(key, *args, **kwargs)  # type: ignore[arg-type]


class RepeatsTheWholeFeed(DemoBackend):
    def pull(self, cursor: str | None) -> ChangePage:
        return super().pull(None)


class SendsNotesInPublic(DemoHelpdesk):
    def apply(self, write: Write) -> Applied:
        return super().apply(replace(write, public=True))


class IgnoresVersions(DemoHelpdesk):
    def apply(self, write: Write) -> Applied:
        return super().apply(replace(write, version=None))


class HidesDeletions(DemoBackend):
    def pull(self, cursor: str | None) -> ChangePage:
        page = super().pull(cursor)
        page.deleted_ticket_ids = []
        return page


class ReversesThreads(DemoBackend):
    def pull(self, cursor: str | None) -> ChangePage:
        page = super().pull(cursor)
        for ticket in page.tickets:
            ticket.messages = list(reversed(ticket.messages or []))
        return page


class DropsTheAssignee(DemoHelpdesk):
    def apply(self, write: Write) -> Applied:
        return super().apply(replace(write, fields={k: v for k, v in write.fields.items() if k != "assignee"}))


class DropsAttachments(DemoHelpdesk):
    def apply(self, write: Write) -> Applied:
        return super().apply(replace(write, files=()))


class CorruptsAttachments(DemoHelpdesk):
    def apply(self, write: Write) -> Applied:
        return super().apply(replace(write, files=tuple((n, t, data[:-1]) for n, t, data in write.files)))


class OpensTicketsWithoutFiles(DemoHelpdesk):
    """Opens a new ticket but keeps none of the files sent with it."""

    def open_ticket(self, key: str, *args: object, **kwargs: object) -> Applied:
        return super().open_ticket(key, *args, **{**kwargs, "files": ()})  # type: ignore[arg-type]


class OpensTicketsWithCorruptFiles(DemoHelpdesk):
    """Keeps a new ticket's files one byte short."""

    def open_ticket(self, key: str, *args: object, **kwargs: object) -> Applied:
        files = kwargs.get("files") or ()
        cut = tuple((n, t, data[:-1]) for n, t, data in files)  # type: ignore[union-attr]
        return super().open_ticket(key, *args, **{**kwargs, "files": cut})  # type: ignore[arg-type]


class EscapesAndCuts(DemoBackend):
    """Escapes markup into the stored subject and cuts long bodies."""

    def pull(self, cursor: str | None) -> ChangePage:
        page = super().pull(cursor)
        for ticket in page.tickets:
            ticket.subject = ticket.subject.replace("[", "\\[")
            ticket.messages = [replace(m, body=m.body[:50_000]) for m in ticket.messages or []]
        return page


class CutsFiles(DemoBackend):
    """Loses the last byte of every attachment it downloads."""

    def download_attachment(self, meta, sink, progress=None) -> None:
        whole = io.BytesIO()
        super().download_attachment(meta, whole, progress)
        sink.write(whole.getvalue()[:-1])


class Broken(DemoActions):
    def __init__(self, backend: type[DemoBackend], helpdesk: type[DemoHelpdesk] = DemoHelpdesk) -> None:
        self.helpdesk = helpdesk()
        self.backend_class = backend
        self.broken = helpdesk.__name__ if backend is DemoBackend else backend.__name__

    def backend(self, url: str | None = None) -> DemoBackend:
        return self.backend_class(helpdesk=self.helpdesk, page_size=2)


BROKEN = [
    (Broken(DemoBackend, LosesIdempotency), "test_a_reply_whose_answer_was_lost_is_on_the_server_exactly_once"),
    (Broken(DemoBackend, OpensTicketsTwice), "test_a_new_ticket_whose_answer_was_lost_is_on_the_server_exactly_once"),
    (Broken(RepeatsTheWholeFeed), "test_a_second_sync_brings_a_server_change_and_reapplies_nothing_else"),
    (Broken(DemoBackend, SendsNotesInPublic), "test_an_internal_note_reaches_the_server_once_and_stays_internal"),
    (Broken(DemoBackend, IgnoresVersions), "test_a_change_on_the_server_since_the_sync_is_a_conflict"),
    (Broken(HidesDeletions), "test_a_ticket_deleted_on_the_server_is_deleted_here"),
    (Broken(ReversesThreads), "test_a_thread_keeps_its_messages_their_order_and_what_is_internal"),
    (Broken(DemoBackend, DropsTheAssignee), "test_status_priority_and_assignee_updates_reach_the_server"),
    (Broken(EscapesAndCuts), "test_hostile_subject_and_body_arrive_as_data"),
    (Broken(DemoBackend, DropsAttachments), "test_attach_a_reply_with_a_file_lands_once_with_the_same_bytes"),
    (Broken(DemoBackend, CorruptsAttachments), "test_attach_a_reply_with_a_file_lands_once_with_the_same_bytes"),
    (Broken(EscapesAndCuts), "test_a_huge_body_arrives_whole"),
    (Broken(DemoBackend, OpensTicketsWithoutFiles),
     "test_a_new_ticket_with_a_file_whose_answer_was_lost_lands_once_with_the_same_bytes"),
    (Broken(DemoBackend, OpensTicketsWithCorruptFiles),
     "test_a_new_ticket_with_a_file_whose_answer_was_lost_lands_once_with_the_same_bytes"),
    (Broken(DemoBackend, OpensTicketsWithoutFiles),
     "test_a_new_ticket_with_a_file_pulled_before_its_look_up_keeps_one_row_and_no_copy"),
    (Broken(CutsFiles), "test_a_customers_attachment_is_listed_and_its_bytes_download_whole"),
]


@pytest.mark.parametrize(("actions", "test"), BROKEN, ids=[f"{a.broken}-{t}" for a, t in BROKEN])
def test_a_broken_backend_fails_the_suite_test_for_what_it_breaks(actions: Broken, test: str, tmp_path) -> None:
    rig = Rig.open(actions, tmp_path / "broken.sqlite")
    try:
        with pytest.raises(AssertionError):
            suite_test = getattr(BackendTests(), test)
            if "tmp_path" in inspect.signature(suite_test).parameters:
                suite_test(rig, tmp_path)
            else:
                suite_test(rig)
    finally:
        rig.close()
