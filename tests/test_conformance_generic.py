"""The generic engine passes the conformance suite: the Redmine-shaped fake of
tests/generic_fake.py served over real HTTP on loopback, and its mapping file (reads, writes,
files, new tickets) — every part of a mapped backend through the app's own paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.generic_fake import MAPPING, TOKEN, FakeDesk, Served

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)
STATUS = {1: Status.NEW, 2: Status.OPEN, 3: Status.SOLVED, 5: Status.CLOSED}
PRIORITY = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT}


class FakeDeskActions(ServerActions):
    writes = (("PUT", r"/issues/\d+\.json$"), ("POST", r"/issues\.json$"), ("POST", r"/uploads\.json"))
    assignee = "Aiko Agent"

    def __init__(self, served: Served, mapping: Path) -> None:
        self.desk = served.desk
        self.url = served.url
        self.mapping = mapping

    def backend(self, url: str | None = None) -> GenericBackend:
        account = AccountSettings("desk", url or self.url, "aiko", TOKEN,
                                  {"mapping": str(self.mapping), "project": "desk"})
        return GenericBackend(account, GenericBackend.make_client(account, policy=QUICK, sleep=lambda s: None))

    def create_ticket(self, subject: str, body: str) -> str:
        with self.desk.lock:
            author = self.desk.user_by_mail(f"customer{len(self.desk.users)}@example.com", "Aiko Tanaka")
            return str(self.desk.add_issue(subject, author=author, description=body))

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        with self.desk.lock:
            remote_id = self.create_ticket(subject, body)
            self.desk.issues[int(remote_id)]["attachments"].append(self.desk.add_file(file_name, data, media_type))
            return remote_id

    def customer_writes(self, remote_id: str, body: str) -> None:
        with self.desk.lock:
            author = self.desk.issues[int(remote_id)]["author"]["id"]
            self.desk.add_journal(int(remote_id), body, user=author)

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        with self.desk.lock:
            self.desk.add_journal(int(remote_id), body, user=4, private=not public)

    def change_subject(self, remote_id: str, subject: str) -> None:
        with self.desk.lock:
            self.desk.touch(int(remote_id), subject=subject)

    def ticket(self, remote_id: str) -> ServerTicket:
        with self.desk.lock:
            issue = self.desk.issues[int(remote_id)]
            owner = issue.get("assigned_to")
            return ServerTicket(STATUS.get(issue["status"]["id"], Status.OPEN),
                                PRIORITY.get(issue["priority"]["id"], Priority.NORMAL),
                                owner["name"] if owner else None)

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        url = str(message.attachments[n - 1]["url"])
        with self.desk.lock:
            return self.desk.files[int(url.split("/")[2])]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    mapping = tmp_path_factory.mktemp("mapping") / "fakedesk.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    with Served(FakeDesk(real_time=True)) as running:
        yield running, mapping


class TestGenericBackend(BackendTests):
    @pytest.fixture
    def server(self, served: tuple[Served, Path]) -> ServerActions:
        return FakeDeskActions(*served)


INCREMENTAL = ('  incremental: {type: updated_since, param: updated_on, value: ">={since}", format: iso8601z, '
               'field: updated_on}\n')


class FullScanActions(FakeDeskActions):
    def delete_ticket(self, remote_id: str) -> None:
        with self.desk.lock:
            del self.desk.issues[int(remote_id)]


@pytest.fixture(scope="module")
def served_full_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """The same helpdesk read without a change feed: a full scan with content hashes, and deletions."""
    text = MAPPING.replace(INCREMENTAL, "").replace("capabilities:\n", "capabilities:\n  deletions: true\n")
    assert INCREMENTAL not in text and "deletions: true" in text
    mapping = tmp_path_factory.mktemp("mapping") / "fakedesk-scan.yaml"
    mapping.write_text(text, encoding="utf-8")
    with Served(FakeDesk(real_time=True)) as running:
        yield running, mapping


class TestGenericBackendFullScan(BackendTests):
    @pytest.fixture
    def server(self, served_full_scan: tuple[Served, Path]) -> ServerActions:
        return FullScanActions(*served_full_scan)


@pytest.fixture(scope="module")
def served_etag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """The same helpdesk with its stamp as an If-Match version: a change since the sync is a conflict."""
    text = MAPPING.replace("capabilities:\n", "capabilities:\n  concurrency: etag\n").replace(
        "  attachments:\n    type: upload_token\n",
        "  version:\n    send: {header: If-Match}\n    conflict: [412]\n"
        "    read: {request: {path: \"/issues/{ticket.remote_id}.json\"}, path: issue.updated_on}\n"
        "  attachments:\n    type: upload_token\n")
    assert "concurrency: etag" in text and "If-Match" in text
    mapping = tmp_path_factory.mktemp("mapping") / "fakedesk-etag.yaml"
    mapping.write_text(text, encoding="utf-8")
    with Served(FakeDesk(real_time=True)) as running:
        yield running, mapping


class TestGenericBackendWithVersions(BackendTests):
    @pytest.fixture
    def server(self, served_etag: tuple[Served, Path]) -> ServerActions:
        return FakeDeskActions(*served_etag)


class ExportActions(FakeDeskActions):
    def delete_ticket(self, remote_id: str) -> None:
        with self.desk.lock:
            self.desk.delete(int(remote_id))


@pytest.fixture(scope="module")
def served_export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """The same helpdesk read through an incremental export with an opaque cursor (Zendesk's way),
    deleted tickets included."""
    text = MAPPING.replace(INCREMENTAL, "  incremental: {type: export_cursor, start_param: start_time, "
                           "cursor_param: cursor, cursor: after_cursor, done: end_of_stream}\n"
                           "  deleted: {path: status.name, equals: deleted}\n").replace(
        '  request: {path: /issues.json, query: {project_id: "{options.project}", sort: "updated_on:asc", '
        'status_id: "*"}}\n  records: issues\n  paging: {type: offset, offset_param: offset, limit_param: limit, '
        'limit: 2, total: total_count}\n',
        "  request: {path: /export.json, query: {per_page: 3}}\n  records: issues\n").replace(
        "capabilities:\n", "capabilities:\n  deletions: true\n")
    assert "export_cursor" in text and "/export.json" in text and "deletions: true" in text
    mapping = tmp_path_factory.mktemp("mapping") / "fakedesk-export.yaml"
    mapping.write_text(text, encoding="utf-8")
    with Served(FakeDesk(real_time=True)) as running:
        yield running, mapping


class TestGenericBackendExport(BackendTests):
    @pytest.fixture
    def server(self, served_export: tuple[Served, Path]) -> ServerActions:
        return ExportActions(*served_export)
