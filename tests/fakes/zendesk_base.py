"""Shared pieces of the fake Zendesk: its errors, time stamps and cursors, in the API's forms."""

from __future__ import annotations

import base64
import calendar
import html
import json
import re
import time
from typing import Any

START = 1_767_225_600  # 2026-01-01T00:00:00Z: the fake clock's default start
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
AGENT_ROLES = ("agent", "admin")


class ApiError(Exception):
    """An answer other than success, in the body shape Zendesk uses for it."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def not_found() -> ApiError:
    return ApiError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid(field: str, description: str) -> ApiError:
    return ApiError(422, {"error": "RecordInvalid", "description": "Record validation errors",
                          "details": {field: [{"description": description}]}})


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_stamp(text: object) -> int | None:
    """Epoch seconds of an ISO 8601 UTC stamp (``…Z`` or ``…+00:00``), None when unreadable."""
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]00:?00)?", text.strip())
    if not match:
        return None
    return calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))


def encode_cursor(*parts: int) -> str:
    return base64.urlsafe_b64encode(".".join(map(str, parts)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> tuple[int, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = tuple(int(p) for p in raw.split("."))
    except (ValueError, UnicodeDecodeError):
        parts = ()
    if len(parts) != size:
        raise ApiError(400, {"error": "InvalidPaginationParameter", "description": "Invalid cursor"})
    return parts


def html_of(text: str) -> str:
    paragraphs = (html.escape(p).replace("\n", "<br>") for p in text.split("\n\n"))
    return '<div class="zd-comment" dir="auto">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</p>|<br\s*/?>", "\n", markup))).strip()


class RawTicket(str):
    """A ticket already serialised to JSON (bulk tickets); ``refs`` holds the ids side-loads need."""

    refs: dict[str, Any]


def encode(body: Any) -> bytes:
    """The response body as JSON; pre-serialised tickets are spliced in as they are."""
    if body is None:
        return b""
    tickets = body.get("tickets") if isinstance(body, dict) else None
    if not tickets or not any(isinstance(t, RawTicket) for t in tickets):
        return json.dumps(body, separators=(",", ":")).encode()
    rest = json.dumps({k: v for k, v in body.items() if k != "tickets"}, separators=(",", ":"))
    items = ",".join(t if isinstance(t, RawTicket) else json.dumps(t, separators=(",", ":")) for t in tickets)
    return ('{"tickets":[' + items + "]" + ("," + rest[1:] if rest != "{}" else "}")).encode()
