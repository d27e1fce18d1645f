"""Deskette: a small helpdesk the project has never seen, over real HTTP on 127.0.0.1.

It exists to prove that a user can add a helpdesk with a mapping file and no Python: the
README's worked example (``docs/examples/deskette.yaml``) is written against this API and
nothing else. Its shapes are deliberately unlike Redmine's, Zendesk's or Freshdesk's:

- Auth: an ``X-Api-Key: KEY`` header (each key belongs to an agent); none or a wrong one → 401.
- Every answer: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (Unix
  time the window ends); over ``per_minute`` requests in a minute → 429 with ``Retry-After``.
- Errors: ``{"error": {"code": "...", "message": "...", "field": "..."}}`` with 400 (a bad
  parameter or cursor), 401, 404, 409 (a stale ``revision``), 422 (a field's value).
- Lists: ``{"data": [...], "meta": {"next_cursor": "…" | null, "has_more": bool}}``; the next
  page is asked with ``cursor=<next_cursor>``, ``limit`` 1–100 (default 25, more → 400).
- Times are Unix seconds (``created``, ``modified``); status and urgency are numbers:
  state 1 new, 2 open, 3 waiting, 4 on hold, 5 resolved, 6 closed; urgency 1 low … 4 critical.

Endpoints, under ``/api/v1``:

- ``GET /me`` → ``{"agent": {id, display_name, email}}``
- ``GET /agents``, ``GET /teams`` (lists)
- ``GET /tickets?modified_after=T`` (a list, oldest change first: ``modified`` strictly after T,
  then by id): ``{id, title, state, urgency, created, modified, customer: {id, name, email},
  owner_id, team_id, labels, revision, trashed}``. A trashed ticket stays in the list with
  ``trashed: true``; ``GET /tickets/{id}`` and its posts then answer 404.
- ``GET /tickets/{id}/posts`` (a list, oldest first): ``{id, visibility: public|internal,
  author: {type: customer|agent, id, name}, body (plain text), created, attachments: [{id,
  filename, size, mime, url}]}``; the ticket's opening message is its first post.
- ``POST /tickets/{id}/posts`` ``{body, visibility, attachments: [{filename, mime,
  content_base64}]}`` → 201 ``{"post": …}``: a reply (public) or an internal note.
- ``PATCH /tickets/{id}`` ``{title, state, urgency, owner_id, team_id, labels, revision}`` → 200
  ``{"ticket": …}``; ``revision`` (optional) must be the ticket's current one, else 409.
- ``POST /tickets`` ``{title, customer: {email, name}, body, attachments, state, urgency, …}``
  → 201 ``{"ticket": …}`` (the body is the first post, written by the agent).
- ``DELETE /tickets/{id}`` → 204 (trashed).
- ``GET /kb/articles?modified_after=T`` (a list): ``{id, title, body_html, status:
  published|archived, modified, public_url, labels}``; ``GET /snippets`` (a list): ``{id, name,
  content, summary}`` with ``[[customer.name]]``-style placeholders.
- ``GET /files/{id}`` → the bytes (``Content-Type`` the file's type); needs the key too.
- ``Idempotency-Key`` on POST and PATCH: a repeat of the same request within a day gets the first
  answer again (``Idempotent-Replayed: true``) and changes nothing; the key with another request → 422.

    with FakeDeskette() as fake:
        ticket = fake.add_ticket("Printer offline", "It is offline.", email="aiko@example.com")
        fake.rate_limit(times=2)      # the next two requests answer 429
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.deskette_endpoints import Answer, Endpoints, file_answer
from tests.fakes.deskette_state import ApiError, DesketteState

API_KEY = "dk_live_7f3a9c"


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None  # a regular expression searched in the request's path
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or bool(re.search(self.path, path)))


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


_Route = tuple[str, re.Pattern[str], Callable[..., Answer]]


class FakeDeskette(Endpoints):
    def __init__(self, *, api_key: str = API_KEY, per_minute: int = 100_000) -> None:
        self.api_key = api_key
        self.per_minute = per_minute
        self.state = DesketteState()
        self.keys = {api_key: self.state.me}
        self.lock = threading.RLock()
        self.requests: list[Logged] = []
        self._faults: list[Fault] = []
        self._replays: dict[str, tuple[str, int, dict[str, str], Any]] = {}
        self._window: tuple[int, int] = (0, 0)  # (minute, requests counted in it)
        self._server: ThreadingHTTPServer | None = None
        self._routes: list[_Route] = [
            ("GET", re.compile(r"/api/v1/me"), self.me),
            ("GET", re.compile(r"/api/v1/agents"), self.agents),
            ("GET", re.compile(r"/api/v1/teams"), self.teams),
            ("GET", re.compile(r"/api/v1/tickets"), self.list_tickets),
            ("POST", re.compile(r"/api/v1/tickets"), self.post_ticket),
            ("GET", re.compile(r"/api/v1/tickets/(\d+)"), self.show_ticket),
            ("PATCH", re.compile(r"/api/v1/tickets/(\d+)"), self.patch_ticket),
            ("DELETE", re.compile(r"/api/v1/tickets/(\d+)"), self.trash),
            ("GET", re.compile(r"/api/v1/tickets/(\d+)/posts"), self.posts),
            ("POST", re.compile(r"/api/v1/tickets/(\d+)/posts"), self.write_post),
            ("GET", re.compile(r"/api/v1/kb/articles"), self.articles),
            ("GET", re.compile(r"/api/v1/snippets"), self.snippets),
        ]

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> FakeDeskette:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self.state.base_url = self.url
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-deskette",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeDeskette:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- seeding and inspection, under the lock ----------------------------------------------

    def add_agent(self, name: str, email: str, *, api_key: str | None = None) -> int:
        with self.lock:
            agent_id = self.state.add_agent(name, email)
            if api_key:
                self.keys[api_key] = agent_id
            return agent_id

    def add_team(self, name: str) -> int:
        with self.lock:
            return self.state.add_team(name)

    def add_file(self, filename: str, data: bytes, mime: str) -> int:
        with self.lock:
            return self.state.add_file(filename, data, mime)

    def add_ticket(self, title: str, body: str, *, email: str, name: str = "", files: tuple[int, ...] = ()) -> int:
        with self.lock:
            return self.state.add_ticket(title, body, email=email, name=name, files=files)

    def add_post(self, ticket_id: int, body: str, *, author: int | None = None, visibility: str = "public") -> int:
        with self.lock:
            return int(self.state.add_post(ticket_id, body, author=author, visibility=visibility)["id"])

    def update_ticket(self, ticket_id: int, **fields: Any) -> None:
        with self.lock:
            self.state.update_ticket(ticket_id, **fields)

    def trash_ticket(self, ticket_id: int) -> None:
        with self.lock:
            self.state.trash_ticket(ticket_id)

    def add_article(self, title: str, body_html: str, *, status: str = "published") -> int:
        with self.lock:
            return self.state.add_article(title, body_html, status=status)

    def add_snippet(self, name: str, content: str, summary: str = "") -> int:
        with self.lock:
            return self.state.add_snippet(name, content, summary)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self.state.ticket_json(ticket_id)))

    def thread(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [self.state.post_json(p) for p in self.state.posts[ticket_id]]

    def file_bytes(self, file_id: int) -> bytes:
        with self.lock:
            return bytes(self.state.files[file_id]["data"])

    def requests_to(self, pattern: str, method: str | None = None) -> list[Logged]:
        return [r for r in list(self.requests) if re.search(pattern, r.path) and method in (None, r.method)]

    # --- faults ----------------------------------------------------------------------------

    def fail(self, status: int, *, times: int = 1, method: str | None = None, path: str | None = None,
             headers: dict[str, str] | None = None) -> None:
        """The next ``times`` matching requests answer ``status`` (not applied)."""
        with self.lock:
            self._faults.append(Fault(status, dict(headers or {}), method, path, times))

    def rate_limit(self, *, times: int = 1, retry_after: int = 1, path: str | None = None) -> None:
        self.fail(429, times=times, path=path, headers={"Retry-After": str(retry_after)})

    # --- serving ---------------------------------------------------------------------------

    def serve(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k: ("<redacted>" if k.lower() == "x-api-key" else v) for k, v in handler.headers.items()}
        entry = Logged(handler.command, parts.path, query, headers, raw)
        with self.lock:
            self.requests.append(entry)
            try:
                status, extra, body = self._answer(handler.command, parts.path, query, handler.headers, raw)
            except Exception as error:  # a bug in the fake: a 500 the test sees, not a hung client
                status, extra, body = 500, {}, {"error": {"code": "fake_bug", "message": repr(error)}}
            extra = {**self._rate_headers(status), **extra}
        entry.status = status
        _send(handler, status, extra, body)

    def _answer(self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes) -> Answer:
        for fault in self._faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault.status, fault.headers, {"error": {"code": "injected", "message": f"Injected {fault.status}."}}
        if self._over_limit():
            return 429, {"Retry-After": str(60 - self.state.now() % 60)}, {
                "error": {"code": "rate_limited", "message": "Too many requests: wait for the next minute."}}
        who = self.keys.get(headers.get("X-Api-Key") or "")
        if who is None:
            return 401, {}, {"error": {"code": "unauthorized", "message": "Missing or invalid API key."}}
        files = re.fullmatch(r"/api/v1/files/(\d+)", path)
        try:
            if files and method == "GET":
                data, mime, name = file_answer(self.state, files.group(1))
                return 200, {"Content-Type": mime, "Content-Disposition": f'attachment; filename="{name}"'}, data
            key = headers.get("Idempotency-Key")
            if key and method in ("POST", "PATCH"):
                return self._once(key, f"{method} {path} {raw!r}", lambda: self._route(method, path, query, raw, who))
            return self._route(method, path, query, raw, who)
        except ApiError as error:
            return error.status, {}, error.body

    def _route(self, method: str, path: str, query: dict[str, str], raw: bytes, who: int) -> Answer:
        known_path = False
        for verb, pattern, action in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            known_path = True
            if verb != method:
                continue
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                raise ApiError(400, "bad_request", "The body is not JSON.") from None
            return action(*match.groups(), query=query, payload=payload, who=who)
        if known_path:
            return 405, {}, {"error": {"code": "method_not_allowed", "message": f"{method} is not allowed here."}}
        return 404, {}, {"error": {"code": "not_found", "message": "No such endpoint."}}

    def _once(self, key: str, request: str, run: Callable[[], Answer]) -> Answer:
        """``Idempotency-Key``: the first answer for a key is kept; a repeat gets it back, unapplied."""
        kept = self._replays.get(key)
        if kept is not None:
            first, status, headers, body = kept
            if first != request:
                raise ApiError(422, "idempotency_mismatch", "This Idempotency-Key was used for another request.")
            return status, {**headers, "Idempotent-Replayed": "true"}, body
        status, headers, body = run()
        if status < 500:
            self._replays[key] = (request, status, headers, body)
        return status, headers, body

    def _over_limit(self) -> bool:
        minute = self.state.now() // 60
        start, count = self._window
        count = count + 1 if start == minute else 1
        self._window = (minute, count)
        return count > self.per_minute

    def _rate_headers(self, status: int) -> dict[str, str]:
        now = self.state.now()
        used = self._window[1]
        return {"X-RateLimit-Limit": str(self.per_minute),
                "X-RateLimit-Remaining": str(max(0, self.per_minute - used)),
                "X-RateLimit-Reset": str(now - now % 60 + 60)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (40 ms a request on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.fake.serve(self)  # type: ignore[attr-defined]

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    data = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    try:
        handler.send_response(status)
        if "Content-Type" not in headers:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()
    except OSError:  # the client gave up
        handler.close_connection = True


def wait_until_next_second() -> None:
    """Deskette stamps in whole seconds: a test that needs two stamps apart waits for the next one."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)


__all__ = ["API_KEY", "FakeDeskette", "Logged", "wait_until_next_second"]
