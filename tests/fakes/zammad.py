"""A fake Zammad over real HTTP on 127.0.0.1, written from Zammad's public REST documentation.

    with FakeZammad() as fake:
        aiko = fake.add_user("Aiko", lastname="Tanaka", email="aiko@example.com")
        ticket = fake.add_ticket("Printer offline", customer_id=aiko, body="It is offline.")
        fake.rate_limit(times=2, retry_after=1)      # the next two requests answer 429
        ... httpx.Client(base_url=fake.url, headers={"Authorization": f"Token token={fake.token}"}) ...

What it relies on, and where each fact comes from:

- docs.zammad.org "REST API → Introduction" (zammad-documentation ``api/intro.rst``):
  ``Authorization: Token token=…`` (also ``Bearer`` for OAuth2 and HTTP Basic: both accepted
  here); JSON bodies; ``?expand=true`` adds association names (``state``, ``priority``,
  ``group``, ``owner``, ``customer``…); pagination by ``page`` and ``per_page`` with hard
  limits the client cannot raise; ``GET /api/v1/tickets/search?query=`` answers a list
  (``expand=true``: with names; ``full=true``: ``record_ids``, ``assets`` by class and id,
  ``total_count``; ``only_total_count=true``: the count); ``sort_by`` and ``order_by``
  (``asc``/``desc``).
- The limits: search ``per_page`` defaults to 50 and is capped at 200, the ticket list at
  100 (zammad/zammad ``app/controllers/tickets_controller.rb``, ``paginate_with``).
- "Tickets" (``api/ticket/index.rst``): ``GET/PUT/DELETE /api/v1/tickets/{id}``, ``POST
  /api/v1/tickets`` with ``title``, ``group``, ``customer`` (or ``customer_id``,
  ``guess:EMAIL``) and ``article``; 201 with the ticket and its ``article_ids``; a ``PUT`` with
  ``article`` adds a new article; ``DELETE`` needs admin and answers ``{}``.
- "Articles" (``api/ticket/articles.rst``): ``GET /api/v1/ticket_articles/by_ticket/{id}``,
  ``GET /api/v1/ticket_articles/{id}``, ``POST /api/v1/ticket_articles`` (``ticket_id``,
  ``body``, ``content_type``, ``type``, ``internal``, ``sender``, ``attachments`` as base64
  ``data`` + ``filename`` + ``mime-type``) answering 201 with the article and its attachments'
  ids; ``GET /api/v1/ticket_attachment/{ticket id}/{article id}/{attachment id}`` the bytes.
- "States", "Priorities", "Users", "Groups": ``/api/v1/ticket_states``,
  ``/api/v1/ticket_priorities``, ``/api/v1/users/me``, ``/api/v1/users/{id}``,
  ``/api/v1/users/search``, ``/api/v1/groups``, ``/api/v1/organizations/{id}``.
- Search syntax: ``zammad_search.py``; the knowledge base and text modules: ``zammad_kb.py``.
- Rate limits: Zammad documents none for the REST API (its Rack::Attack throttles cover
  password resets and the web form). ``per_minute=N`` turns on a per-token limit for tests:
  over it the answer is 429 with ``Retry-After`` (seconds) and the body ``Retry later``, as
  Rack::Attack throttles answer. ``rate_limit()`` injects 429s one by one.

Faults (``fail``, ``rate_limit``, ``delay``, ``drop``) queue up and each hits the next matching
request(s); ``after=True`` applies the request first and then loses the answer. ``requests``
logs every request with the Authorization header redacted.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes import http_fake
from tests.fakes.http_fake import (FakeHttpServer, Fault, Faults, LoggedRequest, hold_or_drop, read_request,
                                   take_fault, under_lock, write_answer)
from tests.fakes.zammad_endpoints import Endpoints
from tests.fakes.zammad_kb import KnowledgeBase, TextModules
from tests.fakes.zammad_state import ApiError, ZammadState


_Route = tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]]]


class FakeZammad(Endpoints, Faults, FakeHttpServer):
    thread_name = "fake-zammad"

    def __init__(self, *, email: str = "agent@example.com", token: str = "fake-zammad-token",
                 password: str = "agent-password", agent_name: str = "Alex Agent", per_minute: int = 0,
                 index_lag: float = 0.0) -> None:
        self.email, self.token, self.password = email, token, password
        self.per_minute = per_minute  # 0: no limit (Zammad documents none)
        self.state = ZammadState(agent_email=email, agent_name=agent_name)
        self.state.index_lag_ms = int(index_lag * 1000)  # seconds before a change reaches the search
        self.kb = KnowledgeBase(self.state.now_ms, self.state.me)
        self.text_modules = TextModules(self.state.now_ms, self.state.me)
        self.requests: list[LoggedRequest] = []
        self.lock = threading.RLock()
        self._faults: list[Fault] = []
        self._recent: deque[float] = deque()
        v1 = "/api/v1"
        self._routes: list[_Route] = [(m, re.compile(v1 + p), a) for m, p, a in (
            ("GET", r"/users/me", self._me),
            ("GET", r"/users/search", self._search_users),
            ("GET", r"/users/(\d+)", self._user),
            ("GET", r"/users", self._users),
            ("GET", r"/organizations/(\d+)", self._organization),
            ("GET", r"/groups", self._groups),
            ("GET", r"/ticket_states", self._states),
            ("GET", r"/ticket_priorities", self._priorities),
            ("GET", r"/tickets/search", self._search),
            ("GET", r"/tickets/(\d+)", self._ticket),
            ("PUT", r"/tickets/(\d+)", self._update_ticket),
            ("DELETE", r"/tickets/(\d+)", self._delete_ticket),
            ("GET", r"/tickets", self._tickets),
            ("POST", r"/tickets", self._create_ticket),
            ("GET", r"/ticket_articles/by_ticket/(\d+)", self._articles),
            ("GET", r"/ticket_articles/(\d+)", self._article),
            ("POST", r"/ticket_articles", self._create_article),
            ("GET", r"/ticket_attachment/(\d+)/(\d+)/(\d+)", self._attachment),
            ("GET", r"/text_modules", self._text_modules),
            ("POST", r"/knowledge_bases/init", self._kb_init),
            ("GET", r"/knowledge_bases/(\d+)/answers/(\d+)", self._kb_answer),
        )]

    # --- seeding and inspection (thread-safe wrappers over the state) ---------------------

    @property
    def me(self) -> int:
        return self.state.me

    def _locked(name: str) -> Callable[..., Any]:  # noqa: N805 - used in the class body only
        return under_lock(name, ZammadState)

    add_user = _locked("add_user")
    add_organization = _locked("add_organization")
    add_group = _locked("add_group")
    add_ticket = _locked("add_ticket")
    add_article = _locked("add_article")
    delete_ticket = _locked("delete_ticket")
    del _locked

    def update_ticket(self, ticket_id: int, by: int | None = None, **changes: Any) -> dict[str, Any]:
        """A change made elsewhere (another agent, a trigger), by field name as the API takes it."""
        with self.lock:
            return dict(self.state.update_ticket(ticket_id, changes, by or self.state.me))

    def add_answer(self, title: str, body: str, **options: Any) -> int:
        """A knowledge-base answer (``zammad_kb.KnowledgeBase.add_answer``)."""
        with self.lock:
            return self.kb.add_answer(title, body, **options)

    def add_text_module(self, name: str, content: str, **options: Any) -> int:
        """A text module (``zammad_kb.TextModules.add``)."""
        with self.lock:
            return self.text_modules.add(name, content, **options)

    def edit_answer(self, answer_id: int, **changes: Any) -> None:
        with self.lock:
            self.kb.edit(answer_id, **changes)

    def delay_index(self, ticket_id: int, seconds: float) -> None:
        """The index job of the ticket's next change runs ``seconds`` late (a busy or retried
        background job: changes reach the search out of order)."""
        with self.lock:
            self.state.slow_index[ticket_id] = int(seconds * 1000)

    def rewind(self, seconds: float) -> None:
        """Move the clock back ``seconds`` before any ticket exists, to seed a history
        (``advance`` it on while seeding)."""
        with self.lock:
            assert not self.state.tickets, "rewind before the first ticket"
            self.state.offset_ms -= int(seconds * 1000)
            self.state._last_ms = 0  # noqa: SLF001 - the clock's own guard against going back

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.state.offset_ms += int(seconds * 1000)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket as ``expand=true`` shows it, and its ``tags`` (Zammad keeps them apart)."""
        with self.lock:
            shown = self.state.ticket_json(ticket_id, expand=True)
            return json.loads(json.dumps({**shown, "tags": self.state.tickets[ticket_id]["tags"]}))

    def articles(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(self.state.articles[ticket_id]))

    def file(self, attachment_id: int) -> bytes:
        with self.lock:
            return self.state.files[attachment_id][0]

    def requests_to(self, path_pattern: str, method: str | None = None) -> list[LoggedRequest]:
        return http_fake.requests_to(self.requests, path_pattern, method)

    # --- faults --------------------------------------------------------------------------

    def injected_body(self, status: int) -> Any:
        return {"error": f"injected {status}", "error_human": f"injected {status}"}

    def rate_limit(self, *, times: int = 1, retry_after: int | str = 1, method: str | None = None,
                   path: str | None = None) -> Fault:
        """The next ``times`` matching requests answer 429 with ``Retry-After``."""
        return self.fail(429, times=times, headers={"Retry-After": str(retry_after)}, method=method, path=path,
                         body=b"Retry later\n")

    # --- serving -------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = read_request(handler)
        method, path, query, raw = request.method, request.path, request.query, request.body
        entry = LoggedRequest.of(request)
        with self.lock:
            self.requests.append(entry)
            fault = take_fault(self._faults, method, path)
            throttled = self._throttled()
        if fault is not None and not fault.after:
            if hold_or_drop(fault, handler):
                return
            if fault.status is not None:
                entry.status = fault.status
                _send(handler, fault.status, fault.headers, fault.body)
                return
        if throttled:
            entry.status = 429
            _send(handler, 429, {"Retry-After": str(throttled)}, b"Retry later\n")
            return
        status, body = self._dispatch(method, path, query, handler.headers, raw)
        if fault is not None and fault.after:
            if hold_or_drop(fault, handler):
                return
            if fault.status is not None:
                status, body = fault.status, fault.body
        entry.status = status
        _send(handler, status, fault.headers if fault is not None and fault.after else {}, body)

    def _throttled(self) -> int:
        """Seconds until the per-minute budget has room again (0: within it)."""
        if not self.per_minute:
            return 0
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 60:
            self._recent.popleft()
        if len(self._recent) >= self.per_minute:
            return max(1, int(60 - (now - self._recent[0])) + 1)
        self._recent.append(now)
        return 0

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes) -> tuple[int, Any]:
        for verb, pattern, action in self._routes:
            match = pattern.fullmatch(path)
            if match and verb == method:
                who = self._authenticate(headers.get("Authorization"))
                if who is None:
                    return 401, {"error": "Authentication failed", "error_human": "Authentication failed"}
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    return 400, {"error": "The request body is not valid JSON", "error_human": "Invalid JSON"}
                try:
                    with self.lock:
                        return action(*match.groups(), query=query, payload=payload, who=who)
                except ApiError as exc:
                    return exc.status, exc.body
        if any(pattern.fullmatch(path) for _, pattern, _ in self._routes):
            return 404, {"error": "No route matches", "error_human": "No route matches"}
        return 404, {"error": f"No route matches [{method}] {path!r}", "error_human": "Not found"}

    def _authenticate(self, header: str | None) -> int | None:
        """The signed-in user's id for a token, bearer or basic credential; None: refused."""
        scheme, _, value = (header or "").partition(" ")
        if scheme == "Token":
            return self.state.me if value.strip() == f"token={self.token}" else None
        if scheme == "Bearer":
            return self.state.me if value.strip() == self.token else None
        if scheme == "Basic":
            try:
                user, _, secret = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            return self.state.me if user == self.email and secret == self.password else None
        return None


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    if isinstance(body, tuple):  # an attachment: (bytes, media type)
        data, content_type = body
    elif isinstance(body, bytes):
        data, content_type = body, "text/plain; charset=utf-8"
    else:
        data, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
    write_answer(handler, status, {"Content-Type": content_type, **headers}, data)


__all__ = ["FakeZammad", "Fault", "LoggedRequest"]
