"""The ``writes:`` section of a mapping file, compiled once: what each command sends.

``parse_writes`` reads reply, note, update and new_ticket (each a list of request steps),
the ``values`` that turn our words into the helpdesk's, how files travel, how a write whose
answer was lost is found again (``delivered``) and where the ticket's version goes. Every
mistake is a ``MappingError`` at its line; ``sync/generic/writes.py`` sends what this builds.

Beyond the format's outline, what a mapping may write here:

- a step: ``request``, ``when`` and ``unless`` (templates: the step runs when ``when`` has a
  value and ``unless`` has none); later steps read ``{steps.N.body…}``/``{steps.N.headers…}``.
- ``new_id``/``number``/``version`` (the ticket's version after the write): a path in the
  last answer, or ``{path | header, pattern: "regex with one group", step: N}``.
- ``values.F``: a table of our words (status, priority), or ``{map, lookup, none, join}``;
  ``none`` is what clears the field (``none: null`` sends JSON null); without it a cleared
  assignee or group is refused.
- ``delivered``: per operation or for the section; a marker may send an idempotency
  ``header`` too, and take a second hop (``then: {request using {found}, id}``). An update
  needs no marker, but one whose steps write ``{command.id}`` is looked for by it too.
- ``attachments.upload``: raw bytes (no body), a multipart part named ``field`` (default
  ``file``) or ``{file.data|base64}`` in JSON; ``token_life`` seconds a token is reused.
- ``{command.files}`` (file names, none without), ``{command.public}``, ``{command.internal}``.
- ``version.send`` puts the version on PUT/PATCH/DELETE steps (never on a POST that creates).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paths import Path, path_at
from helpdesk_tui.sync.generic.requests import RequestSpec, parse_request
from helpdesk_tui.sync.generic.template import Shape, Template, compile_shape, compile_text

WRITE_ROOTS: tuple[str, ...] = (
    "account", "options", "origin", "agent", "ticket", "command", "status", "priority", "assignee", "group",
    "tags", "attachments", "uploads", "steps", "file", "token",
)
OPERATIONS = ("reply", "note", "update", "new_ticket")
FIELDS = ("status", "priority", "assignee", "group", "tags")  # the roots an update's values feed
ATTACHMENT_TYPES = ("multipart", "base64", "upload_token", "none")
DELIVERED_TYPES = ("thread", "marker", "idempotency_header")
# What each operation cannot go without: a reply without its words would land empty.
_NEEDS = {"reply": ("command.body",), "note": ("command.body",), "new_ticket": ("command.subject", "command.body")}
_WHAT_IT_IS = {"command.body": "the message's text", "command.subject": "the ticket's subject"}
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class _Absent:
    """No ``none:`` entry: the field cannot be cleared (distinct from ``none: null``)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Step:
    """One request of an operation; it runs when ``when`` renders a value (and ``unless`` none)."""

    request: RequestSpec
    when: Template | None = None
    unless: Template | None = None
    # A read whose answer must show the ticket's version (when we know one), else Conflict: for
    # a helpdesk whose listing gives a stamp but whose writes want another token (Roundup's ETag).
    check_version: Path | None = None
    # The step writes the message's words (``{command.body}``): once it landed, the reply or note
    # exists, whatever a later step says.
    says: bool = False


@dataclass(frozen=True)
class Pick:
    """Where a value is read from an answer: a path in its body or a header (with an optional
    regular expression whose first group is the value), of step ``step`` (None: the last run)."""

    path: Path | None = None
    header: str | None = None
    pattern: re.Pattern[str] | None = None
    step: int | None = None


@dataclass(frozen=True)
class Verify:
    """A re-read after the write: each field's path in the answer must show what we sent."""

    request: RequestSpec
    fields: dict[str, Path]


@dataclass(frozen=True)
class ValueMap:
    """Our value of one field → the helpdesk's: a table, a lookup by name, or as is;
    ``none`` is what clears the field (``ABSENT``: it cannot be cleared); ``join`` sends a
    list (tags) as one text."""

    table: dict[str, Any] | None = None
    lookup: str | None = None
    none: Any = ABSENT
    join: str | None = None


@dataclass(frozen=True)
class Delivered:
    """How a write with an unknown outcome is found: ``thread`` (read back), ``marker`` (our
    outbox id searched with ``request``: records whose ``where`` holds it; ``id`` is the answer)
    or ``idempotency_header`` (the same key sent again). ``header``: the key's header, sent by
    every write step (idempotency_header, or a marker with a key as well)."""

    type: str = "thread"
    header: str | None = None
    request: RequestSpec | None = None
    records: Path | None = None
    where: Path | None = None
    id: Path | None = None
    # A second hop from what the marker found (the message) to what we want (its ticket):
    # ``then_request`` may use {found}, and ``then_id`` is the answer.
    then_request: RequestSpec | None = None
    then_id: Path | None = None


@dataclass(frozen=True)
class Operation:
    name: str
    steps: tuple[Step, ...]
    node: Node
    new_id: Pick | None = None
    number: Pick | None = None
    version: Pick | None = None  # the ticket's version after the write, from the answer
    verify: Verify | None = None
    delivered: Delivered | None = None  # this operation's own way (else the section's)
    values: dict[str, ValueMap] = field(default_factory=dict)
    uses: frozenset[str] = frozenset()  # every placeholder its steps use ("command.body", "status")
    multipart: bool = False  # a step sends a multipart body (where the files go)

    def sends(self, name: str) -> bool:
        """A step uses ``name`` (a root, or a dotted path under one)."""
        return any(used == name or used.startswith(name + ".") for used in self.uses)


@dataclass(frozen=True)
class Attachments:
    type: str = "none"
    field: str = "attachments[]"  # multipart: the file part's name (an upload with a multipart body: "file")
    item: Shape | None = None  # base64 / upload_token: one list entry per file
    upload: RequestSpec | None = None  # upload_token: the raw bytes go here first
    token: Path | None = None  # upload_token: where the token is in the upload's answer
    token_life: int = 3600  # seconds an unused token is trusted to stay valid (reused after a lost answer)


@dataclass(frozen=True)
class VersionSpec:
    header: str | None = None  # send: {header: If-Match}
    json: tuple[str, ...] | None = None  # send: {json: a.b}: a key in each write's JSON body
    conflict: tuple[int, ...] = (409, 412)
    read: RequestSpec | None = None
    read_path: Path | None = None
    read_header: str | None = None


@dataclass(frozen=True)
class WriteSpec:
    operations: dict[str, Operation] = field(default_factory=dict)
    values: dict[str, ValueMap] = field(default_factory=dict)  # the section's own (the default)
    attachments: Attachments = field(default_factory=Attachments)
    delivered: Delivered = field(default_factory=Delivered)
    version: VersionSpec | None = None
    node: Node | None = None

    def values_for(self, operation: Operation, name: str) -> ValueMap | None:
        """``name``'s values: the operation's own, else the update's (where the format shows
        them), else the section's."""
        for table in (operation.values, self._update_values(), self.values):
            if name in table:
                return table[name]
        return None

    def _update_values(self) -> dict[str, ValueMap]:
        update = self.operations.get("update")
        return update.values if update else {}

    def delivered_for(self, operation: Operation) -> Delivered:
        return operation.delivered or self.delivered


def parse_writes(node: Node | None, *, lookups: Collection[str]) -> WriteSpec:
    """Compile the ``writes:`` section at ``node`` (None: a helpdesk we only read: every write
    is refused with ``NotSupported``); ``lookups`` are the names ``values`` may use."""
    if node is None:
        return WriteSpec()
    node.only(*OPERATIONS, "values", "attachments", "delivered", "version")
    version = _version(node.get("version"))
    conflict = version.conflict if version else ()
    delivered_node = node.get("delivered")
    delivered = _delivered(delivered_node) if delivered_node else Delivered()
    operations = {name: _operation(name, child, lookups, conflict)
                  for name in OPERATIONS if (child := node.get(name)) is not None}
    values = _values(node.get("values"), lookups)
    spec = WriteSpec(operations, values, _attachments(node.get("attachments")), delivered, version, node)
    for operation in operations.values():
        _check_delivered(spec, operation)
    return spec


def _operation(name: str, node: Node, lookups: Collection[str], conflict: tuple[int, ...]) -> Operation:
    node.only("steps", "new_id", "number", "version", "verify", "delivered", "values")
    steps_node = node.need("steps")
    steps = tuple(_step(child, conflict) for child in steps_node.each())
    if not steps:
        raise steps_node.error("lists no request: add at least one step")
    if not any(step.request.writes for step in steps):
        raise steps_node.error("has no step that writes (POST, PUT, PATCH or DELETE): a write needs one")
    # What the requests send (a ``when`` that reads {status} does not send it).
    uses = frozenset(name for child in steps_node.each() for name in _placeholders(child.need("request")))
    for index, child in enumerate(steps_node.each()):
        for used in _placeholders(child):
            if used.startswith("steps."):
                _check_step_reference(child, used, index)
    new_id = _pick(node.get("new_id"), len(steps))
    number = _pick(node.get("number"), len(steps))
    version = _pick(node.get("version"), len(steps))
    verify_node, delivered_node = node.get("verify"), node.get("delivered")
    verify = _verify(verify_node) if verify_node else None
    delivered = _delivered(delivered_node) if delivered_node else None
    values = _values(node.get("values"), lookups)
    multipart = any(step.request.body_kind == "multipart" for step in steps)
    for needed in _NEEDS.get(name, ()):
        if not any(used == needed or used.startswith(needed + ".") for used in uses):
            raise steps_node.error(f"never sends {{{needed}}}: {_WHAT_IT_IS[needed]} would be lost")
    return Operation(name, steps, node, new_id, number, version, verify, delivered, values, uses, multipart)


def _step(node: Node, conflict: tuple[int, ...]) -> Step:
    node.only("request", "when", "unless", "check_version")
    request = parse_request(node.need("request"), WRITE_ROOTS)
    if request.writes and conflict:
        # A conflict status is an answer the write expects (then raises Conflict), not an error.
        request = dataclasses.replace(request, expect=tuple(dict.fromkeys((*request.expect, *conflict))))
    when = node.get("when")
    unless = node.get("unless")
    check = node.get("check_version")
    if check is not None and request.writes:
        raise check.error("reads the version in a read's answer: put it on a GET step before the write")
    says = request.writes and any(name == "command.body" for name in _placeholders(node.need("request")))
    return Step(request, compile_text(when.text(), when, WRITE_ROOTS) if when else None,
                compile_text(unless.text(), unless, WRITE_ROOTS) if unless else None,
                path_at(check) if check is not None else None, says)


def _check_step_reference(node: Node, used: str, index: int) -> None:
    parts = used.split(".")
    if len(parts) < 2 or not parts[1].isdigit():
        raise node.error(f"uses '{{{used}}}': name an earlier step by its number, e.g. {{steps.0.body.id}}")
    if int(parts[1]) >= index:
        raise node.error(f"uses '{{{used}}}', but step {parts[1]} does not run before this one (steps count from 0)")


def _pick(node: Node | None, count: int) -> Pick | None:
    """``path`` text, or ``{path | header [, pattern] [, step]}``."""
    if node is None:
        return None
    if not isinstance(node.value, dict):
        return Pick(path=path_at(node))
    node.only("path", "header", "pattern", "step")
    path, header, pattern, step = node.get("path"), node.get("header"), node.get("pattern"), node.get("step")
    if (path is None) == (header is None):
        raise node.error("needs one of 'path' (in the answer's body) or 'header'")
    compiled = None
    if pattern is not None:
        try:
            compiled = re.compile(pattern.text())
        except re.error as exc:
            raise pattern.error(f"is not a regular expression ({exc})") from None
        if compiled.groups < 1:
            raise pattern.error("needs a group in parentheses: the value is what it matches")
    number = step.integer(minimum=0) if step else None
    if number is not None and number >= count and step is not None:
        raise step.error(f"names step {number}, but there are {count} steps (counted from 0)")
    return Pick(path_at(path) if path else None, header.text().lower() if header else None, compiled, number)


def _verify(node: Node) -> Verify:
    node.only("request", "fields")
    fields = node.need("fields")
    paths = {}
    for name, child in fields.items():
        if name not in FIELDS:
            raise child.error(f"is not a field a write changes: use one of {', '.join(FIELDS)}")
        paths[name] = path_at(child)
    return Verify(parse_request(node.need("request"), WRITE_ROOTS), paths)


def _values(node: Node | None, lookups: Collection[str]) -> dict[str, ValueMap]:
    if node is None:
        return {}
    node.only(*FIELDS)
    out: dict[str, ValueMap] = {}
    for name, child in node.items():
        out[name] = _value_map(name, child, lookups)
    return out


_VALUE_KEYS = ("lookup", "none", "map", "join")


def _value_map(name: str, node: Node, lookups: Collection[str]) -> ValueMap:
    """A status or priority is a table of our words (``{open: 2, …}``), or like any other
    field ``{map: {…}, lookup: NAME, none: VALUE}`` (Help Scout's priorities are a lookup)."""
    words = [s.value for s in Status] if name == "status" else [p.value for p in Priority] \
        if name == "priority" else None
    if words is not None and not set(node.mapping()) <= set(_VALUE_KEYS):
        return ValueMap(table=_words(node, name, words))
    node.only(*_VALUE_KEYS)
    lookup = node.get("lookup")
    if lookup is not None and lookup.text() not in lookups:
        known = ", ".join(sorted(lookups)) or "none are declared under 'lookups'"
        raise lookup.error(f"names the lookup '{lookup.text()}', which is not declared (known: {known})")
    table_node = node.get("map")
    table = (_words(table_node, name, words) if words is not None else
             {ours: child.value for ours, child in table_node.items()}) if table_node else None
    none = node.mapping()["none"] if "none" in node.mapping() else ABSENT
    join = node.get("join")
    if join is not None and name != "tags":
        raise join.error("only joins tags (a list) into one text")
    return ValueMap(table=table, lookup=lookup.text() if lookup else None, none=none,
                    join=join.text() if join else None)


def _words(node: Node, name: str, allowed: list[str]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for ours, theirs in node.items():
        if ours not in allowed:
            raise theirs.error(f"is not one of our {name} words: use {', '.join(allowed)}")
        table[ours] = theirs.value
    return table


def _attachments(node: Node | None) -> Attachments:
    if node is None:
        return Attachments()
    node.only("type", "field", "item", "upload", "token_life")
    kind = node.need("type").choice(*ATTACHMENT_TYPES)
    if kind == "none":
        return Attachments()
    if kind == "multipart":
        part = node.get("field")
        return Attachments(kind, field=part.text() if part else "attachments[]")
    item = compile_shape(node.need("item"), WRITE_ROOTS)
    if kind == "base64":
        return Attachments(kind, item=item)
    upload = node.need("upload")
    upload.only("request", "token")
    life = node.get("token_life")
    request = parse_request(upload.need("request"), WRITE_ROOTS)
    if not request.writes:
        raise upload.need("request").error("must send the file: use method POST (or PUT)")
    part = node.get("field")
    return Attachments(kind, field=part.text() if part else "file", item=item, upload=request,
                       token=path_at(upload.need("token")), token_life=life.integer(minimum=0) if life else 3600)


def _delivered(node: Node) -> Delivered:
    node.only("type", "header", "request", "records", "where", "id", "then")
    kind = node.need("type").choice(*DELIVERED_TYPES)
    if kind == "idempotency_header":
        return Delivered(kind, header=node.need("header").text())
    header = node.get("header")
    then = node.get("then")
    if then is not None and kind != "marker":
        raise then.error("follows what a marker found: use it with type marker")
    if kind == "marker":
        # A marker may come with an idempotency key too (a server that honours one for a while
        # only, as Zendesk's two hours): the key is sent, the marker searched after that.
        return Delivered(kind, header=header.text() if header else None,
                         request=parse_request(node.need("request"), WRITE_ROOTS),
                         records=path_at(node.need("records")), where=path_at(node.need("where")),
                         id=path_at(node.need("id")),
                         then_request=parse_request(then.need("request"), (*WRITE_ROOTS, "found")) if then else None,
                         then_id=_then_id(then) if then else None)
    if header is not None:
        raise header.error("is the idempotency key's header: use it with type idempotency_header or marker")
    return Delivered()


def _then_id(node: Node) -> Path:
    node.only("request", "id")
    return path_at(node.need("id"))


def _check_delivered(spec: WriteSpec, operation: Operation) -> None:
    delivered = spec.delivered_for(operation)
    where = operation.node.get("delivered") or (spec.node.get("delivered") if spec.node else None) or operation.node
    # An update is sent again as it is (setting a field twice changes nothing): it needs no marker.
    if delivered.type == "marker" and operation.name != "update" and not operation.sends("command.id"):
        raise where.error(f"finds a {operation.name} by its marker, but no step of '{operation.name}' writes "
                          "{command.id}: put it where the customer cannot see it")
    if operation.name == "new_ticket" and delivered.type == "thread":
        raise operation.node.error("cannot find a new ticket by reading a thread after a lost answer: give "
                          "new_ticket a delivered of type marker (or idempotency_header)")


def _version(node: Node | None) -> VersionSpec | None:
    if node is None:
        return None
    node.only("send", "conflict", "read")
    header = json_key = None
    send = node.get("send")
    if send is not None:
        # A query parameter or any other place: write {ticket.version} there in the steps.
        send.only("header", "json")
        if len(send.mapping()) != 1:
            raise send.error("needs exactly one of header or json")
        header = send.need("header").text() if send.get("header") else None
        json_key = tuple(send.need("json").text().split(".")) if send.get("json") else None
    conflict_node = node.get("conflict")
    conflict = tuple(c.integer(minimum=400) for c in conflict_node.each()) if conflict_node else (409, 412)
    read = node.get("read")
    if read is None:
        return VersionSpec(header, json_key, conflict)
    read.only("request", "path", "header")
    if read.get("path") is None and read.get("header") is None:
        raise read.error("needs 'path' (in the answer's body) or 'header' (e.g. etag)")
    path = read.get("path")
    read_header = read.get("header")
    return VersionSpec(header, json_key, conflict, parse_request(read.need("request"), WRITE_ROOTS),
                       path_at(path) if path else None, read_header.text().lower() if read_header else None)


def _placeholders(node: Node) -> Iterator[str]:
    """Every placeholder name (without filters) in the strings under ``node``."""
    value = node.value
    if isinstance(value, str):
        for match in _PLACEHOLDER.finditer(value):
            if match.group(1):
                yield match.group(1).split("|")[0].strip()
    elif isinstance(value, dict):
        for _key, child in node.items():
            yield from _placeholders(child)
    elif isinstance(value, list):
        for child in node.each():
            yield from _placeholders(child)
