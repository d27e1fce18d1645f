"""``tickets.one`` reads its answer's side-loads as the listing does: a ticket fetched by its
number (a jump to one not synced yet) comes with its requester and the names joined through a
side-load, when the helpdesk answers one ticket in the listing's shape (records and the
people beside them, as Zammad's ``tickets/search?full=true`` does)."""

from __future__ import annotations

from pathlib import Path

import httpx

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """
format: 1
label: Assets Desk
base_url: "{account.url}/api"
auth: {type: bearer, token: "{account.token}"}
tickets:
  request: {path: /search}
  records: "values(assets.Ticket)"
  side_loads:
    users: {records: assets.User, key: id}
  one:
    request: {path: /search, query: {number: "{number}"}}
    record: "values(assets.Ticket)[0]"
  fields:
    remote_id: id
    number: number
    subject: title
    created_at: created_at
    updated_at: updated_at
    requester: customer_id
    assignee: {path: owner_id, join: users, pick: login}
users:
  side_load: users
  fields: {remote_id: id, name: {template: "{firstname} {lastname}"}, email: email}
messages:
  - request: {path: "/articles/{ticket.remote_id}"}
    records: "@"
    fields: {remote_id: id, body: body, created_at: created_at, kind: customer}
"""

TICKET = {"id": 7, "number": "31007", "title": "Printer offline", "created_at": "2026-01-02T10:00:00.000Z",
          "updated_at": "2026-01-02T10:00:00.000Z", "customer_id": 3, "owner_id": 2}
USERS = {"2": {"id": 2, "login": "agent@example.com", "firstname": "Alex", "lastname": "Agent", "email": "a@x"},
         "3": {"id": 3, "login": "aiko@example.com", "firstname": "Aiko", "lastname": "Tanaka",
               "email": "aiko@example.com"}}


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/search":
        found = request.url.params.get("number") in (None, "31007")
        return httpx.Response(200, json={"record_ids": [7] if found else [],
                                         "assets": {"Ticket": {"7": TICKET} if found else {},
                                                    "User": USERS if found else {}}})
    if request.url.path == "/api/articles/7":
        return httpx.Response(200, json=[{"id": 70, "body": "It is offline.", "created_at": TICKET["created_at"]}])
    return httpx.Response(404, json={"error": "no route"})


def backend(tmp_path: Path) -> GenericBackend:
    path = tmp_path / "assets.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    account = AccountSettings(name="a", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(handler),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def test_a_ticket_fetched_by_number_brings_its_side_loaded_requester_and_joined_names(tmp_path: Path) -> None:
    page = backend(tmp_path).fetch_ticket(31007)
    assert page is not None
    [ticket] = page.tickets
    assert (ticket.remote_id, ticket.requester_remote_id, ticket.assignee) == ("7", "3", "agent@example.com")
    assert [(u.remote_id, u.name, u.email) for u in page.users] == [("3", "Aiko Tanaka", "aiko@example.com")]
    assert [m.body for m in ticket.messages or []] == ["It is offline."]
    assert backend(tmp_path).fetch_ticket(99) is None


def test_the_listing_reads_the_same_side_loads(tmp_path: Path) -> None:
    page = backend(tmp_path).pull(None)
    assert [(t.remote_id, t.assignee) for t in page.tickets] == [("7", "agent@example.com")]
    assert [u.name for u in page.users] == ["Aiko Tanaka"]
