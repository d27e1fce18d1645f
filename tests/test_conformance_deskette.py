"""A helpdesk added with a mapping file and no Python passes the conformance suite.

The backend is the generic engine (``--backend generic``) with the README's worked example,
``docs/examples/deskette.yaml``, exactly as a user would give it; the server is the Deskette
fake (``tests/fakes/deskette.py``), real HTTP on loopback. Everything the suite checks of the
hand-written backends holds here too: pulls, incremental pulls, threads with internal notes,
replies, notes, updates, deletions, attachments both ways, hostile content, and exactly-once
delivery through the fault proxy (Deskette honours ``Idempotency-Key``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.deskette_support import deskette_backend
from tests.fakes.deskette import FakeDeskette

# Deskette's numbers in our words, as the server has them (written from its API, not the mapping).
STATES = {1: Status.NEW, 2: Status.OPEN, 3: Status.PENDING, 4: Status.ON_HOLD, 5: Status.SOLVED, 6: Status.CLOSED}
URGENCIES = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT}
_customers = itertools.count(1)


class DesketteActions(ServerActions):
    writes = (("POST", r"/api/v1/tickets/\d+/posts$"), ("PATCH", r"/api/v1/tickets/\d+$"),
              ("POST", r"/api/v1/tickets$"))
    assignee = "Casey Colleague"

    def __init__(self, fake: FakeDeskette) -> None:
        self.fake = fake
        self.url = fake.url
        self.colleague = fake.colleague  # type: ignore[attr-defined]

    def backend(self, url: str | None = None) -> GenericBackend:
        return deskette_backend(url or self.fake.url)

    def create_ticket(self, subject: str, body: str) -> str:
        n = next(_customers)
        return str(self.fake.add_ticket(subject, body, email=f"customer{n}@example.com", name=f"Customer {n}"))

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        n = next(_customers)
        stored = self.fake.add_file(file_name, data, media_type)
        return str(self.fake.add_ticket(subject, body, email=f"customer{n}@example.com", files=(stored,)))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.fake.add_post(int(remote_id), body)

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.fake.add_post(int(remote_id), body, author=self.colleague, visibility="public" if public else "internal")

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.fake.update_ticket(int(remote_id), title=subject)

    def delete_ticket(self, remote_id: str) -> None:
        self.fake.trash_ticket(int(remote_id))

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        return self.fake.file_bytes(int(message.attachments[n - 1]["remote_id"]))

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.fake.ticket(int(remote_id))
        owner = self.fake.state.agents.get(raw["owner_id"]) if raw["owner_id"] else None
        return ServerTicket(STATES[raw["state"]], URGENCIES[raw["urgency"]], owner["display_name"] if owner else None)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDeskette]:
    with FakeDeskette() as running:
        running.colleague = running.add_agent("Casey Colleague", "casey@deskette.test")  # type: ignore[attr-defined]
        running.add_team("Billing")
        yield running


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request budget keeps its minute under the data dir: this test's own, not the user's."""
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))


class TestDesketteThroughTheUsersMapping(BackendTests):
    @pytest.fixture
    def server(self, fake: FakeDeskette) -> ServerActions:
        return DesketteActions(fake)
