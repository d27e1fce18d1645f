"""The demo backend passes the conformance suite over an in-process helpdesk of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket


class DemoActions(ServerActions):
    assignee = "Dana"

    def __init__(self) -> None:
        self.helpdesk = DemoHelpdesk()

    def backend(self, url: str | None = None) -> DemoBackend:
        return DemoBackend(helpdesk=self.helpdesk, page_size=2)  # small pages: the feed is paged

    def create_ticket(self, subject: str, body: str) -> str:
        return self.helpdesk.create_ticket(subject, body)

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

    @contextmanager
    def answers_lost(self) -> Iterator[DemoBackend]:
        self.helpdesk.lose_answers = 1  # no HTTP here: the helpdesk applies the write, then loses the answer
        yield self.backend()
        self.helpdesk.lose_answers = 0


class TestDemoBackend(BackendTests):
    @pytest.fixture
    def server(self) -> ServerActions:
        return DemoActions()
