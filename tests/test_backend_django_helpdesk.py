"""The django-helpdesk backend against a real django-helpdesk 2.6.1 (see server_django_helpdesk.py),
plus a few offline checks of odd JSON through httpx.MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.sync.commands import Command, command_from
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings, ChangePage, MemoryStatus
from helpdesk_tui.sync.backends.django_helpdesk import DjangoHelpdeskBackend, api_base, make_client
from helpdesk_tui.sync.backends.django_helpdesk_map import Known, ScanState, known_hashes, protect, unprotect
from helpdesk_tui.sync.http import RetryPolicy
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, timeout=10)


def backend_for(server, *, token=None, url=None, page_size=2, status=None, **kw) -> DjangoHelpdeskBackend:
    """``status``: the sync status to share with another backend (what the engine keeps in the cache)."""
    account = AccountSettings(name="dh", url=url or server.url, user=None, token=token or server.token)
    backend = DjangoHelpdeskBackend(account, make_client(account, policy=FAST), page_size=page_size, **kw)
    if status is not None:
        backend.status = status
    return backend


class Api:
    """Test-side access to the server's API, to set up and to look behind the backend's back."""

    def __init__(self, server) -> None:
        self.http = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"},
                                 timeout=20)

    def call(self, method: str, path: str, **kw):
        response = self.http.request(method, path, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    def ticket(self, title, description, email, *, priority=3, queue=1):
        return self.call("POST", "/tickets/", json={"queue": queue, "title": title, "description": description,
                                                     "submitter_email": email, "priority": priority})

    def followup(self, ticket_id, comment, *, public=True, new_status=None):
        data = {"ticket": ticket_id, "comment": comment, "public": public}
        if new_status is not None:
            data["new_status"] = new_status
        return self.call("POST", "/followups/", json=data)

    def get(self, ticket_id):
        return self.call("GET", f"/tickets/{ticket_id}/")

    def all_ids(self) -> list[int]:
        return [t["id"] for t in self.call("GET", "/tickets/", params={"page_size": 1000})["results"]]


@pytest.fixture(scope="module")
def api(django_helpdesk_server) -> Api:  # noqa: F811
    return Api(django_helpdesk_server)


@pytest.fixture(scope="module")
def world(django_helpdesk_server, api):  # noqa: F811
    """A second queue (made through manage.py shell: the API has none) and a few tickets."""
    out = django_helpdesk_server.shell(
        "from helpdesk.models import Queue\n"
        "q, _ = Queue.objects.get_or_create(slug='billing', defaults={'title': 'Billing'})\nprint(q.id)")
    billing = int(out.strip().splitlines()[-1])
    fire = api.ticket("Printer on fire", "It is on fire.\n\nPlease help.", "alice@example.com", priority=1)
    invoice = api.ticket("Invoice wrong", "Charged twice.", "bob@example.com", priority=5, queue=billing)
    login = api.ticket("Cannot log in", "Password reset mail never arrives.", "carol@example.com", priority=2)
    dns = api.ticket("DNS question", "Which nameservers?", "dave@example.com", priority=4)
    api.call("PATCH", f"/tickets/{login['id']}/", json={"assigned_to": 1})
    api.followup(fire["id"], "Have you tried water?", public=True)
    api.followup(fire["id"], "Customer sounds stressed.", public=False)
    # A followup from the customer (e-mail in real life): no user.
    django_helpdesk_server.shell(
        "from django.utils import timezone\nfrom helpdesk.models import FollowUp, Ticket\n"
        f"FollowUp.objects.create(ticket=Ticket.objects.get(id={fire['id']}), title='E-Mail Received', "
        "comment='Water made it worse.', public=True, user=None, date=timezone.now())")
    api.followup(fire["id"], "", public=False, new_status=3)
    return {"billing": billing, "fire": fire["id"], "invoice": invoice["id"], "login": login["id"],
            "dns": dns["id"]}


def scan(backend, cursor=None, *, max_pages=500) -> tuple[list[ChangePage], str]:
    """Pull until done; returns the pages and the cursor for the next scan."""
    pages = []
    for _ in range(max_pages):
        page = backend.pull(cursor)
        pages.append(page)
        cursor = page.cursor
        if page.done:
            return pages, cursor
    raise AssertionError("the scan never finished")


def ids(pages) -> list[str]:
    return [t.remote_id for p in pages for t in p.tickets]


def item(action, payload, *, at=None) -> Command:
    at = at or datetime.now(UTC)
    return command_from(OutboxItem(id="x" + action, ticket_id=1, action=action, payload=payload, state="sending",
                                   attempts=1, created_at=at, updated_at=at))


# ---------------------------------------------------------------- sign-in


def test_check_signs_in(django_helpdesk_server):  # noqa: F811
    host = django_helpdesk_server.url.removeprefix("http://")
    assert backend_for(django_helpdesk_server).check() == f"Signed in to django-helpdesk at {host}."


def test_check_wrong_token_says_so_without_the_token(django_helpdesk_server):  # noqa: F811
    wrong = "0" * 40
    with pytest.raises(errors.AuthFailed) as caught:
        backend_for(django_helpdesk_server, token=wrong).check()
    assert "401" in str(caught.value) and wrong not in str(caught.value)


def test_check_wrong_url_is_not_found(django_helpdesk_server):  # noqa: F811
    with pytest.raises(errors.NotFound, match="check the URL"):
        backend_for(django_helpdesk_server, url=django_helpdesk_server.url + "/nothing-here").check()


def test_api_base_accepts_site_or_api_url():
    assert api_base("https://h.example/") == "https://h.example/helpdesk/api"
    assert api_base("https://h.example/helpdesk") == "https://h.example/helpdesk/api"
    assert api_base("https://h.example/helpdesk/api/") == "https://h.example/helpdesk/api"


# ---------------------------------------------------------------- pull


def test_first_scan_returns_every_ticket_once_with_mapped_fields(django_helpdesk_server, api, world):  # noqa: F811
    backend = backend_for(django_helpdesk_server, user_names={1: "Admin"},
                          queue_names={world["billing"]: "Billing"})
    pages, _ = scan(backend)
    assert len(pages) >= 2 and all(not p.done for p in pages[:-1]) and pages[-1].done
    assert all(len(p.tickets) <= 2 for p in pages)
    assert pages[0].total_hint == len(api.all_ids())  # a first scan brings every ticket
    got = ids(pages)
    assert sorted(got, key=int) == [str(i) for i in api.all_ids()]  # each exactly once
    tickets = {t.remote_id: t for p in pages for t in p.tickets}
    fire, invoice = tickets[str(world["fire"])], tickets[str(world["invoice"])]
    login, dns = tickets[str(world["login"])], tickets[str(world["dns"])]
    assert (fire.subject, fire.number, fire.status, fire.status_raw) == (
        "Printer on fire", world["fire"], Status.SOLVED, "Resolved")
    assert (fire.priority, fire.priority_raw, fire.group) == (Priority.URGENT, "Critical", "queue 1")
    assert fire.requester_remote_id == "alice@example.com" and fire.assignee is None
    assert fire.solved_at is not None and fire.first_response_at is not None
    assert (invoice.priority, invoice.group, invoice.status) == (Priority.LOW, "Billing", Status.OPEN)
    assert (login.priority, login.assignee) == (Priority.HIGH, "Admin")
    assert dns.priority == Priority.LOW and dns.status_raw == "Open"
    # Times come from the followups: the opening one, and the latest.
    followups = api.get(world["fire"])["followup_set"]
    assert fire.created_at == datetime.fromisoformat(followups[0]["date"])
    assert fire.updated_at == datetime.fromisoformat(followups[-1]["date"])
    # The thread comes with the list (followup_set), description first.
    assert [m.kind for m in fire.messages][:2] == [MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY]
    users = {u.remote_id for p in pages for u in p.users}
    assert {"alice@example.com", "bob@example.com", "carol@example.com"} <= users


def test_unchanged_scan_returns_nothing_and_keeps_times(django_helpdesk_server, world):  # noqa: F811
    backend = backend_for(django_helpdesk_server)
    first, cursor = scan(backend)
    hashes_after_first = known_hashes(backend.status)
    again, cursor2 = scan(backend, cursor)
    hashes_after_second = known_hashes(backend.status)
    assert ids(again) == [] and [d for p in again for d in p.deleted_ticket_ids] == []
    assert hashes_after_second == hashes_after_first
    # A fresh scan later gives the same times: nothing is stamped "now".
    later = backend_for(django_helpdesk_server, now=lambda: datetime.now(UTC) + timedelta(days=3))
    times = {t.remote_id: (t.created_at, t.updated_at) for p in scan(later)[0] for t in p.tickets}
    assert times == {t.remote_id: (t.created_at, t.updated_at) for p in first for t in p.tickets}


def test_a_new_followup_sends_exactly_that_ticket(django_helpdesk_server, api, world):  # noqa: F811
    backend = backend_for(django_helpdesk_server)
    _, cursor = scan(backend)
    api.followup(world["dns"], "ns1.example.net and ns2.example.net", public=True)
    pages, _ = scan(backend, cursor)
    assert ids(pages) == [str(world["dns"])]
    (dns,) = [t for p in pages for t in p.tickets]
    assert dns.messages[-1].body == "ns1.example.net and ns2.example.net"
    assert dns.updated_at > dns.created_at


def test_a_deleted_ticket_is_reported(django_helpdesk_server, api):  # noqa: F811
    doomed = api.ticket("Spam", "Buy now", "spam@example.com")
    backend = backend_for(django_helpdesk_server)
    _, cursor = scan(backend)
    api.call("DELETE", f"/tickets/{doomed['id']}/")
    pages, cursor = scan(backend, cursor)
    assert [d for p in pages for d in p.deleted_ticket_ids] == [str(doomed["id"])]
    assert ids(pages) == [] and doomed["id"] not in known_hashes(backend.status)


def test_an_interrupted_scan_resumes_without_duplicates_or_misses(django_helpdesk_server, api, world):  # noqa: F811
    for n in range(3):
        api.ticket(f"Resume {n}", f"resume body {n}", "erin@example.com")
    status = MemoryStatus()  # kept in the cache, across processes
    _, cursor = scan(backend_for(django_helpdesk_server, status=status))
    every = api.all_ids()
    assert len(every) >= 7
    changed = [every[0], every[3], every[-1]]  # on the first page, a middle one, the last page
    for tid in changed:
        api.followup(tid, f"poke {tid}", public=False)
    first = backend_for(django_helpdesk_server, status=status).pull(cursor)
    assert not first.done
    # The process dies after page 1 was applied; a new one resumes from the stored cursor.
    rest, _ = scan(backend_for(django_helpdesk_server, status=status), first.cursor)
    got = ids([first, *rest])
    assert sorted(got, key=int) == [str(t) for t in changed]
    assert len(got) == len(set(got))


def test_a_deletion_mid_scan_shifts_pages_without_false_deletions(django_helpdesk_server, api):  # noqa: F811
    made = [api.ticket(f"Shift {n}", f"shift body {n}", "eve@example.com")["id"] for n in range(3)]
    every = api.all_ids()
    assert every[-3:] == made
    # Page 1 ends with made[0], page 2 holds made[1] and made[2].
    backend = backend_for(django_helpdesk_server, page_size=len(every) - 2)
    _, cursor = scan(backend)
    page1 = backend.pull(cursor)
    assert ids([page1]) == [] and not page1.done
    api.call("DELETE", f"/tickets/{made[0]}/")  # made[1] moves up onto page 1, which is behind us
    rest, cursor = scan(backend, page1.cursor)
    assert [d for p in rest for d in p.deleted_ticket_ids] == [] and ids(rest) == []
    assert made[1] in known_hashes(backend.status)  # passed over, looked up, still there
    # made[0] was deleted after this scan had seen it: the next scan reports it.
    pages, cursor = scan(backend, cursor)
    assert [d for p in pages for d in p.deleted_ticket_ids] == [str(made[0])] and ids(pages) == []


# ---------------------------------------------------------------- thread


def test_fetch_thread_kinds_and_bodies(django_helpdesk_server, world):  # noqa: F811
    thread = backend_for(django_helpdesk_server).fetch_thread(str(world["fire"]))
    assert [(m.kind, m.body) for m in thread[:5]] == [
        (MessageKind.CUSTOMER, "It is on fire.\n\nPlease help."),
        (MessageKind.PUBLIC_REPLY, "Have you tried water?"),
        (MessageKind.INTERNAL_NOTE, "Customer sounds stressed."),
        (MessageKind.CUSTOMER, "Water made it worse."),
        (MessageKind.SYSTEM, "Status changed to Resolved."),
    ]
    assert thread[0].author == "alice@example.com" and thread[3].author == "alice@example.com"
    assert thread[1].author == "user 1"
    assert [m.created_at for m in thread] == sorted(m.created_at for m in thread)


# ---------------------------------------------------------------- push


def test_push_reply_note_and_status(django_helpdesk_server, api):  # noqa: F811
    tid = api.ticket("Mailbox full", "Cannot receive mail.", "frank@example.com")["id"]
    backend = backend_for(django_helpdesk_server)
    reply = backend.push(item("reply", {"body": "I raised your quota.", "public": True}), str(tid), None)
    note = backend.push(item("note", {"body": "Quota was 1 GB.", "public": False}), str(tid), None)
    solved = backend.push(item("reply", {"body": "Closing this.", "public": True, "status": "solved"}),
                          str(tid), None)
    after = api.get(tid)
    by_id = {str(f["id"]): f for f in after["followup_set"]}
    assert (by_id[reply.remote_id]["public"], by_id[reply.remote_id]["comment"]) == (True, "I raised your quota.")
    assert (by_id[note.remote_id]["public"], by_id[note.remote_id]["comment"]) == (False, "Quota was 1 GB.")
    assert by_id[solved.remote_id]["new_status"] == 3 and after["status"] == 3
    assert after["title"] == "Mailbox full"  # a followup never renames the ticket
    # Reopening a resolved ticket sets "Reopened"; priority and assignee go by PATCH.
    backend.push(item("update", {"status": "open", "priority": "urgent", "assignee": "user 1"}), str(tid), None)
    after = api.get(tid)
    assert (after["status"], after["priority"], after["assigned_to"], after["title"]) == (2, 1, 1, "Mailbox full")
    backend.push(item("update", {"assignee": None}), str(tid), None)
    assert api.get(tid)["assigned_to"] is None


def test_template_syntax_in_a_comment_round_trips(django_helpdesk_server, api):  # noqa: F811
    tid = api.ticket("Jinja help", "My template breaks.", "gina@example.com")["id"]
    backend = backend_for(django_helpdesk_server)
    body = "Write {{ user.name }} or {% if x %}…{% endif %}, not {# this #}; 50%} off.\nA < B & \"C\" 日本"
    pushed = backend.push(item("reply", {"body": body, "public": True}), str(tid), None)
    (message,) = [m for m in backend.fetch_thread(str(tid)) if m.remote_id == pushed.remote_id]
    assert message.body == body and message.kind == MessageKind.PUBLIC_REPLY
    assert unprotect(protect(body)) == body


def test_find_delivered_finds_a_pushed_reply_and_not_an_unsent_one(django_helpdesk_server, api):  # noqa: F811
    tid = api.ticket("Slow site", "Pages take 10 s.", "hank@example.com")["id"]
    backend = backend_for(django_helpdesk_server)
    sent = item("reply", {"body": "We enabled caching.\nTry again?", "public": True})
    result = backend.push(sent, str(tid), None)
    assert backend.find_delivered(sent, str(tid)) == result.remote_id
    assert backend.find_delivered(item("reply", {"body": "Never sent", "public": True}), str(tid)) is None
    assert backend.find_delivered(item("note", {"body": "We enabled caching.\nTry again?", "public": False}),
                                  str(tid)) is None
    status = item("update", {"status": "closed"})
    assert backend.find_delivered(status, str(tid)) is None
    pushed = backend.push(status, str(tid), None)
    assert backend.find_delivered(status, str(tid)) == pushed.remote_id


def test_push_refuses_what_django_helpdesk_cannot_do(django_helpdesk_server, api):  # noqa: F811
    tid = api.ticket("Tags?", "Can I tag?", "ida@example.com")["id"]
    backend = backend_for(django_helpdesk_server)
    before = api.get(tid)
    with pytest.raises(errors.NotSupported):
        backend.push(item("update", {"tags": ["vip"], "priority": "high"}), str(tid), None)
    with pytest.raises(errors.NotSupported):
        backend.push(item("update", {"assignee": "Somebody Unknown"}), str(tid), None)
    assert api.get(tid) == before  # nothing half applied


# ---------------------------------------------------------------- offline: odd answers


def offline(handler) -> DjangoHelpdeskBackend:
    account = AccountSettings(name="x", url="https://dh.example", user=None, token="secret-token")
    return DjangoHelpdeskBackend(account, make_client(account, policy=FAST, transport=httpx.MockTransport(handler)))


@pytest.mark.parametrize("body", [[], {"count": 1}, {"results": {"id": 1}}])
def test_unexpected_json_is_a_bad_response_sentence(body):
    backend = offline(lambda request: httpx.Response(200, json=body))
    with pytest.raises(errors.BadResponse, match="unexpected"):
        backend.pull(None)


@pytest.mark.parametrize("ticket", [
    {"title": "no id"}, {"id": 1, "title": "t", "status": "open", "priority": 3},
    {"id": 1, "title": "t", "status": 1, "priority": 3, "followup_set": [{"id": 2, "date": "soon"}]},
    {"id": 1, "title": "t", "status": 1, "priority": 3, "followup_set": "none"},
])
def test_an_unexpected_ticket_is_skipped_with_a_sentence_not_the_page(ticket):
    backend = offline(lambda request: httpx.Response(200, json={"results": [ticket]}))
    page = backend.pull(None)
    assert page.tickets == [] and len(page.skipped) == 1
    assert "was skipped: dh.example answered with an unexpected" in page.skipped[0]


def test_html_instead_of_json_is_a_bad_response():
    backend = offline(lambda request: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(errors.BadResponse, match="JSON"):
        backend.check()


def test_a_damaged_cursor_starts_a_fresh_scan():
    page = {"count": 1, "next": None, "results": [
        {"id": 7, "title": "t", "description": "d", "status": 1, "priority": 3, "queue": 1,
         "submitter_email": "a@b.c", "assigned_to": None, "followup_set": []}]}
    seen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    backend = offline(lambda request: httpx.Response(200, json=page))
    backend.now = lambda: seen
    for cursor in (None, "not json", '{"v": 99}'):
        result = backend.pull(cursor)
        assert ids([result]) == ["7"] and result.done and result.deleted_ticket_ids == []
        (ticket,) = result.tickets
        assert ticket.created_at == ticket.updated_at == seen  # no followups: first sighting
    state = ScanState.load(result.cursor, 50, backend.status)
    assert Known.load(backend.status.get("7")).first_seen == int(seen.timestamp()) and state.page == 1
    backend.now = lambda: seen + timedelta(days=1)
    assert backend.pull(result.cursor).tickets == []


def test_a_followup_without_an_answer_is_an_unknown_outcome_and_is_not_repeated():
    posts = []

    def handler(request):
        if request.method == "POST":
            posts.append(json.loads(request.content))
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(200, json={"id": 3, "status": 1})

    with pytest.raises(errors.UnknownOutcome):
        offline(handler).push(item("reply", {"body": "Hello", "public": True}), "3", None)
    assert posts == [{"ticket": 3, "comment": "Hello", "public": True}]  # once, and no title


def test_the_names_option_names_users_and_queues_and_a_bad_file_is_one_sentence(tmp_path):
    from helpdesk_tui.config.account_options import check_options

    names = tmp_path / "names.toml"
    names.write_text('[users]\n1 = "Aiko Tanaka"\n[queues]\n2 = "Billing"\n', encoding="utf-8")
    page = {"count": 1, "next": None, "results": [
        {"id": 7, "title": "t", "description": "d", "status": 1, "priority": 3, "queue": 2,
         "submitter_email": "a@b.c", "assigned_to": 1, "followup_set": []}]}
    account = AccountSettings(name="x", url="https://dh.example", user=None, token="t",
                              options={"names": str(names)})
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=page))
    backend = DjangoHelpdeskBackend(account, make_client(account, policy=FAST, transport=transport))
    (ticket,) = backend.pull(None).tickets
    assert (ticket.assignee, ticket.group) == ("Aiko Tanaka", "Billing")
    assert backend.names.user_id("Aiko Tanaka") == 1 and backend.names.queue_id("billing") == 2
    assert check_options("django-helpdesk", DjangoHelpdeskBackend.options, {"names": str(names)}) == []
    names.write_text("[users]\nroot = 1\n", encoding="utf-8")
    (problem,) = check_options("django-helpdesk", DjangoHelpdeskBackend.options, {"names": str(names)})
    assert problem.startswith("The option 'names' has a [users] table that is not numbers = \"names\" (")
    assert problem.endswith(": a TOML file with [users] and [queues] tables mapping ids to names.")
    (missing,) = check_options("django-helpdesk", DjangoHelpdeskBackend.options, {"names": str(tmp_path / "no")})
    assert missing.startswith("The option 'names' is not a file that can be read (")
