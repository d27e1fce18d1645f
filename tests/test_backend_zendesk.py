"""The Zendesk backend against a fake Zendesk over real HTTP (tests/fakes/zendesk.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from helpdesk_tui.compose.placeholders import find_placeholders
from helpdesk_tui.compose.render import render_template
from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.sync.commands import Command, command_from
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.zendesk import OUTBOX_KEY, ZendeskBackend, site_url
from helpdesk_tui.sync.http import HttpClient, RetryPolicy
from tests.backend_support import pull_all
from tests.fakes.zendesk import FakeZendesk
from tests.fakes.zendesk_process import fake_zendesk_process

QUEUED_AT = datetime(2025, 12, 31, tzinfo=UTC)  # before the fake clock's start: every comment is newer


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        yield server


def make_backend(fake: FakeZendesk, *, waits: list[float] | None = None, token: str | None = None,
                 timeout: float = 5.0, page_size: int = 3, **kwargs) -> ZendeskBackend:
    account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=token or fake.token)
    record = waits.append if waits is not None else (lambda seconds: None)
    client = ZendeskBackend.make_client(account, sleep=record, policy=RetryPolicy(timeout=timeout))
    return ZendeskBackend(account, client, page_size=page_size, **kwargs)


def outbox(action: str, item_id: str = "01JOUTBOX0000000000000001", **payload) -> Command:
    return command_from(OutboxItem(id=item_id, ticket_id=1, action=action, payload=payload, state="sending",
                                   attempts=1, created_at=QUEUED_AT, updated_at=QUEUED_AT))


def auth_header(account: AccountSettings) -> str:
    """The Authorization header ``ZendeskBackend.auth`` puts on a request."""
    request = httpx.Request("GET", "https://acme.zendesk.com/api/v2/users/me.json")
    next(ZendeskBackend.auth(account).auth_flow(request))
    return request.headers["Authorization"]


def seed_account(fake: FakeZendesk) -> dict[str, int]:
    acme = fake.add_organization("ACME Hosting", domain_names=("acme.example",))
    aiko = fake.add_user("Aiko Tanaka", email="aiko@acme.example", organization_id=acme, locale="ja")
    bob = fake.add_user("Bob Rossi", email="bob@example.com", locale="it")
    sam = fake.add_user("Sam Senior", email="sam@example.com", role="agent")
    network = fake.add_group("Network")
    ids = {"acme": acme, "aiko": aiko, "bob": bob, "sam": sam, "network": network}
    ids["down"] = fake.add_ticket("Site down", requester_id=aiko, priority="urgent", assignee_id=sam,
                                  group_id=network, tags=["outage"], custom_fields={360_001: "eu-1"}, status="open")
    for n, status in enumerate(("new", "pending", "hold", "solved", "closed", "open", "new")):
        ids[f"t{n}"] = fake.add_ticket(f"Question {n}", requester_id=bob if n % 2 else aiko, status=status)
    return ids


# --- signing in ---------------------------------------------------------------------------

def test_check_signs_in_and_names_the_agent(fake):
    assert make_backend(fake).check() == "Signed in to Zendesk at 127.0.0.1 as Alex Agent."


def test_check_with_a_wrong_token_is_refused_in_a_sentence_without_the_token(fake):
    with pytest.raises(errors.AuthFailed) as caught:
        make_backend(fake, token="not-the-token").check()
    assert "refused the credentials (401)" in str(caught.value)
    assert "not-the-token" not in str(caught.value)
    assert all(r.headers.get("Authorization") == "<redacted>" for r in fake.requests)


def test_check_treats_the_anonymous_answer_of_users_me_as_bad_credentials(fake):
    account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=fake.token)
    backend = ZendeskBackend(account, HttpClient(fake.url))  # no Authorization: Zendesk answers 200 anonymous
    with pytest.raises(errors.AuthFailed, match="anonymous user: check the email address and the API token"):
        backend.check()


def test_check_refuses_an_end_user_account(fake):
    fake.state.users[fake.me]["role"] = "end-user"
    with pytest.raises(errors.Forbidden, match="is not an agent"):
        make_backend(fake).check()


def test_client_uses_token_basic_auth_or_oauth_bearer_and_the_site_url():
    token_account = AccountSettings(name="a", url="acme.zendesk.com/api/v2/", user="aiko@acme.example", token="t0k")
    assert auth_header(token_account) == "Basic YWlrb0BhY21lLmV4YW1wbGUvdG9rZW46dDBr"  # aiko@acme.example/token:t0k
    assert auth_header(AccountSettings(name="a", url="x", user=None, token="oauth")) == "Bearer oauth"
    assert "t0k" not in repr(ZendeskBackend.auth(token_account)) and "t0k" not in repr(ZendeskBackend.make_client(token_account))
    assert ZendeskBackend.make_client(token_account).base_url == "https://acme.zendesk.com"
    assert site_url("acme") == "https://acme.zendesk.com"
    assert site_url("https://help.acme.example/") == "https://help.acme.example"


# --- pulling tickets ----------------------------------------------------------------------

def test_full_pull_across_pages_returns_every_ticket_once_with_users_and_organizations(fake):
    ids = seed_account(fake)
    pages, _ = pull_all(make_backend(fake))
    tickets = [t for page in pages for t in page.tickets]
    assert len(pages) == 3 and all(len(p.tickets) <= 3 for p in pages)
    assert sorted(int(t.remote_id) for t in tickets) == sorted(v for k, v in ids.items() if k == "down" or k[0] == "t"
                                                               and k[1:].isdigit())
    users = {u.remote_id: u for page in pages for u in page.users}
    aiko = users[str(ids["aiko"])]
    assert (aiko.name, aiko.email, aiko.organization_remote_id, aiko.language) == (
        "Aiko Tanaka", "aiko@acme.example", str(ids["acme"]), "ja")
    assert str(ids["sam"]) not in users  # agents are not customers
    orgs = {o.remote_id: o for page in pages for o in page.organizations}
    assert (orgs[str(ids["acme"])].name, orgs[str(ids["acme"])].domain) == ("ACME Hosting", "acme.example")

    down = next(t for t in tickets if t.remote_id == str(ids["down"]))
    assert (down.number, down.subject, down.status, down.priority) == (ids["down"], "Site down", Status.OPEN,
                                                                       Priority.URGENT)
    assert (down.assignee, down.group, down.tags, down.custom_fields) == ("Sam Senior", "Network", ("outage",),
                                                                          {"360001": "eu-1"})
    assert (down.requester_remote_id, down.organization_remote_id) == (str(ids["aiko"]), str(ids["acme"]))
    assert down.version == fake.ticket(ids["down"])["updated_at"] == down.raw["updated_at"]
    statuses = {t.status_raw: (t.status, t.priority) for t in tickets if t.remote_id != str(ids["down"])}
    assert statuses == {"new": (Status.NEW, Priority.NORMAL), "pending": (Status.PENDING, Priority.NORMAL),
                        "hold": (Status.ON_HOLD, Priority.NORMAL), "solved": (Status.SOLVED, Priority.NORMAL),
                        "closed": (Status.CLOSED, Priority.NORMAL), "open": (Status.OPEN, Priority.NORMAL)}
    first = fake.requests_to("incremental")[0]
    assert (first.query["start_time"], first.query["include"]) == ("0", "users,groups,organizations")


def test_a_second_pull_from_the_last_cursor_returns_nothing(fake):
    seed_account(fake)
    backend = make_backend(fake)
    _, cursor = pull_all(backend)
    again = backend.pull(cursor)
    assert again.tickets == [] and again.deleted_ticket_ids == [] and again.done
    assert again.cursor == cursor


def test_a_change_after_the_cursor_is_returned_once(fake):
    ids = seed_account(fake)
    backend = make_backend(fake)
    _, cursor = pull_all(backend)
    new_stamp = fake.update_ticket(ids["t0"], status="open", priority="high")
    pages, cursor = pull_all(backend, cursor)
    changed = [t for page in pages for t in page.tickets]
    assert [(t.remote_id, t.status, t.priority, t.version) for t in changed] == [
        (str(ids["t0"]), Status.OPEN, Priority.HIGH, new_stamp)]
    assert backend.pull(cursor).tickets == []


def test_a_deleted_ticket_is_reported_as_deleted_and_not_as_a_ticket(fake):
    ids = seed_account(fake)
    backend = make_backend(fake)
    _, cursor = pull_all(backend)
    fake.delete_ticket(ids["t1"])
    page = backend.pull(cursor)
    assert page.deleted_ticket_ids == [str(ids["t1"])] and page.tickets == []


def test_an_empty_account_gives_a_cursor_that_resumes_from_the_start_time(fake):
    backend = make_backend(fake, start_time=1_700_000_000)
    page = backend.pull(None)
    assert page.done and page.tickets == [] and page.cursor
    ticket = fake.add_ticket("First ever")
    assert [t.remote_id for t in backend.pull(page.cursor).tickets] == [str(ticket)]


def test_rate_limiting_429_retry_after_is_honoured_and_the_pull_still_succeeds(fake):
    seed_account(fake)
    waits: list[float] = []
    fake.rate_limit(times=2, retry_after=7, path="incremental")
    pages, _ = pull_all(make_backend(fake, waits=waits))
    assert waits == [7.0, 7.0]
    assert sum(len(p.tickets) for p in pages) == 8
    assert [r.status for r in fake.requests_to("incremental")][:3] == [429, 429, 200]


def test_a_server_error_on_a_pull_is_retried(fake):
    seed_account(fake)
    waits: list[float] = []
    fake.fail(503, times=1, path="incremental")
    page = make_backend(fake, waits=waits).pull(None)
    assert len(page.tickets) == 3 and len(waits) == 1


def test_bulk_tickets_are_served_in_pages_and_a_later_change_comes_back_once():
    with FakeZendesk() as fake:
        first, last = fake.add_bulk_tickets(2_500, users=50, organizations=5)
        backend = make_backend(fake, page_size=1000)
        pages, cursor = pull_all(backend)
        ids = [int(t.remote_id) for p in pages for t in p.tickets]
        assert len(pages) == 3 and len(ids) == len(set(ids)) == 2_500 and (min(ids), max(ids)) == (first, last)
        assert all(p.users for p in pages) and pages[0].tickets[1].assignee.startswith("Bulk Agent")
        fake.update_ticket(first + 7, status="solved")
        assert [t.remote_id for t in backend.pull(cursor).tickets] == [str(first + 7)]


def test_the_fake_runs_in_its_own_process_for_benchmarks():
    with fake_zendesk_process(bulk=1_500, users=20, organizations=2) as url:
        account = AccountSettings(name="bench", url=url, user="agent@example.com", token="fake-api-token")
        backend = ZendeskBackend(account, ZendeskBackend.make_client(account), page_size=1000)
        pages, _ = pull_all(backend)
        assert [len(p.tickets) for p in pages] == [1000, 500]


# --- threads ------------------------------------------------------------------------------

def test_fetch_thread_tells_customer_replies_and_notes_apart_and_follows_pages(fake):
    ids = seed_account(fake)
    tid = ids["down"]
    fake.add_comment(tid, "Looking at it now.", author_id=fake.me, public=True)
    fake.add_comment(tid, "Escalating to Sam, the LB looks wrong.", author_id=fake.me, public=False)
    fake.add_comment(tid, "<p>Still <b>down</b> here</p>", author_id=ids["aiko"], html_body=True)
    for n in range(100):
        fake.add_comment(tid, f"note {n}", author_id=ids["sam"], public=False)
    backend = make_backend(fake)
    ticket = next(t for p in pull_all(backend)[0] for t in p.tickets if t.remote_id == str(tid))
    thread = backend.fetch_thread(ticket)
    assert len(thread) == 104 and len(fake.requests_to(r"/comments")) == 2
    assert [(m.kind, m.author) for m in thread[:4]] == [
        (MessageKind.CUSTOMER, "Aiko Tanaka"), (MessageKind.PUBLIC_REPLY, "Alex Agent"),
        (MessageKind.INTERNAL_NOTE, "Alex Agent"), (MessageKind.CUSTOMER, "Aiko Tanaka")]
    assert thread[3].body_format == "html" and "<b>down</b>" in thread[3].body
    assert thread[-1].kind == MessageKind.INTERNAL_NOTE and thread[-1].author == "Sam Senior"
    assert [m.created_at for m in thread] == sorted(m.created_at for m in thread)
    assert backend.fetch_thread(str(tid))[0].kind == MessageKind.CUSTOMER  # by id: the author's role decides


def test_fetch_thread_of_a_deleted_ticket_is_not_found(fake):
    ids = seed_account(fake)
    fake.delete_ticket(ids["t0"])
    with pytest.raises(errors.NotFound):
        make_backend(fake).fetch_thread(str(ids["t0"]))


# --- pushing ------------------------------------------------------------------------------

def test_a_reply_adds_one_public_comment_with_the_status_and_returns_its_id_and_version(fake):
    ids = seed_account(fake)
    tid = ids["down"]
    version = fake.ticket(tid)["updated_at"]
    result = make_backend(fake).push(outbox("reply", body="Fixed: the balancer is back.", status="pending"),
                                     str(tid), version)
    comment = fake.comments(tid)[-1]
    assert (comment["body"], comment["public"], comment["author_id"]) == ("Fixed: the balancer is back.", True,
                                                                           fake.me)
    assert result.remote_id == str(comment["id"])
    assert result.version == fake.ticket(tid)["updated_at"] != version
    assert fake.ticket(tid)["status"] == "pending"
    sent = fake.requests_to(rf"/tickets/{tid}", "PUT")[0].json["ticket"]
    assert (sent["safe_update"], sent["updated_stamp"], sent["metadata"]) == (True, version,
                                                                            {OUTBOX_KEY: outbox("reply").id})


def test_a_note_is_private_and_on_hold_maps_to_hold(fake):
    ids = seed_account(fake)
    tid = ids["t0"]
    make_backend(fake).push(outbox("note", body="Waiting for the vendor.", status=Status.ON_HOLD), str(tid), None)
    assert fake.comments(tid)[-1]["public"] is False
    assert fake.ticket(tid)["status"] == "hold"
    assert "safe_update" not in fake.requests_to(rf"/tickets/{tid}", "PUT")[0].json["ticket"]


def test_a_stale_version_is_a_conflict_and_adds_nothing(fake):
    ids = seed_account(fake)
    tid = ids["down"]
    version = fake.ticket(tid)["updated_at"]
    fake.add_comment(tid, "Any news?", author_id=ids["aiko"])  # the customer wrote meanwhile
    before = len(fake.comments(tid))
    with pytest.raises(errors.Conflict):
        make_backend(fake).push(outbox("reply", body="All good now."), str(tid), version)
    assert len(fake.comments(tid)) == before


def test_a_lost_answer_is_not_resent_and_find_delivered_finds_the_one_comment(fake):
    ids = seed_account(fake)
    tid = ids["down"]
    version = fake.ticket(tid)["updated_at"]
    before = len(fake.comments(tid))
    fake.drop(after=True, method="PUT")  # applied, then the connection closes without an answer
    backend = make_backend(fake)
    item = outbox("reply", body="Fixed, please confirm.")
    with pytest.raises(errors.UnknownOutcome):
        backend.push(item, str(tid), version)
    comments = fake.comments(tid)
    assert len(comments) == before + 1 and len(fake.requests_to(rf"/tickets/{tid}", "PUT")) == 1
    assert backend.find_delivered(item, str(tid)) == str(comments[-1]["id"])
    assert backend.find_delivered(outbox("reply", item_id="another"), str(tid)) is None
    with pytest.raises(errors.Conflict):  # a blind resend with the old version could not double it either
        backend.push(item, str(tid), version)
    assert len(fake.comments(tid)) == before + 1


def test_an_answer_slower_than_the_timeout_is_an_unknown_outcome_not_a_retry(fake):
    ids = seed_account(fake)
    tid = ids["t2"]
    fake.delay(1.0, after=True, method="PUT")
    backend = make_backend(fake, timeout=0.2)
    item = outbox("note", body="Checked the logs.")
    with pytest.raises(errors.UnknownOutcome):
        backend.push(item, str(tid), None)
    assert len(fake.requests_to(rf"/tickets/{tid}", "PUT")) == 1
    assert backend.find_delivered(item, str(tid)) == str(fake.comments(tid)[-1]["id"])


def test_an_update_sets_priority_assignee_by_name_and_tags_and_is_found_by_its_audit(fake):
    ids = seed_account(fake)
    tid = ids["t0"]
    backend = make_backend(fake)
    item = outbox("update", priority=Priority.HIGH, assignee="Sam Senior", tags=["vip", "billing"], status="open")
    result = backend.push(item, str(tid), fake.ticket(tid)["updated_at"])
    ticket = fake.ticket(tid)
    assert (ticket["priority"], ticket["assignee_id"], ticket["tags"], ticket["status"]) == (
        "high", ids["sam"], ["billing", "vip"], "open")
    assert result.remote_id is None and result.version == ticket["updated_at"]
    assert backend.find_delivered(item, str(tid)) == f"audit-{fake.audits(tid)[-1]['id']}"
    with pytest.raises(errors.NotFound, match="no agent named 'Nobody'"):
        backend.push(outbox("update", assignee="Nobody"), str(tid), None)


def test_zendesk_honours_idempotency_keys_on_ticket_creation_only(fake):
    """Why the backend does not rely on Idempotency-Key: a repeated update is applied again."""
    ids = seed_account(fake)
    client = httpx.Client(base_url=fake.url, headers={"Authorization": fake.basic_auth()})
    body = {"ticket": {"subject": "Printer", "comment": {"body": "It jams."}}}
    first = client.post("/api/v2/tickets.json", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/v2/tickets.json", json=body, headers={"Idempotency-Key": "k-1"})
    other = client.post("/api/v2/tickets.json", json={"ticket": {"comment": {"body": "x"}}},
                        headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, first.headers["x-idempotency-lookup"]) == (201, "miss")
    assert (again.status_code, again.headers["x-idempotency-lookup"]) == (201, "hit")
    assert again.json()["ticket"]["id"] == first.json()["ticket"]["id"]
    assert (other.status_code, other.json()["error"]) == (400, "IdempotentRequestError")
    before = len(fake.comments(ids["t0"]))
    update = {"ticket": {"comment": {"body": "Same words", "public": False}}}
    for _ in range(2):
        client.put(f"/api/v2/tickets/{ids['t0']}.json", json=update, headers={"Idempotency-Key": "k-2"})
    assert len(fake.comments(ids["t0"])) == before + 2


def test_a_closed_ticket_refuses_replies(fake):
    ids = seed_account(fake)
    with pytest.raises(errors.BadResponse) as caught:
        make_backend(fake).push(outbox("reply", body="Hello?"), str(ids["t4"]), None)
    assert str(caught.value) == (f"Zendesk refused the change to ticket #{ids['t4']}: Status: closed prevents ticket "
                                 "update (a closed ticket is read-only: open a follow-up ticket instead).")


# --- Help Center and macros ---------------------------------------------------------------

def test_articles_are_pulled_incrementally_as_text_without_drafts(fake):
    reset = fake.add_article("Reset your password", "<p>Open <b>Settings</b>, then <i>Security</i>.</p>",
                             labels=("account", "password"))
    fake.add_article("ログインできない", "<p>パスワードを再設定してください。</p>", locale="ja")
    fake.add_article("Unfinished", "<p>draft</p>", draft=True)
    backend = make_backend(fake)
    articles, cursor, done = backend.pull_articles(None)
    assert done and [a.title for a in articles] == ["Reset your password", "ログインできない"]
    first = articles[0]
    assert (first.remote_id, first.language, first.tags) == (str(reset), "en", ("account", "password"))
    assert first.body == "Open Settings, then Security." and first.url.endswith(f"/hc/en-us/articles/{reset}")
    assert articles[1].language == "ja"
    assert backend.pull_articles(cursor)[0] == []
    fake.update_article(reset, body="<p>Use the new portal.</p>")
    changed, _, _ = backend.pull_articles(cursor)
    assert [(a.remote_id, a.body) for a in changed] == [(str(reset), "Use the new portal.")]


def test_macros_become_templates_with_our_placeholders(fake):
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}}, about #{{ticket.id}} ({{ticket.title}}):\n"
                   "— {{current_user.name}} ({{current_user.first_name}}), {{ticket.requester.name}}",
                   description="Opening line")
    fake.add_macro("Unknowns", "Hello {{ticket.requester.first_name | capitalize}} "
                   "{{ticket.requester.first_name | default: 'there'}} {{ticket.description}}\n"
                   "{% if ticket.status == 'solved' %}Closed{% endif %} {{ticket.id | truncate: 2}} {# not a comment",
                   public=False)
    fake.add_macro("Rich", "<p>Dear {{ticket.requester.name}},</p><ul><li>step one</li></ul>", html_body=True)
    fake.add_macro("Only a status", actions=[{"field": "status", "value": "solved"}])
    fake.add_macro("Retired", "old words", active=False)
    templates = {t.name: t for t in make_backend(fake).pull_templates()}
    assert sorted(templates) == ["Greeting", "Rich", "Unknowns"]
    assert templates["Greeting"].body == (
        "Hi {{ customer.first_name }}, about #{{ ticket.number }} ({{ ticket.subject }}):\n"
        "— {{ agent.name }} ({{ agent.first_name }}), {{ customer.name }}")
    assert templates["Greeting"].description == "Opening line"
    assert "Dear {{ customer.name }}," in templates["Rich"].body and "step one" in templates["Rich"].body

    context = {"customer": {"first_name": "aiko", "name": "Aiko Tanaka"}, "ticket": {"number": 42, "subject": "Down"},
               "agent": {"name": "Alex Agent", "first_name": "Alex"}}
    assert render_template(templates["Greeting"].body, context).text == (
        "Hi aiko, about #42 (Down):\n— Alex Agent (Alex), Aiko Tanaka")
    rendered = render_template(templates["Unknowns"].body, context).text
    assert rendered.startswith("Hello Aiko aiko {{ zendesk.ticket.description }}\n")
    assert [name for name, _ in find_placeholders(rendered)] == [
        "zendesk.ticket.description", "zendesk.liquid {% if ticket.status == 'solved' %}",
        "zendesk.liquid {% endif %}", "zendesk.ticket.id | truncate: 2"]
    assert rendered.endswith("{# not a comment")


def test_a_synced_macro_cannot_smuggle_template_code(fake):
    fake.add_macro("Sneaky", "{{ ''.__class__ }} {{ticket.__init__}} {% for x in y %}{{x}}{% endfor %} {{ range(9) }}")
    body = make_backend(fake).pull_templates()[0].body
    rendered = render_template(body, {}).text
    assert "{{ zendesk." in rendered and "range" in rendered  # shown, flagged, never run
    assert len(find_placeholders(rendered)) == 6
