"""The fake Deskette keeps to the API its module documents (the README's worked example relies on it).

Each test would fail if the fake drifted: cursor paging, the strict ``modified_after`` filter,
the key header, the error shapes, write shapes and ids, idempotency keys, the rate limit.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.deskette import API_KEY, FakeDeskette


@pytest.fixture
def fake() -> Iterator[FakeDeskette]:
    with FakeDeskette() as running:
        yield running


@pytest.fixture
def api(fake: FakeDeskette) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url + "/api/v1", headers={"X-Api-Key": API_KEY}, timeout=10) as client:
        yield client


def all_pages(api: httpx.Client, path: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every record of a list, following ``meta.next_cursor``; (records, pages)."""
    records: list[dict[str, Any]] = []
    pages, cursor = 0, None
    while True:
        answer = api.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        records += body["data"]
        pages += 1
        cursor = body["meta"]["next_cursor"]
        assert body["meta"]["has_more"] is (cursor is not None)
        if cursor is None:
            return records, pages


def test_no_key_or_a_wrong_key_is_401_in_the_error_shape(fake: FakeDeskette) -> None:
    for headers in ({}, {"X-Api-Key": "nope"}, {"Authorization": f"Bearer {API_KEY}"}):
        answer = httpx.get(fake.url + "/api/v1/me", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"


def test_me_says_who_the_key_belongs_to(api: httpx.Client) -> None:
    agent = api.get("/me").json()["agent"]
    assert agent["display_name"] == "Alex Agent" and agent["email"] == "alex@deskette.test"
    assert isinstance(agent["id"], int)


def test_tickets_come_in_cursor_pages_oldest_change_first(fake: FakeDeskette, api: httpx.Client) -> None:
    ids = [fake.add_ticket(f"Ticket {n}", f"Body {n}", email=f"c{n}@example.com") for n in range(7)]
    fake.state.offset += 5
    fake.update_ticket(ids[0], title="Ticket 0 (edited)")  # moves to the end of the feed
    records, pages = all_pages(api, "/tickets", limit=3)
    assert pages == 3
    assert [t["id"] for t in records] == ids[1:] + ids[:1]
    first = records[-1]
    assert first["title"] == "Ticket 0 (edited)" and first["revision"] == 2
    assert first["customer"] == {"id": first["customer"]["id"], "name": "c0", "email": "c0@example.com"}
    assert isinstance(first["created"], int) and first["modified"] == first["created"] + 5
    assert (first["state"], first["urgency"], first["owner_id"], first["trashed"]) == (1, 2, None, False)


def test_modified_after_is_strictly_after(fake: FakeDeskette, api: httpx.Client) -> None:
    old = fake.add_ticket("Old", "Old one.", email="a@example.com")
    stamp = fake.ticket(old)["modified"]
    fake.state.offset += 3
    new = fake.add_ticket("New", "New one.", email="a@example.com")
    assert [t["id"] for t in api.get("/tickets", params={"modified_after": stamp}).json()["data"]] == [new]
    assert [t["id"] for t in api.get("/tickets", params={"modified_after": stamp - 1}).json()["data"]] == [old, new]


@pytest.mark.parametrize("params, code", [
    ({"limit": 101}, "bad_request"), ({"limit": 0}, "bad_request"), ({"cursor": "garbage"}, "bad_cursor"),
    ({"modified_after": "2026-01-01"}, "bad_request"),
])
def test_bad_list_parameters_are_400(api: httpx.Client, params: dict[str, Any], code: str) -> None:
    answer = api.get("/tickets", params=params)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code


def test_a_thread_has_the_opening_post_replies_notes_and_files(fake: FakeDeskette, api: httpx.Client) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    ticket = fake.add_ticket("Screen", "See the picture.", email="aiko@example.com", name="Aiko Tanaka",
                             files=(fake.add_file("screen.png", png, "image/png"),))
    colleague = fake.add_agent("Casey Colleague", "casey@deskette.test")
    fake.add_post(ticket, "Known issue.", author=colleague, visibility="internal")
    reply = api.post(f"/tickets/{ticket}/posts", json={"body": "Try again?", "attachments": [
        {"filename": "log.txt", "mime": "text/plain", "content_base64": base64.b64encode(b"a log").decode()}]})
    assert reply.status_code == 201, reply.text
    post = reply.json()["post"]
    assert post["visibility"] == "public" and post["author"]["type"] == "agent"
    posts, _ = all_pages(api, f"/tickets/{ticket}/posts", limit=2)
    assert [(p["author"]["type"], p["visibility"], p["body"]) for p in posts] == [
        ("customer", "public", "See the picture."), ("agent", "internal", "Known issue."),
        ("agent", "public", "Try again?")]
    assert posts[0]["author"]["name"] == "Aiko Tanaka" and posts[1]["author"]["name"] == "Casey Colleague"
    [picture] = posts[0]["attachments"]
    assert (picture["filename"], picture["size"], picture["mime"]) == ("screen.png", len(png), "image/png")
    assert api.get(picture["url"]).content == png
    assert httpx.get(picture["url"]).status_code == 401  # the key is needed for files too
    [log] = posts[2]["attachments"]
    assert api.get(log["url"]).content == b"a log"
    assert fake.ticket(ticket)["revision"] == 3  # each post moves the ticket


@pytest.mark.parametrize("payload, field", [
    ({"body": ""}, "body"), ({"body": "x", "visibility": "private"}, "visibility"),
    ({"body": "x", "attachments": [{"filename": "a", "content_base64": "!!"}]}, "attachments"),
    ({"body": "x", "html": True}, "html"),
])
def test_a_bad_post_is_422_naming_the_field(fake: FakeDeskette, api: httpx.Client, payload: dict[str, Any],
                                           field: str) -> None:
    ticket = fake.add_ticket("T", "B", email="a@example.com")
    answer = api.post(f"/tickets/{ticket}/posts", json=payload)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == field
    assert len(fake.thread(ticket)) == 1


def test_patch_changes_fields_and_a_stale_revision_is_409(fake: FakeDeskette, api: httpx.Client) -> None:
    ticket = fake.add_ticket("T", "B", email="a@example.com")
    colleague = fake.add_agent("Casey Colleague", "casey@deskette.test")
    changed = api.patch(f"/tickets/{ticket}", json={"state": 5, "urgency": 3, "owner_id": colleague,
                                                    "labels": ["vip"], "revision": 1})
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()["ticket"][k] for k in ("state", "urgency", "owner_id", "labels", "revision")} == {
        "state": 5, "urgency": 3, "owner_id": colleague, "labels": ["vip"], "revision": 2}
    stale = api.patch(f"/tickets/{ticket}", json={"urgency": 4, "revision": 1})
    assert stale.status_code == 409 and fake.ticket(ticket)["urgency"] == 3
    for payload in ({"state": 9}, {"owner_id": 1}, {"status": 2}):
        assert api.patch(f"/tickets/{ticket}", json=payload).status_code == 422


def test_a_new_ticket_is_created_with_its_first_post_by_the_agent(fake: FakeDeskette, api: httpx.Client) -> None:
    made = api.post("/tickets", json={"title": "Your order", "body": "Ships Monday.", "urgency": 3,
                                      "customer": {"email": "new@example.com", "name": "New Person"}})
    assert made.status_code == 201, made.text
    ticket = made.json()["ticket"]
    assert (ticket["title"], ticket["urgency"], ticket["customer"]["name"]) == ("Your order", 3, "New Person")
    [post] = fake.thread(ticket["id"])
    assert (post["author"]["type"], post["body"]) == ("agent", "Ships Monday.")
    assert api.post("/tickets", json={"title": "x", "body": "y", "customer": {"email": "nope"}}).status_code == 422


def test_an_idempotency_key_applies_a_write_once(fake: FakeDeskette, api: httpx.Client) -> None:
    ticket = fake.add_ticket("T", "B", email="a@example.com")
    first = api.post(f"/tickets/{ticket}/posts", json={"body": "Once."}, headers={"Idempotency-Key": "k1"})
    again = api.post(f"/tickets/{ticket}/posts", json={"body": "Once."}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.json() == first.json()
    assert [p["body"] for p in fake.thread(ticket)] == ["B", "Once."]
    other = api.post(f"/tickets/{ticket}/posts", json={"body": "Else."}, headers={"Idempotency-Key": "k1"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_mismatch"


def test_a_trashed_ticket_stays_in_the_feed_marked_and_its_thread_is_gone(fake: FakeDeskette,
                                                                          api: httpx.Client) -> None:
    ticket = fake.add_ticket("Spam", "Buy now.", email="spam@example.com")
    assert api.delete(f"/tickets/{ticket}").status_code == 204
    [listed] = api.get("/tickets").json()["data"]
    assert listed["id"] == ticket and listed["trashed"] is True
    assert api.get(f"/tickets/{ticket}/posts").status_code == 404
    assert api.get(f"/tickets/{ticket}").status_code == 404


def test_lookups_kb_and_snippets_are_lists(fake: FakeDeskette, api: httpx.Client) -> None:
    team = fake.add_team("Billing")
    fake.add_article("Reset your password", "<p>Click <b>Forgot</b>.</p>")
    fake.add_snippet("Greeting", "Hello [[customer.name]],")
    assert [a["display_name"] for a in api.get("/agents").json()["data"]] == ["Alex Agent"]
    assert api.get("/teams").json()["data"] == [{"id": team, "name": "Billing"}]
    [article] = api.get("/kb/articles").json()["data"]
    assert article["status"] == "published" and article["body_html"].startswith("<p>")
    assert api.get("/snippets").json()["data"][0]["content"] == "Hello [[customer.name]],"


def test_the_rate_limit_answers_429_with_retry_after_and_headers(api: httpx.Client, fake: FakeDeskette) -> None:
    fake.per_minute = 3
    fake.state.offset += 60 - fake.state.now() % 60  # the start of a minute: the window cannot turn mid-test
    answers = [api.get("/me") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert int(answers[3].headers["Retry-After"]) > 0
    assert answers[3].json()["error"]["code"] == "rate_limited"


def test_unknown_paths_and_methods(api: httpx.Client) -> None:
    assert api.get("/nothing").status_code == 404
    assert api.put("/tickets").status_code == 405
