"""A hostile server pointing the generic engine at another origin: the account's credentials
(an Authorization header, an API-key header, a key in the query, a token in the mapping's own
headers) must never reach it — a next page's URL, a Link header, a ``path:`` filled from the
server's data, a plain-http downgrade of the account's own host."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy

TOKEN = "s3cret-token-value"
BASE = """
format: 1
label: Origin Desk
base_url: "{account.url}"
AUTH
tickets:
  request: {path: /tickets}
  records: tickets
  PAGING
  fields: {remote_id: id, number: id, subject: title, created_at: at, updated_at: at}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/messages"}
    fields: {remote_id: id, body: body, created_at: at}
"""
AUTHS = {
    "bearer": 'auth: {type: bearer, token: "{account.token}"}',
    "header": 'auth: {type: header, name: X-Api-Key, value: "{account.token}"}',
    "query": 'auth: {type: query, param: api_key, value: "{account.token}"}',
    "basic": 'auth: {type: basic, user: "me", password: "{account.token}"}',
}
BASIC = base64.b64encode(f"me:{TOKEN}".encode()).decode()
ELSEWHERE = ["https://evil.example.net/steal?page=2", "http://desk.example.com/tickets?page=2",
             "https://desk.example.com:8443/tickets?page=2", "//evil.example.net/tickets?page=2"]


class Hostile:
    """The account's host answers one page whose next link points at ``elsewhere``; every
    request is recorded with whatever could carry a credential."""

    def __init__(self, elsewhere: str, *, in_header: bool = False) -> None:
        self.elsewhere = elsewhere
        self.in_header = in_header
        self.seen: list[tuple[str, str]] = []  # (origin, everything a secret could be in)

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        self.seen.append((f"{url.scheme}://{url.host}:{url.port}", str(url) + repr(dict(request.headers))))
        if url.host != "desk.example.com" or url.scheme != "https" or url.port not in (None, 443):
            return httpx.Response(200, json={"tickets": [], "next": None})
        if url.params.get("page") == "2":
            return httpx.Response(200, json={"tickets": []})
        ticket = {"id": 1, "title": "one", "at": "2026-03-01T09:00:00Z"}
        if self.in_header:
            return httpx.Response(200, json={"tickets": [ticket]}, headers={"Link": f'<{self.elsewhere}>; rel="next"'})
        return httpx.Response(200, json={"tickets": [ticket], "next": self.elsewhere})

    def leaked(self) -> list[str]:
        return [origin for origin, carried in self.seen
                if origin != "https://desk.example.com:None" and (TOKEN in carried or BASIC in carried)]


def backend(tmp_path: Path, text: str, handler) -> GenericBackend:
    path = tmp_path / "origin.yaml"
    path.write_text(text, encoding="utf-8")
    account = AccountSettings(name="o", url="https://desk.example.com", user=None, token=TOKEN,
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(handler),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def drain(mapped: GenericBackend) -> int:
    """Pull every page; the number of tickets."""
    page = mapped.pull(None)
    count = len(page.tickets)
    for _ in range(20):
        if page.done:
            break
        page = mapped.pull(page.cursor)
        count += len(page.tickets)
    return count


def mapping(auth: str, paging: str) -> str:
    return BASE.replace("AUTH", AUTHS[auth]).replace("PAGING", paging)


@pytest.mark.parametrize("auth", sorted(AUTHS))
@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_a_next_url_at_another_origin_gets_no_credentials(tmp_path: Path, auth: str, elsewhere: str) -> None:
    desk = Hostile(elsewhere)
    mapped = backend(tmp_path, mapping(auth, "paging: {type: next_url, next: next}"), desk.handler)
    with pytest.raises(errors.SyncError) as caught:
        drain(mapped)
    assert desk.leaked() == []
    message = str(caught.value)
    assert TOKEN not in message and "another" in message
    assert "\n" not in message


@pytest.mark.parametrize("auth", sorted(AUTHS))
def test_a_link_header_at_another_origin_gets_no_credentials(tmp_path: Path, auth: str) -> None:
    desk = Hostile("https://evil.example.net/tickets?page=2", in_header=True)
    mapped = backend(tmp_path, mapping(auth, "paging: {type: link_header}"), desk.handler)
    with pytest.raises(errors.SyncError):
        drain(mapped)
    assert desk.leaked() == []


def test_a_path_filled_from_the_servers_data_cannot_leave_the_origin(tmp_path: Path) -> None:
    """A mapping that reads a thread at a URL the ticket gives (``{ticket.raw.links.thread}``)."""
    text = mapping("bearer", "").replace('"/tickets/{ticket.remote_id}/messages"', '"{ticket.raw.thread}"')
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if TOKEN in repr(dict(request.headers)) and request.url.host != "desk.example.com":
            seen.append(str(request.url))
        if request.url.path == "/tickets":
            return httpx.Response(200, json={"tickets": [{"id": 1, "title": "t", "at": "2026-03-01T09:00:00Z",
                                                          "thread": "https://evil.example.net/x"}]})
        return httpx.Response(200, json=[])

    mapped = backend(tmp_path, text, handler)
    page = mapped.pull(None)
    with pytest.raises(errors.SyncError):
        mapped.fetch_thread(page.tickets[0])
    assert seen == []


def test_same_origin_next_pages_still_work(tmp_path: Path) -> None:
    desk = Hostile("https://desk.example.com/tickets?page=2")
    mapped = backend(tmp_path, mapping("bearer", "paging: {type: next_url, next: next}"), desk.handler)
    assert drain(mapped) == 1
    assert len(desk.seen) == 2


@pytest.mark.parametrize("auth", sorted(AUTHS))
@pytest.mark.parametrize("status", [400, 422, 409, 500])
def test_a_server_echoing_the_token_in_its_error_does_not_put_it_in_our_sentence(tmp_path: Path, auth: str,
                                                                                 status: int) -> None:
    """The error sentence quotes the server (shown on the terminal, kept in the outbox and the
    sync log): a server that echoes the credentials back must not make us print them."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": f"invalid key {TOKEN}", "auth": request.headers.get("authorization", ""),
                                            "detail": f"basic {BASIC}"})

    mapped = backend(tmp_path, mapping(auth, ""), handler)
    mapped.client.policy.attempts = 1
    with pytest.raises(errors.SyncError) as caught:
        mapped.pull(None)
    message = str(caught.value)
    assert TOKEN not in message, message
    if auth == "basic":  # (for the others, the client never sent that string)
        assert BASIC not in message, message


def test_an_expand_url_from_the_record_cannot_leave_the_origin(tmp_path: Path) -> None:
    """``expand: {request: {path: "{record.link}"}}`` (a record naming its own full URL, as
    HAL and Roundup do): a hostile record pointing elsewhere gets no credentials."""
    text = mapping("bearer", 'expand: {request: {path: "{record.link}"}, record: ticket}')
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host != "desk.example.com":
            seen.append(repr(dict(request.headers)))
        if request.url.path == "/tickets":
            return httpx.Response(200, json={"tickets": [{"id": 1, "link": "https://evil.example.net/t/1"}]})
        return httpx.Response(200, json={"ticket": {"id": 1, "title": "t", "at": "2026-03-01T09:00:00Z"}})

    mapped = backend(tmp_path, text, handler)
    with pytest.raises(errors.SyncError):
        mapped.pull(None)
    assert seen == []
