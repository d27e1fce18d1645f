"""The Zammad mapping on the generic engine passes the conformance suite against the fake Zammad
(real HTTP on loopback, written from Zammad's REST documentation: ``tests/fakes/zammad.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.errors import AuthFailed
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import ZammadBackend
from helpdesk_tui.sync.testing import BackendTests, Rig, ServerActions, ServerTicket
from tests.fakes.zammad import FakeZammad

EMAIL = "agent@example.com"
QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)
# Zammad's states and priorities as the suite names them (closed is Zammad's "done"; our solved).
STATES = {"new": Status.NEW, "open": Status.OPEN, "pending reminder": Status.PENDING,
          "pending close": Status.PENDING, "closed": Status.SOLVED, "merged": Status.CLOSED}
PRIORITIES = {"1 low": Priority.LOW, "2 normal": Priority.NORMAL, "3 high": Priority.HIGH}


def zammad_backend(url: str, token: str, **client: object) -> Backend:
    """The named backend built as the app builds it: its own ``make_client``."""
    account = AccountSettings(name="zammad", url=url, user=None, token=token)
    return ZammadBackend(account, ZammadBackend.make_client(account, **client))


class ZammadActions(ServerActions):
    writes = (("POST", r"/api/v1/ticket_articles$"), ("PUT", r"/api/v1/tickets/\d+$"),
              ("POST", r"/api/v1/tickets$"))

    def __init__(self, fake: FakeZammad) -> None:
        self.fake = fake
        self.url = fake.url
        self.assignee = EMAIL  # the signed-in agent, by login: what Zammad's expand names an owner by
        self.colleague = fake.add_user("Casey", lastname="Colleague", email=f"casey.{id(self)}@example.com",
                                       roles=(2,))

    def backend(self, url: str | None = None) -> Backend:
        return zammad_backend(url or self.fake.url, self.fake.token, policy=QUICK, sleep=lambda s: None)

    def _customer(self) -> int:
        return self.fake.add_user("Aiko", lastname="Tanaka", email=f"aiko.{len(self.fake.state.users)}@example.com")

    def create_ticket(self, subject: str, body: str) -> str:
        return str(self.fake.add_ticket(subject, customer_id=self._customer(), body=body))

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        return str(self.fake.add_ticket(subject, customer_id=self._customer(), body=body,
                                        attachments=((file_name, data, media_type),)))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.fake.add_article(int(remote_id), body)  # the ticket's customer, by e-mail

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.fake.add_article(int(remote_id), body, author_id=self.colleague, internal=not public,
                              article_type="email" if public else "note")

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.fake.update_ticket(int(remote_id), by=self.colleague, title=subject)

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.fake.ticket(int(remote_id))
        return ServerTicket(STATES[raw["state"]], PRIORITIES[raw["priority"]],
                            None if raw["owner"] == "-" else raw["owner"])

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        return self.fake.file(int(message.attachments[n - 1]["remote_id"]))

    def tickets_titled(self, text: str) -> list[str]:
        with self.fake.lock:
            return sorted(str(t["id"]) for t in self.fake.state.tickets.values() if text in t["title"])


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeZammad]:
    with FakeZammad(email=EMAIL) as running:
        yield running


class TestZammadMapping(BackendTests):
    @pytest.fixture
    def server(self, fake: FakeZammad) -> ServerActions:
        return ZammadActions(fake)


def test_a_change_that_reaches_the_search_late_is_still_synced(fake: FakeZammad, tmp_path: Path) -> None:
    """Zammad's search index is written by background jobs, not always in order: a customer's
    answer stamped before the newest change the last sync read, but searchable only after it,
    still arrives (the mapping's lookback), once."""
    server, t = ZammadActions(fake), uuid.uuid4().hex[:8]
    rig = Rig.open(server, tmp_path / "late.sqlite")
    try:
        late = rig.new_ticket(f"Indexed late {t}", "The first words.")
        other = rig.new_ticket(f"Indexed at once {t}", "Other words.")
        rig.sync()
        fake.advance(120)
        server.customer_writes(other, f"A later word ({t}).")
        rig.sync()  # the cursor moves on: the tickets' first stamps are long past
        fake.delay_index(int(late), 30)
        server.customer_writes(late, f"An answer the index learns late ({t}).")
        server.customer_writes(other, f"An answer indexed at once ({t}).")
        rig.sync()
        assert [m.body for m in rig.thread(other)][-1] == f"An answer indexed at once ({t})."
        assert f"An answer the index learns late ({t})." not in [m.body for m in rig.thread(late)]
        fake.advance(31)
        rig.sync()
        bodies = [m.body for m in rig.thread(late)]
        assert bodies.count(f"An answer the index learns late ({t}).") == 1, bodies
    finally:
        rig.close()


def test_the_knowledge_base_arrives_with_bodies_as_text_and_archived_answers_marked(tmp_path: Path) -> None:
    with FakeZammad(email=EMAIL) as fake:
        reset = fake.add_answer("Reset a password", "<p>Open <b>Settings</b> → Security.</p>", category="Accounts")
        fake.add_answer("Old VPN guide", "<p>Use the old client.</p>", state="archived")
        fake.add_answer("Printer FAQ (internal)", "<p>Call facilities.</p>", state="internal")
        fake.add_answer("Half written", "<p>TODO</p>", state="draft")
        backend = ZammadActions(fake).backend()
        assert backend.capabilities.kb
        articles, _cursor, done = backend.pull_articles(None)
    assert done
    found = {a.title: a for a in articles}
    assert set(found) == {"Reset a password", "Old VPN guide", "Printer FAQ (internal)", "Half written"}
    assert found["Reset a password"].remote_id == str(reset)
    assert found["Reset a password"].body.strip() == "Open Settings → Security."
    assert [t for t, a in sorted(found.items()) if a.archived] == ["Half written", "Old VPN guide"]


def test_a_reply_to_a_customer_without_an_address_is_a_public_note(fake: FakeZammad, tmp_path: Path) -> None:
    """A phone contact has no e-mail address: the reply cannot be an e-mail, so it is a note the
    customer can read (not internal), found and stored as our reply."""
    server, t = ZammadActions(fake), uuid.uuid4().hex[:8]
    rig = Rig.open(server, tmp_path / "phone.sqlite")
    try:
        caller = fake.add_user("Pat", lastname="Phone", email="", login=f"pat.{t}")
        ticket = str(fake.add_ticket(f"Called in {t}", customer_id=caller, body="Call note.", article_type="phone"))
        rig.backend.wanted.add(ticket)
        rig.sync()
        rig.reply(ticket, f"We called you back ({t}).")
        assert rig.sync().pushed.sent == 1
        last = fake.articles(int(ticket))[-1]
        assert (last["body"], last["type"], last["internal"], last["to"]) == (
            f"We called you back ({t}).", "note", False, None)
        [mine] = [m for m in rig.thread(ticket) if t in m.body]
        assert (mine.kind, mine.remote_id) == (MessageKind.PUBLIC_REPLY, str(last["id"]))
    finally:
        rig.close()


def test_a_429_with_retry_after_is_waited_out_and_a_wrong_token_is_one_sentence(fake: FakeZammad) -> None:
    waits: list[float] = []
    patient = RetryPolicy(attempts=3, base_delay=0.0, max_delay=30.0, timeout=10)
    backend = zammad_backend(fake.url, fake.token, policy=patient, sleep=waits.append)
    before = len(fake.requests_to(r"/api/v1/users/me$"))
    fake.rate_limit(times=1, retry_after=7, path=r"/api/v1/users/me$")
    assert backend.check() == "Signed in to Zammad as agent@example.com."
    assert len(fake.requests_to(r"/api/v1/users/me$")) == before + 2 and 7 in waits
    with pytest.raises(AuthFailed) as refused:
        zammad_backend(fake.url, "wrong-token", policy=QUICK, sleep=lambda s: None).check()
    assert "\n" not in str(refused.value) and "wrong-token" not in str(refused.value)


def test_text_modules_arrive_as_templates_in_our_placeholders() -> None:
    with FakeZammad(email=EMAIL) as fake:
        fake.add_text_module("Greeting", "<p>Hello #{ticket.customer.firstname},</p><p>#{user.firstname}</p>",
                             keywords="hello hi")
        fake.add_text_module("Formal", "<p>Dear Mrs. #{ticket.customer.lastname}, about #{ticket.number}</p>")
        fake.add_text_module("Retired", "<p>Old words</p>", active=False)
        backend = ZammadActions(fake).backend()
        assert backend.capabilities.templates
        templates = {t.name: t for t in backend.pull_templates()}
    assert set(templates) == {"Greeting", "Formal"}
    greeting = " ".join(templates["Greeting"].body.split())
    assert greeting == "Hello {{ customer.first_name }}, {{ agent.first_name }}", greeting
    assert templates["Greeting"].description == "hello hi"
    assert "{{ customer.last_name }}" in templates["Formal"].body and "#{" not in templates["Formal"].body


def test_a_new_ticket_is_an_email_to_the_customer_with_its_fields(fake: FakeZammad, tmp_path: Path) -> None:
    server, word = ZammadActions(fake), "nt" + uuid.uuid4().hex[:10]
    rig = Rig.open(server, tmp_path / "new.sqlite")
    try:
        rig.open_ticket(f"Renewal {word}", f"Your licence renews on the 1st ({word}).", f"{word}@example.com", word,
                        priority=Priority.HIGH, status=Status.PENDING, tags=("renewal", "billing"),
                        assignee=EMAIL)
        assert rig.sync().pushed.sent == 1
        [remote_id] = server.tickets_titled(word)
        ticket = fake.ticket(int(remote_id))
        assert (ticket["priority"], ticket["state"], ticket["owner"], ticket["customer"], ticket["tags"]) == (
            "3 high", "pending reminder", EMAIL, f"{word}@example.com", ["renewal", "billing"])
        [first] = fake.articles(int(remote_id))
        assert (first["type"], first["to"], first["sender"], first["internal"]) == (
            "email", f"{word}@example.com", "Agent", False)
    finally:
        rig.close()


def test_more_tickets_than_the_search_window_all_arrive_once(tmp_path: Path) -> None:
    """Elasticsearch answers no hits past 10,000 deep (an empty page, no error): the mapping's
    page cap (50 pages of 200) restarts the listing from the newest stamp instead of reading on."""
    with FakeZammad(email=EMAIL) as fake:
        customer = fake.add_user("Aiko", email="aiko@example.com")
        wanted = {str(fake.add_ticket(f"Bulk {n}", customer_id=customer, body="x")) for n in range(10_150)}
        backend = ZammadActions(fake).backend()
        seen: list[str] = []
        cursor, pulls = None, 0
        while True:
            page = backend.pull(cursor)
            seen += [t.remote_id for t in page.tickets]
            cursor, pulls = page.cursor, pulls + 1
            if page.done:
                break
        pages = [int(r.query.get("page", "1")) for r in fake.requests_to(r"/api/v1/tickets/search$")]
    assert set(seen) == wanted, f"{len(wanted - set(seen))} tickets never arrived"
    assert len(seen) - len(set(seen)) < 250, "the restart read far more than the boundary again"
    assert max(pages) <= 50 and pulls >= 51, (max(pages), pulls)


def test_a_helpdesk_without_a_knowledge_base_has_no_articles_and_no_error() -> None:
    with FakeZammad(email=EMAIL) as fake:
        fake.kb.active = False
        assert ZammadActions(fake).backend().pull_articles(None) == ([], None, True)
