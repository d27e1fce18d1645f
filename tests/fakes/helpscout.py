"""A fake Help Scout Mailbox API 2.0 over real HTTP on 127.0.0.1, for backend tests and benchmarks.

    with FakeHelpScout() as fake:
        aiko = fake.add_customer("Aiko Tanaka", email="aiko@example.com")
        cid = fake.add_conversation("Printer offline", "It is offline again.", customer=aiko)
        fake.expire_tokens()               # every token handed out so far answers 401 from now on
        ... POST {fake.url}/v2/oauth2/token (client_id=fake.app_id, client_secret=fake.app_secret) ...

Documented facts it relies on, and where they come from (developer.helpscout.com):

- "Authentication" (mailbox-api/overview/authentication): every request carries
  ``Authorization: Bearer <token>``; the Client Credentials flow is ``POST /v2/oauth2/token``
  with ``grant_type=client_credentials``, ``client_id`` (the App ID) and ``client_secret`` (the
  App Secret), sent as JSON, form or query parameters, answering ``{token_type, access_token,
  expires_in}``; an expired or unknown token is 401. Tokens live 172,800 s (two days: the
  Veryfront Help Scout integration notes and the Singer tap's ``expires_in`` handling).
- "Rate limiting" (mailbox-api/overview/rate-limiting): a per-account limit per minute; writes
  (POST, PUT, DELETE, PATCH) count as 2; answers carry ``X-RateLimit-Limit-Minute`` and
  ``X-RateLimit-Remaining-Minute``; past the limit 429 with ``X-RateLimit-Retry-After`` (the
  seconds to wait). ``Retry-After`` is sent as well (the legacy 1.0 docs name it).
- "List Conversations", "Get Conversation", "List Threads", "Get Attachment Data", "Create
  Reply Thread", "Create Note", "Update Conversation", "Update Tags", "Create Conversation",
  "Get Resource Owner", "List Mailboxes", "List Mailbox Custom Fields", "Update Custom Fields"
  (mailbox-api/endpoints/…): see ``helpscout_endpoints.py``.
  Lists are HAL (``_embedded.<name>``, ``_links.next.href`` keeping the request's parameters —
  the 2018 changelog entry on pagination links — and ``page.{size,totalElements,totalPages,
  number}``). 25 records a page: the figure in Help Scout's own examples as remembered, not
  confirmed in the stored copy of the docs (``page_size=`` changes it; the mapping only follows
  ``_links.next``, so nothing depends on it). Thread writes answer 201 with the new thread's id in
  ``Resource-ID`` (changelog 2023-08-30); patches and tag updates answer 204.
- Errors: 400 with ``_embedded.errors[{path, message, source}]``; 404 for a missing or deleted
  conversation; 412 when a conversation already has 100 threads.

Faults (``fail``, ``rate_limit``, ``drop``) each hit the next matching request; ``after=True``
applies the request first and then loses the answer. ``requests`` logs every request with the
Authorization header redacted.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes import http_fake
from tests.fakes.helpscout_endpoints import Answer, Endpoints
from tests.fakes.helpscout_state import ApiError, HelpScoutState
from tests.fakes.http_fake import (FakeHttpServer, Fault, Faults, LoggedRequest, hold_or_drop, read_request,
                                   take_fault, under_lock, write_answer)

TOKEN_LIFETIME = 172_800
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class FakeHelpScout(Endpoints, Faults, FakeHttpServer):
    thread_name = "fake-helpscout"
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")

    def __init__(self, *, app_id: str = "fake-app-id", app_secret: str = "fake-app-secret",
                 agent_email: str = "alex@example.com", agent_name: str = "Alex Agent", page_size: int = 25,
                 rate_limit: int = 400, token_lifetime: int = TOKEN_LIFETIME) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.page_size = page_size
        self.limit = rate_limit  # per minute; writes weigh 2
        self.token_lifetime = token_lifetime
        self.state = HelpScoutState(agent_email=agent_email, agent_name=agent_name)
        self.tokens: dict[str, float] = {}  # access token → when it expires (epoch seconds)
        self.requests: list[LoggedRequest] = []
        self.lock = threading.RLock()
        self._spent: deque[tuple[float, int]] = deque()  # (when, weight) within the last minute
        self._faults: list[Fault] = []
        cid, aid = r"(\d+)", r"(\d+)"
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Answer]]] = [
            ("GET", re.compile(r"/v2/users/me"), self._me),
            ("GET", re.compile(r"/v2/users"), self._users),
            ("GET", re.compile(r"/v2/users/(\d+)"), self._user),
            ("GET", re.compile(r"/v2/mailboxes"), self._mailboxes),
            ("GET", re.compile(r"/v2/mailboxes/(\d+)"), self._mailbox),
            ("GET", re.compile(r"/v2/mailboxes/(\d+)/fields"), self._mailbox_fields),
            ("GET", re.compile(r"/v2/conversations"), self._list_conversations),
            ("POST", re.compile(r"/v2/conversations"), self._create),
            ("GET", re.compile(rf"/v2/conversations/{cid}"), self._get_conversation),
            ("PATCH", re.compile(rf"/v2/conversations/{cid}"), self._update),
            ("DELETE", re.compile(rf"/v2/conversations/{cid}"), self._delete),
            ("GET", re.compile(rf"/v2/conversations/{cid}/threads"), self._list_threads),
            ("POST", re.compile(rf"/v2/conversations/{cid}/reply"), self._reply),
            ("POST", re.compile(rf"/v2/conversations/{cid}/notes"), self._note),
            ("PUT", re.compile(rf"/v2/conversations/{cid}/tags"), self._tags),
            ("PUT", re.compile(rf"/v2/conversations/{cid}/fields"), self._fields),
            ("GET", re.compile(rf"/v2/conversations/{cid}/attachments/{aid}/data"), self._attachment_data),
        ]

    # --- life cycle ----------------------------------------------------------------------

    def started(self) -> None:
        self.state.base_url = self.url

    # --- seeding and inspection, behind the client's back --------------------------------

    def _locked(name: str) -> Callable[..., Any]:  # noqa: N805 - used in the class body only
        return under_lock(name, HelpScoutState)

    add_user = _locked("add_user")
    add_customer = _locked("add_customer")
    add_mailbox = _locked("add_mailbox")
    add_conversation = _locked("add_conversation")
    add_thread = _locked("add_thread")
    add_file = _locked("add_file")
    add_field = _locked("add_field")
    delete_conversation = _locked("delete")
    del _locked

    @property
    def me(self) -> int:
        return self.state.me

    @property
    def mailbox(self) -> int:
        return self.state.mailbox

    def token(self) -> str:
        """A valid access token, as the token endpoint would hand out."""
        with self.lock:
            token = secrets.token_hex(16)
            self.tokens[token] = time.time() + self.token_lifetime
            return token

    def expire_tokens(self) -> None:
        """Every token handed out so far is expired (the next request with one answers 401)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def conversation(self, cid: int) -> dict[str, Any]:
        """The conversation as Get Conversation shows it, threads embedded."""
        with self.lock:
            return json.loads(json.dumps(self.state.conversation_json(self.state.conversation(cid),
                                                                      embed_threads=True)))

    def update(self, cid: int, **changes: Any) -> None:
        """Someone edits the conversation elsewhere (subject, status, assignee)."""
        with self.lock:
            conversation = self.state.conversation(cid)
            if "subject" in changes:
                conversation["subject"] = changes["subject"]
                self.state.touch(conversation, by_user=True)
            if "status" in changes:
                self.state.set_status(conversation, changes["status"], author=("user", self.state.me))
            if "assignee" in changes:
                self.state.assign(conversation, changes["assignee"])

    def advance(self, seconds: int) -> None:
        """Move the fake's clock; backwards only to seed history (before anything a test reads)."""
        with self.lock:
            self.state.offset += seconds
            if seconds < 0:
                self.state.rewind()

    def requests_to(self, path_pattern: str, method: str | None = None) -> list[LoggedRequest]:
        return http_fake.requests_to(self.requests, path_pattern, method)

    # --- faults --------------------------------------------------------------------------

    # ``fail`` and ``drop`` (``http_fake.Faults``): the error body is ``{"message": "injected …"}``.

    # --- serving -------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = read_request(handler)
        method, path, query, raw = request.method, request.path, request.query, request.body
        entry = LoggedRequest.of(request)
        with self.lock:
            self.requests.append(entry)
            fault = take_fault(self._faults, method, path)
            limited = self._spend(2 if method in WRITES else 1)
        if fault is not None and not fault.after:
            if hold_or_drop(fault, handler):
                return
            entry.status = fault.status
            _send(handler, fault.status or 500, fault.headers, fault.body)
            return
        if limited is not None:
            entry.status = 429
            _send(handler, 429, limited, {"message": "Too many requests"})
            return
        status, extra, body = self._dispatch(method, path, query, handler.headers, raw)
        if fault is not None:  # after=True: applied, then the answer is lost or replaced
            if hold_or_drop(fault, handler):
                return
            status, extra, body = fault.status or status, fault.headers, fault.body
        entry.status = status
        _send(handler, status, {**self._rate_headers(), **extra}, body)

    def _spend(self, weight: int) -> dict[str, str] | None:
        """Count a request against the minute; the 429 headers when it is over the limit."""
        now = time.monotonic()
        while self._spent and self._spent[0][0] <= now - 60:
            self._spent.popleft()
        used = sum(w for _, w in self._spent)
        if used + weight > self.limit:
            wait = max(1, int(60 - (now - self._spent[0][0])) + 1) if self._spent else 1
            return {"X-RateLimit-Limit-Minute": str(self.limit), "X-RateLimit-Remaining-Minute": "0",
                    "X-RateLimit-Retry-After": str(wait), "Retry-After": str(wait)}
        self._spent.append((now, weight))
        return None

    def _rate_headers(self) -> dict[str, str]:
        with self.lock:
            used = sum(w for _, w in self._spent)
        return {"X-RateLimit-Limit-Minute": str(self.limit),
                "X-RateLimit-Remaining-Minute": str(max(0, self.limit - used))}

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes) -> Answer:
        if path == "/v2/oauth2/token":
            return self._issue_token(method, query, headers, raw) if method == "POST" else (405, {}, None)
        for verb, pattern, action in self._routes:
            match = pattern.fullmatch(path)
            if match and verb == method:
                with self.lock:
                    who = self._authenticate(headers.get("Authorization"))
                if who is None:
                    return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {
                        "error": "invalid_token", "error_description": "The access token is invalid or has expired"}
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    return 400, {}, {"logRef": "fake#400", "message": "Malformed JSON"}
                try:
                    with self.lock:
                        return action(*match.groups(), query=query, payload=payload, who=who)
                except ApiError as exc:
                    return exc.status, {}, exc.body
        return 404, {}, {"logRef": "fake#404", "message": "Not Found"}

    def _authenticate(self, header: str | None) -> int | None:
        scheme, _, token = (header or "").partition(" ")
        expires = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        return self.state.me if expires is not None and expires > time.time() else None

    def _issue_token(self, method: str, query: dict[str, str], headers: Any, raw: bytes) -> Answer:
        """Client credentials, sent as JSON, form fields or query parameters."""
        fields = dict(query)
        content_type = str(headers.get("Content-Type") or "")
        try:
            if "json" in content_type and raw:
                fields.update({k: str(v) for k, v in json.loads(raw).items()})
            elif raw:
                fields.update(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
        except (ValueError, AttributeError):
            return 400, {}, {"error": "invalid_request", "error_description": "Unreadable body"}
        if fields.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}
        if fields.get("client_id") != self.app_id or fields.get("client_secret") != self.app_secret:
            return 401, {}, {"error": "invalid_client", "error_description": "Bad client credentials"}
        return 200, {}, {"token_type": "bearer", "access_token": self.token(), "expires_in": self.token_lifetime}


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    typed = {} if body is None else {"Content-Type": "application/hal+json;charset=UTF-8"}
    write_answer(handler, status, {**typed, **headers}, data)


__all__ = ["FakeHelpScout", "Fault", "LoggedRequest"]
