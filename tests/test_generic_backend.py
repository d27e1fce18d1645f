"""The generic backend end to end: a mapping file, a Redmine-shaped fake over httpx.MockTransport
(tests/generic_fake.py), and the real sync engine with a real SQLite cache."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings, ChangeFeed
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy
from tests.backend_support import pull_all
from tests.generic_fake import MAPPING, TOKEN, FakeDesk

FAST = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, timeout=5)


@pytest.fixture
def desk() -> FakeDesk:
    return FakeDesk()


def make(desk: FakeDesk, tmp_path: Path, text: str = MAPPING, token: str = TOKEN) -> GenericBackend:
    path = tmp_path / "desk.yaml"
    path.write_text(text, encoding="utf-8")
    account = AccountSettings(name="desk", url="https://desk.example.com/", user="aiko", token=token,
                              options={"mapping": str(path), "project": "desk"})
    client = GenericBackend.make_client(account, transport=desk.transport(), policy=FAST, sleep=lambda s: None)
    return GenericBackend(account, client)


def test_check_says_who_we_are_and_sets_the_identity(desk, tmp_path):
    backend = make(desk, tmp_path)
    assert backend.check() == "Signed in to FakeDesk as aiko."
    assert backend.identity is not None and backend.identity.remote_id == "1"
    assert backend.identity.email == "aiko@example.com"
    assert backend.label == "FakeDesk" and backend.capabilities.change_feed is ChangeFeed.TIMESTAMP
    assert backend.capabilities.attachments.max_bytes == 5_000_000


def test_check_refuses_an_account_without_the_rights_in_the_files_sentence(desk, tmp_path):
    refusing = MAPPING.replace("  email: user.mail\n", "  email: user.mail\n  refuse: {when: {path: user.login, "
                               "in: [aiko, guest]}, says: \"{name} is not an agent on {label}.\"}\n")
    assert refusing != MAPPING
    with pytest.raises(errors.Forbidden, match=r"^aiko is not an agent on FakeDesk\.$"):
        make(desk, tmp_path, refusing).check()
    allowed = refusing.replace("in: [aiko, guest]", "in: [guest]")
    assert make(desk, tmp_path, allowed).check() == "Signed in to FakeDesk as aiko."


def test_a_wrong_key_is_auth_failed(desk, tmp_path):
    with pytest.raises(errors.AuthFailed):
        make(desk, tmp_path, token="wrong").check()


def test_pull_reads_every_page_and_maps_the_fields(desk, tmp_path):
    first = desk.add_issue("Printer on fire", priority=4, assignee=1)
    for n in range(4):
        desk.add_issue(f"Question {n}", author=3, status=2)
    backend = make(desk, tmp_path)
    pages, cursor = pull_all(backend)
    assert len(pages) == 3 and [p.done for p in pages] == [False, False, True]
    tickets = [t for p in pages for t in p.tickets]
    assert [t.subject for t in tickets] == ["Printer on fire", "Question 0", "Question 1", "Question 2", "Question 3"]
    fire = tickets[0]
    assert fire.remote_id == str(first) and fire.number == first
    assert fire.status is Status.NEW and fire.status_raw == "1" and fire.priority is Priority.URGENT
    assert fire.assignee == "Aiko Agent"  # joined through the agents lookup
    assert fire.requester_remote_id == "2" and fire.created_at == datetime(2026, 3, 1, 9, 0, 1, tzinfo=UTC)
    users = {u.remote_id: u for p in pages for u in p.users}
    assert users["2"].name == "Bo Customer" and users["3"].email == "cy@example.com"
    # Nothing changed: the next pull brings nothing back, though the server's >= repeats the last second.
    again, _ = pull_all(backend, cursor)
    assert [t for p in again for t in p.tickets] == []


def test_only_what_changed_comes_back_and_same_second_changes_are_not_lost(desk, tmp_path):
    a = desk.add_issue("A")
    b = desk.add_issue("B")
    backend = make(desk, tmp_path)
    _, cursor = pull_all(backend)
    # Another change in the very second of the cursor's newest stamp (b's), and a later one.
    desk.touch(a, same_second=True, subject="A, edited in b's second")
    pages, cursor = pull_all(backend, cursor)
    assert [t.subject for p in pages for t in p.tickets] == ["A, edited in b's second"]
    desk.touch(b, subject="B again")
    pages, cursor = pull_all(backend, cursor)
    assert [t.subject for p in pages for t in p.tickets] == ["B again"]
    pages, _ = pull_all(backend, cursor)
    assert [t for p in pages for t in p.tickets] == []


def test_a_sync_interrupted_between_pages_resumes_at_the_next_page(desk, tmp_path):
    for n in range(5):
        desk.add_issue(f"T{n}")
    backend = make(desk, tmp_path)
    first = backend.pull(None)
    resumed = make(desk, tmp_path)  # a new process: only the cursor carries over
    pages, _ = pull_all(resumed, first.cursor)
    subjects = [t.subject for t in first.tickets] + [t.subject for p in pages for t in p.tickets]
    assert subjects == [f"T{n}" for n in range(5)]


def test_a_record_without_a_required_field_is_skipped_with_a_sentence(desk, tmp_path):
    good = desk.add_issue("Good")
    bad = desk.add_issue("Bad")
    del desk.issues[bad]["subject"]
    page = make(desk, tmp_path).pull(None)
    assert [t.remote_id for t in page.tickets] == [str(good)]
    assert page.skipped == [f"ticket {bad} was skipped: it has no subject."]


def test_the_thread_is_the_description_then_the_journals_with_kinds_and_files(desk, tmp_path):
    ticket_id = desk.add_issue("Login broken", description="I cannot log in.")
    desk.add_journal(ticket_id, "Try again now?", user=1)
    desk.add_journal(ticket_id, "", user=1)  # a field change without words: skipped
    desk.add_journal(ticket_id, "Checked the logs.", user=1, private=True)
    desk.add_journal(ticket_id, "Still broken, screenshot attached.", user=2,
                     files=[{"id": 7, "filename": "shot.png", "filesize": 1234, "content_type": "image/png",
                             "content_url": "/files/7/shot.png"}])
    backend = make(desk, tmp_path)
    (ticket,) = backend.pull(None).tickets
    sent = len(desk.requests)
    thread = backend.fetch_thread(ticket)
    assert len(desk.requests) == sent + 1  # both parts read the same request: sent once
    assert [(m.kind, m.body) for m in thread] == [
        (MessageKind.CUSTOMER, "I cannot log in."), (MessageKind.PUBLIC_REPLY, "Try again now?"),
        (MessageKind.INTERNAL_NOTE, "Checked the logs."), (MessageKind.CUSTOMER, "Still broken, screenshot attached.")]
    assert thread[0].remote_id == f"issue-{ticket_id}" and thread[1].author == "Aiko Agent"
    assert thread[-1].attachments == ({"remote_id": "7", "name": "shot.png", "size": 1234, "media_type": "image/png",
                                       "url": "/files/7/shot.png"},)
    # By id alone (before a reply): the ticket is read first, so the customer is still the customer.
    assert [m.kind for m in backend.fetch_thread(str(ticket_id))] == [m.kind for m in thread]


def test_an_attachment_downloads_from_its_url(desk, tmp_path):
    import io

    sink = io.BytesIO()
    make(desk, tmp_path).download_attachment({"url": "/files/7/shot.png", "size": 22}, sink)
    assert sink.getvalue() == b"file:/files/7/shot.png"


def test_fetch_ticket_reads_one_ticket_with_its_thread_or_none(desk, tmp_path):
    ticket_id = desk.add_issue("Jump to me")
    backend = make(desk, tmp_path)
    page = backend.fetch_ticket(ticket_id)
    assert page is not None and page.tickets[0].subject == "Jump to me"
    assert page.tickets[0].messages is not None and page.tickets[0].messages[0].body == "Help, please."
    assert [u.remote_id for u in page.users] == ["2"]
    assert backend.fetch_ticket(9999) is None


def test_the_sync_engine_fills_a_real_cache_and_resumes(desk, tmp_path):
    ids = [desk.add_issue(f"Engine {n}", author=2 + n % 2) for n in range(3)]
    desk.add_journal(ids[0], "We are on it.")
    cache = Cache(tmp_path / "desk.sqlite", "desk")
    engine = SyncEngine(cache, make(desk, tmp_path), lambda: datetime.now(UTC))
    report = engine.sync()
    assert report.problem is None and report.new == 3, report
    local = cache.find_ticket(str(ids[0]))
    assert local is not None and local.subject == "Engine 0"
    assert [m.body for m in cache.thread(local.id)] == ["Help, please.", "We are on it."]
    desk.add_journal(ids[1], "A follow-up.", user=3)
    report = SyncEngine(cache, make(desk, tmp_path), lambda: datetime.now(UTC)).sync()
    assert report.problem is None and (report.new, report.updated) == (0, 1), report
    cache.close()


@pytest.mark.parametrize("paging", [
    "{type: page_number, param: page, start: 1, size_param: per_page, size: 2}",
    "{type: link_header, rel: next, size_param: per_page, size: 2}",
])
def test_page_number_and_link_header_paging_read_every_ticket_once(desk, tmp_path, paging):
    for n in range(5):
        desk.add_issue(f"P{n}")
    text = MAPPING.replace("{type: offset, offset_param: offset, limit_param: limit, limit: 2, total: total_count}",
                           paging)
    assert text != MAPPING
    if "link_header" in paging:  # the first request asks for page 1; the Link header leads on
        text = text.replace('status_id: "*"}', 'status_id: "*", page: 1}')
    backend = make(desk, tmp_path, text)
    pages, cursor = pull_all(backend)
    assert [t.subject for p in pages for t in p.tickets] == [f"P{n}" for n in range(5)]
    assert len(pages) == 3
    desk.add_issue("P5")
    pages, _ = pull_all(backend, cursor)
    assert [t.subject for p in pages for t in p.tickets] == ["P5"]


def test_a_reply_queued_in_the_cache_is_delivered_once_and_comes_back_once(desk, tmp_path):
    from helpdesk_tui.domain.reply import ReplyPlan

    ticket_id = desk.add_issue("Needs an answer")
    cache = Cache(tmp_path / "desk.sqlite", "desk")
    now = lambda: datetime.now(UTC)  # noqa: E731
    assert SyncEngine(cache, make(desk, tmp_path), now).sync().new == 1
    local = cache.find_ticket(str(ticket_id))
    assert local is not None
    cache.queue_reply(ReplyPlan(local.id, MessageKind.PUBLIC_REPLY, "Fixed, please try again.", "agent",
                                Status.SOLVED), now())
    report = SyncEngine(cache, make(desk, tmp_path), now).sync()
    assert report.pushed.sent == 1 and report.problem is None, report
    journal = desk.issues[ticket_id]["journals"][-1]
    assert journal["notes"] == "Fixed, please try again." and desk.issues[ticket_id]["status"]["id"] == 3
    SyncEngine(cache, make(desk, tmp_path), now).sync()
    bodies = [m.body for m in cache.thread(local.id)]
    assert bodies.count("Fixed, please try again.") == 1, bodies
    assert cache.ticket(local.id).status is Status.SOLVED
    cache.close()


def test_probes_run_each_declared_read_once_and_say_what_they_found(desk, tmp_path):
    ticket_id = desk.add_issue("Probe me")
    desk.add_journal(ticket_id, "A reply.")
    backend = make(desk, tmp_path)
    results = [(name, run()) for name, run in backend.probes()]
    assert results == [("tickets", "1 ticket on the first page"), ("thread", f"2 messages in ticket {ticket_id}"),
                       ("lookup agents", "2 agents")]
    assert backend.status.all() == {}  # nothing kept


def test_probes_say_when_there_is_no_ticket_to_read_a_thread_of(desk, tmp_path):
    runs = dict(make(desk, tmp_path).probes())
    assert runs["tickets"]() == "0 tickets on the first page"
    assert runs["thread"]() == "no ticket on the first page to read a thread of"


def test_one_ticket_by_number_is_not_asked_for_an_id_when_the_two_may_differ(desk, tmp_path):
    ticket_id = desk.add_issue("Numbered")
    text = MAPPING.replace("    number: id\n", "    number: {path: id}\n")  # no longer provably the same
    backend = make(desk, tmp_path, text)
    assert backend.fetch_ticket(ticket_id) is not None  # by number: the request names {number}
    sent = len(desk.requests)
    backend.fetch_thread(str(ticket_id))
    assert len(desk.requests) == sent + 1  # the thread's own request only: no look-up by id
    same = make(desk, tmp_path)
    sent = len(desk.requests)
    same.fetch_thread(str(ticket_id))
    assert len(desk.requests) == sent + 2  # the ticket first (its requester), then the thread


def test_a_lookup_the_account_may_not_read_leaves_names_out_of_a_sync_not_the_sync(desk, tmp_path):
    desk.add_issue("Assigned", assignee=1)
    text = MAPPING.replace('"/projects/{options.project}/memberships.json"', '"/projects/secret/memberships.json"')
    backend = make(desk, tmp_path, text)
    (ticket,) = backend.pull(None).tickets  # the lookup answers 404: the assignee's name is unknown
    assert ticket.subject == "Assigned" and ticket.assignee is None
    with pytest.raises(errors.NotFound):  # a write that needs it is told why
        backend.lookup("agents")


def test_a_ticket_whose_thread_is_refused_is_left_out_of_the_sync_with_a_sentence(desk, tmp_path):
    kept = desk.add_issue("Readable")
    gone = desk.add_issue("Deleted after listing")
    real = desk.handle

    def refuse_one_thread(request):
        if request.url.path == f"/issues/{gone}.json":
            return real(request.__class__("GET", request.url.copy_with(path="/issues/0.json"),
                                          headers=request.headers))
        return real(request)
    desk.handle = refuse_one_thread  # type: ignore[method-assign]
    cache = Cache(tmp_path / "desk.sqlite", "desk")
    report = SyncEngine(cache, make(desk, tmp_path), lambda: datetime.now(UTC)).sync()
    assert report.problem is None and report.new == 1, report
    assert cache.find_ticket(str(kept)) is not None and cache.find_ticket(str(gone)) is None
    assert len(report.skipped) == 1 and report.skipped[0].startswith(f"ticket {gone} was skipped: its thread")
    with pytest.raises(errors.NotFound):  # one thread asked for: still a NotFound
        make(desk, tmp_path).fetch_thread(str(gone))
    cache.close()


def test_two_threads_reading_two_tickets_at_once_each_get_their_own_thread(desk, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    a = desk.add_issue("A", description="Thread of A")
    b = desk.add_issue("B", description="Thread of B")
    backend = make(desk, tmp_path)

    def read(ident: int) -> set[str]:
        return {backend.fetch_thread(str(ident))[0].body for _ in range(30)}

    with ThreadPoolExecutor(2) as pool:
        got_a, got_b = pool.map(read, [a, b])
    assert got_a == {"Thread of A"} and got_b == {"Thread of B"}
    desk.add_journal(a, "Later words")
    assert [m.body for m in backend.fetch_thread(str(a))][-1] == "Later words"  # no answer kept behind


SIDE_LOADED = """\
format: 1
label: Sided
base_url: "{account.url}"
tickets:
  request: {path: /tickets}
  records: tickets
  side_loads: {people: {records: users}}
  one: {request: {path: "/tickets/{number}", query: {include: users}}, record: ticket}
  fields: {remote_id: id, number: id, subject: subject, created_at: at, updated_at: at, requester: requester_id,
           assignee: {path: assignee_id, join: people}}
users:
  side_load: people
  fields: {remote_id: id, name: name}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/comments"}
    records: comments
    fields: {remote_id: id, body: body, created_at: at}
"""


def test_a_ticket_read_by_number_keeps_the_lists_its_answer_side_loads(tmp_path):
    """``tickets.one`` reads its answer's side-loads as the listing's: the requester and the
    assignee's name come with the one ticket, as they do with a page of them."""
    import httpx

    users = [{"id": 7, "name": "Aiko Tanaka"}, {"id": 9, "name": "Alex Agent"}]
    ticket = {"id": 5, "subject": "Jump", "at": "2026-01-01T00:00:00Z", "requester_id": 7, "assignee_id": 9}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tickets/5":
            side = {"users": users} if request.url.params.get("include") == "users" else {}
            return httpx.Response(200, json={"ticket": ticket, **side})
        if request.url.path == "/tickets/5/comments":
            return httpx.Response(200, json={"comments": [{"id": 1, "body": "Hi", "at": ticket["at"]}]})
        return httpx.Response(404, json={})

    path = tmp_path / "sided.yaml"
    path.write_text(SIDE_LOADED, encoding="utf-8")
    account = AccountSettings(name="s", url="https://s.example.com", user="u", token="t", options={"mapping": str(path)})
    backend = GenericBackend(account, GenericBackend.make_client(account, transport=httpx.MockTransport(answer),
                                                                 policy=FAST, sleep=lambda s: None))
    page = backend.fetch_ticket(5)
    assert page is not None and page.tickets[0].assignee == "Alex Agent"
    assert [(u.remote_id, u.name) for u in page.users] == [("7", "Aiko Tanaka")]
