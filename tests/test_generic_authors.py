"""A message's author as a person's name, never a bare id: ``first`` takes value specs (an id
joined to an agent's name, then to a user's), and the built-in ``join: users`` names anyone
the backend has read (a ticket's requester) or reads by id when ``users`` has a ``request``
(a CC'd customer), each id once; an id nobody answers for stays the id."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.generic.mapping import load_mapping
from helpdesk_tui.sync.generic.node import MappingError
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """
format: 1
label: Names Desk
base_url: "{account.url}/api"
auth: {type: bearer, token: "{account.token}"}
lookups:
  agents: {request: {path: /agents}, records: "@", id: id, name: name}
tickets:
  request: {path: /tickets}
  records: "@"
  one: {request: {path: "/tickets/{number}"}}
  fields:
    remote_id: id
    number: id
    subject: subject
    created_at: created_at
    updated_at: created_at
    requester: requester_id
users:
  in_ticket: requester
  request: {path: "/contacts/{id}"}
  fields: {remote_id: id, name: name, email: email}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/conversations"}
    records: "@"
    fields:
      remote_id: id
      author: {first: [{path: user_id, join: agents}, {path: user_id, join: users}, from_name, user_id]}
      body: body
      created_at: created_at
      kind: {path: incoming, map: {"true": customer}, default: public_reply}
"""

TICKET = {"id": 5, "subject": "Printer offline", "created_at": "2026-01-02T10:00:00Z", "requester_id": 30,
          "requester": {"id": 30, "name": "Aiko Tanaka", "email": "aiko@example.com"}}
CONTACTS = {30: TICKET["requester"], 31: {"id": 31, "name": "Cy Colleague-of-Aiko", "email": "cy@example.com"}}
AGENTS = [{"id": 1, "name": "Alex Agent"}]
THREAD = [
    {"id": 50, "user_id": 30, "incoming": True, "body": "It is offline.", "created_at": "2026-01-02T10:00:00Z"},
    {"id": 51, "user_id": 1, "incoming": False, "body": "Restart it.", "created_at": "2026-01-02T10:01:00Z"},
    {"id": 52, "user_id": 31, "incoming": True, "body": "Same here.", "created_at": "2026-01-02T10:02:00Z"},
    {"id": 53, "user_id": 31, "incoming": True, "body": "Still.", "created_at": "2026-01-02T10:03:00Z"},
    {"id": 54, "user_id": 99, "incoming": True, "body": "Gone.", "created_at": "2026-01-02T10:04:00Z"},
]


class Desk:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api")
        self.paths.append(path)
        if path == "/tickets":
            return httpx.Response(200, json=[TICKET])
        if path == "/tickets/5":
            return httpx.Response(200, json=TICKET)
        if path == "/agents":
            return httpx.Response(200, json=AGENTS)
        if path == "/tickets/5/conversations":
            return httpx.Response(200, json=THREAD)
        if path.startswith("/contacts/"):
            found = CONTACTS.get(int(path.rsplit("/", 1)[1]))
            return httpx.Response(200, json=found) if found else httpx.Response(404, json={"errors": "not found"})
        return httpx.Response(404, json={"error": "no route"})


def backend(tmp_path: Path, desk: Desk, text: str = MAPPING) -> GenericBackend:
    path = tmp_path / "names.yaml"
    path.write_text(text, encoding="utf-8")
    account = AccountSettings(name="n", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(desk),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def test_authors_after_a_sync_are_the_requester_the_agent_and_a_contact_read_once(tmp_path: Path) -> None:
    desk = Desk()
    engine = backend(tmp_path, desk)
    page = engine.pull(None)
    [ticket] = page.tickets
    thread = engine.fetch_thread(ticket)
    assert [m.author for m in thread] == ["Aiko Tanaka", "Alex Agent", "Cy Colleague-of-Aiko",
                                          "Cy Colleague-of-Aiko", "99"]
    # The requester came with the ticket (no request for her); the CC and the unknown id once each.
    assert [p for p in desk.paths if p.startswith("/contacts/")] == ["/contacts/31", "/contacts/99"]
    engine.fetch_thread(ticket)
    assert [p for p in desk.paths if p.startswith("/contacts/")] == ["/contacts/31", "/contacts/99"]


def test_a_thread_read_alone_names_its_authors_by_reading_them(tmp_path: Path) -> None:
    """After a reply (a fresh backend, no page read): the requester is read by id too."""
    desk = Desk()
    thread = backend(tmp_path, desk).fetch_thread("5")
    assert [m.author for m in thread][:3] == ["Aiko Tanaka", "Alex Agent", "Cy Colleague-of-Aiko"]
    assert "/contacts/30" in desk.paths


def test_a_ticket_jumped_to_names_its_requester_from_its_own_record(tmp_path: Path) -> None:
    desk = Desk()
    page = backend(tmp_path, desk).fetch_ticket(5)
    assert page is not None
    assert [m.author for m in page.tickets[0].messages or []][:2] == ["Aiko Tanaka", "Alex Agent"]
    assert "/contacts/30" not in desk.paths


def test_without_a_request_an_unknown_person_falls_through_to_the_next_choice(tmp_path: Path) -> None:
    text = MAPPING.replace('  request: {path: "/contacts/{id}"}\n', "")
    desk = Desk()
    engine = backend(tmp_path, desk, text)
    [ticket] = engine.pull(None).tickets
    assert [m.author for m in engine.fetch_thread(ticket)] == ["Aiko Tanaka", "Alex Agent", "31", "31", "99"]
    assert not [p for p in desk.paths if p.startswith("/contacts/")]


def test_join_users_needs_a_users_section(tmp_path: Path) -> None:
    text = MAPPING.replace('users:\n  in_ticket: requester\n  request: {path: "/contacts/{id}"}\n'
                           "  fields: {remote_id: id, name: name, email: email}\n", "")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match="users"):
        load_mapping(path)


def test_a_users_section_takes_one_source_and_at_most_a_request_beside_it(tmp_path: Path) -> None:
    text = MAPPING.replace("  in_ticket: requester\n", "  in_ticket: requester\n  side_load: users\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match="exactly one of in_ticket, side_load or request"):
        load_mapping(path)
