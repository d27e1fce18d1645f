"""A jump to a ticket the cache does not hold fetches it from the helpdesk (issue 11):
services.sync.fetch_ticket over the demo helpdesk, the Zendesk fake and a real RT server."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.errors import InvalidRequest, NotFound, ServiceError
from helpdesk_tui.services.sync import fetch_ticket, run_sync
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk
from helpdesk_tui.sync.backends.rt import RequestTrackerBackend, make_client
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from tests.fakes.zendesk import FakeZendesk
from tests.server_rt import RtApi
from tests.server_rt import rt_server  # noqa: F401
from tests.test_backend_zendesk import make_backend as zendesk_backend

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, timeout=20)


def clock() -> datetime:
    return NOW


@pytest.fixture
def cache(tmp_path) -> Cache:
    return Cache(tmp_path / "acct.sqlite", "test")


def counts(cache: Cache) -> tuple[int, int]:
    with cache.connection() as conn:
        return (conn.execute("SELECT count(*) FROM tickets").fetchone()[0],
                conn.execute("SELECT count(*) FROM messages").fetchone()[0])


def cursor_of(cache: Cache) -> str | None:
    with cache.connection() as conn:
        row = conn.execute("SELECT cursor FROM sync_state WHERE stream = 'tickets'").fetchone()
    return row[0] if row else None


class Untouchable:
    """A backend that fails the test if it is asked anything."""

    label = "nothing"

    def __getattr__(self, name):
        raise AssertionError(f"the backend was asked for {name} though the ticket is cached")


# ------------------------------------------------------------------------------- demo helpdesk


def demo_with(*subjects: str) -> tuple[DemoBackend, DemoHelpdesk, list[str]]:
    helpdesk = DemoHelpdesk(now=clock)
    ids = [helpdesk.create_ticket(s, f"{s}: please look", customer="Miriam Cohen", email="miriam@example.com")
           for s in subjects]
    return DemoBackend(helpdesk=helpdesk), helpdesk, ids


def test_a_ticket_not_in_the_cache_is_fetched_with_its_thread_and_customer(cache):
    backend, helpdesk, ids = demo_with("Printer on fire", "Refund please")
    helpdesk.agent_writes(ids[1], "Looking into it", public=False)
    ticket = fetch_ticket(cache, backend, "#2", clock)
    assert ticket.number == 2 and ticket.subject == "Refund please" and ticket.id is not None
    thread = cache.thread(ticket.id)
    assert [(m.kind, m.body) for m in thread] == [(MessageKind.CUSTOMER, "Refund please: please look"),
                                                  (MessageKind.INTERNAL_NOTE, "Looking into it")]
    summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    assert summary is not None and summary.customer.email == "miriam@example.com"
    assert cache.find_ticket("1") is None  # only the ticket asked for
    assert cursor_of(cache) is None  # the feed's cursor did not move: the next sync reads everything


def test_a_fetched_ticket_is_not_duplicated_by_the_next_sync(cache):
    backend, helpdesk, ids = demo_with("Printer on fire", "Refund please")
    fetch_ticket(cache, backend, "2", clock)
    assert counts(cache) == (1, 1)
    report = run_sync(cache, backend, clock=clock)
    assert report.problem is None
    assert counts(cache) == (2, 2)  # ticket 1 came, ticket 2 was updated in place


def test_a_cached_ticket_is_returned_without_asking_the_helpdesk(cache):
    backend, _, _ = demo_with("Printer on fire")
    fetched = fetch_ticket(cache, backend, "1", clock)
    again = fetch_ticket(cache, Untouchable(), "#1", clock)
    assert again.id == fetched.id


def test_a_number_the_helpdesk_does_not_have_is_one_sentence(cache):
    backend, helpdesk, ids = demo_with("Printer on fire", "Gone")
    helpdesk.delete(ids[1])
    for typed in ("#77", "2"):
        with pytest.raises(NotFound) as caught:
            fetch_ticket(cache, backend, typed, clock)
        number = typed.lstrip("#")
        assert str(caught.value) == f"#{number} is neither in the cache nor on demo workspace: check the number."
    assert counts(cache) == (0, 0)


def test_without_a_helpdesk_the_cache_sentence_stays(cache):
    with pytest.raises(NotFound) as caught:
        fetch_ticket(cache, None, "#12345", clock)
    assert str(caught.value) == "#12345 is not in the cache: sync, or check the number."


def test_what_is_not_a_number_is_refused_before_any_request(cache):
    with pytest.raises(InvalidRequest):
        fetch_ticket(cache, Untouchable(), "refund", clock)


def test_offline_is_one_sentence_and_nothing_is_stored(cache):
    with socket.socket() as sock:  # a port nobody listens on: the connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = AccountSettings(name="rt", url=f"http://127.0.0.1:{port}", user=None, token="1-1-" + "a" * 32)
    backend = RequestTrackerBackend(account, make_client(account, policy=FAST))
    with pytest.raises(ServiceError) as caught:
        fetch_ticket(cache, backend, "#42", clock)
    assert str(caught.value) == ("#42 is not in the cache and Request Tracker cannot be reached: check the number, "
                                 "or jump again once online.")
    assert "\n" not in str(caught.value) and counts(cache) == (0, 0)


# ------------------------------------------------------------------------------- Zendesk fake


def test_zendesk_fetches_one_ticket_with_its_comments_requester_and_organization(cache):
    with FakeZendesk() as fake:
        acme = fake.add_organization("ACME Hosting", domain_names=("acme.example",))
        aiko = fake.add_user("Aiko Tanaka", email="aiko@acme.example", organization_id=acme, locale="ja")
        other = fake.add_ticket("Unrelated", requester_id=aiko)
        wanted = fake.add_ticket("サイトが落ちています", requester_id=aiko, description="至急お願いします",
                                 status="open")
        fake.add_comment(wanted, "Checking the load balancer", author_id=fake.me, public=False)
        gone = fake.add_ticket("Spam", requester_id=aiko)
        fake.delete_ticket(gone)
        backend = zendesk_backend(fake)

        ticket = fetch_ticket(cache, backend, f"#{wanted}", clock)
        assert ticket.subject == "サイトが落ちています" and ticket.remote_id == str(wanted)
        thread = cache.thread(ticket.id)
        assert [m.kind for m in thread] == [MessageKind.CUSTOMER, MessageKind.INTERNAL_NOTE]
        assert "至急お願いします" in thread[0].body and "Checking the load balancer" in thread[1].body
        summary = cache.customer_summary(ticket.requester_id)
        assert summary is not None and summary.customer.name == "Aiko Tanaka"
        assert summary.organization is not None and summary.organization.name == "ACME Hosting"
        assert cache.find_ticket(str(other)) is None and cursor_of(cache) is None
        assert fake.requests_to(r"/api/v2/incremental") == []  # one ticket, not the export

        for missing in (gone, 999_999):
            with pytest.raises(NotFound, match=f"#{missing} is neither in the cache nor on Zendesk"):
                fetch_ticket(cache, backend, str(missing), clock)
        assert counts(cache) == (1, 2)


# ------------------------------------------------------------------------------- a real RT


def test_rt_fetches_one_ticket_by_number_and_the_next_sync_keeps_one_copy(rt_server, cache):  # noqa: F811
    api = RtApi(rt_server)
    number = int(api.ticket("Fetched on a jump", "jump@example.com", content="The VPN drops every hour."))
    api.call("POST", f"/ticket/{number}/comment", json={"Content": "Seen this before: MTU.",
                                                        "ContentType": "text/plain"})
    account = AccountSettings(name="rt", url=rt_server.url, user=None, token=rt_server.token)
    backend = RequestTrackerBackend(account, make_client(account, policy=FAST))

    ticket = fetch_ticket(cache, backend, f"#{number}", clock)
    assert ticket.number == number and ticket.subject == "Fetched on a jump"
    thread = cache.thread(ticket.id)
    assert [(m.kind, m.body.strip()) for m in thread] == [(MessageKind.CUSTOMER, "The VPN drops every hour."),
                                                          (MessageKind.INTERNAL_NOTE, "Seen this before: MTU.")]
    summary = cache.customer_summary(ticket.requester_id)
    assert summary is not None and summary.customer.email == "jump@example.com"
    assert cursor_of(cache) is None

    with pytest.raises(NotFound, match=r"#999999 is neither in the cache nor on Request Tracker"):
        fetch_ticket(cache, backend, "999999", clock)

    report = run_sync(cache, backend, clock=clock)
    assert report.problem is None
    again = cache.find_ticket(str(number))
    assert again is not None and again.id == ticket.id
    assert len(cache.thread(ticket.id)) == 2  # the sync updated it in place: no second copy
