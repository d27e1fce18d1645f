"""The Redmine mapping (generic engine) against a real Redmine 5 on loopback.

The account under test signs in with admin's REST key. A customer is a Redmine user of their
own (a Reporter of the project) who opens and answers issues with their own key, as the
customer portal would; another agent is ``agent2`` (a Developer: public journals and private
notes). ``TestRedmineActions`` checks those actions against the server itself, so a failure
of the suite is the mapping's, not the test harness's.
"""

from __future__ import annotations

import io
import itertools
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.commands import NewTicket, Note, Reply, Update
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.errors import NotFound, NotSupported
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import RedmineBackend
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.server_redmine import RedmineApi, RedmineServer, redmine_server  # noqa: F401

pytestmark = pytest.mark.server

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=20)
# Redmine's default data, in our vocabulary (Rejected is closed too; Immediate is urgent).
STATUSES = {1: Status.NEW, 2: Status.OPEN, 3: Status.SOLVED, 4: Status.PENDING, 5: Status.CLOSED, 6: Status.CLOSED}
PRIORITIES = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT, 5: Priority.URGENT}
AGENT2 = "Agent Two"  # agent2's name as Redmine shows it (memberships, assigned_to)
_people = itertools.count(1)


class RedmineActions(ServerActions):
    # Every request that writes: a journal (PUT), a new issue (POST), a file's bytes (an upload
    # is sent again by itself after a lost answer: it makes nothing the customer sees).
    writes = (("PUT", r"^/issues/\d+\.json"), ("POST", r"^/issues\.json"), ("POST", r"^/uploads\.json"))
    assignee = AGENT2

    def __init__(self, server: RedmineServer) -> None:
        self.redmine = server
        self.url = server.url
        self.api = RedmineApi(server)
        self.customers: dict[str, str] = {}  # issue id → its customer's REST key
        self.touched: dict[str, int] = {}  # issue id → the second it was last written (server clock)

    # ---------------------------------------------------------------- the backend under test

    def backend(self, url: str | None = None) -> Backend:
        account = AccountSettings(name="rm", url=url or self.redmine.url, user=None, token=self.redmine.key,
                                  options=self.redmine.options)
        return RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))

    # ---------------------------------------------------------------- people

    def new_customer(self, email: str | None = None) -> tuple[str, str]:
        """A customer who may open and answer issues in the project: (login, REST key)."""
        login = f"c{next(_people)}x{os.getpid()}x{time.time_ns() % 10**10}"
        answer = self.api.call("POST", "/users.json", json={"user": {
            "login": login, "firstname": "Casey", "lastname": f"Customer {login[-6:]}",
            "mail": email or f"{login}@example.com", "password": "Customer-pass-123", "mail_notification": "none"}})
        user = answer["user"]
        self.api.call("POST", f"/projects/{self.redmine.project}/memberships.json",
                      json={"membership": {"user_id": user["id"], "role_ids": [self.api.role("Reporter")]}})
        return login, str(user["api_key"])

    # ---------------------------------------------------------------- writes behind the backend's back

    def _as(self, key: str, method: str, path: str, **kw: Any) -> Any:
        return self.api.call(method, path, key=key, **kw)

    def settle(self, remote_id: str) -> None:
        """Wait until the clock has left the second of the issue's last write: Redmine stamps
        ``updated_on`` in whole seconds, so a second write within the second a sync already read
        leaves the stamp as it was and no "updated since" feed can see it (Redmine's limit)."""
        last = self.touched.get(remote_id)
        while last is not None and int(time.time()) <= last:
            time.sleep(0.05)

    def wrote(self, remote_id: str) -> None:
        self.touched[remote_id] = int(time.time())

    def create_ticket(self, subject: str, body: str) -> str:
        _, key = self.new_customer()
        issue = self._as(key, "POST", "/issues.json", json={"issue": {
            "project_id": self.redmine.project, "subject": subject, "description": body}})["issue"]
        remote_id = str(issue["id"])
        self.customers[remote_id] = key
        self.wrote(remote_id)
        return remote_id

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        _, key = self.new_customer()
        token = self.api.upload(data, file_name, key=key)
        issue = self._as(key, "POST", "/issues.json", json={"issue": {
            "project_id": self.redmine.project, "subject": subject, "description": body,
            "uploads": [{"token": token, "filename": file_name, "content_type": media_type}]}})["issue"]
        remote_id = str(issue["id"])
        self.customers[remote_id] = key
        self.wrote(remote_id)
        return remote_id

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.settle(remote_id)
        self._as(self.customers[remote_id], "PUT", f"/issues/{remote_id}.json", json={"issue": {"notes": body}})
        self.wrote(remote_id)

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.settle(remote_id)
        self._as(self.redmine.agent2_key, "PUT", f"/issues/{remote_id}.json",
                 json={"issue": {"notes": body, "private_notes": not public}})
        self.wrote(remote_id)

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.settle(remote_id)
        self.api.call("PUT", f"/issues/{remote_id}.json", json={"issue": {"subject": subject}})
        self.wrote(remote_id)

    def delete_ticket(self, remote_id: str) -> None:
        self.api.call("DELETE", f"/issues/{remote_id}.json")

    # ---------------------------------------------------------------- reads behind the backend's back

    def ticket(self, remote_id: str) -> ServerTicket:
        issue = self.api.get(remote_id, include="")
        assigned = issue.get("assigned_to")
        return ServerTicket(STATUSES[issue["status"]["id"]], PRIORITIES[issue["priority"]["id"]],
                            assigned["name"] if assigned else None)

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        meta = message.attachments[n - 1]
        attachment_id = meta.get("remote_id") or meta.get("id")
        return self.api.attachment_bytes(str(attachment_id))

    def tickets_titled(self, text: str) -> list[str]:
        found, offset = [], 0
        while True:  # Redmine's subject filter: "~" is "contains"
            page = self.api.call("GET", "/issues.json", params={
                "project_id": self.redmine.project, "status_id": "*", "subject": f"~{text}", "limit": 100,
                "offset": offset})
            found += [str(i["id"]) for i in page["issues"] if text in i["subject"]]
            offset += len(page["issues"])
            if not page["issues"] or offset >= page["total_count"]:
                return sorted(set(found))


# -------------------------------------------------------------------- the actions themselves


@pytest.fixture
def actions(redmine_server: RedmineServer) -> RedmineActions:  # noqa: F811
    return RedmineActions(redmine_server)


class TestRedmineActions:
    """What the suite relies on, checked against the server (no backend involved)."""

    def test_the_server_started_with_keys_a_project_and_agent2(self, redmine_server: RedmineServer) -> None:  # noqa: F811
        with redmine_server.client() as http:
            assert http.get("/users/current.json").json()["user"]["login"] == "admin"
            assert http.get(f"/projects/{redmine_server.project}.json").status_code == 200
        with redmine_server.client(redmine_server.agent2_key) as http:
            assert http.get("/users/current.json").json()["user"]["login"] == "agent2"
        assert httpx.get(redmine_server.url + "/issues.json").status_code == 401  # login required
        print(f"Redmine started in {redmine_server.start_seconds:.1f} s")

    def test_a_customer_opens_and_answers_and_agents_write_public_and_private(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket("Printer offline", "Floor 3 printer is offline.")
        actions.customer_writes(remote_id, "Still offline.")
        actions.agent_writes(remote_id, "Power-cycle it, please.", public=True)
        actions.agent_writes(remote_id, "Known firmware bug.", public=False)
        issue = actions.api.get(remote_id)
        author = issue["author"]["id"]
        assert author != 1 and issue["description"] == "Floor 3 printer is offline."
        said = [(j["user"]["id"] == author, j["user"]["name"], j["notes"], j["private_notes"]) for j in issue["journals"]]
        assert said == [(True, issue["author"]["name"], "Still offline.", False),
                        (False, AGENT2, "Power-cycle it, please.", False),
                        (False, AGENT2, "Known firmware bug.", True)]
        # each write moved the stamp a feed reads (whole seconds)
        stamps = [issue["created_on"]] + [j["created_on"] for j in issue["journals"]]
        assert stamps == sorted(set(stamps)), stamps
        assert issue["updated_on"] == stamps[-1]

    def test_ticket_reads_status_priority_and_assignee_in_our_words(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket("Disk quota", "Out of space.")
        assert actions.ticket(remote_id) == ServerTicket(Status.NEW, Priority.NORMAL, None)
        agent2 = next(m["user"]["id"] for m in actions.api.call(
            "GET", f"/projects/{actions.redmine.project}/memberships.json")["memberships"]
            if m["user"]["name"] == AGENT2)
        actions.api.call("PUT", f"/issues/{remote_id}.json",
                         json={"issue": {"status_id": 4, "priority_id": 5, "assigned_to_id": agent2}})
        assert actions.ticket(remote_id) == ServerTicket(Status.PENDING, Priority.URGENT, AGENT2)
        actions.change_subject(remote_id, "Disk quota (edited)")
        assert actions.api.get(remote_id)["subject"] == "Disk quota (edited)"
        assert actions.tickets_titled("Disk quota (edited)") == [remote_id]

    def test_a_customers_file_is_stored_byte_for_byte(self, actions: RedmineActions) -> None:
        data = bytes(range(256)) * 40
        remote_id = actions.create_ticket_with_file("Screenshot", "See the picture.", "screen.png", data, "image/png")
        [meta] = actions.api.get(remote_id)["attachments"]
        assert (meta["filename"], meta["filesize"], meta["content_type"]) == ("screen.png", len(data), "image/png")
        message = RemoteMessage(remote_id=f"issue-{remote_id}", kind=MessageKind.CUSTOMER, author="Casey",
                                body="See the picture.", created_at=datetime.now(UTC),
                                attachments=({"remote_id": str(meta["id"]), "name": "screen.png"},))
        assert actions.attachment_bytes(remote_id, message, 1) == data

    def test_a_status_the_workflow_refuses_is_silently_ignored(self, actions: RedmineActions) -> None:
        """Why the mapping's update re-reads the issue: Redmine answers 204 and changes nothing."""
        remote_id = actions.create_ticket("Workflow", "Can a reporter resolve this?")
        before = actions.api.get(remote_id, include="")
        answer = httpx.put(f"{actions.url}/issues/{remote_id}.json", json={"issue": {"status_id": 3}},
                           headers={"X-Redmine-API-Key": actions.customers[remote_id]})
        assert answer.status_code == 204 and not answer.content
        assert actions.api.get(remote_id, include="")["status"]["id"] == before["status"]["id"] == 1
        answer = actions.api.http.put(f"/issues/{remote_id}.json", json={"issue": {"status_id": 99}})
        assert answer.status_code == 204
        assert actions.ticket(remote_id).status == Status.NEW


class TestRedmineBackend(BackendTests):
    @pytest.fixture
    def server(self, redmine_server: RedmineServer) -> ServerActions:  # noqa: F811
        return RedmineActions(redmine_server)


class TestRedmineMapping:
    """What the mapping itself must get right on this server, beyond the suite."""

    def test_a_status_the_workflow_refuses_is_reported_not_shown_as_sent(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket("Resolve me", "A reporter may not resolve an issue.")
        # an account signed in as a user whose role may not change the status (a Reporter)
        account = AccountSettings(name="rm", url=actions.url, user=None, token=actions.customers[remote_id],
                                  options=actions.redmine.options)
        reporter = RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
        with pytest.raises(NotSupported, match="did not make it") as refused:
            reporter.push(Update("item-1", datetime.now(UTC), status=Status.SOLVED), remote_id, None)
        assert "\n" not in str(refused.value)
        assert actions.ticket(remote_id).status == Status.NEW

    def test_a_reply_with_a_refused_status_is_refused_before_the_reply_lands(self, actions: RedmineActions) -> None:
        """The status goes first, through the verified update: a refused one stops the reply
        (nothing to send twice later); an allowed one lands with the reply, each once."""
        remote_id = actions.create_ticket("Close it with a reply", "Please close this.")
        account = AccountSettings(name="rm", url=actions.url, user=None, token=actions.customers[remote_id],
                                  options=actions.redmine.options)
        reporter = RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
        with pytest.raises(NotSupported, match="did not make it"):
            reporter.push(Reply("item-4", datetime.now(UTC), "Closing as asked.", status=Status.SOLVED), remote_id, None)
        assert [j["notes"] for j in actions.api.get(remote_id)["journals"] if j["notes"]] == []
        done = actions.backend().push(Reply("item-5", datetime.now(UTC), "Solved, closing.", status=Status.SOLVED),
                                      remote_id, None)
        journals = [j for j in actions.api.get(remote_id)["journals"] if j["notes"]]
        assert [(str(j["id"]), j["notes"]) for j in journals] == [(done.remote_id, "Solved, closing.")]
        assert actions.ticket(remote_id).status == Status.SOLVED

    def test_a_file_is_listed_on_the_message_that_added_it_only(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket_with_file("Two files", "The first file.", "first.png", b"\x89PNG one",
                                                    "image/png")
        actions.settle(remote_id)
        token = actions.api.upload(b"boot log", "boot.log", key=actions.redmine.agent2_key)
        actions.api.call("PUT", f"/issues/{remote_id}.json", key=actions.redmine.agent2_key, json={"issue": {
            "notes": "Here is the log.", "uploads": [{"token": token, "filename": "boot.log",
                                                      "content_type": "text/plain"}]}})
        thread = actions.backend().fetch_thread(remote_id)
        assert [(m.body, [a["name"] for a in m.attachments]) for m in thread] == [
            ("The first file.", ["first.png"]), ("Here is the log.", ["boot.log"])]
        [log] = thread[1].attachments
        assert (log["size"], log["media_type"]) == (8, "text/plain") and str(log["url"]).endswith("/boot.log")
        sink = io.BytesIO()
        actions.backend().download_attachment(log, sink)
        assert sink.getvalue() == b"boot log"
        assert actions.attachment_bytes(remote_id, thread[1], 1) == b"boot log"

    def test_an_agent_who_is_not_an_admin_syncs_writes_and_assigns(self, actions: RedmineActions,
                                                                    tmp_path: Path) -> None:
        """Most agents are not Redmine admins: agent2 (a Developer) signs in, reads, replies,
        notes and assigns through the project's memberships."""
        remote_id = actions.create_ticket("Not an admin", "Can a developer answer?")
        account = AccountSettings(name="rm", url=actions.url, user=None, token=actions.redmine.agent2_key,
                                  options=actions.redmine.options)
        agent = RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
        assert agent.check() == "Signed in to Redmine as agent2."
        reply = agent.push(Reply("item-6", datetime.now(UTC), "A developer answers."), remote_id, None)
        note = agent.push(Note("item-7", datetime.now(UTC), "And notes privately."), remote_id, None)
        agent.push(Update("item-8", datetime.now(UTC), status=Status.OPEN, assignee=AGENT2), remote_id, None)
        journals = {str(j["id"]): (j["notes"], j["private_notes"]) for j in actions.api.get(remote_id)["journals"]}
        assert journals[str(reply.remote_id)] == ("A developer answers.", False)
        assert journals[str(note.remote_id)] == ("And notes privately.", True)
        assert actions.ticket(remote_id) == ServerTicket(Status.OPEN, Priority.NORMAL, AGENT2)
        kinds = [(m.kind, m.body) for m in agent.fetch_thread(remote_id)]
        assert kinds == [(MessageKind.CUSTOMER, "Can a developer answer?"),
                         (MessageKind.PUBLIC_REPLY, "A developer answers."),
                         (MessageKind.INTERNAL_NOTE, "And notes privately.")]

    def test_an_assignee_is_cleared_and_an_unknown_one_is_refused(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket("Unassign me", "Nobody should own this.")
        backend = actions.backend()
        backend.push(Update("item-9", datetime.now(UTC), assignee=AGENT2), remote_id, None)
        assert actions.ticket(remote_id).assignee == AGENT2
        backend.push(Update("item-10", datetime.now(UTC), assignee=None), remote_id, None)
        assert actions.ticket(remote_id).assignee is None
        with pytest.raises(NotSupported, match="Nobody Known"):
            backend.push(Update("item-11", datetime.now(UTC), assignee="Nobody Known"), remote_id, None)

    def test_a_misspelt_project_is_named_in_the_sentence(self, actions: RedmineActions) -> None:
        account = AccountSettings(name="rm", url=actions.url, user=None, token=actions.redmine.key,
                                  options={"project": "no-such-project"})
        backend = RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
        assert backend.check() == "Signed in to Redmine as admin."  # the key is fine
        with pytest.raises(NotFound, match="no-such-project") as caught:
            backend.pull(None)
        assert "\n" not in str(caught.value)

    def test_on_hold_has_no_redmine_status_and_nothing_is_sent(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket("Hold it", "Waiting on the vendor.")
        before = actions.api.get(remote_id, include="")["updated_on"]
        with pytest.raises(NotSupported):
            actions.backend().push(Update("item-2", datetime.now(UTC), status=Status.ON_HOLD), remote_id, None)
        assert actions.api.get(remote_id, include="")["updated_on"] == before

    def test_a_sync_with_nothing_changed_reads_nothing_again(self, actions: RedmineActions, tmp_path: Path) -> None:
        """Redmine's ``updated_on>=T`` also brings back the second before T (the mapping's
        ``overlap``): a quiet helpdesk must not cost a thread read per issue of that second."""
        project = f"quiet-{uuid.uuid4().hex[:8]}"
        actions.api.call("POST", "/projects.json", json={"project": {
            "name": project, "identifier": project, "is_public": False, "enabled_module_names": ["issue_tracking"]}})
        options = {**actions.redmine.options, "project": project}
        first = actions.api.issue("Earlier", "Written a second before the last change.", project_id=project)
        second = time.time()
        while int(time.time()) == int(second):  # the next one in the second after
            time.sleep(0.05)
        last = actions.api.issue("Last", "The newest change.", project_id=project)
        account = AccountSettings(name="rm", url=actions.url, user=None, token=actions.redmine.key, options=options)
        backend = RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
        cache = Cache(tmp_path / "quiet.sqlite", "quiet")
        try:
            engine = SyncEngine(cache, backend, lambda: datetime.now(UTC))
            assert engine.pull().new == 2
            again = engine.pull()
            assert (again.new, again.updated) == (0, 0), "issues of the second before the boundary were read again"
            actions.api.call("PUT", f"/issues/{first}.json", json={"issue": {"notes": "A change to the earlier one."}})
            changed = engine.pull()
            assert (changed.new, changed.updated) == (0, 1)
            with cache.connection() as conn:
                assert sorted(r[0] for r in conn.execute("SELECT remote_id FROM tickets")) == sorted([first, last])
        finally:
            cache.close()

    def test_a_new_ticket_needs_the_marker_field_and_without_it_nothing_is_created(self, actions: RedmineActions) -> None:
        """Without an agents-only field to hold our marker, a lost answer could open the issue
        twice (and the customer's address would go nowhere): refused before anything is sent."""
        word = f"nomarker{uuid.uuid4().hex[:8]}"
        account = AccountSettings(name="rm", url=actions.url, user=None, token=actions.redmine.key,
                                  options={"project": actions.redmine.project})
        plain = RedmineBackend(account, RedmineBackend.make_client(account, policy=QUICK, sleep=lambda s: None))
        command = NewTicket("item-3", datetime.now(UTC), subject=f"Opened here {word}", body="Hello.",
                            requester=f"{word}@example.com")
        with pytest.raises(NotSupported, match="--option"):
            plain.push(command, "", None)
        assert actions.tickets_titled(word) == []
        landed = actions.backend().push(command, "", None)  # with the fields: one issue, found by its number
        assert landed.remote_id is not None and actions.tickets_titled(word) == [landed.remote_id]
        issue = actions.api.get(landed.remote_id, include="")
        assert {f["name"]: f["value"] for f in issue["custom_fields"]} == {
            "Helpdesk marker": "item-3", "Customer e-mail": f"{word}@example.com"}
        as_customer = actions.api.call("GET", f"/issues/{landed.remote_id}.json", key=actions.new_customer()[1])
        assert "item-3" not in str(as_customer), "the customer can see the marker"

    def test_the_thread_by_id_alone_still_tells_the_customer_from_agents(self, actions: RedmineActions) -> None:
        remote_id = actions.create_ticket("By id", "First words.")
        actions.customer_writes(remote_id, "Customer again.")
        actions.agent_writes(remote_id, "Agent answers.", public=True)
        thread = actions.backend().fetch_thread(remote_id)
        assert [(m.kind, m.body) for m in thread] == [(MessageKind.CUSTOMER, "First words."),
                                                      (MessageKind.CUSTOMER, "Customer again."),
                                                      (MessageKind.PUBLIC_REPLY, "Agent answers.")]
        assert thread[0].remote_id == f"issue-{remote_id}" and thread[2].author == AGENT2
