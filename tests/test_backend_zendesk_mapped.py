"""The behaviours of tests/test_backend_zendesk.py and tests/test_macros_zendesk.py, run against
Zendesk as a mapping (``sync/mappings/zendesk.yaml``) and the same fake Zendesk over real HTTP.

Where the mapping cannot do what the hand-written backend does, the test says so and pins what
the mapping does instead. What the generic engine still cannot express, from those two files:

- a macro's actions (``template_actions``: status, priority, tags, assignee, group) and macros
  that only change fields (``pull_action_macros``): a mapped template is text only;
- Liquid filters (``| capitalize``, ``| default: 'x'``): placeholders are a table of exact
  names; the rest is kept as written and flagged;
- the site address given as ``acme`` or ``…/api/v2`` (``site_url``): ``base_url`` is a template;
  a user already ending in ``/token`` gets it twice;
- after a lost answer, reading the thread back when the audits are refused (an OAuth token
  without the read scope): one way to find a write per operation;
- the hint on a 422 ("a closed ticket is read-only: open a follow-up ticket"): the refusal
  says Zendesk's reason only; an assignee given as an email address (``assignee_email``);
- the export's first article pull leaves drafts out; the mapping reads them archived (the same
  outcome: an archived article never stays in the cache).

The exactly-once fault plans run against the mapping in tests/test_exactly_once.py (param
``zendesk-mapped``) and the conformance suite in tests/test_conformance_zendesk_mapped.py.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from helpdesk_tui.compose.placeholders import find_placeholders
from helpdesk_tui.compose.render import render_template
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.services import macros as svc
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import HttpClient, RetryPolicy
from helpdesk_tui.sync.mappings import ZendeskMappedBackend
from tests.backend_support import pull_all
from tests.conftest import DEMO_NOW
from tests.fakes.zendesk import FakeZendesk
from tests.fakes.zendesk_process import fake_zendesk_process
from tests.test_backend_zendesk import outbox, seed_account

OUTBOX_KEY = "helpdesk_tui_outbox_id"  # where the mapping puts our outbox id in an update's audit metadata


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        yield server


def make_backend(fake: FakeZendesk, *, waits: list[float] | None = None, token: str | None = None,
                 timeout: float = 5.0, page_size: int | None = 3) -> ZendeskMappedBackend:
    options = {"page_size": str(page_size)} if page_size else {}
    account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=token or fake.token, options=options)
    record = waits.append if waits is not None else (lambda seconds: None)
    client = ZendeskMappedBackend.make_client(account, sleep=record, policy=RetryPolicy(timeout=timeout))
    return ZendeskMappedBackend(account, client)


# --- signing in ---------------------------------------------------------------------------

def test_check_signs_in_and_names_the_agent(fake):
    backend = make_backend(fake)
    assert backend.check() == "Signed in to Zendesk as Alex Agent."
    assert backend.identity is not None and backend.identity.remote_id == str(fake.me)
    sent = fake.requests_to("/users/me")[0]
    assert sent.path == "/api/v2/users/me.json" and sent.headers["Authorization"] == "<redacted>"


def test_check_with_a_wrong_token_is_refused_in_a_sentence_without_the_token(fake):
    with pytest.raises(errors.AuthFailed) as caught:
        make_backend(fake, token="not-the-token").check()
    assert "refused the credentials (401)" in str(caught.value)
    assert "not-the-token" not in str(caught.value)


def test_an_oauth_token_without_a_user_signs_in():
    with FakeZendesk(oauth_token="oauth-secret") as fake:
        account = AccountSettings(name="acme", url=fake.url, user=None, token="oauth-secret")
        backend = ZendeskMappedBackend(account, ZendeskMappedBackend.make_client(account))
        assert backend.check() == "Signed in to Zendesk as Alex Agent."


def test_check_treats_the_anonymous_answer_of_users_me_as_bad_credentials(fake):
    account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=fake.token)
    backend = ZendeskMappedBackend(account, HttpClient(fake.url + "/api/v2"))  # no Authorization: 200, anonymous
    with pytest.raises(errors.AuthFailed, match="did not say who we are signed in as"):
        backend.check()


def auth_header(account: AccountSettings) -> str:
    import httpx

    request = httpx.Request("GET", "https://acme.zendesk.com/api/v2/users/me.json")
    next(ZendeskMappedBackend.auth(account).auth_flow(request))
    return request.headers["Authorization"]


def test_check_refuses_an_end_user_account(fake):
    fake.state.users[fake.me]["role"] = "end-user"
    with pytest.raises(errors.Forbidden, match="Alex Agent is not an agent"):
        make_backend(fake).check()


def test_the_token_goes_as_email_slash_token_basic_auth_or_without_a_user_as_an_oauth_bearer():
    account = AccountSettings(name="a", url="https://acme.zendesk.com", user="aiko@acme.example", token="t0k")
    assert auth_header(account) == "Basic YWlrb0BhY21lLmV4YW1wbGUvdG9rZW46dDBr"  # aiko@acme.example/token:t0k
    assert auth_header(AccountSettings(name="a", url="https://acme.zendesk.com", user=None, token="oauth")) == \
        "Bearer oauth"
    assert ZendeskMappedBackend.make_client(account).base_url == "https://acme.zendesk.com/api/v2"
    assert "t0k" not in repr(ZendeskMappedBackend.make_client(account))


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
    assert (first.query["start_time"], first.query["include"], first.query["per_page"]) == (
        "0", "users,groups,organizations", "3")


def test_without_a_page_size_the_export_asks_for_zendesks_default(fake):
    seed_account(fake)
    pull_all(make_backend(fake, page_size=None))
    assert "per_page" not in fake.requests_to("incremental")[0].query


def test_a_satisfaction_rating_comes_with_its_ticket(fake):
    ids = seed_account(fake)
    backend = make_backend(fake)
    _, cursor = pull_all(backend)
    rating = fake.rate_ticket(ids["t3"], "bad", "Took a week.")  # t3 is solved
    (ticket,) = [t for p in pull_all(backend, cursor)[0] for t in p.tickets]
    assert ticket.rating is not None
    assert (ticket.rating.score, ticket.rating.comment, ticket.rating.remote_id) == ("bad", "Took a week.",
                                                                                    str(rating))
    assert all(t.rating is None for p in pull_all(backend)[0] for t in p.tickets if t.remote_id != str(ids["t3"]))


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


def test_an_empty_account_gives_a_cursor_that_resumes_from_there(fake):
    backend = make_backend(fake)
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


def test_the_fake_in_its_own_process_serves_the_mapping():
    with fake_zendesk_process(bulk=1_500, users=20, organizations=2) as url:
        account = AccountSettings(name="bench", url=url, user="agent@example.com", token="fake-api-token")
        backend = ZendeskMappedBackend(account, ZendeskMappedBackend.make_client(account))
        pages, _ = pull_all(backend)
        assert [len(p.tickets) for p in pages] == [1000, 500]


def test_a_ticket_read_by_its_number_has_its_requester_organization_and_assignee(fake):
    ids = seed_account(fake)
    page = make_backend(fake).fetch_ticket(ids["down"])
    assert page is not None
    (ticket,) = page.tickets
    assert (ticket.assignee, ticket.group) == ("Sam Senior", "Network")
    assert [u.name for u in page.users] == ["Aiko Tanaka"] and [o.name for o in page.organizations] == ["ACME Hosting"]
    assert ticket.messages is not None and ticket.messages[0].kind is MessageKind.CUSTOMER
    fake.delete_ticket(ids["t0"])
    assert make_backend(fake).fetch_ticket(ids["t0"]) is None


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
    assert backend.fetch_thread(str(tid))[0].kind == MessageKind.CUSTOMER  # by id: the ticket is read first


def test_a_comment_by_another_end_user_is_the_customers_too(fake):
    ids = seed_account(fake)
    fake.add_comment(ids["down"], "Me too (a colleague of Aiko).", author_id=ids["bob"], public=True)
    thread = make_backend(fake).fetch_thread(str(ids["down"]))
    assert (thread[-1].author, thread[-1].kind) == ("Bob Rossi", MessageKind.CUSTOMER)


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
    puts = fake.requests_to(rf"/tickets/{tid}", "PUT")
    assert len(puts) == 1  # the status goes with the comment, in one request
    sent = puts[0].json["ticket"]
    assert (sent["safe_update"], sent["updated_stamp"], sent["metadata"]) == (True, version,
                                                                            {OUTBOX_KEY: outbox("reply").id})


def test_a_note_is_private_and_on_hold_maps_to_hold(fake):
    ids = seed_account(fake)
    tid = ids["t0"]
    make_backend(fake).push(outbox("note", body="Waiting for the vendor.", status=Status.ON_HOLD), str(tid), None)
    assert fake.comments(tid)[-1]["public"] is False
    assert fake.ticket(tid)["status"] == "hold"
    sent = fake.requests_to(rf"/tickets/{tid}", "PUT")[0].json["ticket"]
    assert "safe_update" not in sent and "updated_stamp" not in sent


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
    assert backend.current_version(str(tid)) == fake.ticket(tid)["updated_at"]
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
    assert fake.audits(tid)[-1]["metadata"]["custom"] == {OUTBOX_KEY: item.id}
    assert backend.find_delivered(item, str(tid)) == f"audit-{fake.audits(tid)[-1]['id']}"
    assert backend.find_delivered(outbox("update", item_id="another"), str(tid)) is None
    with pytest.raises(errors.NotSupported, match="no assignee named 'Nobody'"):
        backend.push(outbox("update", assignee="Nobody"), str(tid), None)


def test_an_update_moves_the_group_by_name_and_clears_the_assignee(fake):
    ids = seed_account(fake)
    tid = ids["down"]
    make_backend(fake).push(outbox("update", group="network", assignee=""), str(tid), None)
    assert (fake.ticket(tid)["group_id"], fake.ticket(tid)["assignee_id"]) == (ids["network"], None)
    assert fake.requests_to("/groups")[0].query["exclude_deleted"] == "true"


def test_a_new_ticket_carries_its_key_and_external_id_and_is_found_by_it(fake):
    backend = make_backend(fake)
    item = outbox("new_ticket", subject="Printer", body="It jams.", requester="kim@example.com",
                  requester_name="Kim Lee")
    result = backend.push(item, "", None)
    ticket = fake.ticket(int(result.remote_id or 0))
    assert (ticket["subject"], ticket["external_id"], result.number) == ("Printer", item.id, ticket["id"])
    sent = fake.requests_to(r"/tickets(\.json)?$", "POST")[0]
    assert sent.headers["Idempotency-Key"] == item.id
    assert backend.find_delivered(item, "") == result.remote_id
    again = backend.push(item, "", None)  # the same key and body: Zendesk answers with the first ticket
    assert again.remote_id == result.remote_id and len(fake.requests_to(r"/tickets(\.json)?$", "POST")) == 2


def test_a_new_tickets_ccs_go_as_collaborators(fake):
    item = outbox("new_ticket", subject="Printer", body="It jams.", requester="kim@example.com",
                  cc=["lee@example.com"])
    result = make_backend(fake).push(item, "", None)
    (cc,) = fake.ticket(int(result.remote_id or 0))["email_cc_ids"]
    assert fake.state.users[cc]["email"] == "lee@example.com"


def test_a_reply_with_a_file_uploads_it_first_and_names_its_token(fake, tmp_path):
    from helpdesk_tui.sync.commands import Attachment

    ids = seed_account(fake)
    tid = ids["down"]
    path = tmp_path / "trace.txt"
    path.write_bytes(b"route trace\n")
    item = outbox("reply", body="The trace.")
    command = type(item)(**{**item.__dict__, "attachments": (Attachment.from_path(path, media_type="text/plain"),)})
    make_backend(fake).push(command, str(tid), None)
    (upload,) = fake.requests_to("/uploads", "POST")
    assert upload.query["filename"] == "trace.txt" and upload.body == b"route trace\n"
    assert upload.headers["Content-Type"] == "text/plain"
    assert [(a["file_name"], a["content_type"]) for a in fake.comments(tid)[-1]["attachments"]] == [
        ("trace.txt", "text/plain")]


def test_a_closed_ticket_refuses_replies_with_zendesks_reason(fake):
    ids = seed_account(fake)
    with pytest.raises(errors.BadResponse, match="Status: closed prevents ticket update"):
        make_backend(fake).push(outbox("reply", body="Hello?"), str(ids["t4"]), None)


# --- Help Center and macros ---------------------------------------------------------------

def test_articles_are_pulled_incrementally_as_text_and_drafts_come_archived(fake):
    reset = fake.add_article("Reset your password", "<p>Open <b>Settings</b>, then <i>Security</i>.</p>",
                             labels=("account", "password"))
    fake.add_article("ログインできない", "<p>パスワードを再設定してください。</p>", locale="ja")
    fake.add_article("Unfinished", "<p>draft</p>", draft=True)
    backend = make_backend(fake)
    articles, cursor, done = backend.pull_articles(None)
    assert done and [(a.title, a.archived) for a in articles] == [
        ("Reset your password", False), ("ログインできない", False), ("Unfinished", True)]
    first = articles[0]
    assert (first.remote_id, first.language, first.tags) == (str(reset), "en", ("account", "password"))
    assert first.body.strip() == "Open Settings, then Security." and first.url.endswith(f"/hc/en-us/articles/{reset}")
    assert articles[1].language == "ja"
    assert backend.pull_articles(cursor)[0] == []
    fake.update_article(reset, body="<p>Use the new portal.</p>")
    changed, _, _ = backend.pull_articles(cursor)
    assert [(a.remote_id, a.body.strip()) for a in changed] == [(str(reset), "Use the new portal.")]


def test_macros_become_templates_with_our_placeholders(fake):
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}}, about #{{ticket.id}} ({{ticket.title}}):\n"
                   "— {{current_user.name}} ({{current_user.first_name}}), {{ticket.requester.name}}",
                   description="Opening line")
    fake.add_macro("Rich", "<p>Dear {{ticket.requester.name}},</p><ul><li>step one</li></ul>", html_body=True)
    fake.add_macro("Only a status", actions=[{"field": "status", "value": "solved"}])
    fake.add_macro("Retired", "old words", active=False)
    templates = {t.name: t for t in make_backend(fake).pull_templates()}
    assert sorted(templates) == ["Greeting", "Rich"]
    assert "Dear {{ customer.name }}," in templates["Rich"].body and "step one" in templates["Rich"].body
    assert templates["Greeting"].description == "Opening line"
    context = {"customer": {"first_name": "aiko", "name": "Aiko Tanaka"}, "ticket": {"number": 42, "subject": "Down"},
               "agent": {"name": "Alex Agent", "first_name": "Alex"}}
    assert render_template(templates["Greeting"].body, context).text == (
        "Hi aiko, about #42 (Down):\n— Alex Agent (Alex), Aiko Tanaka")


def test_an_older_macro_whose_comment_is_a_channel_list_gives_its_text(fake):
    fake.add_macro("Old", ["channel:all", "Thanks for waiting,\n{{ticket.requester.name}}"])
    (template,) = make_backend(fake).pull_templates()
    assert template.body == "Thanks for waiting,\n{{ customer.name }}"


def test_liquid_the_table_does_not_translate_is_kept_as_text_and_flagged(fake):
    """The hand-written backend translates Liquid filters (capitalize, default) too; a table of
    placeholders cannot, so those stay as written, shown and flagged, like any unknown name."""
    fake.add_macro("Unknowns", "Hello {{ticket.requester.first_name | capitalize}} {{ticket.description}} "
                   "{% if ticket.status == 'solved' %}Closed{% endif %}")
    (template,) = make_backend(fake).pull_templates()
    rendered = render_template(template.body, {"customer": {"first_name": "aiko"}}).text
    assert [name for name, _ in find_placeholders(rendered)] == [
        "ticket.requester.first_name | capitalize", "ticket.description",
        "{% if ticket.status == 'solved' %}", "{% endif %}"]


def test_a_synced_macro_cannot_smuggle_template_code(fake):
    fake.add_macro("Sneaky", "{{ ''.__class__ }} {{ticket.__init__}} {% for x in y %}{{x}}{% endfor %} {{ range(9) }}")
    body = make_backend(fake).pull_templates()[0].body
    rendered = render_template(body, {}).text
    assert "''.__class__" in rendered and "range(9)" in rendered  # shown, flagged, never run
    assert len(find_placeholders(rendered)) == 6


def test_macros_are_templates_only_their_actions_are_not_read(fake, tmp_path):
    """``template_actions`` (a macro's status, group, tags…) and action-only macros are the
    hand-written backend's: a mapping has no way to turn a macro's actions into ours."""
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}}", actions=[{"field": "status", "value": "pending"}])
    fake.add_macro("Only a status", actions=[{"field": "status", "value": "solved"}])
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    try:
        SyncEngine(cache, make_backend(fake), lambda: DEMO_NOW).sync()
        loaded = svc.load_all(cache, templates_dir=None, backend=ZendeskMappedBackend)
        assert [m.name for m in loaded.macros if m.origin] == []
        assert [t.name for t in svc.templates_for(cache, None) if t.origin] == ["Greeting"]
    finally:
        cache.close()
    assert DEMO_NOW.tzinfo is UTC


def test_account_test_runs_every_read_the_mapping_declares(fake):
    seed_account(fake)
    fake.add_article("Reset your password", "<p>Open Settings.</p>")
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}}")
    backend = make_backend(fake)
    backend.check()
    said = {name: run() for name, run in backend.probes()}
    assert list(said) == ["tickets", "thread", "lookup agents", "lookup groups", "articles", "templates"]
    assert said["lookup agents"] == "2 agents" and said["articles"] == "1 article on the first page"
