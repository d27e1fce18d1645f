"""A small helpdesk API ("Deskly") to test the generic engine's writes against, served through
``httpx.MockTransport``. It behaves like the REST helpdesks the shipped mappings target:

- ``X-Api-Key`` must be the account's key (401 otherwise).
- ``GET /tickets/{id}`` answers the ticket with an ``ETag`` (its ``lock_version``);
  ``PUT /tickets/{id}`` with ``If-Match`` answers 412 when the ticket changed since, 422 for
  an unknown status or priority id; a status the "workflow" forbids (``forbidden_status``) is
  accepted (200) and silently not made, as some helpdesks do.
- ``GET /tickets/{id}/messages``: the thread. ``POST /tickets/{id}/messages`` adds one: JSON
  ``{"message": {"body", "private", "status_id"?, "attachments": [{filename, content_type,
  data (base64)}]?, "uploads": [{token, filename}]?}}``, or multipart (fields ``body``,
  ``private``; files ``files[]``). Answers 201 ``{"message": {...}}`` with ``Location``.
- ``POST /uploads?filename=`` takes raw bytes and answers ``{"upload": {"token"}}``.
- ``GET /messages?contains=`` searches messages by their words; ``GET /messages/{id}`` names
  its ticket (``ticket_id``).
- ``POST /tickets`` opens a ticket (``external_id`` kept; ``Idempotency-Key`` honoured: a
  repeat answers the first ticket); ``GET /tickets?external_id=`` searches by it.

Faults, as a fault proxy would make them: ``lose_answers(n)`` applies the next n writes and
then drops the connection (the client sees a ``ReadTimeout``); ``refuse_next(status)``
answers the next write ``status`` (to a path ending so) before doing anything.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

KEY = "desk-key-123"
STATUSES = {1: "new", 2: "open", 3: "pending", 4: "solved", 5: "closed"}
PRIORITIES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
AGENTS = {7: "Ana Agent", 8: "Bo Backup"}
GROUPS = {20: "Billing", 21: "Network"}


@dataclass
class Msg:
    id: int
    body: str
    private: bool
    author: str
    created_at: datetime
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tkt:
    id: int
    subject: str
    status_id: int = 2
    priority_id: int = 2
    assigned_to_id: int | None = None
    group_id: int | None = None
    tags: list[str] = field(default_factory=list)
    lock_version: int = 1
    external_id: str | None = None
    requester_email: str = "cus@example.com"
    messages: list[Msg] = field(default_factory=list)


class Deskly:
    def __init__(self) -> None:
        self.tickets: dict[int, Tkt] = {}
        self.next_id = 100
        self.uploads: dict[str, tuple[str, bytes]] = {}
        self.files: dict[int, bytes] = {}  # attachment id → bytes
        self.requests: list[httpx.Request] = []
        self.idempotency: dict[str, int] = {}
        self.forbidden_status: int | None = None
        self._lose = 0
        self._refuse_reads = 0
        self._refuse: list[tuple[int, str]] = []
        self.clock = lambda: datetime.now(UTC)

    # --- test controls ---------------------------------------------------------------------

    def add_ticket(self, subject: str = "Printer on fire", body: str = "It is on fire.") -> str:
        ticket = Tkt(self._id(), subject)
        ticket.messages.append(Msg(self._id(), body, False, "customer", self.clock() - timedelta(hours=1)))
        self.tickets[ticket.id] = ticket
        return str(ticket.id)

    def lose_answers(self, count: int = 1) -> None:
        self._lose = count

    def refuse_next(self, status: int, path: str = "") -> None:
        """The next write (whose path ends with ``path``) is answered ``status``, not applied."""
        self._refuse.append((status, path))

    def refuse_reads(self, count: int) -> None:
        """The next ``count`` reads are answered 503 (the helpdesk is under maintenance)."""
        self._refuse_reads = count

    def bump(self, remote_id: str) -> None:
        """Someone else changes the ticket (its version moves)."""
        self.tickets[int(remote_id)].lock_version += 1

    def writes(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method != "GET"]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # --- the API ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("x-api-key") != KEY:
            return httpx.Response(401, json={"error": "invalid key"})
        writing = request.method != "GET"
        if not writing and self._refuse_reads > 0:
            self._refuse_reads -= 1
            return httpx.Response(503, json={"error": "maintenance"})
        if writing and self._refuse and request.url.path.endswith(self._refuse[0][1]):
            return httpx.Response(self._refuse.pop(0)[0], json={"error": "refused"})
        response = self._route(request)
        if writing and self._lose > 0 and response.status_code < 300:
            self._lose -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/uploads" and request.method == "POST":
            token = f"tok-{self._id()}"
            self.uploads[token] = (request.url.params.get("filename", "file"), request.content)
            return httpx.Response(201, json={"upload": {"token": token}})
        if path == "/api/tickets" and request.method == "POST":
            return self._create(request)
        if path == "/api/messages" and request.method == "GET":  # search by words
            words = request.url.params.get("contains", "")
            found = [{**self._message_json(m), "ticket_id": t.id} for t in self.tickets.values()
                     for m in t.messages if words and words in m.body]
            return httpx.Response(200, json={"messages": found})
        one = re.fullmatch(r"/api/messages/(\d+)", path)
        if one and request.method == "GET":
            for t in self.tickets.values():
                for m in t.messages:
                    if m.id == int(one.group(1)):
                        return httpx.Response(200, json={"message": {**self._message_json(m), "ticket_id": t.id}})
            return httpx.Response(404, json={"error": "not found"})
        if path == "/api/tickets" and request.method == "GET":
            wanted = request.url.params.get("external_id")
            found = [self._ticket_json(t) for t in self.tickets.values() if t.external_id == wanted]
            return httpx.Response(200, json={"tickets": found})
        match = re.fullmatch(r"/api/tickets/(\d+)(/messages)?", path)
        if not match or int(match.group(1)) not in self.tickets:
            return httpx.Response(404, json={"error": "not found"})
        ticket = self.tickets[int(match.group(1))]
        if match.group(2):
            if request.method == "GET":
                return httpx.Response(200, json={"messages": [self._message_json(m) for m in ticket.messages]})
            return self._add_message(ticket, request)
        if request.method == "GET":
            return httpx.Response(200, json={"ticket": self._ticket_json(ticket)},
                                  headers={"ETag": f'"{ticket.lock_version}"'})
        if request.method == "PUT":
            return self._update(ticket, request)
        return httpx.Response(405)

    def _update(self, ticket: Tkt, request: httpx.Request) -> httpx.Response:
        match = request.headers.get("if-match")
        if match is not None and match.strip('"') != str(ticket.lock_version):
            return httpx.Response(412, json={"error": "changed since"})
        data = json.loads(request.content or b"{}").get("ticket") or {}
        if "status_id" in data and data["status_id"] not in STATUSES:
            return httpx.Response(422, json={"error": f"no status {data['status_id']}"})
        if "priority_id" in data and data["priority_id"] not in PRIORITIES:
            return httpx.Response(422, json={"error": "no priority"})
        if "status_id" in data and data["status_id"] != self.forbidden_status:
            ticket.status_id = data["status_id"]
        for key in ("priority_id", "assigned_to_id", "group_id", "tags"):
            if key in data:
                setattr(ticket, key, data[key])
        ticket.lock_version += 1
        return httpx.Response(200, json={"ticket": self._ticket_json(ticket)},
                              headers={"ETag": f'"{ticket.lock_version}"'})

    def _add_message(self, ticket: Tkt, request: httpx.Request) -> httpx.Response:
        files: list[tuple[str, bytes]] = []
        if request.headers.get("content-type", "").startswith("multipart/"):
            fields, files = _multipart(request)
            body, private, status = fields.get("body", ""), fields.get("private") == "true", None
        else:
            data = json.loads(request.content).get("message") or {}
            body, private, status = data.get("body", ""), bool(data.get("private")), data.get("status_id")
            for item in data.get("attachments") or ():
                files.append((item["filename"], base64.b64decode(item["data"])))
            for item in data.get("uploads") or ():
                if item.get("token") not in self.uploads:
                    return httpx.Response(422, json={"error": f"unknown upload token {item.get('token')}"})
                files.append(self.uploads[item["token"]])
        if status is not None:
            if status not in STATUSES:
                return httpx.Response(422, json={"error": "no status"})
            ticket.status_id = status
        message = Msg(self._id(), body, private, "agent", self.clock())
        for name, data in files:
            attachment_id = self._id()
            self.files[attachment_id] = data
            message.attachments.append({"id": attachment_id, "filename": name, "size": len(data)})
        ticket.messages.append(message)
        ticket.lock_version += 1
        return httpx.Response(201, json={"message": self._message_json(message)},
                              headers={"Location": f"/api/messages/{message.id}"})

    def _create(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotency:
            return httpx.Response(201, json={"ticket": self._ticket_json(self.tickets[self.idempotency[key]])})
        data = json.loads(request.content).get("ticket") or {}
        ticket = Tkt(self._id(), data.get("subject", ""), external_id=data.get("external_id"),
                     requester_email=data.get("requester_email", ""))
        if "priority_id" in data:
            ticket.priority_id = data["priority_id"]
        ticket.messages.append(Msg(self._id(), data.get("body", ""), False, "agent", self.clock()))
        self.tickets[ticket.id] = ticket
        if key:
            self.idempotency[key] = ticket.id
        return httpx.Response(201, json={"ticket": self._ticket_json(ticket)})

    # --- JSON ------------------------------------------------------------------------------

    def _ticket_json(self, t: Tkt) -> dict[str, Any]:
        return {"id": t.id, "subject": t.subject, "status_id": t.status_id, "priority_id": t.priority_id,
                "assigned_to_id": t.assigned_to_id, "group_id": t.group_id, "tags": list(t.tags),
                "lock_version": t.lock_version, "external_id": t.external_id}

    @staticmethod
    def _message_json(m: Msg) -> dict[str, Any]:
        return {"id": m.id, "body": m.body, "private": m.private, "author": m.author,
                "created_at": m.created_at.isoformat(), "attachments": list(m.attachments)}

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id


def _multipart(request: httpx.Request) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The text fields and the files of a multipart body (enough of RFC 7578 for httpx's)."""
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    for part in request.content.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, _, data = part.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        disposition = head.decode(errors="replace")
        name = re.search(r'name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        if filename and name and name.group(1) == "files[]":
            files.append((filename.group(1), data))
        elif name:
            fields[name.group(1)] = data.decode()
    return fields, files


def form_fields(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())
