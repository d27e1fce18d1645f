"""What the Freshdesk mapping does beyond the conformance suite, against the fake Freshdesk: the
300-page cap (the listing starts again from its cursor), the 30-day default window, a 429 with
Retry-After, a wrong API key, solutions as the KB and canned responses as templates."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import Backend
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import FreshdeskBackend
from tests.backend_support import pull_all
from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.freshdesk_endpoints import MAX_PAGE
from tests.test_conformance_freshdesk import freshdesk_account


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mapping's request budget keeps its state under the data directory: a test's own."""
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def fake() -> Iterator[FakeFreshdesk]:
    with FakeFreshdesk() as running:
        yield running


def backend(fake: FakeFreshdesk, *, key: str | None = None, slept: list[float] | None = None) -> Backend:
    account = freshdesk_account(fake.url, key or fake.api_key)
    policy = RetryPolicy(attempts=3, base_delay=0.0, max_delay=5.0, timeout=30)
    client = FreshdeskBackend.make_client(account, policy=policy,
                                          sleep=slept.append if slept is not None else lambda s: None)
    return FreshdeskBackend(account, client)


def seed_past(fake: FakeFreshdesk, count: int, *, days_ago: int = 20) -> list[int]:
    """``count`` tickets changed one second apart, ``days_ago`` days ago (no live clock used)."""
    start = int(time.time()) - days_ago * 86_400
    with fake.lock:
        who = fake.state.add_contact("Bulk Customer", "bulk@example.com")
        return [fake.state.add_ticket(f"Bulk {n}", requester_id=who, created=start + n) for n in range(count)]


def test_past_the_300th_page_the_listing_starts_again_from_its_cursor(fake: FakeFreshdesk) -> None:
    ids = seed_past(fake, MAX_PAGE * 100 + 150)
    pages, cursor = pull_all(backend(fake))
    pulled = [int(t.remote_id) for p in pages for t in p.tickets]
    assert sorted(pulled) == ids, "a ticket past the cap was lost or came twice"
    listed = fake.requests_to(r"/api/v2/tickets$", "GET")
    assert all(r.status == 200 for r in listed), [(r.query, r.status) for r in listed if r.status != 200][:3]
    assert max(int(r.query.get("page", "1")) for r in listed) <= MAX_PAGE
    assert len({r.query.get("updated_since") for r in listed}) == 2  # the first listing, then one restart
    fake.update_ticket(ids[5], subject="Changed after the sync")
    assert [t.remote_id for p in pull_all(backend(fake), cursor)[0] for t in p.tickets] == [str(ids[5])]


def test_a_ticket_older_than_the_lists_default_thirty_days_still_arrives(fake: FakeFreshdesk) -> None:
    [old] = seed_past(fake, 1, days_ago=45)
    pages, _ = pull_all(backend(fake))
    assert [t.remote_id for p in pages for t in p.tickets] == [str(old)]
    assert all("updated_since" in r.query for r in fake.requests_to(r"/api/v2/tickets$", "GET"))


def test_a_429_waits_as_long_as_retry_after_says(fake: FakeFreshdesk) -> None:
    seed_past(fake, 3)
    fake.rate_limit(retry_after=2, path=r"/api/v2/tickets$")
    slept: list[float] = []
    pages, _ = pull_all(backend(fake, slept=slept))
    assert sum(len(p.tickets) for p in pages) == 3 and slept == [2.0]


def test_a_wrong_api_key_is_one_sentence(fake: FakeFreshdesk) -> None:
    with pytest.raises(errors.AuthFailed) as refused:
        backend(fake, key="not-the-key").check()
    assert "\n" not in str(refused.value) and "not-the-key" not in str(refused.value)
    assert "Alex Agent" in backend(fake).check()


def test_published_solutions_are_the_kb_and_drafts_are_archived(fake: FakeFreshdesk) -> None:
    folder = fake.add_folder(fake.add_category("Billing"), "Invoices")
    published = fake.add_article(folder, "Copy of an invoice", "Open Billing, then Invoices.", tags=("billing",))
    draft = fake.add_article(folder, "Refunds (draft)", "Not yet.", status=1)
    other = fake.add_article(fake.add_folder(fake.add_category("Access"), "Passwords"), "Reset", "Use the link.")
    articles, _cursor, done = backend(fake).pull_articles(None)
    assert done
    found = {a.remote_id: a for a in articles}
    assert set(found) == {str(published), str(draft), str(other)}
    assert found[str(published)].title == "Copy of an invoice" and not found[str(published)].archived
    assert "Open Billing, then Invoices." in found[str(published)].body
    assert found[str(published)].tags == ("billing",)
    assert found[str(draft)].archived


def test_canned_responses_are_templates_in_our_placeholders(fake: FakeFreshdesk) -> None:
    folder = fake.add_canned_folder("Greetings")
    hello = fake.add_canned_response(folder, "Hello", "<p>Hello {{ticket.requester.name}}, about #{{ticket.id}}</p>")
    [template] = backend(fake).pull_templates()
    assert (template.remote_id, template.name) == (str(hello), "Hello")
    assert "{{ customer.name }}" in template.body and "{{ ticket.number }}" in template.body
    assert "ticket.requester" not in template.body


def test_a_long_thread_follows_the_conversations_link_pages_oldest_first(fake: FakeFreshdesk) -> None:
    [number] = seed_past(fake, 1)
    colleague = fake.add_agent("Casey Colleague", "casey@example.com")
    with fake.lock:
        for n in range(150):
            fake.state.add_conversation(number, f"Step {n}", user_id=colleague, private=n % 50 == 0)
    fake.add_conversation(number, "<b>Fixed</b>, thanks", html=True)
    thread = backend(fake).fetch_thread(str(number))
    assert len(thread) == 152 and len(fake.requests_to(rf"/tickets/{number}/conversations$")) == 2
    assert thread[0].kind == MessageKind.CUSTOMER and thread[0].remote_id == f"ticket-{number}"
    assert [m.kind for m in thread[1:4]] == [MessageKind.INTERNAL_NOTE, MessageKind.PUBLIC_REPLY,
                                              MessageKind.PUBLIC_REPLY]
    assert thread[-1].kind == MessageKind.CUSTOMER and thread[-1].body_format == "html"
    assert "<b>Fixed</b>" in thread[-1].body
    assert [m.created_at for m in thread] == sorted(m.created_at for m in thread)


def test_tickets_sharing_one_second_come_once_and_the_next_pull_brings_only_changes(fake: FakeFreshdesk) -> None:
    stamp = int(time.time()) - 3 * 86_400
    with fake.lock:  # an import: 150 tickets stamped in the same second
        who = fake.state.add_contact("Imported", "imported@example.com")
        ids = [fake.state.add_ticket(f"Imported {n}", requester_id=who, created=stamp) for n in range(150)]
    pages, cursor = pull_all(backend(fake))
    assert sorted(int(t.remote_id) for p in pages for t in p.tickets) == ids
    again, cursor = pull_all(backend(fake), cursor)
    assert [t.remote_id for p in again for t in p.tickets] == []  # ">=" brings the boundary back: not re-emitted
    fake.add_conversation(ids[70], "Any news?")
    changed, _ = pull_all(backend(fake), cursor)
    assert [t.remote_id for p in changed for t in p.tickets] == [str(ids[70])]


def test_deleted_and_spam_tickets_are_deletions_once(fake: FakeFreshdesk) -> None:
    ids = seed_past(fake, 4)
    desk = backend(fake)
    _, cursor = pull_all(desk)
    fake.delete_ticket(ids[0])
    fake.mark_spam(ids[2])
    pages, cursor = pull_all(desk, cursor)
    assert sorted(d for p in pages for d in p.deleted_ticket_ids) == [str(ids[0]), str(ids[2])]
    assert [t.remote_id for p in pages for t in p.tickets] == []
    pages, cursor = pull_all(desk, cursor)
    assert [d for p in pages for d in p.deleted_ticket_ids] == []  # told once
    fake.update_ticket(ids[1], subject="Still here")
    pages, _ = pull_all(desk, cursor)
    assert ([t.remote_id for p in pages for t in p.tickets], [d for p in pages for d in p.deleted_ticket_ids]) == (
        [str(ids[1])], [])
    asked = [r.query.get("filter") for r in fake.requests_to(r"/api/v2/tickets$", "GET")]
    assert asked.count("deleted") == asked.count("spam") == 3  # once per sync after the first
