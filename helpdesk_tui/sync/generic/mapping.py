"""A whole mapping file → a typed ``Mapping``, checked and compiled once, at load.

Each section is read by the parser of its concept (``streams``, ``paging``, ``incremental``,
``fields``, ``lookups``; ``writes`` and ``rate_limit`` by the writes side). Any mistake is a
``MappingError``: one sentence naming the file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from helpdesk_tui.config.account_options import Option
from helpdesk_tui.domain.attachment_limits import NO_ATTACHMENTS, AttachmentLimits
from helpdesk_tui.domain.remote import RemoteMessage, RemoteTicket
from helpdesk_tui.sync.contract import Capabilities, ChangeFeed, Concurrency
from helpdesk_tui.sync.generic.fields import RecordReader, reader_for
from helpdesk_tui.sync.generic.incremental import Incremental, parse_incremental
from helpdesk_tui.sync.generic.lookups import LookupSpec, parse_lookups
from helpdesk_tui.sync.generic.node import MappingError, Node, load, loads
from helpdesk_tui.sync.generic.paths import Path, compile_path
from helpdesk_tui.sync.generic.requests import RequestSpec, parse_request
from helpdesk_tui.sync.generic.streams import StreamSpec, parse_stream
from helpdesk_tui.sync.generic.template import Shape, Template, compile_shape, compile_text
from helpdesk_tui.sync.generic.values import Condition, parse_condition
from helpdesk_tui.sync.generic.writes import WriteSpec, parse_writes
from helpdesk_tui.sync.request_budget import RateLimitSpec, parse_rate_limit

__all__ = ["Mapping", "MappingError", "load_mapping", "parse_mapping"]

BASE_ROOTS = ("account", "options", "origin")
TOP_KEYS = ("format", "name", "label", "options", "base_url", "auth", "headers", "write_headers", "rate_limit",
            "capabilities", "check", "lookups", "tickets", "users", "organizations", "messages", "articles",
            "templates", "writes")
AUTH_KEYS = {
    "none": (),
    "basic": ("user", "password"),
    "bearer": ("token", "scheme"),
    "header": ("name", "value"),
    "query": ("param", "value"),
    "oauth2_client_credentials": ("token_url", "client_id", "client_secret", "scope"),
    "oauth2_refresh_token": ("token_url", "client_id", "client_secret", "refresh_token", "scope"),
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|bytes?|kb|kib|mb|mib|gb|gib)?\s*", re.IGNORECASE)
_UNITS = {None: 1, "b": 1, "byte": 1, "bytes": 1, "kb": 1000, "kib": 1024, "mb": 1000 ** 2, "mib": 1024 ** 2,
          "gb": 1000 ** 3, "gib": 1024 ** 3}


@dataclass(frozen=True)
class AuthSpec:
    type: str
    values: dict[str, Template] = field(default_factory=dict)
    # An alternative of a list: used when ``when`` renders a value, else ``otherwise`` is tried.
    when: Template | None = None
    otherwise: AuthSpec | None = None

    def chosen(self, context: dict[str, Any]) -> AuthSpec:
        """The first alternative whose ``when`` has a value for this account (the last has none)."""
        auth = self
        while auth.when is not None and auth.otherwise is not None and auth.when.render(context) in (None, ""):
            auth = auth.otherwise
        return auth


@dataclass(frozen=True)
class CheckSpec:
    request: RequestSpec
    id: Path | None
    name: Path | None
    email: Path | None
    says: Template | None
    # An answer that signs in without the rights this app needs (an end user, not an agent):
    # when the condition holds for the answer, the sign-in is refused with this sentence.
    refuse: tuple[Condition, Template] | None = None


@dataclass(frozen=True)
class OneTicket:
    """How one ticket is read by its number (``tickets.one``): a jump to a ticket not synced yet,
    a full scan's check of a ticket that left the listing, a thread read with only an id."""

    request: RequestSpec  # roots: number, remote_id
    record: Path
    # What it can be asked by: a request naming {remote_id} (or {number}) answers for that; one
    # naming either answers for both when the fields read remote_id and number from the same place.
    by_id: bool = True
    by_number: bool = True


@dataclass(frozen=True)
class TicketStream:
    stream: StreamSpec
    incremental: Incremental
    deleted: Condition | None
    reader: RecordReader[RemoteTicket]
    one: OneTicket | None
    # Listings of tickets that left the main one (deleted, spam), read with its filter: deletions.
    gone: tuple[StreamSpec, ...] = ()


USERS_JOIN = "users"


@dataclass(frozen=True)
class People:
    """Users or organizations: from inside each ticket, a side-load, or a request per id."""

    what: str
    in_ticket: Path | None
    side_load: str | None
    request: RequestSpec | None
    record: Path
    reader: RecordReader[Any]
    key: str  # the ticket (or user) field naming them: requester / organization


@dataclass(frozen=True)
class MessagePart:
    stream: StreamSpec
    reader: RecordReader[RemoteMessage]
    # ``in_ticket``: where the listed ticket record already holds this part's answer (threads
    # embedded in the listing): read from there, no request; a ticket without it sends the request.
    in_ticket: Path | None = None
    when: Condition | None = None  # over the ticket (our fields and raw): the part is read only where it holds


@dataclass(frozen=True)
class ThreadBatch:
    """Threads of many tickets in one request (``messages.batch``)."""

    request: RequestSpec  # roots: ids (the list), and the base
    ids_param: str
    max: int
    records: Path
    ticket_id: Path
    reader: RecordReader[RemoteMessage]
    ids_join: str | None = ","  # the ids in one parameter joined by this; None: the parameter repeated


@dataclass(frozen=True)
class Parent:
    stream: StreamSpec
    name: str  # ``as``: the root the next level's request names


@dataclass(frozen=True)
class ListStream:
    """Articles or templates."""

    parents: tuple[Parent, ...]
    stream: StreamSpec
    incremental: Incremental | None
    reader: RecordReader[Any]
    placeholders: tuple[tuple[str, str], ...] = ()
    kind: str | None = None  # templates: what the helpdesk calls them ("macro", "canned response")


@dataclass(frozen=True)
class Mapping:
    file: str
    name: str | None
    label: str
    options: tuple[Option, ...]
    base_url: Template
    auth: AuthSpec
    headers: Shape | None
    write_headers: Shape | None
    capabilities: Capabilities  # internal_notes among them
    check: CheckSpec | None
    lookups: dict[str, LookupSpec]
    tickets: TicketStream
    users: People | None
    organizations: People | None
    messages: tuple[MessagePart, ...]
    batch: ThreadBatch | None
    articles: ListStream | None
    templates: ListStream | None
    writes: WriteSpec  # the writes side's (``writes_spec.parse_writes``)
    rate_limit: RateLimitSpec | None  # the writes side's ``request_budget.parse_rate_limit``
    root: Node = field(compare=False, repr=False)


def load_mapping(path: FilePath, *, shown: str | None = None) -> Mapping:
    """Read and compile the mapping file at ``path``; ``MappingError`` with one sentence.

    A file is compiled once per process while it stays the same (its size and modification
    time): adding an account checks it, builds the client and the backend from it, and each
    compile takes tens of milliseconds."""
    try:
        stat = path.stat()
        key: tuple[str, int, int, str | None] | None = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, shown)
    except OSError:
        key = None  # load() says why in a sentence
    if key is not None and key in _COMPILED:
        return _COMPILED[key]
    compiled = parse_mapping(load(path, shown=shown))
    if key is not None:
        _COMPILED[key] = compiled
    return compiled


_COMPILED: dict[tuple[str, int, int, str | None], Mapping] = {}


def loads_mapping(text: str, file: str = "mapping.yaml") -> Mapping:
    return parse_mapping(loads(text, file))


def parse_mapping(root: Node) -> Mapping:
    # Top-level keys starting with "x-" hold YAML anchors for the rest of the file (`&name`, `*name`,
    # `<<: *name`), as docker-compose files do: not read themselves.
    root.only(*TOP_KEYS, *(key for key, _child in root.items() if key.startswith("x-")))
    fmt = root.need("format")
    if fmt.value != 1:
        raise fmt.error("must be 1 (the only format this version reads)")
    options = _options(root.get("options"))
    lookups = parse_lookups(root.get("lookups"), BASE_ROOTS)
    tickets_node = root.need("tickets")
    side_loads = _side_load_names(tickets_node)
    joins = set(lookups) | side_loads
    tickets = _tickets(tickets_node, joins)
    users = _people(root.get("users"), "user", "requester", joins, side_loads)
    organizations = _people(root.get("organizations"), "organization", "organization", joins, side_loads)
    # join: users (a message's author id → the person's name) is built in where users are read.
    message_joins = set(lookups) | ({USERS_JOIN} if users is not None else set())
    messages, batch = _messages(root.need("messages"), message_joins)
    articles = _list_stream(root.get("articles"), "article", set(lookups))
    templates = _list_stream(root.get("templates"), "template", set(lookups))
    label = root.need("label").text()
    caps = _capabilities(root.get("capabilities"), tickets.incremental, kb=articles is not None,
                         templates=templates is not None)
    headers = root.get("headers")
    write_headers = root.get("write_headers")
    name = root.get("name")
    return Mapping(
        file=root.file, name=name.text() if name else None, label=label, options=options,
        base_url=compile_text(root.need("base_url").text(), root.need("base_url"), BASE_ROOTS),
        auth=_auth(root.get("auth")),
        headers=compile_shape(headers, BASE_ROOTS) if headers is not None else None,
        write_headers=compile_shape(write_headers, (*BASE_ROOTS, "agent", "ticket", "command"))
        if write_headers is not None else None,
        capabilities=caps, check=_check(root.get("check")), lookups=lookups,
        tickets=tickets, users=users, organizations=organizations, messages=messages, batch=batch,
        articles=articles, templates=templates, writes=parse_writes(root.get("writes"), lookups=set(lookups)),
        rate_limit=parse_rate_limit(root.get("rate_limit")),
        root=root)


# --- sections ------------------------------------------------------------------------------

def _options(node: Node | None) -> tuple[Option, ...]:
    if node is None:
        return ()
    out: list[Option] = []
    for name, child in node.items():
        if isinstance(child.value, str):
            out.append(Option(name, child.value))
            continue
        child.only("help", "required")
        required = child.get("required")
        out.append(Option(name, child.need("help").text(), required.flag() if required else False))
    return tuple(out)


def _auth(node: Node | None) -> AuthSpec:
    if node is None:
        return AuthSpec("basic", {"user": _fixed("{account.user}"), "password": _fixed("{account.token}")})
    if isinstance(node.value, list):
        # Alternatives, e.g. Basic with the account's user, else a bearer token: each but the
        # last says `when` (a template over the account) it applies.
        items = list(node.each())
        if not items:
            raise node.error("lists no way to sign in")
        chosen: AuthSpec | None = None
        for index, item in reversed(list(enumerate(items))):
            when = item.get("when")
            last = index == len(items) - 1
            if last and when is not None:
                raise when.error("is on the last way to sign in: leave it out (it is used when no other applies)")
            if not last and when is None:
                raise item.error("needs 'when' (a template over the account): only the last way goes without")
            one = _auth_table(item, ("when",))
            chosen = AuthSpec(one.type, one.values, compile_text(when.text(), when, BASE_ROOTS) if when else None,
                              chosen)
        assert chosen is not None
        return chosen
    return _auth_table(node, ())


def _auth_table(node: Node, also: tuple[str, ...]) -> AuthSpec:
    kind = node.need("type").choice(*AUTH_KEYS)
    node.only("type", *AUTH_KEYS[kind], *also)
    values = {key: compile_text(child.text(), child, BASE_ROOTS) for key, child in node.items()
              if key != "type" and key not in also}
    needed = {"basic": ("user", "password"), "bearer": ("token",), "header": ("name", "value"),
              "query": ("param", "value"), "oauth2_client_credentials": ("token_url", "client_id", "client_secret"),
              "oauth2_refresh_token": ("token_url", "client_id", "refresh_token")}.get(kind, ())
    for key in needed:
        node.need(key)
    return AuthSpec(kind, values)


def _fixed(text: str) -> Template:
    return compile_text(text, Node(text, "", 0, ""), BASE_ROOTS)


def _check(node: Node | None) -> CheckSpec | None:
    if node is None:
        return None
    node.only("request", "id", "name", "email", "says", "refuse")
    paths = {key: compile_path(child.text(), child) for key in ("id", "name", "email")
             if (child := node.get(key)) is not None}
    says = node.get("says")
    roots = ("label", "name", "email", "id")
    refuse_node = node.get("refuse")
    refuse = None
    if refuse_node is not None:
        refuse_node.only("when", "says")
        sentence = refuse_node.need("says")
        refuse = (parse_condition(refuse_node.need("when"), ()), compile_text(sentence.text(), sentence, roots))
    return CheckSpec(parse_request(node.need("request"), BASE_ROOTS), paths.get("id"), paths.get("name"),
                     paths.get("email"), compile_text(says.text(), says, roots) if says else None, refuse)


def _side_load_names(node: Node) -> set[str]:
    loads = node.get("side_loads")
    return {name for name, _child in loads.items()} if loads is not None else set()


def _tickets(node: Node, joins: Collection[str]) -> TicketStream:
    # {since}: the incremental filter's value, for an API that wants it elsewhere than one parameter
    stream = parse_stream(node, (*BASE_ROOTS, "since"), also=("incremental", "deleted", "fields", "one", "gone"))
    deleted = node.get("deleted")
    gone = node.get("gone")
    if gone is not None and not isinstance(gone.value, list):
        raise gone.error("must be a list of listings (each a request and its records), e.g. the deleted tickets")
    one = node.get("one")
    one_spec = None
    if one is not None:
        one.only("request", "record")
        record = one.get("record")
        request = parse_request(one.need("request"), (*BASE_ROOTS, "number", "remote_id"))
        fields = node.need("fields")
        same = fields.get("remote_id") is not None and fields.get("number") is not None \
            and fields.need("remote_id").value == fields.need("number").value
        one_spec = OneTicket(request, compile_path(record.text() if record else "@", record or one),
                             by_id=same or "remote_id" in request.names, by_number=same or "number" in request.names)
    incremental = parse_incremental(node.get("incremental"))
    if incremental.type in ("updated_since", "search_query") and incremental.param is None \
            and "since" not in stream.request.names:
        raise node.need("incremental").error("needs 'param', or {since} in the tickets request: where the filter goes")
    return TicketStream(stream, incremental,
                        parse_condition(deleted, BASE_ROOTS) if deleted is not None else None,
                        reader_for("ticket", node.need("fields"), joins=joins, context_roots=BASE_ROOTS), one_spec,
                        tuple(parse_stream(child, BASE_ROOTS) for child in gone.each()) if gone is not None else ())


def _people(node: Node | None, what: str, key: str, joins: Collection[str], side_loads: Collection[str]) -> People | None:
    if node is None:
        return None
    node.only("in_ticket", "side_load", "request", "record", "fields")
    sources = [k for k in ("in_ticket", "side_load", "request") if node.get(k) is not None]
    # A request beside in_ticket or side_load reads, by id, a person a message names whom no page brought.
    if len(sources) != 1 and sources not in (["in_ticket", "request"], ["side_load", "request"]):
        raise node.error("needs exactly one of in_ticket, side_load or request: where the records come from")
    in_ticket = node.get("in_ticket")
    side_load = node.get("side_load")
    if side_load is not None and side_load.text() not in side_loads:
        raise side_load.error(f"names '{side_load.text()}', which tickets.side_loads does not declare")
    request = node.get("request")
    record = node.get("record")
    return People(what, compile_path(in_ticket.text(), in_ticket) if in_ticket else None,
                  side_load.text() if side_load else None,
                  parse_request(request, (*BASE_ROOTS, "id")) if request else None,
                  compile_path(record.text() if record else "@", record or node),
                  reader_for(what, node.need("fields"), joins=joins), key)


def _messages(node: Node, lookups: set[str]) -> tuple[tuple[MessagePart, ...], ThreadBatch | None]:
    roots = (*BASE_ROOTS, "ticket")
    parts: list[MessagePart] = []
    if not isinstance(node.value, list):
        raise node.error("must be a list of parts (each a request, its records and their fields)")
    batch: ThreadBatch | None = None
    for child in node.each():
        if isinstance(child.value, dict) and "batch" in child.value:
            child.only("batch")
            batch = _batch(child.need("batch"), lookups)
            continue
        joins = lookups | _side_load_names(child)
        stream = parse_stream(child, roots, also=("fields", "in_ticket", "when"), default_records="@")
        in_ticket = child.get("in_ticket")
        when = child.get("when")
        parts.append(MessagePart(stream, reader_for("message", child.need("fields"), joins=joins,
                                                    context_roots=("ticket", *BASE_ROOTS)),
                                 compile_path(in_ticket.text(), in_ticket) if in_ticket is not None else None,
                                 parse_condition(when, roots) if when is not None else None))
    if not parts:
        raise node.error("needs at least one part")
    return tuple(parts), batch


def _batch(node: Node, lookups: set[str]) -> ThreadBatch:
    node.only("request", "ids_param", "ids_join", "max", "records", "ticket_id", "fields")
    limit = node.get("max")
    join = node.get("ids_join")
    return ThreadBatch(parse_request(node.need("request"), (*BASE_ROOTS, "ids")), node.need("ids_param").text(),
                       limit.integer(minimum=1) if limit else 100,
                       compile_path(node.need("records").text(), node.need("records")),
                       compile_path(node.need("ticket_id").text(), node.need("ticket_id")),
                       reader_for("message", node.need("fields"), joins=lookups,
                                  context_roots=("ticket", *BASE_ROOTS)),
                       None if join is not None and join.text() == "repeat" else (join.text() if join else ","))


def _list_stream(node: Node | None, what: str, lookups: set[str]) -> ListStream | None:
    if node is None:
        return None
    roots: list[str] = list(BASE_ROOTS)
    parents: list[Parent] = []
    parents_node = node.get("parents")
    if parents_node is not None:
        for child in parents_node.each():
            stream = parse_stream(child, roots, also=("as",))
            name = child.need("as").text()
            parents.append(Parent(stream, name))
            roots.append(name)
    also = ["fields", "parents", "incremental"] + (["placeholders", "kind"] if what == "template" else [])
    stream = parse_stream(node, roots, also=also)
    placeholders = node.get("placeholders")
    pairs = tuple((key, child.text()) for key, child in placeholders.items()) if placeholders is not None else ()
    incremental = node.get("incremental")
    if incremental is not None and parents:
        raise incremental.error("cannot be used with parents: a nested listing is read whole each time")
    kind = node.get("kind")
    feed = parse_incremental(incremental) if incremental is not None else None
    if incremental is not None and feed is not None and feed.type in ("updated_since", "search_query") \
            and feed.param is None:
        raise incremental.error("needs 'param': the parameter that asks for what changed")
    return ListStream(tuple(parents), stream, feed,
                      reader_for(what, node.need("fields"), joins=lookups | _side_load_names(node),
                                 context_roots=(*BASE_ROOTS, *(p.name for p in parents))), pairs,
                      kind.text() if kind is not None else None)


def _capabilities(node: Node | None, incremental: Incremental, *, kb: bool, templates: bool) -> Capabilities:
    values: dict[str, Any] = {"change_feed": ChangeFeed(incremental.feed), "kb": kb, "templates": templates}
    if node is None:
        return Capabilities(**values)
    node.only("change_feed", "concurrency", "deletions", "idempotency", "internal_notes", "tags", "groups", "sla",
              "attachments")
    for key, child in node.items():
        if key == "change_feed":
            values[key] = ChangeFeed(child.choice(*(f.value for f in ChangeFeed)))
        elif key == "concurrency":
            values[key] = Concurrency(child.choice(*(c.value for c in Concurrency)))
        elif key == "attachments":
            values[key] = _attachment_limits(child)
        else:
            values[key] = child.flag()
    return Capabilities(**values)


def _attachment_limits(node: Node) -> AttachmentLimits:
    if node.value in ("none", False):
        return NO_ATTACHMENTS
    node.only("max_bytes", "max_count", "types", "blocked")
    size = node.get("max_bytes")
    count = node.get("max_count")
    types = node.get("types")
    blocked = node.get("blocked")
    return AttachmentLimits(max_bytes=_bytes(size) if size is not None else None,
                            max_count=count.integer(minimum=1) if count is not None else None,
                            allowed_extensions=_extensions(types), blocked_extensions=_extensions(blocked),
                            source=f"{node.file}")


def _bytes(node: Node) -> int:
    if isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.integer(minimum=1)
    match = _SIZE.fullmatch(node.text())
    if match is None:
        raise node.error("must be a size such as 20MB, 512KB or a number of bytes")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _UNITS[unit])


def _extensions(node: Node | None) -> tuple[str, ...]:
    if node is None:
        return ()
    out = []
    for child in node.each():
        text = child.text().strip().lower()
        out.append(text if text.startswith(".") else f".{text}")
    return tuple(out)
