"""The Freshdesk mapping (the generic engine) passes the conformance suite against the fake
Freshdesk written from its public API docs (real HTTP on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import FreshdeskBackend
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.fakes.freshdesk import FakeFreshdesk

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)
# Freshdesk's numbers in our vocabulary (the mapping says the same; read here on their own, so
# a wrong map in the mapping fails the tests instead of agreeing with itself).
STATUS = {2: Status.OPEN, 3: Status.PENDING, 4: Status.SOLVED, 5: Status.CLOSED}
PRIORITY = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT}


def freshdesk_account(url: str, api_key: str) -> AccountSettings:
    """The account as ``account add fd --backend freshdesk --url URL --option domain=URL`` makes it."""
    return AccountSettings(name="freshdesk", url=url, user=None, token=api_key, options={"domain": url})


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mapping's request budget keeps its state under the data directory: a test's own."""
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path_factory.mktemp("home")))


class FreshdeskActions(ServerActions):
    # Every request that writes a message or a ticket: their answers are the ones lost.
    writes = (("POST", r"/api/v2/tickets/\d+/(reply|notes)$"), ("PUT", r"/api/v2/tickets/\d+$"),
              ("POST", r"/api/v2/tickets$"))

    def __init__(self, fake: FakeFreshdesk) -> None:
        self.fake = fake
        self.url = fake.url
        self.assignee = "Alex Agent"  # the fake's signed-in agent, by the name the mapping shows
        self.colleague = fake.add_agent("Casey Colleague", f"casey{len(fake.state.agents)}@example.com")

    def backend(self, url: str | None = None) -> Backend:
        account = freshdesk_account(url or self.fake.url, self.fake.api_key)
        return FreshdeskBackend(account, FreshdeskBackend.make_client(account, policy=QUICK, sleep=lambda s: None))

    def _customer(self) -> int:
        return self.fake.add_contact("Aiko Tanaka", f"aiko.{len(self.fake.state.contacts)}@example.com")

    def create_ticket(self, subject: str, body: str) -> str:
        return str(self.fake.add_ticket(subject, requester_id=self._customer(), description=body))

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        attachment = self.fake.add_attachment(file_name, data, media_type)
        return str(self.fake.add_ticket(subject, requester_id=self._customer(), description=body,
                                        attachments=(attachment,)))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.fake.add_conversation(int(remote_id), body)

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.fake.add_conversation(int(remote_id), body, user_id=self.colleague, private=not public)

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.fake.update_ticket(int(remote_id), subject=subject)

    def delete_ticket(self, remote_id: str) -> None:
        self.fake.delete_ticket(int(remote_id))

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        meta = message.attachments[n - 1]
        return self.fake.file(str(meta.get("url") or meta.get("attachment_url")))

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.fake.ticket(int(remote_id))
        with self.fake.lock:
            owner = self.fake.state.contacts.get(raw["responder_id"]) if raw["responder_id"] else None
        return ServerTicket(STATUS[raw["status"]], PRIORITY[raw["priority"]], owner["name"] if owner else None)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeFreshdesk]:
    with FakeFreshdesk() as running:
        yield running


class TestFreshdeskMapping(BackendTests):
    @pytest.fixture
    def server(self, fake: FakeFreshdesk) -> ServerActions:
        return FreshdeskActions(fake)
