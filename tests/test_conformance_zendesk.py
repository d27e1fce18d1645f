"""The Zendesk backend passes the conformance suite against the Zendesk fake (real HTTP on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import Priority
from helpdesk_tui.sync.backends import zendesk as zd
from helpdesk_tui.sync.backends import zendesk_records as records
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.fakes.zendesk import FakeZendesk
from tests.server_files import zendesk_bytes

EMAIL = "agent@example.com"
QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)


class ZendeskActions(ServerActions):
    writes = (("PUT", r"/api/v2/tickets/\d+(\.json)?$"), ("POST", r"/api/v2/uploads(\.json)?$"),
              ("POST", r"/api/v2/tickets(\.json)?$"))

    def __init__(self, fake: FakeZendesk) -> None:
        self.fake = fake
        self.url = fake.url
        self.assignee = "Alex Agent"  # the fake's signed-in agent
        self.colleague = fake.add_user("Casey Colleague", email="casey@example.com", role="agent")

    def backend(self, url: str | None = None) -> zd.ZendeskBackend:
        account = AccountSettings(name="zendesk", url=url or self.fake.url, user=EMAIL, token=self.fake.token)
        return zd.ZendeskBackend(account, zd.make_client(account, policy=QUICK, sleep=lambda s: None), page_size=100)

    def create_ticket(self, subject: str, body: str) -> str:
        customer = self.fake.add_user("Aiko Tanaka", email=f"aiko.{len(self.fake.state.users)}@example.com")
        return str(self.fake.add_ticket(subject, requester_id=customer, description=body))

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        customer = self.fake.add_user("Aiko Tanaka", email=f"aiko.{len(self.fake.state.users)}@example.com")
        attachment = self.fake.add_attachment(file_name, data, media_type)
        return str(self.fake.add_ticket(subject, requester_id=customer, description=body, attachments=(attachment,)))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.fake.add_comment(int(remote_id), body)

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.fake.add_comment(int(remote_id), body, author_id=self.colleague, public=public, channel="web")

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.fake.update_ticket(int(remote_id), subject=subject)

    def delete_ticket(self, remote_id: str) -> None:
        self.fake.delete_ticket(int(remote_id))

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        return zendesk_bytes(str(message.attachments[n - 1]["url"]))

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.fake.ticket(int(remote_id))
        with self.fake.lock:
            owner = self.fake.state.users.get(raw["assignee_id"]) if raw["assignee_id"] else None
        return ServerTicket(records.to_status(raw["status"]), records.PRIORITY_IN.get(raw["priority"] or "normal",
                                                                                      Priority.NORMAL),
                            owner["name"] if owner else None)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeZendesk]:
    with FakeZendesk(email=EMAIL) as running:
        yield running


class TestZendeskBackend(BackendTests):
    @pytest.fixture
    def server(self, fake: FakeZendesk) -> ServerActions:
        return ZendeskActions(fake)
