"""Each shipped mapping stores who wrote each message by NAME, never a bare id: the customer who
wrote in, a colleague's reply and note, the customer again, and our own reply and note after
they come back from the server on the next sync (found by hand: Freshdesk showed
"customer · 43000000302" and "public reply · 43000000001" where it had said "Alex Agent").

Conformance-style, against each helpdesk's fake over real HTTP: the server actions of the
conformance modules make the tickets (customer "Aiko Tanaka", colleague "Casey Colleague", the
signed-in agent "Alex Agent"), the app's sync, queue and drain do the rest, and the cache's
thread is read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.domain.remote import RemoteTicket
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync.contract import Backend
from helpdesk_tui.sync.testing import Rig, ServerActions
from helpdesk_tui.sync.testing.rig import words
from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.helpscout import FakeHelpScout
from tests.fakes.zammad import FakeZammad
from tests.fakes.zendesk import FakeZendesk
from tests.test_conformance_freshdesk import FreshdeskActions
from tests.test_conformance_helpscout import PRIORITY_LABELS, HelpScoutActions
from tests.test_conformance_zammad import EMAIL as ZAMMAD_EMAIL
from tests.test_conformance_zammad import ZammadActions
from tests.test_conformance_zendesk import EMAIL as ZENDESK_EMAIL
from tests.test_conformance_zendesk_mapped import MappedZendeskActions

CUSTOMER, COLLEAGUE, ME = "Aiko Tanaka", "Casey Colleague", "Alex Agent"
SAID = (MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE)


class AuthorNames:
    """Subclassed per mapping with a ``server`` fixture (a ServerActions)."""

    @pytest.fixture
    def rig(self, server: ServerActions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
        # A mapping's request budget keeps state under the data directory: this test's own.
        monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))
        rig = Rig.open(server, tmp_path / "authors.sqlite")
        yield rig
        rig.close()

    def test_every_author_in_the_cached_thread_is_a_name(self, rig: Rig) -> None:
        t = uuid.uuid4().hex[:8]
        remote_id = rig.new_ticket(f"Printer offline {t}", f"The printer is offline ({t}).")
        rig.server.agent_writes(remote_id, f"Restart it, please ({t}).", public=True)
        rig.server.agent_writes(remote_id, f"Known issue on floor 3 ({t}).", public=False)
        rig.server.customer_writes(remote_id, f"Restarted, still offline ({t}).")
        rig.sync()
        rig.reply(remote_id, f"A technician is on the way ({t}).")
        rig.reply(remote_id, f"Sent Sam at 14:00 ({t}).", note=True)
        report = rig.sync()
        assert report.pushed.sent == 2, report.pushed.problems
        rig.sync()  # our messages as the server has them now, read again
        authors = [(m.kind, words(m), m.author) for m in rig.thread(remote_id) if m.kind in SAID]
        assert authors == [
            (MessageKind.CUSTOMER, f"The printer is offline ({t}).", CUSTOMER),
            (MessageKind.PUBLIC_REPLY, f"Restart it, please ({t}).", COLLEAGUE),
            (MessageKind.INTERNAL_NOTE, f"Known issue on floor 3 ({t}).", COLLEAGUE),
            (MessageKind.CUSTOMER, f"Restarted, still offline ({t}).", CUSTOMER),
            (MessageKind.PUBLIC_REPLY, f"A technician is on the way ({t}).", ME),
            (MessageKind.INTERNAL_NOTE, f"Sent Sam at 14:00 ({t}).", ME),
        ]
        assert all(m.remote_id for m in rig.thread(remote_id))  # the server's copies, not our queued ones


@pytest.fixture(scope="module")
def freshdesk() -> Iterator[FakeFreshdesk]:
    with FakeFreshdesk() as running:
        yield running


@pytest.fixture(scope="module")
def helpscout() -> Iterator[FakeHelpScout]:
    with FakeHelpScout(rate_limit=100_000) as running:
        yield running


@pytest.fixture(scope="module")
def zammad() -> Iterator[FakeZammad]:
    with FakeZammad(email=ZAMMAD_EMAIL) as running:
        yield running


@pytest.fixture(scope="module")
def zendesk() -> Iterator[FakeZendesk]:
    with FakeZendesk(email=ZENDESK_EMAIL) as running:
        yield running


class TestFreshdeskAuthors(AuthorNames):
    @pytest.fixture
    def server(self, freshdesk: FakeFreshdesk) -> ServerActions:
        return FreshdeskActions(freshdesk)


class TestHelpScoutAuthors(AuthorNames):
    @pytest.fixture
    def server(self, helpscout: FakeHelpScout) -> ServerActions:
        return HelpScoutActions(helpscout, helpscout.add_field("Priority", PRIORITY_LABELS))


class TestZammadAuthors(AuthorNames):
    @pytest.fixture
    def server(self, zammad: FakeZammad) -> ServerActions:
        return ZammadActions(zammad)


class TestZendeskMappedAuthors(AuthorNames):
    @pytest.fixture
    def server(self, zendesk: FakeZendesk) -> ServerActions:
        return MappedZendeskActions(zendesk)


def test_freshdesk_names_a_requester_it_cannot_read_again_by_the_name_on_the_ticket(freshdesk: FakeFreshdesk,
                                                                                    tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The contact is gone (404) when the thread is read by a fresh backend: the name the ticket
    listing carried (include=requester) is better than the id."""
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))
    server = FreshdeskActions(freshdesk)
    t = uuid.uuid4().hex[:8]
    remote_id = server.create_ticket(f"Gone {t}", f"Who am I ({t})?")
    [ticket] = [x for page in _pages(server.backend()) for x in page if x.remote_id == remote_id]
    with freshdesk.lock:
        gone = freshdesk.state.contacts.pop(int(freshdesk.ticket(int(remote_id))["requester_id"]))
    try:
        [message] = server.backend().fetch_thread(ticket)
    finally:
        with freshdesk.lock:
            freshdesk.state.contacts[gone["id"]] = gone
    assert (message.kind, message.author) == (MessageKind.CUSTOMER, CUSTOMER)


def _pages(backend: Backend) -> Iterator[list[RemoteTicket]]:
    cursor = None
    while True:
        page = backend.pull(cursor)
        yield page.tickets
        if page.done:
            return
        cursor = page.cursor
