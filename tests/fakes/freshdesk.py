"""A fake Freshdesk (API v2) over real HTTP on 127.0.0.1, written from Freshdesk's public docs.

    with FakeFreshdesk() as fake:
        aiko = fake.add_contact("Aiko Tanaka", "aiko@example.com")
        number = fake.add_ticket("Printer offline", requester_id=aiko, description="It is offline.")
        fake.rate_limit(times=2, retry_after=1)      # the next two requests answer 429
        ... HttpClient(fake.url + "/api/v2", auth=httpx.BasicAuth(fake.api_key, "X")) ...

Documented facts it relies on, and where they come from:

- Authentication (developers.freshdesk.com/api, "Authentication"): HTTP Basic with the API
  key as the user name and a dummy password ("X"; Freshdesk ignores it); a wrong key answers
  401 ``{"code": "invalid_credentials", "message": …}``.
- Rate limits (same page, "Rate Limit"): a per-minute budget per account; every answer carries
  ``X-RateLimit-Total``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Used-CurrentRequest``; an
  ``include`` on the tickets list costs 2 more credits each (Embedding); over the budget the
  answer is 429 with ``Retry-After`` (seconds).
- Paging, the tickets list and its 300-page cap, the write endpoints and error bodies:
  ``freshdesk_endpoints.py`` (its docstring lists them); record shapes: ``freshdesk_state.py``.
  The page cap and the 300-page restart are also what Airbyte's public Freshdesk connector
  (source-freshdesk, streams.py / test_300_page.py) works around.
- Attachments (API reference, "Attachments"): ``attachment_url`` is a pre-signed storage link
  on another host; here ``http://localhost:PORT/storage/KEY``, which refuses a request that
  carries an ``Authorization`` header (as S3 refuses a second authentication mechanism).

Endpoints (all under ``/api/v2``): ``agents/me``, ``agents``, ``agents/{id}``, ``groups``,
``contacts/{id}``, ``tickets`` (GET list, POST create), ``tickets/{id}`` (GET, PUT, DELETE),
``tickets/{id}/conversations``, ``tickets/{id}/reply``, ``tickets/{id}/notes``,
``solutions/categories``, ``solutions/categories/{id}/folders``, ``solutions/folders/{id}/articles``,
``canned_response_folders``, ``canned_response_folders/{id}/responses``, ``canned_responses/{id}``.
``requests`` logs every request (Authorization redacted); ``fail``/``rate_limit`` queue faults.
``freshdesk_process.py`` runs the fake in its own process (CLI tests, benchmarks).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.fakes import http_fake
from tests.fakes.freshdesk_endpoints import Endpoints, Request
from tests.fakes.freshdesk_state import ApiError, FreshdeskState
from tests.fakes.http_fake import (FakeHttpServer, LoggedRequest, Matching, read_request, take_fault, under_lock,
                                   write_answer)


@dataclass
class Fault(Matching):
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    method: str | None = None
    path: str | None = None  # a regular expression searched in the request path
    times: int = 1


_Route = tuple[str, re.Pattern[str], Callable[..., Any]]
UNAUTHORIZED = {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}


class FakeFreshdesk(Endpoints, FakeHttpServer):
    thread_name = "fake-freshdesk"

    def __init__(self, *, api_key: str = "fake-freshdesk-key", agent_name: str = "Alex Agent",
                 agent_email: str = "alex@example.com", per_minute: int = 100_000, clock: Any = time.time) -> None:
        self.api_key = api_key
        self.per_minute = per_minute  # the account's budget of credits per minute
        self.state = FreshdeskState(agent_email=agent_email, agent_name=agent_name, clock=clock)
        self.requests: list[LoggedRequest] = []
        self.lock = threading.RLock()
        self._faults: list[Fault] = []
        self._window = (0, 0)  # (minute, credits used in it)
        api = "/api/v2"
        self._routes: list[_Route] = [
            ("GET", re.compile(api + r"/agents/me"), self.get_me),
            ("GET", re.compile(api + r"/agents"), self.agents),
            ("GET", re.compile(api + r"/agents/(\d+)"), self.agent),
            ("GET", re.compile(api + r"/groups"), self.groups),
            ("GET", re.compile(api + r"/contacts/(\d+)"), self.contact),
            ("GET", re.compile(api + r"/tickets"), self.list_tickets),
            ("POST", re.compile(api + r"/tickets"), self.post_ticket),
            ("GET", re.compile(api + r"/tickets/(\d+)"), self.show_ticket),
            ("PUT", re.compile(api + r"/tickets/(\d+)"), self.put_ticket),
            ("DELETE", re.compile(api + r"/tickets/(\d+)"), self.remove_ticket),
            ("GET", re.compile(api + r"/tickets/(\d+)/conversations"), self.conversations),
            ("POST", re.compile(api + r"/tickets/(\d+)/reply"), self.reply),
            ("POST", re.compile(api + r"/tickets/(\d+)/notes"), self.note),
            ("GET", re.compile(api + r"/solutions/categories"), self.categories),
            ("GET", re.compile(api + r"/solutions/categories/(\d+)/folders"), self.folders),
            ("GET", re.compile(api + r"/solutions/folders/(\d+)/articles"), self.articles),
            ("GET", re.compile(api + r"/canned_response_folders"), self.canned_folders),
            ("GET", re.compile(api + r"/canned_response_folders/(\d+)/responses"), self.canned_responses),
            ("GET", re.compile(api + r"/canned_responses/(\d+)"), self.canned_response),
        ]

    # --- life cycle ----------------------------------------------------------------------

    def started(self) -> None:
        self.state.base_url = self.url
        self.state.storage_url = f"http://localhost:{self.port}"

    def basic_auth(self, key: str | None = None) -> str:
        """An Authorization header value for ``KEY:X`` (default: the fake's own key)."""
        return "Basic " + base64.b64encode(f"{key or self.api_key}:X".encode()).decode()

    # --- seeding and inspection (thread-safe wrappers over the state) ---------------------

    @property
    def me(self) -> int:
        return self.state.me

    def _locked(name: str) -> Callable[..., Any]:  # noqa: N805 - used in the class body only
        return under_lock(name, FreshdeskState)

    add_contact = _locked("add_contact")
    add_agent = _locked("add_agent")
    add_group = _locked("add_group")
    add_ticket = _locked("add_ticket")
    add_conversation = _locked("add_conversation")
    add_attachment = _locked("add_attachment")
    update_ticket = _locked("update_ticket")
    delete_ticket = _locked("delete_ticket")
    mark_spam = _locked("mark_spam")
    add_category = _locked("add_category")
    add_folder = _locked("add_folder")
    add_article = _locked("add_article")
    add_canned_folder = _locked("add_canned_folder")
    add_canned_response = _locked("add_canned_response")
    del _locked

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self.state.ticket_json(ticket_id)))

    def thread(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.state.conversations[ticket_id]))

    def file(self, attachment_url: str) -> bytes:
        """An attachment's bytes as stored, by its ``attachment_url``."""
        key = urlsplit(attachment_url).path.rsplit("/", 1)[-1]
        with self.lock:
            return self.state.files[key][0]

    def requests_to(self, path_pattern: str, method: str | None = None) -> list[LoggedRequest]:
        return http_fake.requests_to(self.requests, path_pattern, method)

    # --- faults --------------------------------------------------------------------------

    def fail(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, body: Any = None,
             method: str | None = None, path: str | None = None) -> Fault:
        """The next ``times`` matching requests answer ``status`` without being applied."""
        fault = Fault(status, dict(headers or {}), body, method, path, times)
        with self.lock:
            self._faults.append(fault)
        return fault

    def rate_limit(self, *, times: int = 1, retry_after: int = 1, method: str | None = None,
                   path: str | None = None) -> Fault:
        return self.fail(429, times=times, headers={"Retry-After": str(retry_after)}, method=method, path=path,
                         body={"message": "You have exceeded the limit of requests per minute"})

    # --- serving -------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = read_request(handler)
        entry = LoggedRequest.of(request)
        with self.lock:
            self.requests.append(entry)
            fault = take_fault(self._faults, request.method, request.path)
        if fault is not None:
            entry.status = fault.status
            _send(handler, fault.status, fault.headers, fault.body)
            return
        if request.method == "GET" and request.path.startswith("/storage/"):
            entry.status = self._serve_file(handler, request.path)
            return
        status, extra, body = self._dispatch(request.method, request.path, request.query, handler.headers,
                                             request.body)
        entry.status = status
        _send(handler, status, extra, body)

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: Any,
                  raw: bytes) -> tuple[int, dict[str, str], Any]:
        matched = [(verb, m, action) for verb, pattern, action in self._routes if (m := pattern.fullmatch(path))]
        if not matched:
            return 404, {}, None
        found = next(((m, action) for verb, m, action in matched if verb == method), None)
        if found is None:
            return 405, {"Allow": ", ".join(v for v, _, _ in matched)}, {
                "message": f"{method} method is not allowed. It should be one of these method(s): "
                           f"{', '.join(v for v, _, _ in matched)}"}
        if not self._authenticated(headers.get("Authorization")):
            return 401, {}, UNAUTHORIZED
        match, action = found
        include = [i for i in query.get("include", "").split(",") if i] if action == self.list_tickets else []
        with self.lock:
            limited = self._spend(1 + 2 * len(include))
            if limited is not None:
                return limited
            rate = self._rate_headers(1 + 2 * len(include))
            request = Request(query, headers, raw, self.state.me)
            try:
                status, extra, body = action(*match.groups(), request)
            except ApiError as exc:
                status, extra, body = exc.status, exc.headers, exc.body
        return status, {**rate, **extra}, body

    def _authenticated(self, header: str | None) -> bool:
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, _password = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.api_key  # the password is a dummy ("X"): Freshdesk ignores it with an API key

    def _spend(self, credits: int) -> tuple[int, dict[str, str], Any] | None:
        minute = int(time.time()) // 60
        used = self._window[1] if self._window[0] == minute else 0
        if used + credits > self.per_minute:
            wait = 60 - int(time.time()) % 60
            return 429, {"Retry-After": str(wait), "X-RateLimit-Total": str(self.per_minute),
                         "X-RateLimit-Remaining": "0", "X-RateLimit-Used-CurrentRequest": "0"}, {
                "message": "You have exceeded the limit of requests per minute"}
        self._window = (minute, used + credits)
        return None

    def _rate_headers(self, credits: int) -> dict[str, str]:
        return {"X-RateLimit-Total": str(self.per_minute),
                "X-RateLimit-Remaining": str(max(0, self.per_minute - self._window[1])),
                "X-RateLimit-Used-CurrentRequest": str(credits)}

    def _serve_file(self, handler: BaseHTTPRequestHandler, path: str) -> int:
        """A pre-signed storage link: no credentials wanted (a second authentication is refused)."""
        with self.lock:
            found = self.state.files.get(path.rsplit("/", 1)[-1])
        if handler.headers.get("Host", "").split(":")[0] != "localhost":
            _send(handler, 404, {}, None)  # storage lives on its own host name
            return 404
        if handler.headers.get("Authorization"):
            _send(handler, 400, {"Content-Type": "application/xml"},
                  b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>")
            return 400
        if found is None:
            _send(handler, 404, {}, None)
            return 404
        data, content_type = found
        _send(handler, 200, {"Content-Type": content_type}, data)
        return 200


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    write_answer(handler, status, {"Content-Type": "application/json; charset=utf-8", **headers}, data)


__all__ = ["FakeFreshdesk", "Fault", "LoggedRequest"]
