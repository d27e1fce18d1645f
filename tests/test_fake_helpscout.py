"""The fake Help Scout keeps to the documented Mailbox API 2.0 behaviour the mapping relies on:
client-credentials tokens and 401 on an expired one, HAL paging with ``_links.next``, the
``status``/``modifiedSince``/``sortField`` filters, the write shapes and the ids they return,
and the rate limit. If the fake drifts from the docs, these fail."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.helpscout import FakeHelpScout


@pytest.fixture
def fake() -> Iterator[FakeHelpScout]:
    with FakeHelpScout() as running:
        yield running


@pytest.fixture
def api(fake: FakeHelpScout) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {fake.token()}"}) as client:
        yield client


def customer(fake: FakeHelpScout, n: int = 1) -> int:
    return fake.add_customer(f"Aiko Tanaka{n}", email=f"aiko{n}@example.com")


# ---------------------------------------------------------------- authentication


def test_client_credentials_give_a_bearer_token_as_form_json_or_query(fake: FakeHelpScout) -> None:
    fields = {"grant_type": "client_credentials", "client_id": fake.app_id, "client_secret": fake.app_secret}
    for answer in (httpx.post(f"{fake.url}/v2/oauth2/token", data=fields),
                   httpx.post(f"{fake.url}/v2/oauth2/token", json=fields),
                   httpx.post(f"{fake.url}/v2/oauth2/token", params=fields)):
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 172_800
        me = httpx.get(f"{fake.url}/v2/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.status_code == 200 and me.json()["id"] == fake.me and me.json()["email"] == "alex@example.com"


def test_wrong_credentials_grant_or_token_are_refused(fake: FakeHelpScout) -> None:
    url = f"{fake.url}/v2/oauth2/token"
    wrong = httpx.post(url, data={"grant_type": "client_credentials", "client_id": fake.app_id, "client_secret": "x"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    grant = httpx.post(url, data={"grant_type": "password", "client_id": fake.app_id, "client_secret": fake.app_secret})
    assert grant.status_code == 400
    assert httpx.get(f"{fake.url}/v2/conversations").status_code == 401
    assert httpx.get(f"{fake.url}/v2/conversations", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_an_expired_token_answers_401_and_a_new_one_works(fake: FakeHelpScout, api: httpx.Client) -> None:
    assert api.get("/v2/users/me").status_code == 200
    fake.expire_tokens()
    assert api.get("/v2/users/me").status_code == 401
    fresh = httpx.get(f"{fake.url}/v2/users/me", headers={"Authorization": f"Bearer {fake.token()}"})
    assert fresh.status_code == 200


# ---------------------------------------------------------------- listing


def test_pages_of_25_with_next_links_that_keep_the_parameters(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    made = [fake.add_conversation(f"Question {i}", f"Body {i}", customer=who) for i in range(60)]
    params = {"mailbox": str(fake.mailbox), "status": "all", "sortField": "modifiedAt", "sortOrder": "asc",
              "embed": "threads"}
    seen: list[int] = []
    answer = api.get("/v2/conversations", params=params).json()
    numbers = []
    while True:
        seen += [c["id"] for c in answer["_embedded"]["conversations"]]
        numbers.append(answer["page"]["number"])
        assert answer["page"]["size"] == 25 and answer["page"]["totalElements"] == 60
        assert answer["page"]["totalPages"] == 3
        nxt = answer["_links"].get("next")
        if nxt is None:
            break
        for key, value in params.items():
            assert f"{key}={value}" in nxt["href"], nxt["href"]
        answer = api.get(nxt["href"]).json()
    assert numbers == [1, 2, 3] and seen == made
    past = api.get("/v2/conversations", params={**params, "page": 4}).json()
    assert past["_embedded"]["conversations"] == [] and "next" not in past["_links"]
    assert api.get("/v2/conversations", params={**params, "page": 0}).status_code == 400


def test_status_defaults_to_active_and_all_lists_every_status(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    open_one = fake.add_conversation("Open", "Still open", customer=who)
    closed = fake.add_conversation("Closed", "Done", customer=who, status="closed")
    default = [c["id"] for c in api.get("/v2/conversations").json()["_embedded"]["conversations"]]
    everything = [c["id"] for c in api.get("/v2/conversations", params={"status": "all"}).json()["_embedded"]["conversations"]]
    assert default == [open_one] and set(everything) == {open_one, closed}
    assert api.get("/v2/conversations", params={"status": "bogus"}).status_code == 400


def test_modified_since_and_sort_by_modified_at_follow_changes(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    first = fake.add_conversation("First", "one", customer=who)
    second = fake.add_conversation("Second", "two", customer=who)
    fake.advance(10)
    fake.add_thread(first, "customer", "one again", author=("customer", who))
    since = fake.conversation(first)["updatedAt"]
    params = {"status": "all", "sortField": "modifiedAt", "sortOrder": "asc"}
    listed = api.get("/v2/conversations", params=params).json()["_embedded"]["conversations"]
    assert [c["id"] for c in listed] == [second, first]  # the changed one sorts last
    changed = api.get("/v2/conversations", params={**params, "modifiedSince": since}).json()
    assert [c["id"] for c in changed["_embedded"]["conversations"]] == [first]
    assert api.get("/v2/conversations", params={**params, "modifiedSince": "yesterday"}).status_code == 400
    assert api.get("/v2/conversations", params={**params, "sortField": "color"}).status_code == 400


def test_threads_are_embedded_and_listed_newest_first(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    cid = fake.add_conversation("Mailbox full", "It is full.", customer=who)
    fake.add_thread(cid, "note", "Quota is 2 GB", author=("user", fake.me))
    embedded = api.get(f"/v2/conversations/{cid}", params={"embed": "threads"}).json()["_embedded"]["threads"]
    listed = api.get(f"/v2/conversations/{cid}/threads").json()["_embedded"]["threads"]
    assert [t["type"] for t in embedded] == [t["type"] for t in listed] == ["note", "customer"]
    assert listed[1]["createdBy"]["type"] == "customer" and listed[0]["createdBy"]["type"] == "user"
    assert api.get("/v2/conversations/1").status_code == 404


# ---------------------------------------------------------------- writes


def test_a_reply_answers_201_with_the_thread_id_and_keeps_its_attachment(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    cid = fake.add_conversation("Screenshot", "See attached", customer=who)
    data = bytes(range(256)) * 4
    answer = api.post(f"/v2/conversations/{cid}/reply", json={
        "customer": {"id": who}, "text": "Here it is",
        "attachments": [{"fileName": "log.bin", "mimeType": "application/octet-stream",
                         "data": base64.b64encode(data).decode()}]})
    assert answer.status_code == 201 and answer.content == b""
    thread_id = int(answer.headers["Resource-ID"])
    [mine] = [t for t in fake.conversation(cid)["_embedded"]["threads"] if t["id"] == thread_id]
    assert mine["type"] == "reply" and mine["body"] == "Here it is"  # the text is the HTML body, kept as sent
    [meta] = mine["_embedded"]["attachments"]
    assert (meta["filename"], meta["size"]) == ("log.bin", len(data))
    got = api.get(meta["_links"]["data"]["href"]).json()["data"]
    assert base64.b64decode(got) == data


@pytest.mark.parametrize("body", [{"text": "no customer"}, {"customer": {"id": 1}, "text": "unknown customer"},
                                  {"customer": {"id": "ME"}, "text": ""},
                                  {"customer": {"id": "ME"}, "text": "x", "attachments": [{"fileName": "a"}]},
                                  {"customer": {"id": "ME"}, "text": "x", "status": "solved"}])
def test_a_reply_missing_what_the_docs_require_is_400(fake: FakeHelpScout, api: httpx.Client,
                                                      body: dict[str, Any]) -> None:
    who = customer(fake)
    cid = fake.add_conversation("Question", "Hello", customer=who)
    if body.get("customer", {}).get("id") == "ME":
        body = {**body, "customer": {"id": who}}
    answer = api.post(f"/v2/conversations/{cid}/reply", json=body)
    assert answer.status_code == 400 and answer.json()["_embedded"]["errors"]
    assert len(fake.conversation(cid)["_embedded"]["threads"]) == 1


def test_a_note_stays_a_note_and_a_reply_reactivates(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    cid = fake.add_conversation("Question", "Hello", customer=who, status="pending")
    note = api.post(f"/v2/conversations/{cid}/notes", json={"text": "internal"})
    assert note.status_code == 201 and fake.conversation(cid)["status"] == "pending"
    api.post(f"/v2/conversations/{cid}/reply", json={"customer": {"id": who}, "text": "public"})
    assert fake.conversation(cid)["status"] == "active"
    kinds = [t["type"] for t in fake.conversation(cid)["_embedded"]["threads"]]
    assert kinds[:1] == ["lineitem"] and "note" in kinds and "reply" in kinds


def test_patch_changes_one_field_per_request(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    cid = fake.add_conversation("Question", "Hello", customer=who)
    colleague = fake.add_user("Casey Colleague", email="casey@example.com")
    before = fake.conversation(cid)["updatedAt"]
    fake.advance(5)
    assert api.patch(f"/v2/conversations/{cid}", json={"op": "replace", "path": "/status", "value": "closed"}).status_code == 204
    assert api.patch(f"/v2/conversations/{cid}", json={"op": "replace", "path": "/assignTo", "value": colleague}).status_code == 204
    after = fake.conversation(cid)
    assert after["status"] == "closed" and after["assignee"]["id"] == colleague and after["updatedAt"] > before
    assert api.patch(f"/v2/conversations/{cid}", json={"op": "remove", "path": "/assignTo"}).status_code == 204
    assert fake.conversation(cid)["assignee"] is None
    for bad in ({"op": "replace", "path": "/priority", "value": "high"},
                {"op": "replace", "path": "/status", "value": "solved"},
                {"op": "replace", "path": "/assignTo", "value": 1},
                {"path": "/status", "value": "active"}):
        assert api.patch(f"/v2/conversations/{cid}", json=bad).status_code == 400, bad
    assert api.patch("/v2/conversations/1", json={"op": "replace", "path": "/status", "value": "active"}).status_code == 404


def test_tags_are_replaced_as_a_whole(fake: FakeHelpScout, api: httpx.Client) -> None:
    cid = fake.add_conversation("Question", "Hello", customer=customer(fake))
    assert api.put(f"/v2/conversations/{cid}/tags", json={"tags": ["vip", "billing"]}).status_code == 204
    assert api.put(f"/v2/conversations/{cid}/tags", json={"tags": ["billing"]}).status_code == 204
    assert [t["tag"] for t in fake.conversation(cid)["tags"]] == ["billing"]
    assert api.put(f"/v2/conversations/{cid}/tags", json={"tags": "vip"}).status_code == 400


def test_create_conversation_answers_its_id_and_needs_the_documented_fields(fake: FakeHelpScout,
                                                                            api: httpx.Client) -> None:
    body = {"subject": "New laptop", "customer": {"email": "bo@example.com", "firstName": "Bo"},
            "mailboxId": fake.mailbox, "type": "email", "status": "active", "tags": ["hardware"],
            "threads": [{"type": "reply", "customer": {"email": "bo@example.com"}, "text": "Your laptop ships today"}]}
    answer = api.post("/v2/conversations", json=body)
    assert answer.status_code == 201
    cid = int(answer.headers["Resource-ID"])
    assert answer.headers["Location"].endswith(f"/v2/conversations/{cid}")
    made = fake.conversation(cid)
    assert made["subject"] == "New laptop" and made["primaryCustomer"]["email"] == "bo@example.com"
    assert [t["type"] for t in made["_embedded"]["threads"]] == ["reply"]
    assert [t["tag"] for t in made["tags"]] == ["hardware"]
    for missing in ("subject", "customer", "mailboxId", "threads"):
        assert api.post("/v2/conversations", json={k: v for k, v in body.items() if k != missing}).status_code == 400


def test_a_conversation_takes_at_most_100_threads(fake: FakeHelpScout, api: httpx.Client) -> None:
    who = customer(fake)
    cid = fake.add_conversation("Chatty", "1", customer=who)
    for i in range(99):
        fake.add_thread(cid, "customer", f"again {i}", author=("customer", who))
    assert api.post(f"/v2/conversations/{cid}/notes", json={"text": "one more"}).status_code == 412


# ---------------------------------------------------------------- rate limit


def test_the_rate_limit_counts_writes_twice_and_answers_429_with_retry_after(api: httpx.Client) -> None:
    fake_limit = FakeHelpScout(rate_limit=5)
    with fake_limit, httpx.Client(base_url=fake_limit.url,
                                  headers={"Authorization": f"Bearer {fake_limit.token()}"}) as limited:
        cid = fake_limit.add_conversation("Q", "Hi", customer=customer(fake_limit))
        first = limited.get("/v2/users/me")
        assert first.headers["X-RateLimit-Limit-Minute"] == "5"
        assert first.headers["X-RateLimit-Remaining-Minute"] == "4"
        assert limited.post(f"/v2/conversations/{cid}/notes", json={"text": "n"}).headers[
            "X-RateLimit-Remaining-Minute"] == "2"
        limited.get("/v2/users/me")
        limited.get("/v2/users/me")
        refused = limited.get("/v2/users/me")
        assert refused.status_code == 429
        assert int(refused.headers["X-RateLimit-Retry-After"]) >= 1 and refused.headers["Retry-After"]


def test_a_dropdown_custom_field_takes_an_option_id_and_shows_its_label(fake: FakeHelpScout, api: httpx.Client) -> None:
    field = fake.add_field("Priority", ("Low", "Normal", "High", "Urgent"))
    cid = fake.add_conversation("Question", "Hello", customer=customer(fake))
    [listed] = api.get(f"/v2/mailboxes/{fake.mailbox}/fields").json()["_embedded"]["fields"]
    high = next(o["id"] for o in listed["options"] if o["label"] == "High")
    assert listed["id"] == field and listed["type"] == "dropdown"
    assert api.put(f"/v2/conversations/{cid}/fields", json={"fields": [{"id": field, "value": str(high)}]}).status_code == 204
    assert fake.conversation(cid)["customFields"] == [{"id": field, "name": "Priority", "value": str(high), "text": "High"}]
    assert api.put(f"/v2/conversations/{cid}/fields", json={"fields": [{"id": field, "value": "High"}]}).status_code == 400
    assert api.put(f"/v2/conversations/{cid}/fields", json={"fields": [{"id": 1, "value": str(high)}]}).status_code == 400
