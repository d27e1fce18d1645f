"""A message part with ``in_ticket``: threads the listing already embeds are read from the ticket's
record, with no request; a ticket without them (or a thread asked for by id) sends the request."""

from __future__ import annotations

from pathlib import Path

import httpx

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """\
format: 1
label: Embeds
base_url: "{account.url}"
auth: {type: none}
tickets:
  request: {path: /tickets}
  records: tickets
  fields: {remote_id: id, number: id, subject: subject, created_at: at, updated_at: at}
messages:
  - request: {path: "/tickets/{ticket.remote_id}"}
    in_ticket: "@"
    records: "reverse(embedded.messages)"
    skip: {path: kind, equals: system}
    fields: {remote_id: id, body: text, created_at: at}
"""
MESSAGES = [{"id": 12, "text": "second", "at": "2026-12-07T13:00:01Z"},
            {"id": 11, "text": "status changed", "kind": "system", "at": "2026-12-07T13:00:01Z"},
            {"id": 10, "text": "first", "at": "2026-12-07T13:00:01Z"}]  # newest first, one second


def desk(tmp_path: Path, asked: list[str]) -> GenericBackend:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        with_threads = {"id": 1, "subject": "Embedded", "at": "2026-12-07T13:00:01Z",
                        "embedded": {"messages": MESSAGES}}
        if request.url.path == "/tickets":
            bare = {"id": 2, "subject": "Bare", "at": "2026-12-07T13:00:01Z"}
            return httpx.Response(200, json={"tickets": [with_threads, bare]})
        if request.url.path in ("/tickets/1", "/tickets/2"):
            return httpx.Response(200, json={**with_threads, "id": int(request.url.path[-1])})
        return httpx.Response(404, json={})

    path = tmp_path / "embeds.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    account = AccountSettings(name="e", url="https://embeds.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(answer), sleep=lambda s: None,
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def test_embedded_threads_are_read_from_the_listing_and_bare_tickets_ask(tmp_path: Path) -> None:
    asked: list[str] = []
    backend = desk(tmp_path, asked)
    page = backend.pull(None)
    asked.clear()
    threads = backend.fetch_threads(page.tickets)
    assert asked == ["/tickets/2"]  # only the ticket whose listed record has no thread
    assert [m.body for m in threads["1"]] == ["first", "second"]  # oldest first, the system line skipped
    assert [m.body for m in threads["2"]] == ["first", "second"]


def test_a_thread_asked_for_by_id_sends_the_request(tmp_path: Path) -> None:
    asked: list[str] = []
    assert [m.remote_id for m in desk(tmp_path, asked).fetch_thread("1")] == ["10", "12"]
    assert asked == ["/tickets/1"]
