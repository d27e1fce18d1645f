"""Zendesk JSON → the backend contract's records, and our vocabulary back to Zendesk's.

Pure functions over the API's documented shapes (tickets, users, organizations, groups,
comments, Help Center articles); ``zendesk.py`` does the HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.domain.remote import RemoteRating
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.contract import (
    RemoteArticle,
    RemoteMessage,
    RemoteOrganization,
    RemoteTicket,
    RemoteUser,
)

STATUS_IN = {"new": Status.NEW, "open": Status.OPEN, "pending": Status.PENDING, "hold": Status.ON_HOLD,
             "solved": Status.SOLVED, "closed": Status.CLOSED}
STATUS_OUT = {status: raw for raw, status in STATUS_IN.items()}
PRIORITY_IN = {"low": Priority.LOW, "normal": Priority.NORMAL, "high": Priority.HIGH, "urgent": Priority.URGENT}
AGENT_ROLES = frozenset({"agent", "admin"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Json = Mapping[str, Any]


def parse_time(value: object) -> datetime | None:
    """Zendesk stamps are ISO 8601 in UTC (``2026-01-01T09:30:00Z``)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def language_of(locale: object) -> str:
    """``en-US`` → ``en``; Zendesk locales are BCP 47-ish, our store keeps the language."""
    text = str(locale or "").strip().lower()
    return text.split("-")[0] if text else "en"


def to_status(raw: str) -> Status:
    """Our status for a Zendesk one (custom statuses arrive as their category in ``status``)."""
    return STATUS_IN.get(raw, Status.OPEN)


def to_zendesk_status(value: object) -> str:
    """Zendesk's status for ours (``on_hold`` → ``hold``); a Zendesk name passes through."""
    text = str(getattr(value, "value", value) or "").strip().lower()
    try:
        return STATUS_OUT[Status(text)]
    except ValueError:
        if text in STATUS_IN:
            return text
        raise ValueError(f"Zendesk has no ticket status {text!r}.") from None


def to_zendesk_priority(value: object) -> str | None:
    text = str(getattr(value, "value", value) or "").strip().lower()
    if not text:
        return None
    if text not in PRIORITY_IN:
        raise ValueError(f"Zendesk has no ticket priority {text!r}.")
    return text


def user(raw: Json) -> RemoteUser:
    return RemoteUser(remote_id=str(raw["id"]), name=str(raw.get("name") or raw.get("email") or raw["id"]),
                      email=str(raw.get("email") or ""), organization_remote_id=_id(raw.get("organization_id")),
                      language=language_of(raw.get("locale")), phone=str(raw.get("phone") or ""), raw=dict(raw))


def organization(raw: Json) -> RemoteOrganization:
    domains = raw.get("domain_names") or []
    return RemoteOrganization(remote_id=str(raw["id"]), name=str(raw.get("name") or raw["id"]),
                              domain=str(domains[0]) if domains else "", raw=dict(raw))


def ticket(raw: Json, names: Mapping[str, str], groups: Mapping[str, str]) -> RemoteTicket:
    """One exported ticket; ``names`` and ``groups`` map ids to the names sideloaded with it."""
    status_raw = str(raw.get("status") or "")
    priority_raw = str(raw.get("priority") or "")
    created = parse_time(raw.get("created_at")) or _EPOCH
    assignee = _id(raw.get("assignee_id"))
    group = _id(raw.get("group_id"))
    fields = {str(f["id"]): f.get("value") for f in raw.get("custom_fields") or () if "id" in f}
    return RemoteTicket(
        remote_id=str(raw["id"]), number=int(raw["id"]),
        subject=str(raw.get("subject") or raw.get("raw_subject") or ""),
        status=to_status(status_raw), priority=PRIORITY_IN.get(priority_raw, Priority.NORMAL),
        created_at=created, updated_at=parse_time(raw.get("updated_at")) or created,
        requester_remote_id=_id(raw.get("requester_id")), organization_remote_id=_id(raw.get("organization_id")),
        assignee=names.get(assignee, f"agent {assignee}") if assignee else None,
        group=groups.get(group, f"group {group}") if group else None,
        tags=tuple(str(t) for t in raw.get("tags") or ()), custom_fields=fields,
        status_raw=status_raw, priority_raw=priority_raw,
        version=str(raw["updated_at"]) if raw.get("updated_at") else None,  # safe_update's updated_stamp
        raw=dict(raw), rating=satisfaction(raw.get("satisfaction_rating")),
    )


def satisfaction(raw: object) -> RemoteRating | None:
    """A ticket's ``satisfaction_rating``: only "good" and "bad" are ratings ("offered" and
    "unoffered" say a survey was or was not sent)."""
    if not isinstance(raw, Mapping) or raw.get("score") not in ("good", "bad"):
        return None
    return RemoteRating(score=str(raw["score"]), comment=str(raw.get("comment") or ""), remote_id=_id(raw.get("id")),
                        created_at=parse_time(raw.get("created_at")) or parse_time(raw.get("updated_at")))


def message(raw: Json, users: Mapping[str, Json], requester: str | None, first: bool) -> RemoteMessage:
    """A comment: the customer's (end users, the requester), an agent's public reply, or a note.

    The body is ``html_body`` (``body_format`` "html") when the comment has one: it keeps the
    links, lists and quotes an agent wrote; ``plain_body`` otherwise.
    """
    author_id = _id(raw.get("author_id"))
    author = users.get(author_id or "")
    role = author.get("role") if author else None
    if (author_id is not None and author_id == requester) or role == "end-user" \
            or (role is None and requester is None and first):
        kind = MessageKind.CUSTOMER
    elif raw.get("public", True):
        kind = MessageKind.PUBLIC_REPLY
    else:
        kind = MessageKind.INTERNAL_NOTE
    if raw.get("html_body"):
        body, body_format = str(raw["html_body"]), "html"
    else:
        body, body_format = str(raw.get("plain_body") or raw.get("body") or ""), "text"
    attachments = tuple(
        {"name": a.get("file_name"), "url": a.get("content_url"), "content_type": a.get("content_type"),
         "size": a.get("size")} for a in raw.get("attachments") or ())
    return RemoteMessage(
        remote_id=str(raw["id"]), kind=kind,
        author=str(author.get("name") if author else (f"user {author_id}" if author_id else "Zendesk")),
        body=body, created_at=parse_time(raw.get("created_at")) or _EPOCH, body_format=body_format,
        attachments=attachments, raw=dict(raw))


def article(raw: Json) -> RemoteArticle:
    """A Help Center article; the HTML body becomes text (the KB is searched and quoted as text)."""
    return RemoteArticle(
        remote_id=str(raw["id"]), title=str(raw.get("title") or raw.get("name") or ""),
        body=html_to_text(str(raw.get("body") or "")), language=language_of(raw.get("locale")),
        url=str(raw.get("html_url") or raw.get("url") or ""),
        tags=tuple(str(t) for t in raw.get("label_names") or ()),
        updated_at=parse_time(raw.get("updated_at")), archived=bool(raw.get("draft")), raw=dict(raw))


def by_id(items: Iterable[Json] | None) -> dict[str, Json]:
    """Records by id; what is not an object with an id is left out (a ticket reading it skips it)."""
    if not isinstance(items, (list, tuple)):
        return {}
    return {str(item["id"]): item for item in items if isinstance(item, Mapping) and item.get("id") is not None}
