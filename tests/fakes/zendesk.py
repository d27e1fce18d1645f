"""A fake Zendesk over real HTTP on 127.0.0.1, for backend tests and benchmarks.

    with FakeZendesk() as fake:
        aiko = fake.add_user("Aiko Tanaka", email="aiko@example.com")
        number = fake.add_ticket("Printer offline", requester_id=aiko)
        fake.rate_limit(times=2, retry_after=1)      # the next two requests answer 429
        ... HttpClient(fake.url, headers={"Authorization": fake.basic_auth()}) ...

Endpoints (``zendesk_endpoints.py``), with the request and response shapes of
developer.zendesk.com:

- ``GET /api/v2/users/me``: the signed-in user; without credentials or with a wrong password
  an *anonymous* user (``id`` null, status 200), with a wrong API token 401.
- ``GET /api/v2/users/search?query=``
- ``GET /api/v2/users``: ``role`` or ``role[]`` (repeated) filters; cursor or offset paging.
- ``GET /api/v2/groups``: cursor paging (``page[size]`` ≤ 100, ``page[after]``) or offset
  paging (``page``, ``per_page`` ≤ 100); deleted groups are listed (``deleted: true``) unless
  ``exclude_deleted=true``. A ticket update's ``group_id`` must name a group that is not deleted.
- ``GET /api/v2/incremental/tickets/cursor``: ``start_time`` or ``cursor``, ``per_page``
  (≤ 1000, default ``page_size``), ``include=users,organizations,groups``, ``exclude_deleted``;
  ``after_cursor``/``after_url``/``end_of_stream``; deleted tickets have status ``deleted``.
- ``GET /api/v2/tickets/{id}``, ``DELETE /api/v2/tickets/{id}``
- ``PUT /api/v2/tickets/{id}``: comment, fields, ``safe_update``/``updated_stamp`` (409),
  ``metadata`` (kept on the audit), 422 for a closed ticket; answers ``{ticket, audit}``.
  No idempotency key here: Zendesk honours ``Idempotency-Key`` on ticket *creation* only.
- ``POST /api/v2/tickets``: ``Idempotency-Key`` kept 2 hours; a repeat with the same body gets
  the first answer and ``x-idempotency-lookup: hit`` (first use: ``miss``), a different body 400.
- ``GET /api/v2/tickets?external_id=X``: the tickets with that external id (Zendesk lists
  tickets by external id this way); without it, every live ticket.
- ``GET /api/v2/tickets/{id}/comments`` and ``/audits``: cursor paging (``page[size]`` ≤ 100,
  ``page[after]``; ``meta``/``links``) or offset paging (``page``, ``per_page``); ``include=users``;
  ``sort_order``.
- ``GET /api/v2/help_center/incremental/articles?start_time=`` (``next_page``, ``end_time``),
  ``GET /api/v2/help_center/articles`` (cursor paging).
- ``GET /api/v2/macros`` and ``/api/v2/macros/active`` (``active=``, cursor or offset paging).
- ``POST /api/v2/uploads?filename=`` (the bytes as the body) → a token a comment names in
  ``uploads``; ``GET`` an attachment's ``content_url`` answers its bytes (``zendesk_uploads.py``).

Every answer carries ``X-Rate-Limit``/``ratelimit-*`` headers (incremental exports also
``Zendesk-RateLimit-incremental-exports``); limits are not enforced, inject 429s instead.
Faults (``fail``, ``rate_limit``, ``delay``, ``drop``) queue up and each hits the next
matching request(s); ``after=True`` applies the request first and then loses the answer.
``requests`` logs every request with the Authorization header redacted.

The account's state is in ``zendesk_state.py`` (bulk tickets in ``zendesk_bulk.py``, articles
and macros in ``zendesk_guide.py``). ``add_bulk_tickets(100_000)`` serves a large feed without
storing it; ``zendesk_process.fake_zendesk_process`` (or ``python -m tests.fakes.zendesk_process
--bulk 100000``) runs the fake in its own process, so a benchmark measures the client.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes import http_fake
from tests.fakes.http_fake import (FakeHttpServer, Faults, hold_or_drop, read_request, take_fault, under_lock,
                                   write_answer)
from tests.fakes.zendesk_base import ApiError, encode
from tests.fakes.zendesk_endpoints import Endpoints, Replay
from tests.fakes.zendesk_state import ZendeskState


@dataclass
class Fault(http_fake.Fault):
    """A fault that may also answer what a broken or hostile server sends (``hostile``)."""

    raw: bytes | None = None  # the answer's body byte for byte (escape sequences and all), not JSON-encoded
    trickle: float = 0.0  # seconds between the answer's bytes (a server that never quite stops)
    size: int = 0  # an answer of this many bytes (JSON-ish filler), streamed without being built in memory


@dataclass
class LoggedRequest(http_fake.LoggedRequest):
    fault: Fault | None = None


_Route = tuple[str, re.Pattern[str], Callable[..., tuple[int, dict[str, str], Any]]]


class FakeZendesk(Endpoints, Faults, FakeHttpServer):
    thread_name = "fake-zendesk"
    fault_type = Fault

    def __init__(self, *, email: str = "agent@example.com", token: str = "fake-api-token",
                 password: str | None = None, oauth_token: str | None = None, agent_name: str = "Alex Agent",
                 page_size: int = 1000, export_lag: int = 0, article_page_size: int = 1000) -> None:
        self.email, self.token, self.password, self.oauth_token = email, token, password, oauth_token
        self.page_size = page_size  # the export's default per_page (Zendesk: 1000)
        self.article_page_size = article_page_size  # articles per incremental export page (Zendesk: 1000)
        self.state = ZendeskState(agent_email=email, agent_name=agent_name, export_lag=export_lag)
        self.requests: list[LoggedRequest] = []
        self.lock = threading.RLock()
        self._faults: list[Fault] = []
        self._replays: dict[str, Replay] = {}
        self._routes: list[_Route] = [
            ("GET", re.compile(r"/api/v2/users/me"), self._me),
            ("GET", re.compile(r"/api/v2/users/search"), self._search_users),
            ("GET", re.compile(r"/api/v2/users"), self._list_users),
            ("GET", re.compile(r"/api/v2/groups"), self._groups),
            ("GET", re.compile(r"/api/v2/incremental/tickets/cursor"), self._export),
            ("GET", re.compile(r"/api/v2/tickets/(\d+)/comments"), self._comments),
            ("GET", re.compile(r"/api/v2/tickets/(\d+)/audits"), self._audits),
            ("GET", re.compile(r"/api/v2/tickets/(\d+)"), self._show),
            ("PUT", re.compile(r"/api/v2/tickets/(\d+)"), self._update),
            ("DELETE", re.compile(r"/api/v2/tickets/(\d+)"), self._delete),
            ("POST", re.compile(r"/api/v2/tickets"), self._create),
            ("GET", re.compile(r"/api/v2/tickets"), self._list_tickets),
            ("GET", re.compile(r"/api/v2/help_center/incremental/articles"), self._articles_since),
            ("GET", re.compile(r"/api/v2/help_center(?:/[a-z-]+)?/articles"), self._articles),
            ("GET", re.compile(r"/api/v2/macros(/active)?"), self._macros),
            ("POST", re.compile(r"/api/v2/uploads"), self._upload),
            ("GET", re.compile(r"/attachments/token/(\w+)/?"), self._attachment_content),
        ]

    # --- life cycle ----------------------------------------------------------------------

    def started(self) -> None:
        self.state.base_url = self.url
        self.state.uploads.base_url = self.url

    def basic_auth(self, email: str | None = None, token: str | None = None) -> str:
        """An Authorization header value for ``{email}/token:{token}`` (defaults: the fake's own)."""
        raw = f"{email or self.email}/token:{token or self.token}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    # --- seeding and inspection (thread-safe wrappers over the state) ---------------------

    @property
    def me(self) -> int:
        return self.state.me

    def _locked(name: str) -> Callable[..., Any]:  # noqa: N805 - used in the class body only
        return under_lock(name, ZendeskState)

    add_user = _locked("add_user")
    add_organization = _locked("add_organization")
    add_group = _locked("add_group")
    delete_group = _locked("delete_group")
    add_ticket = _locked("add_ticket")
    add_comment = _locked("add_comment")
    add_attachment = _locked("add_attachment")
    update_ticket = _locked("update_ticket")
    delete_ticket = _locked("delete_ticket")
    rate_ticket = _locked("rate_ticket")
    add_article = _locked("add_article")
    update_article = _locked("update_article")
    add_macro = _locked("add_macro")
    delete_macro = _locked("delete_macro")
    add_bulk_tickets = _locked("add_bulk_tickets")
    del _locked

    def advance(self, seconds: int) -> None:
        with self.lock:
            self.state.now += seconds

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self.state.ticket_json(ticket_id)))

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.state.ticket_comments(ticket_id)))

    def audits(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.state.ticket_audits(ticket_id)))

    def requests_to(self, path_pattern: str, method: str | None = None) -> list[LoggedRequest]:
        return http_fake.requests_to(self.requests, path_pattern, method)

    # --- faults --------------------------------------------------------------------------

    def injected_body(self, status: int) -> Any:
        return {"error": "InjectedFault", "description": f"injected {status}"}

    def rate_limit(self, *, times: int = 1, retry_after: int | str = 1, method: str | None = None,
                   path: str | None = None) -> Fault:
        """The next ``times`` matching requests answer 429 with ``Retry-After``."""
        return self.fail(429, times=times, headers={"Retry-After": str(retry_after)}, method=method, path=path,
                         body={"error": "TooManyRequests", "description": "Rate limit exceeded"})

    def hostile(self, *, status: int = 200, raw: bytes | None = None, trickle: float = 0.0, size: int = 0,
                times: int = 1, method: str | None = None, path: str | None = None,
                headers: dict[str, str] | None = None) -> Fault:
        """The next matching requests get a hostile answer (never applied): ``raw`` bytes as the body,
        sent a byte every ``trickle`` seconds, or a body of ``size`` bytes."""
        return self.inject(Fault(status=status, raw=raw, trickle=trickle, size=size, times=times, method=method,
                                 path=path, headers=dict(headers or {})))

    # --- serving -------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = read_request(handler, join_lists=True)  # ``role[]=agent&role[]=admin``: "agent,admin"
        method, path, query, raw = request.method, request.path, request.query, request.body
        entry = LoggedRequest.of(request)
        with self.lock:
            self.requests.append(entry)
            fault = entry.fault = take_fault(self._faults, method, path)
        if fault is not None and not fault.after:
            if hold_or_drop(fault, handler):
                return
            if fault.raw is not None or fault.trickle or fault.size:
                entry.status = fault.status or 200
                _send_hostile(handler, fault)
                return
            if fault.status is not None:
                entry.status = fault.status
                _send(handler, fault.status, fault.headers, fault.body)
                return
        if method == "GET" and self._serve_file(handler, entry, path):
            return
        status, extra, body = self._dispatch(method, path, query, handler.headers, raw)
        if fault is not None and fault.after:
            if hold_or_drop(fault, handler):
                return
            if fault.status is not None:
                status, extra, body = fault.status, fault.headers, fault.body
        entry.status = status
        _send(handler, status, {**self._rate_headers(path), **extra}, body)

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: Any,
                  raw: bytes) -> tuple[int, dict[str, str], Any]:
        route = path[:-5] if path.endswith(".json") else path
        for verb, pattern, action in self._routes:
            match = pattern.fullmatch(route)
            if match and verb == method:
                who = self._authenticate(headers.get("Authorization"))
                if who is None and action != self._me:
                    return 401, {}, {"error": "Couldn't authenticate you"}
                try:  # an upload's body is the file itself, not JSON
                    payload = json.loads(raw) if raw and action != self._upload else None
                except ValueError:
                    return 400, {}, {"error": "InvalidJSON", "description": "The request body is not JSON"}
                try:
                    with self.lock:
                        return action(*match.groups(), query=query, headers=headers, payload=payload,
                                      raw=raw, who=who)
                except ApiError as exc:
                    return exc.status, {}, exc.body
        return 404, {}, {"error": "InvalidEndpoint", "description": "Not found"}

    def _serve_file(self, handler: BaseHTTPRequestHandler, entry: LoggedRequest, path: str) -> bool:
        """An attachment's ``content_url`` redirects (302) to its storage, on another host name
        (``localhost``, as Zendesk's is another domain): there it is served with no credentials."""
        token = _CONTENT_URL.fullmatch(path)
        if token:
            port = self.port if self._server else 0
            entry.status = 302 if token.group(1) in self.state.files else 404
            _send(handler, entry.status, {"Location": f"http://localhost:{port}/storage/{token.group(1)}"}
                  if entry.status == 302 else {}, {"error": "RecordNotFound"} if entry.status == 404 else None)
            return True
        stored = _STORAGE.fullmatch(path)
        if not stored:
            return False
        with self.lock:
            found = self.state.files.get(stored.group(1))
        if found is None:
            entry.status = 404
            _send(handler, 404, {}, {"error": "RecordNotFound"})
            return True
        data, content_type = found
        entry.status = 200
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            for start in range(0, len(data), 64 * 1024):
                handler.wfile.write(data[start:start + 64 * 1024])
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True
        return True

    def _authenticate(self, header: str | None) -> int | str | None:
        """The signed-in user id; "anonymous" for no credentials or a wrong password; None: refused."""
        if not header:
            return "anonymous"
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return self.state.me if self.oauth_token and value == self.oauth_token else None
        try:
            user, _, secret = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        if user.endswith("/token"):
            return self.state.me if user[:-6] == self.email and secret == self.token else None
        return self.state.me if user == self.email and self.password and secret == self.password else "anonymous"

    def _rate_headers(self, path: str) -> dict[str, str]:
        now = time.time()
        recent = sum(1 for r in self.requests[-700:] if r.path == path) if "incremental" in path else 0
        headers = {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699", "ratelimit-limit": "700",
                   "ratelimit-remaining": "699", "ratelimit-reset": str(60 - int(now) % 60)}
        if "incremental" in path:
            headers["Zendesk-RateLimit-incremental-exports"] = (
                f"total=10; remaining={max(0, 10 - recent)}; resets={60 - int(now) % 60}")
        return headers


_CONTENT_URL = re.compile(r"/attachments/token/(\w+)/?")
_STORAGE = re.compile(r"/storage/(\w+)")


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    data = body if isinstance(body, bytes) else encode(body)  # bytes: an attachment's content
    content_type = "application/octet-stream" if isinstance(body, bytes) else "application/json; charset=utf-8"
    write_answer(handler, status, {"Content-Type": content_type, **headers}, data)


def _send_hostile(handler: BaseHTTPRequestHandler, fault: Fault) -> None:
    """What a broken or malicious server answers: raw bytes, a trickle, or far too much."""
    body = fault.raw if fault.raw is not None else b""
    length = fault.size or len(body)
    try:
        handler.send_response(fault.status or 200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(length))
        for name, value in fault.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if fault.size:
            chunk = b'{"tickets": [' + b" " * (64 * 1024)
            sent = 0
            while sent < fault.size:
                piece = chunk[: fault.size - sent]
                handler.wfile.write(piece)
                sent += len(piece)
        elif fault.trickle:
            for i in range(len(body)):
                handler.wfile.write(body[i:i + 1])
                handler.wfile.flush()
                time.sleep(fault.trickle)
        else:
            handler.wfile.write(body)
        handler.wfile.flush()
    except OSError:  # the client gave up, as it should
        pass
    handler.close_connection = True


__all__ = ["FakeZendesk", "Fault", "LoggedRequest"]
