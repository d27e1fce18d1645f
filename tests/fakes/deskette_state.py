"""The account behind the fake Deskette: agents, customers, tickets, posts, files, KB, snippets.

Deskette is a helpdesk the project has never had an adapter for (it exists only here, as the
README's worked example of "add your own helpdesk"); its API is described in ``deskette.py``.
Everything is plain dicts under one lock (the server's); times are Unix seconds from ``now()``,
the real clock plus ``offset`` (a test moves it on).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import time
from typing import Any

STATES = {1: "new", 2: "open", 3: "waiting", 4: "on hold", 5: "resolved", 6: "closed"}
URGENCIES = {1: "low", 2: "normal", 3: "high", 4: "critical"}
VISIBILITIES = ("public", "internal")
MAX_FILE = 10 * 1024 * 1024  # bytes per attachment, as the docs say
MAX_FILES = 5  # attachments per post


class ApiError(Exception):
    """An answer other than success, in Deskette's error shape: ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if field is not None:
            self.body["error"]["field"] = field


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, field)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


class DesketteState:
    def __init__(self, agent_name: str = "Alex Agent", agent_email: str = "alex@deskette.test") -> None:
        self.offset = 0
        self._ids = itertools.count(1001)
        self.agents: dict[int, dict[str, Any]] = {}
        self.teams: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.posts: dict[int, list[dict[str, Any]]] = {}
        self.files: dict[int, dict[str, Any]] = {}
        self.articles: dict[int, dict[str, Any]] = {}
        self.snippets: dict[int, dict[str, Any]] = {}
        self.base_url = ""  # the server's address, for the absolute file URLs in posts
        self.me = self.add_agent(agent_name, agent_email)

    def now(self) -> int:
        return int(time.time()) + self.offset

    def next_id(self) -> int:
        return next(self._ids)

    # --- seeding (tests call these behind the client's back) -----------------------------------

    def add_agent(self, name: str, email: str) -> int:
        agent_id = self.next_id()
        self.agents[agent_id] = {"id": agent_id, "display_name": name, "email": email, "active": True}
        return agent_id

    def add_team(self, name: str) -> int:
        team_id = self.next_id()
        self.teams[team_id] = {"id": team_id, "name": name}
        return team_id

    def customer_for(self, email: str, name: str = "") -> int:
        """The customer with ``email``, created the first time it writes in."""
        for customer in self.customers.values():
            if customer["email"].lower() == email.lower():
                return int(customer["id"])
        customer_id = self.next_id()
        self.customers[customer_id] = {"id": customer_id, "name": name or email.split("@")[0], "email": email}
        return customer_id

    def add_file(self, filename: str, data: bytes, mime: str) -> int:
        file_id = self.next_id()
        self.files[file_id] = {"id": file_id, "filename": filename, "mime": mime, "data": data}
        return file_id

    def add_ticket(self, title: str, body: str, *, email: str, name: str = "", state: int = 1, urgency: int = 2,
                   files: tuple[int, ...] = (), by_agent: int | None = None) -> int:
        """A ticket opened by the customer ``email`` (or by agent ``by_agent`` for them), its body the first post."""
        ticket_id, now = self.next_id(), self.now()
        self.tickets[ticket_id] = {"id": ticket_id, "title": title, "state": state, "urgency": urgency,
                                   "created": now, "modified": now, "customer_id": self.customer_for(email, name),
                                   "owner_id": None, "team_id": None, "labels": [], "revision": 1, "trashed": False}
        self.posts[ticket_id] = []
        self.add_post(ticket_id, body, author=by_agent, files=files, touch=False)
        return ticket_id

    def add_post(self, ticket_id: int, body: str, *, author: int | None = None, visibility: str = "public",
                 files: tuple[int, ...] = (), touch: bool = True) -> dict[str, Any]:
        """A post on the ticket: the customer's (``author`` None) or an agent's; moves the ticket's stamp."""
        ticket = self.live_ticket(ticket_id)
        if author is None:
            who = {"type": "customer", "id": ticket["customer_id"]}
        else:
            who = {"type": "agent", "id": author}
        post = {"id": self.next_id(), "visibility": visibility, "author": who, "body": body, "created": self.now(),
                "files": list(files)}
        self.posts[ticket_id].append(post)
        if touch:
            self.touch(ticket)
        return post

    def touch(self, ticket: dict[str, Any]) -> None:
        ticket["modified"] = self.now()
        ticket["revision"] += 1

    def update_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        ticket = self.live_ticket(ticket_id)
        ticket.update(fields)
        self.touch(ticket)
        return ticket

    def trash_ticket(self, ticket_id: int) -> None:
        ticket = self.live_ticket(ticket_id)
        ticket["trashed"] = True
        self.touch(ticket)

    def add_article(self, title: str, body_html: str, *, status: str = "published") -> int:
        article_id = self.next_id()
        self.articles[article_id] = {"id": article_id, "title": title, "body_html": body_html, "status": status,
                                     "modified": self.now(), "labels": [],
                                     "public_url": f"https://help.deskette.test/a/{article_id}"}
        return article_id

    def add_snippet(self, name: str, content: str, summary: str = "") -> int:
        snippet_id = self.next_id()
        self.snippets[snippet_id] = {"id": snippet_id, "name": name, "content": content, "summary": summary}
        return snippet_id

    # --- reading ---------------------------------------------------------------------------

    def live_ticket(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket["trashed"]:
            raise not_found("ticket")
        return ticket

    def ticket_json(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets[ticket_id]
        customer = self.customers[ticket["customer_id"]]
        shown = {k: v for k, v in ticket.items() if k != "customer_id"}
        shown["labels"] = list(ticket["labels"])
        return {**shown, "customer": dict(customer)}

    def post_json(self, post: dict[str, Any]) -> dict[str, Any]:
        author = post["author"]
        people = self.customers if author["type"] == "customer" else self.agents
        person = people[author["id"]]
        return {"id": post["id"], "visibility": post["visibility"], "body": post["body"], "created": post["created"],
                "author": {"type": author["type"], "id": author["id"],
                           "name": person.get("name") or person.get("display_name")},
                "attachments": [self.file_json(f) for f in post["files"]]}

    def file_json(self, file_id: int) -> dict[str, Any]:
        stored = self.files[file_id]
        return {"id": file_id, "filename": stored["filename"], "size": len(stored["data"]), "mime": stored["mime"],
                "url": f"{self.base_url}/api/v1/files/{file_id}"}

    # --- what the API's writes take --------------------------------------------------------

    def files_from(self, items: Any) -> tuple[int, ...]:
        """``attachments: [{filename, mime, content_base64}]`` of a write → stored file ids (422 when wrong)."""
        if items is None:
            return ()
        if not isinstance(items, list) or len(items) > MAX_FILES:
            raise invalid("attachments", f"attachments must be a list of at most {MAX_FILES} files")
        decoded: list[tuple[str, bytes, str]] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("filename"), str) or not item["filename"]:
                raise invalid("attachments", "each attachment needs a filename")
            try:
                data = base64.b64decode(str(item.get("content_base64") or ""), validate=True)
            except (binascii.Error, ValueError):
                raise invalid("attachments", "content_base64 is not valid base64") from None
            if len(data) > MAX_FILE:
                raise invalid("attachments", "an attachment may be at most 10 MB")
            decoded.append((item["filename"], data, str(item.get("mime") or "application/octet-stream")))
        return tuple(self.add_file(name, data, mime) for name, data, mime in decoded)
