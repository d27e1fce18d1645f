"""Request Tracker 5 REST2 records → our records, and our vocabulary → RT's.

Pure functions over decoded JSON; any unexpected shape raises ``BadResponse`` with one
sentence (never a KeyError traceback). See ``rt.py`` for the protocol.

Status (RT's default lifecycle; custom lifecycles' other statuses count as open):
    new → new · open → open · stalled → on_hold · resolved → solved · rejected → closed ·
    deleted → the ticket is reported in ``deleted_ticket_ids``.
    Back to RT: new → new, open → open, pending → stalled, on_hold → stalled,
    solved → resolved, closed → resolved.

Priority (RT numbers, 0–100 by convention; RT's own labels are Low 0, Medium 50, High 100):
    < 25 → low · 25–74 → normal · 75–99 → high · ≥ 100 → urgent.
    Back to RT: low → 0, normal → 50, high → 80, urgent → 100 (each maps back to itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.contract import RemoteArticle, RemoteMessage, RemoteTicket, RemoteUser
from helpdesk_tui.sync.errors import BadResponse

STATUS_FROM_RT = {
    "new": Status.NEW, "open": Status.OPEN, "stalled": Status.ON_HOLD,
    "resolved": Status.SOLVED, "rejected": Status.CLOSED,
}
STATUS_TO_RT = {
    Status.NEW: "new", Status.OPEN: "open", Status.PENDING: "stalled", Status.ON_HOLD: "stalled",
    Status.SOLVED: "resolved", Status.CLOSED: "resolved",
}
PRIORITY_TO_RT = {Priority.LOW: 0, Priority.NORMAL: 50, Priority.HIGH: 80, Priority.URGENT: 100}
NOBODY = "Nobody"
MESSAGE_TYPES = ("Create", "Correspond", "Comment")
THREAD_TYPES = (*MESSAGE_TYPES, "Status")  # the transactions message_from_rt turns into messages

# What pull asks for: ticket fields, and the sub-fields of the linked records.
TICKET_FIELDS = ("Subject,Status,Priority,FinalPriority,Queue,Owner,Requestor,Created,LastUpdated,"
                 "Started,Resolved,Due,Told,CustomFields")
USER_FIELDS = "id,Name,EmailAddress,RealName,Lang,WorkPhone,MobilePhone"
TICKET_PARAMS = {"fields": TICKET_FIELDS, "fields[Queue]": "Name", "fields[Owner]": "Name",
                 "fields[Requestor]": USER_FIELDS}
HISTORY_PARAMS = {"fields": "Type,Created,Creator,Field,OldValue,NewValue",
                  "fields[Creator]": "id,Name,EmailAddress,RealName"}


def status_from_rt(raw: str) -> Status:
    return STATUS_FROM_RT.get(raw.strip().lower(), Status.OPEN)


def status_to_rt(value: Any) -> str:
    try:
        return STATUS_TO_RT[Status(str(value))]
    except (ValueError, KeyError):
        raise BadResponse(f"Unknown status {value!r} for Request Tracker.") from None


def priority_from_rt(raw: Any) -> Priority:
    try:
        number = int(str(raw).strip() or 0)
    except ValueError:
        return Priority.NORMAL
    if number >= 100:
        return Priority.URGENT
    if number >= 75:
        return Priority.HIGH
    if number >= 25:
        return Priority.NORMAL
    return Priority.LOW


def priority_to_rt(value: Any) -> int:
    try:
        return PRIORITY_TO_RT[Priority(str(value))]
    except (ValueError, KeyError):
        raise BadResponse(f"Unknown priority {value!r} for Request Tracker.") from None


def parse_time(value: Any) -> datetime | None:
    """RT's W3CDTF UTC times ("2026-11-22T15:31:27Z"); RT's 'not set' (1970-01-01) is None."""
    if value in (None, "", "0"):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(f"Request Tracker sent a time that is not ISO 8601: {str(value)[:40]!r}.") from None
    parsed = parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
    return None if parsed.year <= 1970 else parsed


def required_time(value: Any, what: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponse(f"Request Tracker sent {what} without a time.")
    return parsed


def as_dict(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadResponse(f"Request Tracker answered {what} with {type(data).__name__}, not a JSON object.")
    return data


def items(data: Any, what: str) -> list[dict[str, Any]]:
    """The ``items`` of one page of a REST2 collection."""
    rows = as_dict(data, what).get("items")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise BadResponse(f"Request Tracker answered {what} without a list of items.")
    return rows


def record_id(row: Mapping[str, Any], what: str) -> int:
    try:
        return int(str(row["id"]))
    except (KeyError, TypeError, ValueError):
        raise BadResponse(f"Request Tracker sent {what} without a numeric id.") from None


def _name(link: Any) -> str:
    """The name of a linked record (expanded ``{"id": .., "Name": ..}`` or a bare id)."""
    if isinstance(link, dict):
        return str(link.get("Name") or link.get("id") or "")
    return str(link or "")


def _links(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def user_from_rt(link: Mapping[str, Any]) -> RemoteUser:
    """A user from an expanded link (``fields[Requestor]=id,Name,…``) or a ``GET /user/N`` answer."""
    uid = record_id(link, "a user")
    name = str(link.get("Name") or "")
    return RemoteUser(
        remote_id=str(uid), name=str(link.get("RealName") or name), email=str(link.get("EmailAddress") or ""),
        language=str(link.get("Lang") or "en"),
        phone=str(link.get("WorkPhone") or link.get("MobilePhone") or ""), raw=dict(link),
    )


def ticket_from_rt(row: Mapping[str, Any]) -> tuple[RemoteTicket, list[RemoteUser]]:
    """One item of ``GET /tickets?fields=…`` → the ticket and its requestors."""
    number = record_id(row, "a ticket")
    what = f"ticket {number}"
    requestors = [user_from_rt(link) for link in _links(row.get("Requestor")) if str(link.get("id", "")).isdigit()]
    owner = _name(row.get("Owner"))
    status_raw = str(row.get("Status") or "")
    custom: dict[str, Any] = {}
    for cf in _links(row.get("CustomFields")):
        listed = cf.get("values")
        values = listed if isinstance(listed, list) else []
        if cf.get("name"):
            custom[str(cf["name"])] = values[0] if len(values) == 1 else list(values)
    updated = required_time(row.get("LastUpdated"), f"{what} (LastUpdated)")
    ticket = RemoteTicket(
        remote_id=str(number), number=number, subject=str(row.get("Subject") or ""),
        status=status_from_rt(status_raw), priority=priority_from_rt(row.get("Priority", 0)),
        created_at=parse_time(row.get("Created")) or updated, updated_at=updated,
        requester_remote_id=requestors[0].remote_id if requestors else None,
        assignee=None if owner in ("", NOBODY) else owner, group=_name(row.get("Queue")) or None,
        custom_fields=custom, status_raw=status_raw, priority_raw=str(row.get("Priority", "")),
        resolution_due_at=parse_time(row.get("Due")), solved_at=parse_time(row.get("Resolved")),
        version=str(row.get("LastUpdated")), raw=dict(row),
    )
    return ticket, requestors


def requestor_keys(ticket_json: Mapping[str, Any]) -> set[str]:
    """Names and ids of a ticket's requestors, lowercased, to tell customer messages apart."""
    keys: set[str] = set()
    for link in _links(ticket_json.get("Requestor")):
        for key in ("id", "Name", "EmailAddress"):
            if link.get(key):
                keys.add(str(link[key]).lower())
    return keys


def pick_parts(parts: Iterable[Mapping[str, Any]]) -> tuple[dict[int, int], dict[int, list[dict[str, Any]]]]:
    """Per transaction: the attachment holding its body, and the metadata of its files.

    The body is the first text/plain part without a file name, else the first such
    text/html part; parts with a file name are attachments.
    """
    body: dict[int, tuple[int, int]] = {}  # txn → (rank, attachment id)
    files: dict[int, list[dict[str, Any]]] = {}
    for part in parts:
        aid = record_id(part, "an attachment")
        try:
            txn = int(str(part.get("TransactionId", "")).strip() or -1)
        except ValueError:
            raise BadResponse("Request Tracker sent an attachment without a numeric TransactionId.") from None
        ctype = str(part.get("ContentType") or "").split(";")[0].strip().lower()
        filename = str(part.get("Filename") or "")
        if filename:
            size = str(part.get("ContentLength") or "0").strip()
            files.setdefault(txn, []).append({"remote_id": str(aid), "name": filename, "content_type": ctype,
                                              "size": int(size) if size.isdigit() else 0})
            continue
        rank = {"text/plain": 0, "text/html": 1}.get(ctype)
        if rank is not None and (txn not in body or (rank, aid) < body[txn]):
            body[txn] = (rank, aid)
    return {txn: aid for txn, (_, aid) in body.items()}, files


def message_from_rt(txn: Mapping[str, Any], requestors: set[str], body: str, body_type: str,
                    files: list[dict[str, Any]]) -> RemoteMessage | None:
    """One history item → a message; None for transactions that are not shown in the thread.

    Create is the customer's request (whoever typed it in); Correspond is a public reply
    unless a requestor wrote it (then it is the customer's); Comment is an internal note;
    Status changes become one-line system messages; everything else (EmailRecord copies of
    outgoing mail and autoreplies, watchers, custom fields, links…) is left out.
    """
    tid = record_id(txn, "a transaction")
    kind_raw = str(txn.get("Type") or "")
    given = txn.get("Creator")
    creator: dict[str, Any] = given if isinstance(given, dict) else {}
    author = str(creator.get("RealName") or creator.get("Name") or creator.get("id") or "")
    by_requestor = any(str(creator.get(k, "")).lower() in requestors
                       for k in ("id", "Name", "EmailAddress") if creator.get(k))
    created = required_time(txn.get("Created"), f"transaction {tid}")
    body_format = "html" if body_type == "text/html" else "text"
    if kind_raw == "Create":
        kind = MessageKind.CUSTOMER
    elif kind_raw == "Correspond":
        kind = MessageKind.CUSTOMER if by_requestor else MessageKind.PUBLIC_REPLY
    elif kind_raw == "Comment":
        kind = MessageKind.INTERNAL_NOTE
    elif kind_raw == "Status":
        kind, body_format = MessageKind.SYSTEM, "text"
        body = f"Status changed from {txn.get('OldValue') or '(none)'} to {txn.get('NewValue') or '(none)'}."
    else:
        return None
    if not body.strip() and not files:
        return None
    return RemoteMessage(remote_id=str(tid), kind=kind, author=author, body=body, created_at=created,
                         body_format=body_format, attachments=tuple(files), raw=dict(txn))


# Article text that opens with an HTML element is HTML; anything else is taken as plain text.
_HTML_START = re.compile(r"\s*<(!doctype|html|body|p|div|br|h[1-6]|ul|ol|table|pre|blockquote|span|strong|b|em|i|a)\b",
                         re.IGNORECASE)


def article_from_rt(row: Mapping[str, Any], base_url: str) -> RemoteArticle:
    """One item of ``POST /articles?fields=…``: the body is the ``Content`` custom field
    (RT's default article field), else every custom field's values, else the summary."""
    aid = record_id(row, "an article")
    fields = {str(cf.get("name")): [str(v) for v in cf.get("values", []) if isinstance(v, str)]
              for cf in _links(row.get("CustomFields"))}
    if fields.get("Content"):
        body = "\n\n".join(fields["Content"])
    else:
        body = "\n\n".join(f"{name}: {' '.join(values)}" for name, values in fields.items() if values)
    body = body or str(row.get("Summary") or "")
    if _HTML_START.match(body):  # an "HTML" custom field, or text pasted from a rich editor
        body = html_to_text(body)
    return RemoteArticle(
        remote_id=str(aid), title=str(row.get("Name") or f"Article {aid}"), body=body,
        url=f"{base_url}/Articles/Article/Display.html?id={aid}",
        tags=tuple(t for t in (_name(row.get("Class")),) if t),
        updated_at=parse_time(row.get("LastUpdated")), archived=str(row.get("Disabled") or "0") not in ("0", ""),
        raw=dict(row),
    )
