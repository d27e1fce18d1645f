"""A record of the helpdesk → one of ours (``RemoteTicket``, ``RemoteMessage``…), by the
``fields:`` table of a mapping.

This is the sync's hot loop: each field is compiled at load into a getter and a converter
(``values.py``), so reading a record is a list of function calls, never a walk over the spec.
A record a required field cannot be read from raises ``Unreadable`` with one sentence naming
the field; the stream reader skips that record and reports it (``ChangePage.skipped``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.domain.remote import (
    RemoteArticle, RemoteMessage, RemoteOrganization, RemoteRating, RemoteTemplate, RemoteTicket, RemoteUser,
)
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paths import compile_path
from helpdesk_tui.sync.generic.values import (
    Condition, Env, Getter, ValueSpec, check_date_format, parse_condition, parse_date, parse_value, text_key,
)

T = TypeVar("T")


class Unreadable(ValueError):
    """A record without a required field (or with one that is not what it should be)."""


class Kind(Enum):
    TEXT = "text"
    INT = "int"
    DATE = "date"
    STATUS = "status"
    PRIORITY = "priority"
    KIND = "kind"
    BOOL = "bool"
    TAGS = "tags"
    ATTACHMENTS = "attachments"
    FORMAT = "format"
    RATING = "rating"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Target:
    attr: str  # the dataclass field
    kind: Kind
    required: bool = False


TICKET = {
    "remote_id": Target("remote_id", Kind.TEXT, True),
    "number": Target("number", Kind.INT, True),
    "subject": Target("subject", Kind.TEXT, True),
    "status": Target("status", Kind.STATUS),
    "priority": Target("priority", Kind.PRIORITY),
    "created_at": Target("created_at", Kind.DATE, True),
    "updated_at": Target("updated_at", Kind.DATE, True),
    "requester": Target("requester_remote_id", Kind.TEXT),
    "organization": Target("organization_remote_id", Kind.TEXT),
    "assignee": Target("assignee", Kind.TEXT),
    "group": Target("group", Kind.TEXT),
    "tags": Target("tags", Kind.TAGS),
    "version": Target("version", Kind.TEXT),
    "first_response_at": Target("first_response_at", Kind.DATE),
    "solved_at": Target("solved_at", Kind.DATE),
    "first_response_due_at": Target("first_response_due_at", Kind.DATE),
    "resolution_due_at": Target("resolution_due_at", Kind.DATE),
    "rating": Target("rating", Kind.RATING),
    "custom_fields": Target("custom_fields", Kind.CUSTOM),
}
MESSAGE = {
    "remote_id": Target("remote_id", Kind.TEXT, True),
    "kind": Target("kind", Kind.KIND),
    "author": Target("author", Kind.TEXT),
    "body": Target("body", Kind.TEXT, True),
    "body_format": Target("body_format", Kind.FORMAT),
    "created_at": Target("created_at", Kind.DATE, True),
    "attachments": Target("attachments", Kind.ATTACHMENTS),
}
USER = {
    "remote_id": Target("remote_id", Kind.TEXT, True),
    "name": Target("name", Kind.TEXT),
    "email": Target("email", Kind.TEXT),
    "organization": Target("organization_remote_id", Kind.TEXT),
    "phone": Target("phone", Kind.TEXT),
    "language": Target("language", Kind.TEXT),
}
ORGANIZATION = {
    "remote_id": Target("remote_id", Kind.TEXT, True),
    "name": Target("name", Kind.TEXT),
    "domain": Target("domain", Kind.TEXT),
}
ARTICLE = {
    "remote_id": Target("remote_id", Kind.TEXT, True),
    "title": Target("title", Kind.TEXT, True),
    "body": Target("body", Kind.TEXT, True),
    "url": Target("url", Kind.TEXT),
    "tags": Target("tags", Kind.TAGS),
    "updated_at": Target("updated_at", Kind.DATE),
    "archived": Target("archived", Kind.BOOL),
    "language": Target("language", Kind.TEXT),
    "body_format": Target("body_format", Kind.FORMAT),  # per record: an html body is turned to text
}
TEMPLATE = {
    "remote_id": Target("remote_id", Kind.TEXT, True),
    "name": Target("name", Kind.TEXT, True),
    "body": Target("body", Kind.TEXT, True),
    "description": Target("description", Kind.TEXT),
    "body_format": Target("body_format", Kind.FORMAT),
}
ATTACHMENT_FIELDS = ("remote_id", "name", "size", "media_type", "url")

_STATUSES = {s.value for s in Status}
_PRIORITIES = {p.value for p in Priority}
_KINDS = {k.value for k in MessageKind}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


def _vocab(allowed: set[str], what: str) -> Callable[[Node], Any]:
    def check(node: Node) -> str:
        text = node.text()
        if text not in allowed:
            raise node.error(f"is not a {what}: use one of {', '.join(sorted(allowed))}")
        return text
    return check


def _boolean(node: Node) -> bool:
    if isinstance(node.value, bool):
        return node.value
    text = node.text().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise node.error("must be true or false")


_MAP_CHECKS: dict[Kind, Callable[[Node], Any]] = {
    Kind.STATUS: _vocab(_STATUSES, "status of ours"),
    Kind.PRIORITY: _vocab(_PRIORITIES, "priority of ours"),
    Kind.KIND: _vocab(_KINDS, "message kind of ours"),
    Kind.BOOL: _boolean,
}


# A compiled field reads one converted value: a list of (attr, reader, required, label) is a record.
Reader = Callable[[Any, Env], Any]


class RecordReader(Generic[T]):
    """``read(record, env)`` → our record; ``Unreadable`` with a sentence for a record it cannot read."""

    def __init__(self, build: Callable[..., T], fields: list[tuple[str, Reader, bool, str]],
                 extra: Callable[[Any, Env, dict[str, Any]], None] | None, what: str) -> None:
        self._build = build
        self._fields = fields
        self._extra = extra
        self.what = what
        # Fields our record cannot be built without, when the mapping gives no value for them.
        self.defaults: dict[str, Any] = dict(DEFAULTS.get(build, {}))
        self.id_path: Reader | None = next((read for attr, read, _r, _l in fields if attr == "remote_id"), None)

    def read(self, record: Any, env: Env) -> T:
        if not isinstance(record, dict):
            raise Unreadable(f"it is not an object but {type(record).__name__}")
        values: dict[str, Any] = {}
        for attr, read, required, label in self._fields:
            try:
                value = read(record, env)
            except Unreadable:
                raise
            except (ValueError, TypeError, OverflowError, OSError, KeyError, IndexError, AttributeError) as exc:
                raise Unreadable(f"its {label} cannot be read ({type(exc).__name__})") from None
            if value is None:
                if required:
                    raise Unreadable(f"it has no {label}")
                continue
            values[attr] = value
        for attr, value in self.defaults.items():
            values.setdefault(attr, value)
        if self._extra is not None:
            self._extra(record, env, values)
        values["raw"] = record
        return self._build(**values)

    def remote_id(self, record: Any, env: Env) -> str | None:
        """The record's id as we name it (for a deleted record or a skipped one)."""
        if self.id_path is None or not isinstance(record, dict):
            return None
        try:
            value = self.id_path(record, env)
        except (ValueError, TypeError):
            return None
        return None if value is None else str(value)


def _converter(kind: Kind, spec: ValueSpec) -> Callable[[Any], Any]:
    if kind is Kind.TEXT:
        def text(value: Any) -> str | None:
            if isinstance(value, str) or value is None:
                return value
            if isinstance(value, (dict, list)):  # the path leads to an object: not text we can show
                raise TypeError(f"an {type(value).__name__} where text belongs")
            return text_key(value)
        return text
    if kind is Kind.INT:
        def integer(value: Any) -> int | None:
            if value is None or value == "":
                return None
            if isinstance(value, bool):
                raise ValueError("a boolean is not a number")
            return int(value)
        return integer
    if kind is Kind.DATE:
        fmt = spec.date
        return lambda value: None if value is None or value == "" else parse_date(value, fmt)
    if kind is Kind.TAGS:
        def tags(value: Any) -> tuple[str, ...] | None:
            if value is None:
                return None
            if isinstance(value, str):
                return tuple(t.strip() for t in value.split(",") if t.strip())
            if isinstance(value, (list, tuple)):
                return tuple(text_key(t.get("name") if isinstance(t, dict) else t) for t in value if t is not None)
            raise ValueError("tags are not a list")
        return tags
    if kind is Kind.BOOL:
        return lambda value: None if value is None else (value if isinstance(value, bool)
                                                        else text_key(value).lower() in _TRUE)
    if kind is Kind.FORMAT:
        return lambda value: None if value is None else text_key(value)
    return lambda value: value


def _vocab_reader(kind: Kind, spec: ValueSpec | None, fallback: str) -> tuple[Reader, Reader | None]:
    """Status, priority or message kind: the mapped value, or the value itself when it is one
    of ours, else the default; and the raw value (before the map) for ``status_raw``."""
    allowed = {Kind.STATUS: _STATUSES, Kind.PRIORITY: _PRIORITIES, Kind.KIND: _KINDS}[kind]
    enum: Callable[[str], Any] = {Kind.STATUS: Status, Kind.PRIORITY: Priority, Kind.KIND: MessageKind}[kind]
    if spec is None:
        constant = enum(fallback)
        return (lambda record, env: constant), None
    get = spec.get
    default = enum(fallback)

    def read(record: Any, env: Env) -> Any:
        value = get(record, env)
        text = text_key(value).lower() if value is not None else ""
        return enum(text) if text in allowed else default
    raw = spec.raw if spec.raw is not None else spec.get
    return read, (lambda record, env: text_key(raw(record, env)))


def compile_reader(node: Node, targets: Mapping[str, Target], build: Callable[..., T], what: str, *,
                   joins: Collection[str], context_roots: Collection[str] = ()) -> RecordReader[T]:
    """Compile the ``fields:`` table at ``node`` for a record of ``what`` (ticket, message…)."""
    node.mapping()
    given = dict(node.items())
    for name, child in given.items():
        if name not in targets:
            raise child.error(f"is not a field of a {what}: use one of {', '.join(targets)}")
    for name, target in targets.items():
        if target.required and name not in given:
            raise node.error(f"needs the field '{name}' (a {what} cannot be stored without it)")
    fields: list[tuple[str, Reader, bool, str]] = []
    extras: list[Callable[[Any, Env, dict[str, Any]], None]] = []
    for name, child in given.items():
        target = targets[name]
        if target.kind is Kind.KIND:
            fields.append((target.attr, _kind_reader(child, joins, context_roots), False, name))
            continue
        if target.kind is Kind.ATTACHMENTS:
            fields.append((target.attr, _attachments_reader(child, joins, context_roots), False, name))
            continue
        if target.kind is Kind.RATING:
            fields.append((target.attr, _rating_reader(child, joins, context_roots), False, name))
            continue
        if target.kind is Kind.CUSTOM:
            fields.append((target.attr, _custom_reader(child), False, name))
            continue
        spec = parse_value(child, joins=joins, context_roots=context_roots, map_values=_MAP_CHECKS.get(target.kind))
        if spec.date is not None and target.kind is not Kind.DATE:
            raise child.need("date").error(f"is for times, and {name} is not one")
        if spec.date is not None:
            check_date_format(child.need("date"))
        if spec.format is not None and name != "body":
            raise child.need("format").error("is for a body")
        if target.kind in (Kind.STATUS, Kind.PRIORITY):
            fallback = _fallback(child, target.kind)
            read, raw = _vocab_reader(target.kind, spec, fallback)
            fields.append((target.attr, read, False, name))
            if raw is not None:
                fields.append((f"{target.attr}_raw", raw, False, name))
            continue
        convert = _converter(target.kind, spec)
        get = spec.get
        fields.append((target.attr, _chain(get, convert), target.required, name))
        if name == "body" and spec.format is not None:
            fmt = spec.format
            if build in (RemoteArticle, RemoteTemplate):
                if fmt == "html" and "body_format" not in given:
                    fields[-1] = (target.attr, _chain(get, lambda v: None if v is None else html_to_text(str(v))),
                                  True, name)
            elif "body_format" in targets and "body_format" not in given:
                fields.append(("body_format", _constant(fmt), False, "body_format"))
    if build in (RemoteUser, RemoteOrganization):
        extras.append(_name_fallback)
    if build is RemoteMessage:
        extras.append(_attachments_tuple)
    if build in (RemoteArticle, RemoteTemplate) and "body_format" in given:
        extras.append(_body_as_text)

    def extra(record: Any, env: Env, values: dict[str, Any]) -> None:
        for step in extras:
            step(record, env, values)
    return RecordReader(build, fields, extra if extras else None, what)


def _fallback(node: Node, kind: Kind) -> str:
    if isinstance(node.value, dict) and node.get("default") is not None:
        return str(_MAP_CHECKS[kind](node.need("default")))
    return "open" if kind is Kind.STATUS else "normal"


DEFAULTS: dict[Any, dict[str, Any]] = {
    RemoteMessage: {"kind": MessageKind.PUBLIC_REPLY, "author": ""},
    RemoteTicket: {"status": Status.OPEN, "priority": Priority.NORMAL},
    RemoteUser: {"name": ""},
    RemoteOrganization: {"name": ""},
}


def _constant(value: Any) -> Reader:
    return lambda record, env: value


def _chain(get: Getter, convert: Callable[[Any], Any]) -> Reader:
    return lambda record, env: convert(get(record, env))


def _name_fallback(record: Any, env: Env, values: dict[str, Any]) -> None:
    if not values.get("name"):
        values["name"] = values.get("email") or values["remote_id"]


def _body_as_text(record: Any, env: Env, values: dict[str, Any]) -> None:
    """An article or template whose ``body_format`` says html (one record may be HTML and the
    next plain text, whose line breaks an HTML reading would lose): its body as text."""
    if values.pop("body_format", None) == "html" and values.get("body") is not None:
        values["body"] = html_to_text(str(values["body"]))


def _attachments_tuple(record: Any, env: Env, values: dict[str, Any]) -> None:
    files = values.get("attachments")
    if files is not None and not isinstance(files, tuple):
        values["attachments"] = tuple(files)


def _kind_reader(node: Node, joins: Collection[str], context_roots: Collection[str]) -> Reader:
    """``kind: customer``, a field spec (path + map), or rules: ``[{when: COND, kind: X}, …, {kind: Y}]``."""
    if isinstance(node.value, list):
        rules: list[tuple[Condition | None, MessageKind]] = []
        for item in node.each():
            item.only("when", "kind")
            kind = MessageKind(_MAP_CHECKS[Kind.KIND](item.need("kind")))
            when = item.get("when")
            rules.append((parse_condition(when, context_roots, joins) if when is not None else None, kind))
        if not rules or rules[-1][0] is not None:
            raise node.error("needs a last rule without 'when' (the kind when no rule matches)")

        def by_rules(record: Any, env: Env) -> MessageKind:
            for condition, kind in rules:
                if condition is None or condition.test(record, env):
                    return kind
            return rules[-1][1]
        return by_rules
    if isinstance(node.value, str) and node.value in _KINDS:
        constant = MessageKind(node.value)
        return lambda record, env: constant
    spec = parse_value(node, joins=joins, context_roots=context_roots, map_values=_MAP_CHECKS[Kind.KIND])
    read, _raw = _vocab_reader(Kind.KIND, spec, _fallback(node, Kind.KIND) if isinstance(node.value, dict)
                               and node.get("default") is not None else "public_reply")
    return read


def _attachments_reader(node: Node, joins: Collection[str], context_roots: Collection[str]) -> Reader:
    """``{records: PATH, fields: {remote_id, name, size, media_type, url}}`` → a list of dicts;
    ``download: {base64: PATH}``: the url answers JSON with the bytes base64 at PATH. Inside,
    ``message`` names the message record the files belong to (``{message.id}`` in a URL).
    ``exclude: PATH`` (in the message record) lists remote ids other messages claim: an issue's
    files, less those its journals added, are its description's."""
    node.only("records", "fields", "download", "exclude")
    context_roots = (*context_roots, "message")
    download = node.get("download")
    if download is not None:
        download.only("base64")
        compile_path(download.need("base64").text(), download.need("base64"))  # checked at load
    base64_at = download.need("base64").text() if download is not None else None
    records = compile_path(node.need("records").text(), node.need("records"))
    exclude_node = node.get("exclude")
    exclude = compile_path(exclude_node.text(), exclude_node) if exclude_node is not None else None
    table = node.need("fields")
    table.mapping()
    specs: list[tuple[str, Getter]] = []
    for name, child in table.items():
        if name not in ATTACHMENT_FIELDS:
            raise child.error(f"is not a field of an attachment: use one of {', '.join(ATTACHMENT_FIELDS)}")
        specs.append((name, parse_value(child, joins=joins, context_roots=context_roots).get))
    if "name" not in dict(specs):
        raise table.error("needs the field 'name'")

    def read(record: Any, env: Env) -> list[dict[str, Any]]:
        found = records(record)
        if found is None:
            return []
        if isinstance(found, dict):
            found = [found]
        if not isinstance(found, list):
            raise Unreadable("its attachments are not a list")
        claimed = exclude(record) if exclude is not None else None
        others = {text_key(v) for v in claimed} if isinstance(claimed, list) else set()
        env = Env(env.side_loads, env.lookup, {**env.context, "message": record})
        out = []
        for item in found:
            if not isinstance(item, dict):
                continue
            meta: dict[str, Any] = {}
            for name, get in specs:
                value = get(item, env)
                if value is None:
                    continue
                if name == "size":
                    try:
                        value = int(value)
                    except (TypeError, ValueError):
                        continue
                elif name != "size":
                    value = text_key(value)
                meta[name] = value
            if meta.get("name") and meta.get("remote_id") not in others:
                if base64_at is not None:
                    meta["base64_at"] = base64_at
                out.append(meta)
        return out
    return read


def _custom_reader(node: Node) -> Reader:
    """A helpdesk's own fields: a path to an object (kept as it is), or ``{records: PATH, key:
    PATH, value: PATH}``: a list of records, each one field (``[{id: 360001, value: "eu-1"}]``)."""
    if not isinstance(node.value, dict):
        whole = compile_path(node.text(), node)

        def as_object(record: Any, env: Env) -> dict[str, Any] | None:
            found = whole(record)
            return {str(k): v for k, v in found.items()} if isinstance(found, dict) else None
        return as_object
    node.only("records", "key", "value")
    records, key, value = (compile_path(node.need(k).text(), node.need(k)) for k in ("records", "key", "value"))

    def from_list(record: Any, env: Env) -> dict[str, Any] | None:
        found = records(record)
        if not isinstance(found, list):
            return None
        return {text_key(ident): value(item) for item in found
                if isinstance(item, dict) and (ident := key(item)) is not None and ident != ""}
    return from_list


RATING_FIELDS = ("score", "comment", "remote_id", "created_at")
_SCORES = ("good", "bad")


def _rating_reader(node: Node, joins: Collection[str], context_roots: Collection[str]) -> Reader:
    """``{score, comment, remote_id, created_at}`` (each a field spec) → a ``RemoteRating``; a
    score that is not good or bad (after its ``map``: a survey offered, not answered) is none."""
    node.only(*RATING_FIELDS)
    specs = {name: parse_value(child, joins=joins, context_roots=context_roots) for name, child in node.items()}
    if "score" not in specs:
        raise node.error("needs 'score' (good or bad, after its map)")
    if "created_at" in specs and specs["created_at"].date is not None:
        check_date_format(node.need("created_at").need("date"))

    def read(record: Any, env: Env) -> RemoteRating | None:
        score = specs["score"].get(record, env)
        text = text_key(score).strip().lower() if score is not None else ""
        if text not in _SCORES:
            return None
        values = {name: spec.get(record, env) for name, spec in specs.items() if name != "score"}
        when = values.get("created_at")
        ident = values.get("remote_id")
        return RemoteRating(score=text, comment="" if values.get("comment") is None else str(values["comment"]),
                            remote_id=None if ident is None or ident == "" else text_key(ident),
                            created_at=None if when in (None, "") else parse_date(when, specs["created_at"].date))
    return read


READERS: dict[str, tuple[Mapping[str, Target], Callable[..., Any]]] = {
    "ticket": (TICKET, RemoteTicket),
    "message": (MESSAGE, RemoteMessage),
    "user": (USER, RemoteUser),
    "organization": (ORGANIZATION, RemoteOrganization),
    "article": (ARTICLE, RemoteArticle),
    "template": (TEMPLATE, RemoteTemplate),
}


def reader_for(what: str, node: Node, *, joins: Collection[str],
               context_roots: Collection[str] = ()) -> RecordReader[Any]:
    targets, build = READERS[what]
    return compile_reader(node, targets, build, what, joins=joins, context_roots=context_roots)


def ticket_context(ticket: RemoteTicket) -> dict[str, Any]:
    """A ticket as message templates and conditions see it: ``{ticket.remote_id}``,
    ``{ticket.requester}``… (our field names) and ``{ticket.raw…}``."""
    return {
        "remote_id": ticket.remote_id, "number": ticket.number, "subject": ticket.subject,
        "status": ticket.status.value, "priority": ticket.priority.value,
        "requester": ticket.requester_remote_id, "organization": ticket.organization_remote_id,
        "assignee": ticket.assignee, "group": ticket.group, "tags": list(ticket.tags), "version": ticket.version,
        "created_at": _iso(ticket.created_at), "updated_at": _iso(ticket.updated_at), "raw": ticket.raw,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
