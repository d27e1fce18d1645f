"""The fake Freshdesk keeps to the documented API behaviour the Freshdesk mapping relies on:
auth, paging with ``Link`` and its 300-page cap, the tickets list's filters and default window,
conversations, write shapes and ids, errors and rate limits."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.freshdesk_endpoints import MAX_PAGE
from tests.fakes.freshdesk_process import fake_freshdesk_process

SINCE = {"updated_since": "2000-01-01T00:00:00Z", "order_by": "updated_at", "order_type": "asc"}


@pytest.fixture
def fake() -> Iterator[FakeFreshdesk]:
    with FakeFreshdesk() as running:
        yield running


@pytest.fixture
def api(fake: FakeFreshdesk) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url + "/api/v2", auth=(fake.api_key, "X")) as client:
        yield client


def customer(fake: FakeFreshdesk, n: int = 0) -> int:
    return fake.add_contact(f"Customer {n}", f"customer{n}@example.com")


def test_the_api_key_is_the_user_name_and_a_wrong_key_is_refused(fake: FakeFreshdesk) -> None:
    url = fake.url + "/api/v2/agents/me"
    assert httpx.get(url, auth=(fake.api_key, "X")).json()["contact"]["name"] == "Alex Agent"
    refused = httpx.get(url, auth=("wrong-key", "X"))
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_credentials"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, auth=("alex@example.com", fake.api_key)).status_code == 401  # the key goes first


def test_tickets_page_with_a_link_header_until_the_last_page(fake: FakeFreshdesk, api: httpx.Client) -> None:
    who = customer(fake)
    ids = [fake.add_ticket(f"T{n}", requester_id=who) for n in range(5)]
    seen, query, pages = [], {**SINCE, "per_page": "2"}, 0
    answer = api.get("/tickets", params=query)
    while True:
        pages += 1
        assert answer.status_code == 200
        seen += [t["id"] for t in answer.json()]
        link = answer.headers.get("Link")
        if not link:
            break
        assert link.endswith('>; rel="next"')
        answer = api.get(link[1:link.index(">")])
    assert (seen, pages) == (ids, 3)
    assert api.get("/tickets", params={**SINCE, "per_page": "101"}).status_code == 400


def test_a_page_beyond_the_cap_is_refused_with_the_documented_error(api: httpx.Client) -> None:
    answer = api.get("/tickets", params={**SINCE, "page": str(MAX_PAGE + 1)})
    assert answer.status_code == 400
    assert answer.json()["description"] == "Validation failed"
    assert answer.json()["errors"][0]["field"] == "page"
    assert api.get("/tickets", params={**SINCE, "page": str(MAX_PAGE)}).json() == []  # the cap itself answers


def test_updated_since_lists_changes_oldest_first_and_the_default_is_thirty_days(fake: FakeFreshdesk,
                                                                                 api: httpx.Client) -> None:
    who = customer(fake)
    old = fake.add_ticket("Old", requester_id=who, created=int(time.time()) - 40 * 86_400)
    first, second = fake.add_ticket("First", requester_id=who), fake.add_ticket("Second", requester_id=who)
    fake.add_conversation(first, "Any news?")  # first is now the newest change
    listed = [t["id"] for t in api.get("/tickets", params=SINCE).json()]
    assert listed == [old, second, first]
    assert old not in [t["id"] for t in api.get("/tickets").json()]  # older than 30 days: only with updated_since
    stamp = fake.ticket(first)["updated_at"]
    assert [t["id"] for t in api.get("/tickets", params={**SINCE, "updated_since": stamp}).json()] == [first]
    assert api.get("/tickets", params={"updated_since": "yesterday"}).status_code == 400
    assert api.get("/tickets", params={"sort": "id"}).status_code == 400  # unknown parameters are refused


def test_the_list_has_no_description_unless_included_and_include_costs_credits(fake: FakeFreshdesk,
                                                                               api: httpx.Client) -> None:
    fake.add_ticket("Printer", requester_id=customer(fake), description="It is <offline>.")
    plain = api.get("/tickets", params=SINCE)
    assert "description" not in plain.json()[0] and "requester" not in plain.json()[0]
    assert plain.headers["X-RateLimit-Used-CurrentRequest"] == "1"
    rich = api.get("/tickets", params={**SINCE, "include": "requester,description"})
    [ticket] = rich.json()
    assert ticket["description_text"] == "It is <offline>." and "&lt;offline&gt;" in ticket["description"]
    assert ticket["requester"]["email"] == "customer0@example.com"
    assert rich.headers["X-RateLimit-Used-CurrentRequest"] == "5"
    assert "X-RateLimit-Total" in rich.headers and "X-RateLimit-Remaining" in rich.headers


def test_deleted_and_spam_tickets_leave_the_default_list_for_their_filters(fake: FakeFreshdesk,
                                                                          api: httpx.Client) -> None:
    who = customer(fake)
    kept, deleted, spam = (fake.add_ticket(s, requester_id=who) for s in ("Kept", "Deleted", "Spam"))
    fake.delete_ticket(deleted)
    fake.mark_spam(spam)
    assert [t["id"] for t in api.get("/tickets", params=SINCE).json()] == [kept]
    assert [t["id"] for t in api.get("/tickets", params={**SINCE, "filter": "deleted"}).json()] == [deleted]
    assert [t["id"] for t in api.get("/tickets", params={**SINCE, "filter": "spam"}).json()] == [spam]
    assert api.get(f"/tickets/{deleted}").json()["deleted"] is True


def test_a_ticket_shows_its_description_and_conversations_page(fake: FakeFreshdesk, api: httpx.Client) -> None:
    number = fake.add_ticket("VPN", requester_id=customer(fake), description="It drops.")
    colleague = fake.add_agent("Casey Colleague", "casey@example.com")
    fake.add_conversation(number, "Reboot it.", user_id=colleague)
    fake.add_conversation(number, "Quota is low.", user_id=colleague, private=True)
    fake.add_conversation(number, "Done.")
    assert api.get(f"/tickets/{number}").json()["description_text"] == "It drops."
    first = api.get(f"/tickets/{number}/conversations", params={"per_page": "2"})
    rest = api.get(first.headers["Link"][1:first.headers["Link"].index(">")])
    kinds = [(c["body_text"], c["incoming"], c["private"]) for c in first.json() + rest.json()]
    assert kinds == [("Reboot it.", False, False), ("Quota is low.", False, True), ("Done.", True, False)]
    assert "Link" not in rest.headers
    assert api.get("/tickets/999").status_code == 404 and api.get("/tickets/999").content == b""


def test_reply_and_note_answer_201_with_the_new_conversation(fake: FakeFreshdesk, api: httpx.Client) -> None:
    number = fake.add_ticket("Mail", requester_id=customer(fake))
    reply = api.post(f"/tickets/{number}/reply", json={"body": "<p>Sent again</p>"})
    note = api.post(f"/tickets/{number}/notes", json={"body": "<p>Legacy plan</p>"})
    assert (reply.status_code, note.status_code) == (201, 201)
    assert reply.json()["private"] is False and note.json()["private"] is True  # a note is private by default
    assert [c["id"] for c in fake.thread(number)] == [reply.json()["id"], note.json()["id"]]
    assert api.post(f"/tickets/{number}/reply", json={}).status_code == 400
    assert api.post(f"/tickets/{number}/reply", json={"body": "x", "private": True}).status_code == 400
    assert api.post(f"/tickets/{number}/reply", data={"body": "x"}).status_code == 415
    assert api.post("/tickets/999/reply", json={"body": "x"}).status_code == 404


def test_multipart_attachments_keep_their_bytes_on_storage_that_wants_no_credentials(
        fake: FakeFreshdesk, api: httpx.Client) -> None:
    number = fake.add_ticket("Screenshot", requester_id=customer(fake))
    data = bytes(range(256)) * 4
    answer = api.post(f"/tickets/{number}/reply", data={"body": "Here"},
                      files=[("attachments[]", ("log.bin", data, "application/octet-stream"))])
    [meta] = answer.json()["attachments"]
    assert (meta["name"], meta["size"]) == ("log.bin", len(data))
    assert httpx.get(meta["attachment_url"]).content == data
    assert httpx.get(meta["attachment_url"], auth=(fake.api_key, "X")).status_code == 400
    assert fake.file(meta["attachment_url"]) == data


def test_updates_are_validated_as_documented(fake: FakeFreshdesk, api: httpx.Client) -> None:
    number = fake.add_ticket("Disk", requester_id=customer(fake))
    group = fake.add_group("Tier 2")
    changed = api.put(f"/tickets/{number}", json={"status": 4, "priority": 3, "responder_id": fake.me,
                                                  "group_id": group, "tags": ["disk"]})
    assert changed.status_code == 200
    assert {k: changed.json()[k] for k in ("status", "priority", "responder_id", "group_id", "tags")} == {
        "status": 4, "priority": 3, "responder_id": fake.me, "group_id": group, "tags": ["disk"]}
    for bad in ({"status": 6}, {"priority": 5}, {"responder_id": 1}, {"group_id": 1}, {"status": "4"},
                {"colour": "red"}):
        refused = api.put(f"/tickets/{number}", json=bad)
        assert refused.status_code == 400, bad
        assert refused.json()["errors"][0]["field"] == next(iter(bad))


def test_a_new_ticket_is_created_for_an_email_with_its_id(fake: FakeFreshdesk, api: httpx.Client) -> None:
    made = api.post("/tickets", json={"subject": "Order", "description": "<p>Ships Monday</p>",
                                      "email": "new@example.com", "status": 2, "priority": 1})
    assert made.status_code == 201
    ticket = fake.ticket(made.json()["id"])
    assert ticket["subject"] == "Order" and ticket["description_text"] == "Ships Monday"
    assert fake.state.contacts[ticket["requester_id"]]["email"] == "new@example.com"
    assert api.post("/tickets", json={"subject": "No one"}).status_code == 400


def test_the_budget_per_minute_answers_429_with_retry_after(fake: FakeFreshdesk, api: httpx.Client) -> None:
    fake.per_minute = 3
    answers = [api.get("/agents/me") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[2].headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    fake.per_minute = 100_000
    fake.rate_limit(retry_after=7)
    injected = api.get("/groups")
    assert (injected.status_code, injected.headers["Retry-After"]) == (429, "7")


def test_kb_and_canned_responses_are_nested_lists(fake: FakeFreshdesk, api: httpx.Client) -> None:
    category = fake.add_category("Billing")
    folder = fake.add_folder(category, "Invoices")
    article = fake.add_article(folder, "Copy of an invoice", "Open Billing, then Invoices.")
    canned_folder = fake.add_canned_folder("Greetings")
    canned = fake.add_canned_response(canned_folder, "Hello", "<p>Hello {{ticket.requester.name}}</p>")
    assert [c["id"] for c in api.get("/solutions/categories").json()] == [category]
    assert [f["id"] for f in api.get(f"/solutions/categories/{category}/folders").json()] == [folder]
    [found] = api.get(f"/solutions/folders/{folder}/articles").json()
    assert (found["id"], found["description_text"]) == (article, "Open Billing, then Invoices.")
    assert [f["id"] for f in api.get("/canned_response_folders").json()] == [canned_folder]
    [response] = api.get(f"/canned_response_folders/{canned_folder}/responses").json()
    assert (response["id"], response["content_html"]) == (canned, "<p>Hello {{ticket.requester.name}}</p>")


def test_the_fake_runs_in_its_own_process_with_bulk_tickets() -> None:
    with fake_freshdesk_process(bulk=30) as fake:
        api = httpx.Client(base_url=fake.url + "/api/v2", auth=("fake-freshdesk-key", "X"))
        listed = api.get("/tickets", params={**SINCE, "per_page": "100"}).json()
        assert len(listed) == 30
        assert len(api.get("/tickets", params={"per_page": "100"}).json()) == 27  # three are 40 days old
        fake.call(op="customer_writes", ticket=5, body="Still broken")
        assert api.get("/tickets", params={**SINCE, "per_page": "100"}).json()[-1]["id"] == 5
        assert fake.call(op="requests") == 3
