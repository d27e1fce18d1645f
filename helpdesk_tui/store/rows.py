"""Converting between domain dataclasses and SQLite rows (times as epoch seconds)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from helpdesk_tui.domain.models import (
    Article, Customer, CustomerNote, Event, Message, Organization, Ticket,
)
from helpdesk_tui.domain.sla import next_due, urgency_key
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.store.schema import EVENT_KIND_CODES, MESSAGE_FORMAT, RAW_KEPT, format_sql
from helpdesk_tui.store.timeconv import from_epoch, from_epoch_not_null, to_epoch

TICKET_COLUMNS = (
    "id, remote_id, number, subject, status, status_raw, priority, priority_raw, requester_id, "
    "organization_id, assignee, grp, tags, custom_fields, created_at, updated_at, first_response_at, "
    "first_response_due_at, next_checkpoint_at, resolution_due_at, solved_at, sla_due_at, sla_kind, "
    "sla_key, version, deleted_at, first_update_at, first_update_due_at, update_due_at, sla_source"
)


# json.dumps(value, ensure_ascii=False) builds an encoder per call; one built once writes the
# same text in about half the time (a sync writes two per ticket). Compact (schema v18).
_json_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def stored_raw(raw: str, value: str) -> str:
    """A server's raw status/priority as the cache keeps it (schema v18): '' when it is the
    normalized ``value``; with ``RAW_KEPT`` in front when it is '' or begins with it."""
    if raw == value:
        return ""
    if not raw or raw[0] == RAW_KEPT:
        return RAW_KEPT + raw
    return raw


def raw_of(stored: str, value: str) -> str:
    """The raw status/priority ``stored_raw`` kept (``schema.raw_sql`` in SQL)."""
    if not stored:
        return value
    return stored[1:] if stored[0] == RAW_KEPT else stored


def _json_list(values: Any) -> str:
    return "[]" if type(values) in (tuple, list) and not values else _json_text(list(values))


def _json_object(value: Any) -> str:
    return "{}" if type(value) is dict and not value else _json_text(value)


def ticket_params(t: Ticket) -> tuple[Any, ...]:
    due = next_due(t)
    status, priority = str(t.status), str(t.priority)
    return (
        t.id, t.remote_id, t.number, t.subject, status, stored_raw(t.status_raw, status), priority,
        stored_raw(t.priority_raw, priority), t.requester_id, t.organization_id, t.assignee, t.group,
        _json_list(t.tags), _json_object(t.custom_fields),
        to_epoch(t.created_at), to_epoch(t.updated_at), to_epoch(t.first_response_at),
        to_epoch(t.first_response_due_at), to_epoch(t.next_checkpoint_at),
        to_epoch(t.resolution_due_at), to_epoch(t.solved_at),
        to_epoch(due.at) if due else None, due.kind if due else None, urgency_key(t),
        t.version, to_epoch(t.deleted_at), to_epoch(t.first_update_at), to_epoch(t.first_update_due_at),
        to_epoch(t.update_due_at), "" if t.sla_source == "policy" else t.sla_source,
    )


def clock_params(t: Ticket) -> tuple[Any, ...]:
    """The SLA columns in the order of ``writer._CLOCK_COLUMNS``."""
    due = next_due(t)
    return (to_epoch(t.first_response_at), to_epoch(t.first_response_due_at), to_epoch(t.first_update_at),
            to_epoch(t.first_update_due_at), to_epoch(t.update_due_at), to_epoch(t.resolution_due_at),
            to_epoch(due.at) if due else None, due.kind if due else None, urgency_key(t))


def ticket_from_row(r: sqlite3.Row | tuple) -> Ticket:
    (tid, remote_id, number, subject, status, status_raw, priority, priority_raw, requester_id,
     organization_id, assignee, grp, tags, custom_fields, created_at, updated_at, first_response_at,
     first_response_due_at, next_checkpoint_at, resolution_due_at, solved_at, _due, _kind, _key,
     version, deleted_at, first_update_at, first_update_due_at, update_due_at, sla_source) = r
    return Ticket(
        id=tid, remote_id=remote_id, number=number, subject=subject, status=Status(status),
        status_raw=raw_of(status_raw, status), priority=Priority(priority),
        priority_raw=raw_of(priority_raw, priority),
        requester_id=requester_id, organization_id=organization_id, assignee=assignee, group=grp,
        tags=tuple(json.loads(tags)), custom_fields=json.loads(custom_fields),
        created_at=from_epoch_not_null(created_at), updated_at=from_epoch_not_null(updated_at),
        first_response_at=from_epoch(first_response_at),
        first_response_due_at=from_epoch(first_response_due_at),
        next_checkpoint_at=from_epoch(next_checkpoint_at),
        resolution_due_at=from_epoch(resolution_due_at), solved_at=from_epoch(solved_at),
        version=version, deleted_at=from_epoch(deleted_at),
        first_update_at=from_epoch(first_update_at), first_update_due_at=from_epoch(first_update_due_at),
        update_due_at=from_epoch(update_due_at), sla_source=sla_source or "policy",
    )


MESSAGE_COLUMNS = "id, remote_id, ticket_id, kind, author, body, body_format, attachments, created_at"
# The same columns as read back: a stored body may be packed (``store/message_bodies.py``), a
# stored format may be implied (schema v18: ``format_sql``).
MESSAGE_SELECT = MESSAGE_COLUMNS.replace(" body,", " message_body(body),").replace(
    " body_format,", f" {format_sql('body_format')},")


def message_select(alias: str) -> str:
    """``MESSAGE_SELECT`` with each column taken from the table named ``alias``."""
    return ", ".join(f"message_body({alias}.body)" if c.strip() == "body"
                     else format_sql(f"{alias}.body_format") if c.strip() == "body_format"
                     else f"{alias}.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))


def message_params(m: Message, stored_body: str | bytes | None = None) -> tuple[Any, ...]:
    """The row of ``m``; ``stored_body`` is its body as stored, when packed."""
    return (m.id, m.remote_id, m.ticket_id, str(m.kind), m.author, m.body if stored_body is None else stored_body,
            stored_raw(m.body_format, MESSAGE_FORMAT),
            json.dumps(list(m.attachments), ensure_ascii=False), to_epoch(m.created_at))


def message_from_row(r: tuple) -> Message:
    mid, remote_id, ticket_id, kind, author, body, body_format, attachments, created_at = r
    return Message(id=mid, remote_id=remote_id, ticket_id=ticket_id, kind=MessageKind(kind),
                   author=author, body=body, body_format=body_format,
                   attachments=tuple(json.loads(attachments)), created_at=from_epoch_not_null(created_at))


EVENT_COLUMNS = "id, ticket_id, kind, at, actor, detail"


# An event's kind is stored as its place in ``schema.EVENT_KIND_CODES`` (schema v17).
_KIND_CODE = {EventKind(kind): code for code, kind in enumerate(EVENT_KIND_CODES)}
_KIND_OF_CODE = {code: EventKind(kind) for code, kind in enumerate(EVENT_KIND_CODES)}


def event_kind_code(kind: EventKind | str) -> int:
    """How ``kind`` is stored in events.kind."""
    return _KIND_CODE[EventKind(kind)]


def event_params(e: Event) -> tuple[Any, ...]:
    return (e.id, e.ticket_id, _KIND_CODE[e.kind], to_epoch(e.at), e.actor, e.detail)


def event_from_row(r: tuple) -> Event:
    eid, ticket_id, kind, at, actor, detail = r
    return Event(id=eid, ticket_id=ticket_id, kind=_KIND_OF_CODE[kind] if type(kind) is int else EventKind(kind),
                 at=from_epoch_not_null(at), actor=actor, detail=detail)


CUSTOMER_COLUMNS = "id, remote_id, name, email, phone, language, organization_id, created_at"


def customer_params(c: Customer) -> tuple[Any, ...]:
    return (c.id, c.remote_id, c.name, c.email, c.phone, c.language, c.organization_id,
            to_epoch(c.created_at))


def customer_from_row(r: tuple) -> Customer:
    cid, remote_id, name, email, phone, language, organization_id, created_at = r
    return Customer(id=cid, remote_id=remote_id, name=name, email=email, phone=phone,
                    language=language, organization_id=organization_id,
                    created_at=from_epoch(created_at))


ORGANIZATION_COLUMNS = "id, remote_id, name, domain, notes"


def organization_params(o: Organization) -> tuple[Any, ...]:
    return (o.id, o.remote_id, o.name, o.domain, o.notes)


def organization_from_row(r: tuple) -> Organization:
    oid, remote_id, name, domain, notes = r
    return Organization(id=oid, remote_id=remote_id, name=name, domain=domain, notes=notes)


NOTE_COLUMNS = "id, customer_id, body, author, created_at, updated_at"


def note_params(n: CustomerNote) -> tuple[Any, ...]:
    return (n.id, n.customer_id, n.body, n.author, to_epoch(n.created_at), to_epoch(n.updated_at))


def note_from_row(r: tuple) -> CustomerNote:
    nid, customer_id, body, author, created_at, updated_at = r
    return CustomerNote(id=nid, customer_id=customer_id, body=body, author=author,
                        created_at=from_epoch_not_null(created_at), updated_at=from_epoch_not_null(updated_at))


ARTICLE_COLUMNS = "id, remote_id, title, body, language, tags, url, updated_at"


def article_params(a: Article) -> tuple[Any, ...]:
    return (a.id, a.remote_id, a.title, a.body, a.language,
            json.dumps(list(a.tags), ensure_ascii=False), a.url, to_epoch(a.updated_at))


def article_from_row(r: tuple) -> Article:
    aid, remote_id, title, body, language, tags, url, updated_at = r
    return Article(id=aid, remote_id=remote_id, title=title, body=body, language=language,
                   tags=tuple(json.loads(tags)), url=url, updated_at=from_epoch(updated_at))
