"""``tickets.gone``: listings of the tickets that left the main one (a trash, a spam folder),
read with the main listing's filter each time it completes; their records are deletions.
For APIs whose ticket list hides deleted tickets (Freshdesk's ``filter=deleted``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.generic.mapping import loads_mapping
from helpdesk_tui.sync.generic.node import MappingError
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """\
format: 1
label: Trash Desk
base_url: "{account.url}"
auth: {type: bearer, token: "{account.token}"}
capabilities: {deletions: true}
tickets:
  request: {path: /tickets}
  records: tickets
  incremental: {type: updated_since, param: since, format: epoch, field: updated, field_format: epoch}
  gone:
    - {request: {path: /tickets, query: {folder: trash}}, records: tickets}
    - {request: {path: /tickets, query: {folder: spam}}, records: tickets}
  fields: {remote_id: id, number: id, subject: subject, created_at: {path: updated, date: epoch},
           updated_at: {path: updated, date: epoch}}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/notes"}
    records: notes
    fields: {remote_id: id, body: text, created_at: {path: at, date: epoch}}
"""


class Desk:
    """Tickets in folders (inbox, trash, spam); ``/tickets?folder=F&since=S`` lists one folder."""

    def __init__(self) -> None:
        self.now = 1_770_000_000
        self.tickets: dict[int, dict[str, Any]] = {}
        self.asked: list[dict[str, str]] = []

    def add(self, subject: str) -> int:
        self.now += 1
        ident = len(self.tickets) + 1
        self.tickets[ident] = {"id": ident, "subject": subject, "updated": self.now, "folder": "inbox"}
        return ident

    def move(self, ident: int, folder: str) -> None:
        self.now += 1
        self.tickets[ident].update(folder=folder, updated=self.now)

    def handle(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        if request.url.path.endswith("/notes"):
            return httpx.Response(200, json={"notes": []})
        self.asked.append(query)
        since = int(query.get("since", 0))
        found = [t for t in self.tickets.values() if t["folder"] == query.get("folder", "inbox") and
                 t["updated"] >= since]
        return httpx.Response(200, json={"tickets": sorted(found, key=lambda t: (t["updated"], t["id"]))})


def backend(desk: Desk, tmp_path: Path) -> GenericBackend:
    path = tmp_path / "trash.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    account = AccountSettings(name="trash", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(desk.handle),
                                        policy=RetryPolicy(attempts=1), sleep=lambda s: None)
    return GenericBackend(account, client)


def pull(desk_backend: GenericBackend, cursor: str | None) -> tuple[list[str], list[str], str | None]:
    page = desk_backend.pull(cursor)
    assert page.done
    return [t.remote_id for t in page.tickets], page.deleted_ticket_ids, page.cursor


def test_tickets_moved_to_the_trash_or_spam_since_the_last_listing_are_deletions(tmp_path: Path) -> None:
    desk = Desk()
    ids = [desk.add(f"T{n}") for n in range(4)]
    desk_backend = backend(desk, tmp_path)
    listed, gone, cursor = pull(desk_backend, None)
    assert (listed, gone) == ([str(i) for i in ids], [])  # the first listing has nothing to delete
    assert [q.get("folder") for q in desk.asked] == [None]  # …and does not read the trash
    desk.move(ids[1], "trash")
    desk.move(ids[2], "spam")
    listed, gone, cursor = pull(desk_backend, cursor)
    assert (listed, sorted(gone)) == ([], [str(ids[1]), str(ids[2])])
    asked_since = {q.get("folder"): q.get("since") for q in desk.asked[1:]}
    assert asked_since["trash"] == asked_since["spam"] == asked_since[None]  # the main listing's filter
    _, gone, _ = pull(desk_backend, cursor)
    assert gone == []  # the next filter starts after them


def test_gone_must_be_a_list_of_listings() -> None:
    with pytest.raises(MappingError, match=r"line 10, key 'tickets.gone'.*list of listings"):
        loads_mapping(MAPPING.replace("  gone:\n    - {request: {path: /tickets, query: {folder: trash}}, "
                                      "records: tickets}\n    - {request: {path: /tickets, query: {folder: spam}}, "
                                      "records: tickets}\n", "  gone: {request: {path: /trash}}\n"), "trash.yaml")
