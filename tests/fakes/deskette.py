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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes import http_fake
from tests.fakes.deskette_endpoints import Answer, Endpoints, file_answer
from tests.fakes.deskette_state import ApiError, DesketteState
from tests.fakes.http_fake import FakeHttpServer, Matching, read_request, take_fault, write_answer

API_KEY = "dk_live_7f3a9c"


@dataclass
class Fault(Matching):
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None  # a regular expression searched in the request's path
    times: int = 1


Logged = http_fake.LoggedRequest


_Route = tuple[str, re.Pattern[str], Callable[..., Answer]]


class FakeDeskette(Endpoints, FakeHttpServer):
    thread_name = "fake-deskette"
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")

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

    def started(self) -> None:
        self.state.base_url = self.url

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
        return http_fake.requests_to(self.requests, pattern, method)

    # --- faults ----------------------------------------------------------------------------

    def fail(self, status: int, *, times: int = 1, method: str | None = None, path: str | None = None,
             headers: dict[str, str] | None = None) -> None:
        """The next ``times`` matching requests answer ``status`` (not applied)."""
        with self.lock:
            self._faults.append(Fault(status, dict(headers or {}), method, path, times))

    def rate_limit(self, *, times: int = 1, retry_after: int = 1, path: str | None = None) -> None:
        self.fail(429, times=times, path=path, headers={"Retry-After": str(retry_after)})

    # --- serving ---------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = read_request(handler, secret="x-api-key")
        entry = Logged.of(request)
        with self.lock:
            self.requests.append(entry)
            try:
                status, extra, body = self._answer(request.method, request.path, request.query, handler.headers,
                                                   request.body)
            except Exception as error:  # a bug in the fake: a 500 the test sees, not a hung client
                status, extra, body = 500, {}, {"error": {"code": "fake_bug", "message": repr(error)}}
            extra = {**self._rate_headers(status), **extra}
        entry.status = status
        _send(handler, status, extra, body)

    def _answer(self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes) -> Answer:
        fault = take_fault(self._faults, method, path)
        if fault is not None:
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


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    data = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    write_answer(handler, status, {"Content-Type": "application/json; charset=utf-8", **headers}, data)


def wait_until_next_second() -> None:
    """Deskette stamps in whole seconds: a test that needs two stamps apart waits for the next one."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)


__all__ = ["API_KEY", "FakeDeskette", "Logged", "wait_until_next_second"]
