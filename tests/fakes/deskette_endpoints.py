"""The endpoints of the fake Deskette (see ``deskette.py`` for the API they make up).

Each handler takes the path's groups and the request (query, JSON payload, signed-in agent)
and returns (status, extra headers, body); a refusal is an ``ApiError``. The server holds the
state's lock around each call.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Any

from tests.fakes.deskette_state import STATES, URGENCIES, VISIBILITIES, ApiError, DesketteState, invalid, not_found

Answer = tuple[int, dict[str, str], Any]
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
TICKET_FIELDS = {"title", "state", "urgency", "owner_id", "team_id", "labels", "revision"}
NEW_TICKET_FIELDS = {"title", "customer", "body", "visibility", "state", "urgency", "owner_id", "team_id", "labels",
                     "attachments"}


def _cursor(position: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"dk1:{position[0]}:{position[1]}".encode()).decode().rstrip("=")


def _position(cursor: str) -> tuple[int, int]:
    try:
        tag, first, second = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
        if tag != "dk1":
            raise ValueError(tag)
        return int(first), int(second)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_cursor", "The cursor is not one this API gave out.") from None


def _integer(query: dict[str, str], name: str, default: int | None = None) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be a whole number.") from None


def page(records: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], tuple[int, int]],
         query: dict[str, str], shape: Callable[[dict[str, Any]], dict[str, Any]]) -> Answer:
    """One page of ``records`` in ``key`` order after ``cursor``: ``{"data": [...], "meta": {next_cursor, has_more}}``."""
    limit = _integer(query, "limit", DEFAULT_LIMIT)
    assert limit is not None
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit must be between 1 and {MAX_LIMIT}.")
    ordered = sorted(records, key=key)
    if query.get("cursor"):
        after = _position(query["cursor"])
        ordered = [r for r in ordered if key(r) > after]
    chosen, more = ordered[:limit], len(ordered) > limit
    return 200, {}, {"data": [shape(r) for r in chosen],
                     "meta": {"next_cursor": _cursor(key(chosen[-1])) if more else None, "has_more": more}}


class Endpoints:
    """Mixed into ``FakeDeskette``: ``self.state`` is the account."""

    state: DesketteState

    def me(self, *, who: int, **_: Any) -> Answer:
        agent = self.state.agents[who]
        return 200, {}, {"agent": {"id": agent["id"], "display_name": agent["display_name"], "email": agent["email"]}}

    def agents(self, *, query: dict[str, str], **_: Any) -> Answer:
        return page(self.state.agents.values(), lambda a: (a["id"], 0), query, dict)

    def teams(self, *, query: dict[str, str], **_: Any) -> Answer:
        return page(self.state.teams.values(), lambda t: (t["id"], 0), query, dict)

    def list_tickets(self, *, query: dict[str, str], **_: Any) -> Answer:
        after = _integer(query, "modified_after")
        chosen = [t for t in self.state.tickets.values() if after is None or t["modified"] > after]
        return page(chosen, lambda t: (t["modified"], t["id"]), query, lambda t: self.state.ticket_json(t["id"]))

    def show_ticket(self, ticket_id: str, **_: Any) -> Answer:
        ticket = self.state.live_ticket(int(ticket_id))
        return 200, {}, {"ticket": self.state.ticket_json(ticket["id"])}

    def posts(self, ticket_id: str, *, query: dict[str, str], **_: Any) -> Answer:
        ticket = self.state.live_ticket(int(ticket_id))
        return page(self.state.posts[ticket["id"]], lambda p: (p["created"], p["id"]), query, self.state.post_json)

    def write_post(self, ticket_id: str, *, payload: Any, who: int, **_: Any) -> Answer:
        ticket = self.state.live_ticket(int(ticket_id))
        if not isinstance(payload, dict):
            raise ApiError(400, "bad_request", "The body must be a JSON object.")
        unknown = set(payload) - {"body", "visibility", "attachments"}
        if unknown:
            raise invalid(sorted(unknown)[0], f"unknown field {sorted(unknown)[0]}")
        body, visibility = payload.get("body"), payload.get("visibility", "public")
        if not isinstance(body, str) or not body.strip():
            raise invalid("body", "body must be non-empty text")
        if visibility not in VISIBILITIES:
            raise invalid("visibility", "visibility must be public or internal")
        files = self.state.files_from(payload.get("attachments"))
        post = self.state.add_post(ticket["id"], body, author=who, visibility=visibility, files=files)
        return 201, {}, {"post": self.state.post_json(post)}

    def patch_ticket(self, ticket_id: str, *, payload: Any, **_: Any) -> Answer:
        ticket = self.state.live_ticket(int(ticket_id))
        if not isinstance(payload, dict) or not payload:
            raise ApiError(400, "bad_request", "The body must be a JSON object with the fields to change.")
        unknown = set(payload) - TICKET_FIELDS
        if unknown:
            raise invalid(sorted(unknown)[0], f"unknown field {sorted(unknown)[0]}")
        revision = payload.pop("revision", None)
        if revision is not None and revision != ticket["revision"]:
            raise ApiError(409, "conflict", f"The ticket is at revision {ticket['revision']}, not {revision}.")
        self._check_fields(payload)
        self.state.update_ticket(ticket["id"], **payload)
        return 200, {}, {"ticket": self.state.ticket_json(ticket["id"])}

    def post_ticket(self, *, payload: Any, who: int, **_: Any) -> Answer:
        if not isinstance(payload, dict):
            raise ApiError(400, "bad_request", "The body must be a JSON object.")
        unknown = set(payload) - NEW_TICKET_FIELDS
        if unknown:
            raise invalid(sorted(unknown)[0], f"unknown field {sorted(unknown)[0]}")
        title, body, customer = payload.get("title"), payload.get("body"), payload.get("customer")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title", "title must be non-empty text")
        if not isinstance(body, str) or not body.strip():
            raise invalid("body", "body must be non-empty text")
        if not isinstance(customer, dict) or "@" not in str(customer.get("email") or ""):
            raise invalid("customer", "customer.email must be an e-mail address")
        fields = {k: payload[k] for k in ("state", "urgency", "owner_id", "team_id", "labels") if k in payload}
        self._check_fields(fields)
        files = self.state.files_from(payload.get("attachments"))
        ticket_id = self.state.add_ticket(title, body, email=str(customer["email"]),
                                          name=str(customer.get("name") or ""), files=files, by_agent=who)
        self.state.tickets[ticket_id].update(fields)
        return 201, {}, {"ticket": self.state.ticket_json(ticket_id)}

    def trash(self, ticket_id: str, **_: Any) -> Answer:
        self.state.trash_ticket(int(ticket_id))
        return 204, {}, None

    def articles(self, *, query: dict[str, str], **_: Any) -> Answer:
        after = _integer(query, "modified_after")
        chosen = [a for a in self.state.articles.values() if after is None or a["modified"] > after]
        return page(chosen, lambda a: (a["modified"], a["id"]), query, dict)

    def snippets(self, *, query: dict[str, str], **_: Any) -> Answer:
        return page(self.state.snippets.values(), lambda s: (s["id"], 0), query, dict)

    def _check_fields(self, fields: dict[str, Any]) -> None:
        if "title" in fields and (not isinstance(fields["title"], str) or not fields["title"].strip()):
            raise invalid("title", "title must be non-empty text")
        if "state" in fields and fields["state"] not in STATES:
            raise invalid("state", f"state must be one of {', '.join(map(str, STATES))}")
        if "urgency" in fields and fields["urgency"] not in URGENCIES:
            raise invalid("urgency", f"urgency must be one of {', '.join(map(str, URGENCIES))}")
        if fields.get("owner_id") is not None and fields["owner_id"] not in self.state.agents:
            raise invalid("owner_id", "owner_id must be the id of an agent")
        if fields.get("team_id") is not None and fields["team_id"] not in self.state.teams:
            raise invalid("team_id", "team_id must be the id of a team")
        labels = fields.get("labels")
        if labels is not None and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            raise invalid("labels", "labels must be a list of text")


def file_answer(state: DesketteState, file_id: str) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of a stored attachment."""
    stored = state.files.get(int(file_id))
    if stored is None:
        raise not_found("file")
    return stored["data"], stored["mime"], stored["filename"]
