"""The Roundup mapping passes the conformance suite against a real Roundup 2 on loopback.

Roundup has no customers apart from its users: the customer of an issue is the user who
created it (``creator``), so each test ticket is opened by a user of its own, through REST
with that user's password (a message authored by them, then the issue with it). Another
agent is ``agent2``. The classic schema has no internal notes: the mapping says so
(``capabilities.internal_notes: false``), so the suite leaves notes out of its threads and
checks that a queued note is refused instead.

Roundup's ``activity`` counts whole seconds, like the incremental feed's cursor: a change made
within the second of the last sync could not be told from it (Roundup's limit, not the
backend's: an update compares it to see a conflict), so the actions below wait that second out
before changing a ticket.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.commands import NewTicket, Reply
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.errors import AuthFailed, NotSupported, RateLimited
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import RoundupBackend
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.server_roundup import RoundupApi, RoundupServer, roundup_server  # noqa: F401

pytestmark = pytest.mark.server

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=20)
_customers = itertools.count(1)

# The classic schema in our vocabulary, written out here (not read from the mapping) so a
# wrong mapping fails these tests instead of agreeing with itself.
STATUS = {"unread": Status.NEW, "deferred": Status.ON_HOLD, "chatting": Status.OPEN, "need-eg": Status.PENDING,
          "in-progress": Status.OPEN, "testing": Status.OPEN, "done-cbb": Status.SOLVED, "resolved": Status.SOLVED}
PRIORITY = {"critical": Priority.URGENT, "urgent": Priority.HIGH, "bug": Priority.NORMAL,
            "feature": Priority.LOW, "wish": Priority.LOW, None: Priority.NORMAL}


def _name(link: Any, key: str) -> str | None:
    """The name in a linked item as ``@verbose=2`` gives it ({id, link, name|username}), or None."""
    return link.get(key) if isinstance(link, dict) else None


def _after_this_second() -> None:
    time.sleep(1.1)


class RoundupActions(ServerActions):
    # Only the write that makes a message part of the issue: a reply's message is POSTed first
    # and is no part of the thread until this PATCH links it (an answer lost there is the
    # unknown outcome); a new ticket is the issue's POST.
    writes = (("PATCH", r"/rest/data/issue/\d+$"), ("POST", r"/rest/data/issue$"))
    assignee = "agent2"

    def __init__(self, server: RoundupServer) -> None:
        self.roundup = server
        self.url = server.origin
        self.api = RoundupApi(server)
        self.agent2 = RoundupApi(server, "agent2", server.agent2_password)
        self.customers: dict[str, RoundupApi] = {}  # issue id → its creator's REST access
        self.usernames: dict[str, str] = {}  # issue id → its creator's username

    def backend(self, url: str | None = None, *, user: str | None = None, password: str | None = None) -> Backend:
        """The shipped mapping's backend as admin (or ``user``), against the server or ``url``."""
        account = AccountSettings(name="roundup", url=(url or self.roundup.origin) + "/helpdesk",
                                  user=user or self.roundup.user, token=password or self.roundup.password)
        return RoundupBackend(account, RoundupBackend.make_client(account, policy=QUICK, sleep=lambda s: None))

    def new_customer(self) -> tuple[str, RoundupApi]:
        username = f"customer{next(_customers)}-{os.getpid()}-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        self.api.user(username, password, realname=f"Customer {username}")
        return username, RoundupApi(self.roundup, username, password)

    def create_ticket(self, subject: str, body: str) -> str:
        username, customer = self.new_customer()
        message = customer.message(username, body)
        number = customer.create("issue", title=subject, messages=[message])
        self.customers[number], self.usernames[number] = customer, username
        return number

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        # The suite's check wants each listed file's size and type; a Roundup msg lists its files
        # by name only (a file's type is one more request each, its size is not kept at all).
        # ``open_with_file`` below makes one, and TestRoundupFiles downloads it.
        raise NotSupported("Roundup lists a message's files by name only (no size or type), which that check needs.")

    def open_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        username, customer = self.new_customer()
        file_id = customer.upload(file_name, data, media_type)
        message = customer.message(username, body, files=[file_id])
        number = customer.create("issue", title=subject, messages=[message], files=[file_id])
        self.customers[number], self.usernames[number] = customer, username
        return number

    def customer_writes(self, remote_id: str, body: str) -> None:
        _after_this_second()
        customer = self.customers[remote_id]
        message = customer.message(self.usernames[remote_id], body)
        customer.patch("issue", remote_id, {"@op": "add", "messages": [message]})

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        if not public:
            raise NotSupported("Roundup's classic schema has no internal notes.")
        _after_this_second()
        message = self.agent2.message("agent2", body)
        self.agent2.patch("issue", remote_id, {"@op": "add", "messages": [message]})

    def change_subject(self, remote_id: str, subject: str) -> None:
        _after_this_second()
        self.api.patch("issue", remote_id, {"title": subject})

    def ticket(self, remote_id: str) -> ServerTicket:
        issue = self.api.issue(remote_id)
        return ServerTicket(STATUS[str(_name(issue["status"], "name"))], PRIORITY[_name(issue["priority"], "name")],
                            _name(issue["assignedto"], "username"))

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        file_id = message.attachments[n - 1]["remote_id"]
        # Accept: application/json would wrap the bytes in JSON
        response = self.api.http.get(f"/data/file/{file_id}/binary_content", headers={"Accept": "*/*"})
        assert response.status_code == 200, (response.status_code, response.text[:200])
        return response.content

    def tickets_titled(self, text: str) -> list[str]:
        # Roundup's filter on a string property matches a part of it (every word, any case).
        found = self.api.call("GET", "/data/issue", params={"title": text, "@fields": "title"})["collection"]
        return sorted(str(issue["id"]) for issue in found if text in issue["title"])


class TestRoundupActions:
    """The actions themselves, straight against the server (the suite trusts them)."""

    def test_a_ticket_is_opened_by_its_own_customer(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        number = actions.create_ticket("Printer offline (actions)", "Floor 3 printer is offline.")
        issue = actions.api.get("issue", number, **{"@verbose": "2", "@fields": "title,creator,messages,status"})
        attributes = issue["attributes"]
        assert attributes["creator"]["username"] == actions.usernames[number]
        assert attributes["title"] == "Printer offline (actions)"
        [message] = attributes["messages"]
        msg = actions.api.get("msg", message["id"], **{"@verbose": "3"})["attributes"]
        assert (msg["content"], msg["author"]["username"]) == ("Floor 3 printer is offline.",
                                                               actions.usernames[number])
        assert actions.ticket(number) == ServerTicket(Status.NEW, Priority.NORMAL, None)
        assert actions.tickets_titled("Printer offline (actions)") == [number]

    def test_answers_land_in_order_by_their_authors_and_move_the_status(
            self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        number = actions.create_ticket("VPN drops (actions)", "It drops.")
        actions.agent_writes(number, "Which client version?", public=True)
        actions.customer_writes(number, "Version 5.1.")
        with pytest.raises(NotSupported):
            actions.agent_writes(number, "Internal", public=False)
        ids = [m["id"] for m in actions.api.issue(number)["messages"]]
        authors = [actions.api.get("msg", i, **{"@verbose": "3"})["attributes"]["author"]["username"] for i in ids]
        assert authors == [actions.usernames[number], "agent2", actions.usernames[number]]
        # Roundup's own rule: a message on an unread issue makes it "chatting"
        assert actions.ticket(number).status == Status.OPEN

    def test_a_subject_change_needs_the_current_etag(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        number = actions.create_ticket("Quota (actions)", "Out of space.")
        stale = actions.api.get("issue", number)["@etag"]
        actions.change_subject(number, "Quota, edited (actions)")
        assert actions.api.issue(number)["title"] == "Quota, edited (actions)"
        refused = actions.api.http.patch(f"/data/issue/{number}", json={"title": "x"}, headers={"If-Match": stale})
        assert refused.status_code == 412, refused.text[:200]

    def test_a_customers_file_is_stored_byte_for_byte(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        data = bytes(range(256)) * 8
        number = actions.open_with_file("Screenshot (actions)", "See the file.", "shot.png", data, "image/png")
        [message] = actions.api.issue(number)["messages"]
        [meta] = actions.api.get("msg", message["id"], **{"@verbose": "3"})["attributes"]["files"]
        assert meta["name"] == "shot.png"
        remote = RemoteMessage(message["id"], MessageKind.CUSTOMER, actions.usernames[number], "See the file.",
                               datetime.now(UTC), attachments=({"remote_id": meta["id"]},))
        assert actions.attachment_bytes(number, remote, 1) == data

    def test_writes_without_the_rest_headers_are_refused(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        import httpx

        bare = httpx.Client(base_url=roundup_server.rest, auth=(roundup_server.user, roundup_server.password),
                            timeout=30)
        payload = {"content": "x", "author": "admin", "date": "."}
        assert bare.post("/data/msg", json=payload).status_code == 400  # no Origin
        charset = {"X-Requested-With": "rest", "Origin": roundup_server.origin,
                   "Content-Type": "application/json; charset=utf-8"}
        assert bare.post("/data/msg", content=b'{"content": "x"}', headers=charset).status_code == 415


class TestRoundupBackend(BackendTests):
    @pytest.fixture
    def server(self, roundup_server: RoundupServer) -> ServerActions:  # noqa: F811
        return RoundupActions(roundup_server)


class TestRoundupMapping:
    """What the suite cannot see from outside: who we are, the names of linked items, a
    customer's file byte for byte, the status a reply leaves, a wrong password in a sentence."""

    def test_check_says_who_we_are_and_learns_our_id(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        backend = RoundupActions(roundup_server).backend()
        assert backend.check() == "Signed in to Roundup as admin."
        assert backend.identity is not None and backend.identity.remote_id == "1"

    def test_a_wrong_password_is_a_sentence(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        # one failed login (Roundup locks a user after four): a throw-away user, never admin
        actions = RoundupActions(roundup_server)
        username, _customer = actions.new_customer()
        backend = actions.backend(user=username, password="wrong")
        with pytest.raises(AuthFailed) as caught:
            backend.check()
        assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)

    def test_a_locked_out_user_is_told_to_wait_at_once(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        # Roundup locks a user for 150 s after four failed logins (429 + Retry-After): a sentence
        # now, not a silent wait (a throw-away user: admin is never locked)
        actions = RoundupActions(roundup_server)
        username, _customer = actions.new_customer()
        backend = actions.backend(user=username, password="wrong")
        for _ in range(4):
            with pytest.raises(AuthFailed):
                backend.check()
        started = time.monotonic()
        with pytest.raises(RateLimited) as caught:
            backend.check()
        assert time.monotonic() - started < 10
        assert "asks to wait" in str(caught.value) and "\n" not in str(caught.value), str(caught.value)

    def test_statuses_priorities_and_assignees_arrive_by_name(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        number = actions.create_ticket("Names (mapping)", "Which names?")
        actions.api.patch("issue", number, {"status": "need-eg", "priority": "critical", "assignedto": "agent2"})
        backend = actions.backend()
        ticket = next(t for t in _all_tickets(backend) if t.remote_id == number)
        assert (ticket.status, ticket.priority, ticket.assignee) == (Status.PENDING, Priority.URGENT, "agent2")
        assert ticket.status_raw == "need-eg" and ticket.version == actions.api.get("issue", number, **{"@fields": "activity"})["attributes"]["activity"]

    def test_a_reply_keeps_the_status_roundup_would_move(self, roundup_server: RoundupServer,  # noqa: F811
                                                          tmp_path) -> None:
        actions = RoundupActions(roundup_server)
        number = actions.create_ticket("Keep resolved (mapping)", "Thanks, it works now.")
        actions.api.patch("issue", number, {"status": "resolved"})
        backend = actions.backend()
        backend.check()
        backend.push(Reply("r-keep-1", datetime.now(UTC), "Glad to hear it."), number, None)
        assert actions.ticket(number).status == Status.SOLVED  # Roundup alone would say "chatting"
        backend.push(Reply("r-keep-2", datetime.now(UTC), "Reopening.", status=Status.PENDING), number, None)
        assert _name(actions.api.issue(number)["status"], "name") == "need-eg"

    def test_a_new_ticket_puts_the_customer_on_the_nosy_list_with_its_fields(
            self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        backend = actions.backend()
        backend.check()
        email = f"new-{secrets.token_hex(4)}@example.com"
        command = NewTicket(f"n-{secrets.token_hex(4)}", datetime.now(UTC), "Your upgrade (mapping)",
                            "It is scheduled.", email, priority=Priority.HIGH, status=Status.PENDING,
                            assignee="agent2", requester_name="Pat Doe")
        made = backend.push(command, "", None)
        assert made.remote_id is not None and made.number == int(made.remote_id)
        issue = actions.api.issue(made.remote_id)
        assert (_name(issue["status"], "name"), _name(issue["priority"], "name"),
                _name(issue["assignedto"], "username")) == ("need-eg", "urgent", "agent2")
        nosy = [n["username"] for n in issue["nosy"]]
        assert email in nosy, nosy  # made a user for the address, Roundup mails them
        again = backend.push(NewTicket(f"n-{secrets.token_hex(4)}", datetime.now(UTC), "Second (mapping)", "Hi.",
                                       email), "", None)
        assert email in [n["username"] for n in actions.api.issue(str(again.remote_id))["nosy"]]  # the same user
        with pytest.raises(NotSupported):  # no cc on Roundup's side: refused, nothing sent
            backend.push(NewTicket("n-cc", datetime.now(UTC), "Cc (mapping)", "Hi.", email, cc=("x@example.com",)),
                         "", None)

    def test_a_customers_file_downloads_byte_for_byte(self, roundup_server: RoundupServer) -> None:  # noqa: F811
        actions = RoundupActions(roundup_server)
        data = bytes(range(256)) * 200 + b"end"
        number = actions.open_with_file("Screenshot (mapping)", "See the file.", "screen.png", data, "image/png")
        [message] = actions.backend().fetch_thread(number)
        assert message.kind == MessageKind.CUSTOMER
        [meta] = message.attachments
        assert meta["name"] == "screen.png"
        sink, heard = io.BytesIO(), []
        actions.backend().download_attachment(meta, sink, lambda done, total: heard.append((done, total)))
        assert hashlib.sha256(sink.getvalue()).hexdigest() == hashlib.sha256(data).hexdigest()
        assert heard and heard[-1][0] == len(data)


def _all_tickets(backend: Backend) -> list[Any]:
    cursor, found = None, []
    for _ in range(1000):
        page = backend.pull(cursor)
        found += page.tickets
        cursor = page.cursor
        if page.done:
            break
    return found
