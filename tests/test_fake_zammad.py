"""The fake Zammad keeps to the documented behaviour the Zammad mapping relies on: a drift here
(paging, search syntax, auth, write shapes, ids returned) would let a wrong mapping pass."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.zammad import FakeZammad
from tests.fakes.zammad_search import date_ms


@pytest.fixture
def fake() -> Iterator[FakeZammad]:
    with FakeZammad() as running:
        yield running


@pytest.fixture
def http(fake: FakeZammad) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url + "/api/v1", headers={"Authorization": f"Token token={fake.token}"}) as c:
        yield c


def _search(http: httpx.Client, query: str, **params: str) -> httpx.Response:
    return http.get("/tickets/search", params={"query": query, **params})


# ---------------------------------------------------------------- auth


def test_a_token_signs_in_and_a_wrong_or_missing_one_is_401(fake: FakeZammad, http: httpx.Client) -> None:
    me = http.get("/users/me").json()
    assert (me["id"], me["email"], me["firstname"]) == (fake.me, "agent@example.com", "Alex")
    assert http.get("/users/me", headers={"Authorization": "Token token=nope"}).status_code == 401
    assert httpx.get(fake.url + "/api/v1/tickets/search?query=*").status_code == 401
    assert http.get("/users/me", headers={"Authorization": f"Bearer {fake.token}"}).status_code == 200
    assert http.get("/users/me", headers={"Authorization": f"Token {fake.token}"}).status_code == 401


# ---------------------------------------------------------------- search and paging


def test_search_pages_by_page_and_per_page_in_the_asked_order_capped_at_200(fake: FakeZammad,
                                                                            http: httpx.Client) -> None:
    ids = [fake.add_ticket(f"Ticket {n}") for n in range(230)]
    first = _search(http, "*", sort_by="updated_at", order_by="asc", per_page="500", page="1").json()
    assert [t["id"] for t in first] == ids[:200]  # per_page is capped at 200, not refused
    second = _search(http, "*", sort_by="updated_at", order_by="asc", per_page="500", page="2").json()
    assert [t["id"] for t in second] == ids[200:]  # a short last page
    assert _search(http, "*", per_page="500", page="3").json() == []
    default = _search(http, "*").json()
    assert [t["id"] for t in default] == ids[::-1][:50]  # 50 by default, the newest change first


def test_updated_at_ranges_filter_by_the_millisecond_and_a_bare_colon_is_a_parse_error(
        fake: FakeZammad, http: httpx.Client) -> None:
    old = fake.add_ticket("Old one")
    fake.advance(5)
    new = fake.add_ticket("New one")
    stamp = fake.ticket(new)["updated_at"]
    escaped = stamp.replace(":", "\\:")
    assert [t["id"] for t in _search(http, f"updated_at:>={escaped}").json()] == [new]
    assert _search(http, f"updated_at:>{escaped}").json() == []
    assert [t["id"] for t in _search(http, f"updated_at:[{stamp} TO *]").json()] == [new]
    assert _search(http, f"updated_at:{{{stamp} TO *]").json() == []  # exclusive lower bound
    assert [t["id"] for t in _search(http, f'updated_at:>="{stamp}"').json()] == [new]
    assert {t["id"] for t in _search(http, "updated_at:>now-1h").json()} == {old, new}
    refused = _search(http, f"updated_at:>={stamp}")
    assert refused.status_code == 422 and "parse" in refused.json()["error"]


def test_search_by_attributes_words_and_boolean_operators(fake: FakeZammad, http: httpx.Client) -> None:
    printer = fake.add_ticket("Printer offline", body="The printer on floor 3")
    vpn = fake.add_ticket("VPN drops", body="Every five minutes")
    fake.update_ticket(vpn, state="open")
    found = lambda q: sorted(t["id"] for t in _search(http, q).json())  # noqa: E731
    assert found("title:printer") == [printer]
    assert found("state.name:open") == [vpn]
    assert found("state.name:(new OR open)") == sorted([printer, vpn])
    assert found("five AND state.name:open") == [vpn]
    assert found("!state.name:open") == [printer]
    assert found(f"number:{fake.ticket(printer)['number']}") == [printer]
    assert found("article.body:floor") == [printer]


def test_expand_names_the_associations_and_full_answers_assets(fake: FakeZammad, http: httpx.Client) -> None:
    aiko = fake.add_user("Aiko", lastname="Tanaka", email="aiko@example.com")
    ticket_id = fake.add_ticket("Printer offline", customer_id=aiko)
    plain = _search(http, "*").json()[0]
    assert "state" not in plain and plain["state_id"] == 1 and plain["customer_id"] == aiko
    [expanded] = _search(http, "*", expand="true").json()
    assert (expanded["state"], expanded["priority"], expanded["group"]) == ("new", "2 normal", "Users")
    assert (expanded["customer"], expanded["owner"]) == ("aiko@example.com", "-")
    assert isinstance(expanded["number"], str) and expanded["number"] != str(ticket_id)
    full = _search(http, "*", full="true").json()
    assert full["record_ids"] == [ticket_id] and full["total_count"] == 1
    assert full["assets"]["User"][str(aiko)]["email"] == "aiko@example.com"
    assert expanded["updated_at"].endswith("Z") and len(expanded["updated_at"]) == len("2026-01-01T00:00:00.000Z")


def test_a_page_beyond_the_search_window_is_empty(fake: FakeZammad, http: httpx.Client) -> None:
    fake.add_ticket("Only one")
    assert _search(http, "*", per_page="200", page="50").json() == []  # 9,800 + 200: inside
    assert _search(http, "*", per_page="200", page="51").json() == []  # 10,000 + 200: refused, no hits


# ---------------------------------------------------------------- articles


def test_articles_by_ticket_have_sender_internal_type_and_attachment_download_paths(
        fake: FakeZammad, http: httpx.Client) -> None:
    aiko = fake.add_user("Aiko", email="aiko@example.com")
    colleague = fake.add_user("Casey", email="casey@example.com", roles=(2,))
    ticket_id = fake.add_ticket("Screenshot", customer_id=aiko, body="See picture",
                                attachments=(("screen.png", b"\x89PNG" + bytes(range(256)), "image/png"),))
    fake.add_article(ticket_id, "Checking", author_id=colleague, internal=True, article_type="note")
    first, note = http.get(f"/ticket_articles/by_ticket/{ticket_id}").json()
    assert (first["sender"], first["type"], first["internal"], first["created_by"]) == (
        "Customer", "email", False, "aiko@example.com")
    assert (note["sender"], note["type"], note["internal"], note["sender_id"], note["type_id"]) == (
        "Agent", "note", True, 1, 10)
    [attachment] = first["attachments"]
    assert (attachment["filename"], attachment["size"], attachment["preferences"]["Mime-Type"]) == (
        "screen.png", "260", "image/png")
    got = http.get(f"/ticket_attachment/{ticket_id}/{first['id']}/{attachment['id']}")
    assert got.status_code == 200 and got.content == b"\x89PNG" + bytes(range(256))
    assert got.headers["content-type"] == "image/png"
    assert http.get(f"/ticket_attachment/{ticket_id}/{note['id']}/{attachment['id']}").status_code == 404
    assert http.get("/ticket_articles/by_ticket/9999").status_code == 404


def test_posting_an_article_answers_201_with_its_id_and_the_files_ids(fake: FakeZammad, http: httpx.Client) -> None:
    ticket_id = fake.add_ticket("Log please")
    before = fake.ticket(ticket_id)
    data = bytes(range(256)) * 4
    answer = http.post("/ticket_articles", json={
        "ticket_id": ticket_id, "body": "Here is the log", "content_type": "text/plain", "type": "note",
        "internal": False, "attachments": [{"filename": "log.bin", "data": base64.b64encode(data).decode(),
                                            "mime-type": "application/octet-stream"}]})
    assert answer.status_code == 201
    article = answer.json()
    assert (article["body"], article["sender"], article["internal"]) == ("Here is the log", "Agent", False)
    [listed] = article["attachments"]
    assert fake.file(listed["id"]) == data and listed["size"] == str(len(data))
    assert [a["id"] for a in fake.articles(ticket_id)][-1] == article["id"]
    after = fake.ticket(ticket_id)
    assert after["updated_at"] > before["updated_at"] and after["article_count"] == 2


@pytest.mark.parametrize("payload", [
    {"body": ""}, {"body": "x", "type": "carrier pigeon"},
    {"body": "x", "attachments": [{"filename": "a", "data": "not base64!", "mime-type": "text/plain"}]},
])
def test_an_article_zammad_refuses_is_422_and_writes_nothing(fake: FakeZammad, http: httpx.Client,
                                                            payload: dict) -> None:
    ticket_id = fake.add_ticket("Refused")
    answer = http.post("/ticket_articles", json={"ticket_id": ticket_id, **payload})
    assert answer.status_code == 422 and answer.json()["error"]
    assert len(fake.articles(ticket_id)) == 1


# ---------------------------------------------------------------- ticket writes


def test_a_ticket_update_takes_names_or_ids_and_refuses_an_unknown_name(fake: FakeZammad, http: httpx.Client) -> None:
    ticket_id = fake.add_ticket("Disk quota")
    answer = http.put(f"/tickets/{ticket_id}", params={"expand": "true"},
                      json={"state": "closed", "priority": "3 high", "owner": "agent@example.com"})
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["priority"], answer.json()["owner"]) == (
        "closed", "3 high", "agent@example.com")
    assert http.put(f"/tickets/{ticket_id}", json={"state_id": 2, "priority_id": 1}).json()["state_id"] == 2
    for bad in ({"state": "solved"}, {"priority": "4 urgent"}, {"owner": "nobody@example.com"},
                {"group": "Nope"}):
        refused = http.put(f"/tickets/{ticket_id}", json=bad)
        assert refused.status_code == 422, bad
    assert fake.ticket(ticket_id)["state"] == "open"
    with_note = http.put(f"/tickets/{ticket_id}", json={"article": {"body": "Moved", "internal": True}})
    assert with_note.status_code == 200 and len(with_note.json()["article_ids"]) == 2


def test_a_new_ticket_needs_title_group_and_customer_and_answers_its_number(fake: FakeZammad,
                                                                           http: httpx.Client) -> None:
    made = http.post("/tickets", json={"title": "Help me!", "group": "Users", "customer_id": "guess:new@example.com",
                                       "article": {"subject": "Help", "body": "I am a message", "type": "note",
                                                   "internal": False}})
    assert made.status_code == 201
    ticket = made.json()
    assert isinstance(ticket["number"], str) and len(ticket["article_ids"]) == 1
    assert fake.ticket(ticket["id"])["customer"] == "new@example.com"
    for missing in ({"group": "Users", "customer": "new@example.com"}, {"title": "x", "customer": "new@example.com"},
                    {"title": "x", "group": "Users"}):
        assert http.post("/tickets", json=missing).status_code == 422, missing
    assert len(_search(http, "*").json()) == 1


def test_deleting_a_ticket_needs_admin_and_it_is_gone(fake: FakeZammad, http: httpx.Client) -> None:
    ticket_id = fake.add_ticket("Spam")
    assert http.delete(f"/tickets/{ticket_id}").json() == {}
    assert http.get(f"/tickets/{ticket_id}").status_code == 404


def test_lists_of_states_priorities_groups_and_users(fake: FakeZammad, http: httpx.Client) -> None:
    assert [s["name"] for s in http.get("/ticket_states").json()][:4] == ["new", "open", "pending reminder", "closed"]
    assert [p["name"] for p in http.get("/ticket_priorities").json()] == ["1 low", "2 normal", "3 high"]
    assert [g["name"] for g in http.get("/groups").json()] == ["Users"]
    found = http.get("/users/search", params={"query": "agent@example.com"}).json()
    assert [u["id"] for u in found] == [fake.me]


# ---------------------------------------------------------------- limits and faults


def test_over_the_per_minute_budget_the_answer_is_429_with_retry_after() -> None:
    with FakeZammad(per_minute=3) as fake:
        headers = {"Authorization": f"Token token={fake.token}"}
        answers = [httpx.get(fake.url + "/api/v1/users/me", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_an_answer_lost_after_the_write_was_applied(fake: FakeZammad, http: httpx.Client) -> None:
    ticket_id = fake.add_ticket("Lost answer")
    fake.drop(method="POST", path=r"/ticket_articles$")
    with pytest.raises(httpx.HTTPError):
        http.post("/ticket_articles", json={"ticket_id": ticket_id, "body": "Applied anyway"})
    assert [a["body"] for a in fake.articles(ticket_id)][-1] == "Applied anyway"


def test_dates_read_by_the_search() -> None:
    assert date_ms("2026-01-02") == date_ms("2026-01-02T00:00:00Z") == 1_767_312_000_000
    assert date_ms("2026-01-02T00:00:00.250Z") == 1_767_312_000_250
    assert date_ms("yesterday") is None


def test_the_knowledge_base_lists_answers_as_assets_and_gives_a_body_on_request(fake: FakeZammad,
                                                                               http: httpx.Client) -> None:
    reset = fake.add_answer("Reset a password", "<p>Open <b>Settings</b>.</p>", category="Accounts")
    fake.add_answer("Old VPN guide", "<p>Gone.</p>", state="archived")
    assets = http.post("/knowledge_bases/init").json()
    titles = {t["answer_id"]: t["title"] for t in assets["KnowledgeBaseAnswerTranslation"].values()}
    assert titles[reset] == "Reset a password" and len(titles) == 2
    answer = assets["KnowledgeBaseAnswer"][str(reset)]
    assert answer["published_at"] and answer["archived_at"] is None
    translation = assets["KnowledgeBaseAnswerTranslation"][str(reset)]
    bare = http.get(f"/knowledge_bases/1/answers/{reset}").json()
    assert bare["id"] == reset and "KnowledgeBaseAnswerTranslationContent" not in bare["assets"]
    full = http.get(f"/knowledge_bases/1/answers/{reset}", params={"include_contents": translation["id"]}).json()
    [content] = full["assets"]["KnowledgeBaseAnswerTranslationContent"].values()
    assert content["body"] == "<p>Open <b>Settings</b>.</p>"
    assert http.get("/knowledge_bases/2/answers/1").status_code == 404
    assert httpx.post(fake.url + "/api/v1/knowledge_bases/init").status_code == 401


def test_with_an_index_lag_a_change_reaches_the_search_late_and_hits_are_read_fresh() -> None:
    with FakeZammad(index_lag=30) as fake:
        with httpx.Client(base_url=fake.url + "/api/v1", headers={"Authorization": f"Token token={fake.token}"}) as http:
            ticket_id = fake.add_ticket("Late")
            assert _search(http, "*").json() == []  # not indexed yet
            fake.advance(31)
            assert [t["id"] for t in _search(http, "*").json()] == [ticket_id]
            stamp = fake.ticket(ticket_id)["updated_at"]
            fake.update_ticket(ticket_id, title="Renamed")
            since = f"updated_at:{{{stamp} TO *]"
            assert _search(http, since).json() == []  # the index still has the old stamp
            [hit] = _search(http, "title:late").json()
            assert hit["title"] == "Renamed"  # matched on the index, answered from the ticket
            fake.advance(31)
            assert [t["id"] for t in _search(http, since).json()] == [ticket_id]


def test_a_slow_index_job_brings_an_older_change_to_the_search_after_a_newer_one(fake: FakeZammad,
                                                                                 http: httpx.Client) -> None:
    late, early = fake.add_ticket("Late"), fake.add_ticket("Early")
    assert len(_search(http, "*").json()) == 2  # both indexed (a pending job indexes the ticket as it is then)
    fake.delay_index(late, 30)
    fake.add_article(late, "First change")
    changed = fake.ticket(late)["updated_at"]
    fake.add_article(early, "Second change")
    newest = fake.ticket(early)["updated_at"]
    assert changed < newest
    assert [t["id"] for t in _search(http, f"updated_at:[{changed} TO *]").json()] == [early]  # late: not yet
    fake.advance(31)
    assert {t["id"] for t in _search(http, f"updated_at:[{changed} TO *]").json()} == {late, early}
    assert [t["id"] for t in _search(http, f"updated_at:[{newest} TO *]").json()] == [early]  # stamped before


def test_full_with_no_hits_has_no_ticket_class_in_its_assets(fake: FakeZammad, http: httpx.Client) -> None:
    assert _search(http, "title:nothing", full="true").json() == {"record_ids": [], "assets": {}, "total_count": 0}


def test_text_modules_list_with_their_variables(fake: FakeZammad, http: httpx.Client) -> None:
    fake.add_text_module("Greeting", "<p>Hello #{ticket.customer.firstname},</p>", keywords="hello")
    fake.add_text_module("Old", "<p>Gone</p>", active=False)
    listed = http.get("/text_modules").json()
    assert [(t["name"], t["active"]) for t in listed] == [("Greeting", True), ("Old", False)]
    assert listed[0]["content"] == "<p>Hello #{ticket.customer.firstname},</p>" and listed[0]["keywords"] == "hello"
    assert httpx.get(fake.url + "/api/v1/text_modules").status_code == 401
