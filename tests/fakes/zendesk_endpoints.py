"""The endpoints of the fake Zendesk (mixed into ``FakeZendesk``), one method per route.

Each takes the path's groups and ``query``, ``headers``, ``payload``, ``raw``, ``who`` (the
signed-in user id, or "anonymous") and returns (status, extra headers, body). They run under
the fake's lock; ``ApiError`` becomes the answer it carries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.fakes.zendesk_base import ApiError, RawTicket, decode_cursor, encode_cursor

IDEMPOTENCY_SECONDS = 2 * 3600  # how long Zendesk keeps an Idempotency-Key
ANONYMOUS = {"id": None, "url": None, "name": "Anonymous user", "email": "invalid@example.com",
             "role": "end-user", "locale": "en-US", "time_zone": "UTC", "active": True, "verified": False}


@dataclass
class Replay:
    fingerprint: str
    status: int
    body: dict[str, Any]
    expires: int  # on the fake clock


class Endpoints:
    """Needs ``state``, ``url``, ``page_size``, ``article_page_size`` and ``_replays`` from ``FakeZendesk``."""

    def _me(self, *, who: int | str | None, **_: Any) -> tuple[int, dict[str, str], Any]:
        if who is None:
            return 401, {}, {"error": "Couldn't authenticate you"}
        return 200, {}, {"user": ANONYMOUS if who == "anonymous" else self.state.users[int(who)]}

    def _signed_in(self, who: int | str | None) -> int:
        if not isinstance(who, int):
            raise ApiError(401, {"error": "Couldn't authenticate you"})
        return who

    def _search_users(self, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict[str, str], Any]:
        self._signed_in(who)
        found = self.state.user_named(query.get("query", ""))
        return 200, {}, {"users": found, "next_page": None, "previous_page": None, "count": len(found)}

    def _list_users(self, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict[str, str], Any]:
        self._signed_in(who)
        roles = set(filter(None, (query.get("role[]") or query.get("role") or "").split(",")))
        users = sorted((u for u in self.state.users.values() if not roles or u["role"] in roles), key=lambda u: u["id"])
        return 200, {}, self._paged(users, "users", "users.json", query)

    def _groups(self, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict[str, str], Any]:
        self._signed_in(who)
        groups = sorted(self.state.groups.values(), key=lambda g: g["id"])
        if query.get("exclude_deleted") == "true":
            groups = [g for g in groups if not g["deleted"]]
        return 200, {}, self._paged(groups, "groups", "groups.json", query)

    def _export(self, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict[str, str], Any]:
        self._signed_in(who)
        if "cursor" not in query and "start_time" not in query:
            raise ApiError(400, {"error": "InvalidValue", "description": "start_time or cursor is required"})
        per_page = max(1, min(1000, int(query.get("per_page") or self.page_size)))
        include = set(filter(None, query.get("include", "").split(",")))
        page = self.state.export_page(start_time=int(query.get("start_time") or 0), cursor=query.get("cursor"),
                                      per_page=per_page, include=include)
        if query.get("exclude_deleted") == "true":
            page["tickets"] = [t for t in page["tickets"] if isinstance(t, RawTicket) or t["status"] != "deleted"]
        return 200, {}, page

    def _show(self, ticket_id: str, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        ticket = self.state.live_ticket(int(ticket_id))
        include = set(filter(None, query.get("include", "").split(",")))
        return 200, {}, {"ticket": ticket, **self.state.sideloads([ticket], include)}

    def _update(self, ticket_id: str, *, payload: Any, who: Any, **_: Any) -> tuple[int, dict, Any]:
        return 200, {}, self.state.api_update(int(ticket_id), payload, self._signed_in(who))

    def _delete(self, ticket_id: str, *, who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        self.state.delete_ticket(int(ticket_id))
        return 204, {}, None

    def _create(self, *, payload: Any, headers: Any, who: Any, **_: Any) -> tuple[int, dict, Any]:
        author = self._signed_in(who)
        key = headers.get("Idempotency-Key")
        if not key:
            return 201, {}, self.state.api_create(payload, author)
        fingerprint = json.dumps(payload, sort_keys=True)
        replay = self._replays.get(key)
        if replay is not None and replay.expires > self.state.now:
            if replay.fingerprint != fingerprint:
                raise ApiError(400, {"error": "IdempotentRequestError",
                                     "description": "Request parameters don't match the given idempotency key"})
            return replay.status, {"x-idempotency-lookup": "hit"}, replay.body
        body = self.state.api_create(payload, author)
        self._replays[key] = Replay(fingerprint, 201, json.loads(json.dumps(body)),
                                     self.state.now + IDEMPOTENCY_SECONDS)
        return 201, {"x-idempotency-lookup": "miss"}, body

    def _list_tickets(self, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        tickets = [t for t in self.state.tickets.values() if t["status"] != "deleted"
                   and ("external_id" not in query or t.get("external_id") == query["external_id"])]
        return 200, {}, {"tickets": tickets, "next_page": None, "previous_page": None, "count": len(tickets)}

    def _comments(self, ticket_id: str, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        comments = self.state.ticket_comments(int(ticket_id))
        if query.get("sort_order") == "desc":
            comments = comments[::-1]
        page = self._paged(comments, "comments", f"tickets/{ticket_id}/comments.json", query)
        if "users" in query.get("include", "").split(","):
            ids = dict.fromkeys(c["author_id"] for c in page["comments"])
            page["users"] = [self.state.users[u] for u in ids if u in self.state.users]
        return 200, {}, page

    def _audits(self, ticket_id: str, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        audits = self.state.ticket_audits(int(ticket_id))
        if query.get("sort_order") == "desc":
            audits = audits[::-1]
        return 200, {}, self._paged(audits, "audits", f"tickets/{ticket_id}/audits.json", query)

    def _articles_since(self, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)  # unlike the other article lists, the export needs an agent
        if "start_time" not in query:
            raise ApiError(400, {"error": "InvalidValue", "description": "start_time is required"})
        per_page = max(1, min(1000, int(query.get("per_page") or self.article_page_size)))
        return 200, {}, self.state.articles_since(int(query["start_time"]), per_page)

    def _articles(self, *, query: dict[str, str], **_: Any) -> tuple[int, dict, Any]:
        articles = sorted(self.state.articles.values(), key=lambda a: a["id"])
        return 200, {}, self._paged(articles, "articles", "help_center/articles.json", query)

    def _macros(self, active_path: str | None, *, query: dict[str, str], who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        macros = sorted(self.state.macros.values(), key=lambda m: (m["position"], m["id"]))
        if active_path or query.get("active") in ("true", "false"):
            wanted = bool(active_path) or query.get("active") == "true"
            macros = [m for m in macros if m["active"] == wanted]
        return 200, {}, self._paged(macros, "macros", "macros.json", query)

    def _upload(self, *, query: dict[str, str], headers: Any, raw: bytes, who: Any, **_: Any) -> tuple[int, dict, Any]:
        self._signed_in(who)
        return 201, {}, self.state.uploads.upload(query.get("filename", ""), str(headers.get("Content-Type") or ""),
                                                  raw, self.state.now, query.get("token"))

    def _attachment_content(self, content_token: str, **_: Any) -> tuple[int, dict, Any]:
        # Zendesk serves attachments of an account without authentication by default (the token
        # in the address is the secret), so the fake does not ask who is reading.
        return 200, {}, self.state.uploads.content(content_token)

    def _paged(self, items: list[dict[str, Any]], key: str, path: str, query: dict[str, str]) -> dict[str, Any]:
        """Cursor paging when ``page[size]``/``page[after]`` is given, offset paging otherwise."""
        base = f"{self.url}/api/v2/{path}"
        keep = {k: v for k, v in query.items() if not k.startswith("page") and k != "per_page"}
        if "page[size]" in query or "page[after]" in query:
            size = max(1, min(100, int(query.get("page[size]") or 100)))
            start = decode_cursor(query["page[after]"], 1)[0] if query.get("page[after]") else 0
            chunk = items[start:start + size]
            more = start + len(chunk) < len(items)
            after = encode_cursor(start + len(chunk)) if chunk else None
            return {key: chunk,
                    "meta": {"has_more": more, "after_cursor": after,
                             "before_cursor": encode_cursor(start) if chunk else None},
                    "links": {"next": f"{base}?{urlencode({**keep, 'page[size]': size, 'page[after]': after})}"
                              if more else None, "prev": None}}
        per_page = max(1, min(100, int(query.get("per_page") or 100)))
        number = max(1, int(query.get("page") or 1))
        chunk = items[(number - 1) * per_page:number * per_page]
        more = number * per_page < len(items)
        return {key: chunk, "count": len(items),
                "next_page": f"{base}?{urlencode({**keep, 'page': number + 1, 'per_page': per_page})}" if more else None,
                "previous_page": f"{base}?{urlencode({**keep, 'page': number - 1, 'per_page': per_page})}"
                if number > 1 else None}
