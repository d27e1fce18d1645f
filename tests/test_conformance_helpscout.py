"""The Help Scout mapping (helpdesk_tui/sync/mappings/helpscout.yaml) on the generic engine passes the
conformance suite against the fake Help Scout (tests/fakes/helpscout.py, real HTTP on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import HelpScoutBackend
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.fakes.helpscout import FakeHelpScout

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)
STATUS = {"active": Status.OPEN, "pending": Status.PENDING, "closed": Status.SOLVED, "spam": Status.CLOSED}
PRIORITY_LABELS = ("Low", "Normal", "High", "Urgent")  # the team's dropdown, as the option's help asks


class HelpScoutActions(ServerActions):
    writes = (("POST", r"/v2/conversations/\d+/(reply|notes)$"), ("PATCH", r"/v2/conversations/\d+$"),
              ("PUT", r"/v2/conversations/\d+/(tags|fields)$"), ("POST", r"/v2/conversations$"))

    def __init__(self, fake: FakeHelpScout, priority_field: int) -> None:
        self.fake = fake
        self.url = fake.url
        self.priority_field = priority_field
        self.assignee = "Casey Colleague"  # an agent of the account, named as the backend shows agents
        self.colleague = next((uid for uid, u in fake.state.users.items() if u["email"] == "casey@example.com"),
                              None) or fake.add_user("Casey Colleague", email="casey@example.com")

    def account(self, url: str | None = None) -> AccountSettings:
        return AccountSettings(name="hs", url=url or self.fake.url, user=None, token=self.fake.app_secret,
                               options={"mailbox": str(self.fake.mailbox), "app_id": self.fake.app_id,
                                        "priority_field": str(self.priority_field)})

    def backend(self, url: str | None = None) -> Backend:
        account = self.account(url)
        return HelpScoutBackend(account, HelpScoutBackend.make_client(account, policy=QUICK, sleep=lambda s: None))

    def _customer(self) -> int:
        n = len(self.fake.state.customers)
        return self.fake.add_customer("Aiko Tanaka", email=f"aiko.{n}@example.com")

    def create_ticket(self, subject: str, body: str) -> str:
        return str(self.fake.add_conversation(subject, body, customer=self._customer()))

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        attachment = self.fake.add_file(file_name, data, media_type)
        return str(self.fake.add_conversation(subject, body, customer=self._customer(), attachments=(attachment,)))

    def customer_writes(self, remote_id: str, body: str) -> None:
        customer = self.fake.conversation(int(remote_id))["primaryCustomer"]["id"]
        self.fake.add_thread(int(remote_id), "customer", body, author=("customer", customer))

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.fake.add_thread(int(remote_id), "reply" if public else "note", body, author=("user", self.colleague))

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.fake.update(int(remote_id), subject=subject)

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.fake.conversation(int(remote_id))
        label = next((f["text"] for f in raw["customFields"] if f["name"] == "Priority"), "Normal")
        owner = raw["assignee"]
        return ServerTicket(STATUS[raw["status"]], Priority(label.lower()),
                            f"{owner['first']} {owner['last']}" if owner else None)

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        meta = message.attachments[n - 1]
        with self.fake.lock:
            return bytes(self.fake.state.files[int(meta["remote_id"])]["data"])

    def tickets_titled(self, text: str) -> list[str]:
        with self.fake.lock:
            return sorted(str(c["id"]) for c in self.fake.state.conversations.values()
                          if text in c["subject"] and c["state"] == "published")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHelpScout]:
    # The suite makes a few hundred requests a minute; the documented limit is tested in test_fake_helpscout.
    with FakeHelpScout(rate_limit=100_000) as running:
        yield running


@pytest.fixture(scope="module")
def priority_field(fake: FakeHelpScout) -> int:
    return fake.add_field("Priority", PRIORITY_LABELS)


class TestHelpScoutMapping(BackendTests):
    @pytest.fixture
    def server(self, fake: FakeHelpScout, priority_field: int, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> ServerActions:
        # The mapping's rate-limit headers make the request budget keep state in the data dir: a test's own.
        monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))
        return HelpScoutActions(fake, priority_field)
