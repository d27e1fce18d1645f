"""Help Scout specifics of the mapping against the fake: a listing read while conversations change
misses none, an access token that expires mid-sync is bought again, a 429 is waited out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.commands import NewTicket, Reply, Update
from helpdesk_tui.sync.contract import AccountSettings, ChangePage
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import HelpScoutBackend
from tests.fakes.helpscout import FakeHelpScout

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHelpScout]:
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))  # the request budget's state
    with FakeHelpScout(rate_limit=100_000) as running:
        customer = running.add_customer("Aiko Tanaka", email="aiko@example.com")
        running.advance(-60)  # a mailbox filled over the last minute, one conversation a second
        for n in range(60):
            running.advance(1)
            running.add_conversation(f"Question {n}", f"Body {n}", customer=customer)
        yield running


def backend(fake: FakeHelpScout, slept: list[float] | None = None) -> HelpScoutBackend:
    account = AccountSettings(name="hs", url=fake.url, user=None, token=fake.app_secret,
                              options={"mailbox": str(fake.mailbox), "app_id": fake.app_id})
    policy = QUICK if slept is None else RetryPolicy(attempts=3, base_delay=0.0, max_delay=5.0, timeout=10)
    client = HelpScoutBackend.make_client(account, policy=policy,
                                          sleep=(slept.append if slept is not None else lambda s: None))
    return HelpScoutBackend(account, client)


def pull_all(desk: HelpScoutBackend, cursor: str | None = None, *, between=lambda page: None) -> tuple[list[str], str]:
    ids: list[str] = []
    for _ in range(100):
        page: ChangePage = desk.pull(cursor)
        ids += [t.remote_id for t in page.tickets]
        between(page)
        cursor = page.cursor or ""
        if page.done:
            return ids, cursor
    raise AssertionError("the listing never ended")


def test_a_conversation_changed_while_the_listing_is_read_makes_none_slip_past(fake: FakeHelpScout) -> None:
    everyone = sorted(str(c) for c in fake.state.conversations)
    first_page: list[str] = []

    def change_one_of_page_one(page: ChangePage) -> None:
        if not first_page:  # after page 1: its oldest conversation changes and moves to the end
            first_page.extend(t.remote_id for t in page.tickets)
            customer = fake.conversation(int(first_page[0]))["primaryCustomer"]["id"]
            fake.add_thread(int(first_page[0]), "customer", "One more thing.", author=("customer", customer))

    ids, cursor = pull_all(backend(fake), between=change_one_of_page_one)
    assert sorted(set(ids)) == everyone
    again, _ = pull_all(backend(fake), cursor)
    assert again == []  # nothing changed since: nothing comes again


def test_an_expired_token_is_bought_again_mid_sync(fake: FakeHelpScout) -> None:
    desk = backend(fake)
    page = desk.pull(None)
    fake.expire_tokens()
    ids, _ = pull_all(desk, page.cursor)
    assert len(page.tickets) + len(ids) >= 60
    assert len(fake.requests_to(r"/v2/oauth2/token$", "POST")) == 2
    assert any(r.status == 401 for r in fake.requests)


def test_a_429_is_waited_out_as_retry_after_says(fake: FakeHelpScout) -> None:
    slept: list[float] = []
    fake.fail(429, headers={"X-RateLimit-Retry-After": "2", "Retry-After": "2"}, path=r"^/v2/conversations$")
    ids, _ = pull_all(backend(fake, slept))
    assert len(set(ids)) == 60 and slept and slept[0] >= 2


def test_a_new_conversation_takes_priority_and_assignee_and_an_update_clears_them(fake: FakeHelpScout) -> None:
    field = fake.add_field("Priority", ("Low", "Normal", "High", "Urgent"))
    casey = fake.add_user("Casey Colleague", email="casey@example.com")
    account = AccountSettings(name="hs", url=fake.url, user=None, token=fake.app_secret,
                              options={"mailbox": str(fake.mailbox), "app_id": fake.app_id, "priority_field": str(field)})
    desk = HelpScoutBackend(account, HelpScoutBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
    made = desk.push(NewTicket("c0ffee", datetime.now(UTC), subject="New laptop", body="It ships today.",
                               requester="bo@example.com", requester_name="Bo", priority=Priority.URGENT,
                               assignee="Casey Colleague"), "", None)
    assert made.remote_id is not None and made.number is not None
    server = fake.conversation(int(made.remote_id))
    assert server["number"] == made.number and server["assignee"]["id"] == casey
    assert [(f["name"], f["text"]) for f in server["customFields"]] == [("Priority", "Urgent")]
    assert [t["tag"] for t in server["tags"]] == ["hdt-c0ffee"]  # the marker a lost answer is found by
    desk.push(Update("u1", datetime.now(UTC), assignee=None, tags=()), made.remote_id, None)
    server = fake.conversation(int(made.remote_id))
    assert server["assignee"] is None and server["tags"] == []
    with pytest.raises(NotSupported, match="tags"):  # the marker holds the tags: refused, not dropped
        desk.push(NewTicket("d1", datetime.now(UTC), subject="s", body="b", requester="c@example.com",
                            tags=("vip",)), "", None)


def test_a_reply_with_a_status_change_carries_it_and_sends_no_patch(fake: FakeHelpScout) -> None:
    desk = backend(fake)
    cid = next(iter(fake.state.conversations))
    before = len(fake.requests_to(r"/v2/conversations/\d+$", "PATCH"))
    pushed = desk.push(Reply("r1", datetime.now(UTC), "Waiting for your logs.", status=Status.PENDING), str(cid), None)
    server = fake.conversation(cid)
    assert server["status"] == "pending"
    assert [t["id"] for t in server["_embedded"]["threads"] if t["type"] == "reply"] == [int(pushed.remote_id or 0)]
    assert len(fake.requests_to(r"/v2/conversations/\d+$", "PATCH")) == before  # the reply itself carried it
