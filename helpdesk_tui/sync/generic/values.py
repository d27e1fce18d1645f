"""One value read out of a helpdesk's record, as a mapping's field or condition writes it.

``parse_value`` compiles a field spec once (at load) into a ``Getter``: a function of the
record and the read's ``Env`` (side-loads of the page, lookups, the ticket a message belongs
to). The spec forms:

- ``status.id``: a path (dotted or JMESPath, ``paths.py``);
- ``{path: …, map: {1: new}, default: open}``: the value mapped (keys compared as text);
- ``{path: …, join: agents, pick: name}``: an id turned into a name through a lookup, or into
  the side-loaded record of that name (``pick`` reads it; default ``name``);
- ``{first: [a, b]}``: the first with a value, each a path or a value spec (``{path: user_id,
  join: agents}``); ``{template: "{first} {last}"}``;
  ``{const: x}``; ``pattern: "^([a-z]+)"`` keeps what a regular expression's group matches.

Dates are turned into ``datetime`` by ``parse_date`` with the ``date:`` format. Conditions
(``{path, equals | in | empty | not_empty}``) compare values as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paths import compile_path
from helpdesk_tui.sync.generic.template import compile_text


class NameLookup(Protocol):
    """What ``join`` needs of a lookup (``lookups.Lookup``)."""

    def name_for(self, ident: Any) -> str | None: ...


@dataclass
class Env:
    """What a record is read with, besides itself: the page's side-loads (name → key → record),
    the lookups (read once, on first use), the ticket a message belongs to, and the fixed
    context (account, options, origin) that condition templates may name."""

    side_loads: dict[str, dict[str, Any]] = field(default_factory=dict)
    lookup: Callable[[str], NameLookup] | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def with_ticket(self, ticket: Mapping[str, Any]) -> Env:
        return Env(self.side_loads, self.lookup, {**self.context, "ticket": ticket})


Getter = Callable[[Any, Env], Any]
VALUE_KEYS = ("path", "map", "default", "join", "pick", "first", "template", "const", "date", "format", "pattern",
              "unless")
_PLACEHOLDER_ROOT = re.compile(r"\{([A-Za-z_][\w-]*)")


class Absent:
    """A field the mapping does not give (distinct from a value that is null)."""


def text_key(value: Any) -> str:
    """How ``map`` keys and conditions compare values: as text (``2`` is ``"2"``, ``true`` is ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ValueSpec:
    """A compiled field spec: ``get`` reads the value (mapped, joined); ``raw`` reads it before
    the map (kept as ``status_raw``); ``date``/``format`` are for the record builder."""

    get: Getter
    raw: Getter | None = None
    date: str | None = None
    format: str | None = None
    node: Node | None = None


def parse_value(node: Node, *, joins: Collection[str], context_roots: Collection[str] = (),
                map_values: Callable[[Node], Any] | None = None) -> ValueSpec:
    """Compile the field spec at ``node``. ``joins``: the lookup and side-load names a ``join``
    may name; ``map_values`` checks (and converts) each ``map``/``default`` value at load."""
    if not isinstance(node.value, dict):
        path = compile_path(node.text(), node)
        return ValueSpec(lambda record, env: path(record), node=node)
    node.only(*VALUE_KEYS)
    kinds = [k for k in ("path", "first", "template", "const") if node.get(k) is not None
             or (k == "const" and "const" in node.mapping())]
    if len(kinds) != 1:
        raise node.error("needs exactly one of path, first, template or const")
    base = _base(node, kinds[0], context_roots, joins)
    get = base
    join = node.get("join")
    if join is not None:
        get = _join(base, join, joins, node.get("pick"))
    elif node.get("pick") is not None:
        raise node.need("pick").error("goes with join")
    pattern = node.get("pattern")
    if pattern is not None:
        get = _matched(get, pattern)
    raw: Getter | None = None
    mapping = node.get("map")
    default_node = node.get("default")
    convert = map_values or (lambda child: child.value)
    default = convert(default_node) if default_node is not None else None
    if mapping is not None:
        table = {text_key(key): convert(child) for key, child in _map_items(mapping)}
        before = get
        raw = before

        def mapped(record: Any, env: Env) -> Any:
            value = before(record, env)
            return table.get(text_key(value), default) if value is not None else default
        get = mapped
    elif default_node is not None:
        before = get

        def defaulted(record: Any, env: Env) -> Any:
            value = before(record, env)
            return default if value is None or value == "" else value
        get = defaulted
    unless = node.get("unless")
    if unless is not None:  # no value where the condition holds (a creator who is the account itself)
        condition = parse_condition(unless, (*context_roots, "account", "options", "origin"))
        kept = get

        def unless_holds(record: Any, env: Env) -> Any:
            return None if condition.test(record, env) else kept(record, env)
        get = unless_holds
    date = node.get("date")
    fmt = node.get("format")
    return ValueSpec(get, raw, date.text() if date else None,
                     fmt.choice("html", "text", "markdown") if fmt else None, node)


def _matched(get: Getter, node: Node) -> Getter:
    """``pattern: "^([a-z]+)"``: the value is what the regular expression's first group matches
    in its text (``en-US`` → ``en``); no match: no value."""
    try:
        compiled = re.compile(node.text())
    except re.error as exc:
        raise node.error(f"is not a regular expression ({exc})") from None
    if compiled.groups < 1:
        raise node.error("needs a group in parentheses: the value is what it matches")

    def matched(record: Any, env: Env) -> Any:
        value = get(record, env)
        if value is None:
            return None
        found = compiled.search(text_key(value))
        return found.group(1) if found else None
    return matched


def _map_items(node: Node) -> list[tuple[str, Node]]:
    if not isinstance(node.value, dict):
        raise node.error("must be a table (their value: ours)")
    return list(node.items())


def _base(node: Node, kind: str, context_roots: Collection[str], joins: Collection[str] = ()) -> Getter:
    if kind == "path":
        path = compile_path(node.need("path").text(), node.need("path"))
        return lambda record, env: path(record)
    if kind == "first":
        choices = list(node.need("first").each())
        if not choices:
            raise node.need("first").error("needs at least one path")
        if any(isinstance(child.value, dict) for child in choices):
            # A choice may be a value spec (an id joined to a name): each is compiled once here.
            getters = [parse_value(child, joins=joins, context_roots=context_roots).get for child in choices]

            def first_value(record: Any, env: Env) -> Any:
                for get in getters:
                    value = get(record, env)
                    if value is not None and value != "":
                        return value
                return None
            return first_value
        paths = [compile_path(child.text(), child) for child in choices]

        def first(record: Any, env: Env) -> Any:
            for path in paths:
                value = path(record)
                if value is not None and value != "":
                    return value
            return None
        return first
    if kind == "template":
        return record_template(node.need("template"), context_roots)
    constant = node.mapping()["const"]
    return lambda record, env: constant


def record_template(node: Node, context_roots: Collection[str]) -> Getter:
    """``{firstname} {lastname}``: placeholders name the record's own top-level keys (or
    ``record``, and the context roots such as ``ticket``)."""
    text = node.text()
    roots = set(_PLACEHOLDER_ROOT.findall(text)) | {"record", *context_roots}
    template = compile_text(text, node, roots)
    fixed = set(context_roots)

    def render(record: Any, env: Env) -> Any:
        scope = dict(record) if isinstance(record, dict) else {}
        scope["record"] = record
        for name in fixed:
            if name in env.context:
                scope[name] = env.context[name]
        return template.render(scope)
    return render


def _join(base: Getter, node: Node, joins: Collection[str], pick_node: Node | None) -> Getter:
    name = node.text()
    if name not in joins:
        choices = ", ".join(sorted(joins)) or "none are declared"
        raise node.error(f"names '{name}', which is neither a lookup nor a side-load ({choices})")
    pick = compile_path(pick_node.text(), pick_node) if pick_node is not None else None
    pick_name = compile_path("name")

    def joined(record: Any, env: Env) -> Any:
        ident = base(record, env)
        if ident is None or ident == "":
            return None
        loaded = env.side_loads.get(name)
        if loaded is not None:
            found = loaded.get(text_key(ident))
            if found is None:
                return None
            return (pick or pick_name)(found)
        if env.lookup is None:
            return None
        value = env.lookup(name).name_for(ident)
        return value
    return joined


# --- dates -------------------------------------------------------------------------------

DATE_FORMATS = ("iso8601", "iso8601z", "epoch", "epoch_ms")


def check_date_format(node: Node) -> str:
    """``iso8601``, ``iso8601z``, ``epoch``, ``epoch_ms`` or a strftime pattern (with ``%``)."""
    text = node.text()
    if text not in DATE_FORMATS and "%" not in text:
        raise node.error(f"must be one of {', '.join(DATE_FORMATS)} or a strftime pattern such as %Y-%m-%d %H:%M:%S")
    return text


def parse_date(value: Any, fmt: str | None) -> datetime:
    """A stamp as a UTC ``datetime``; ``ValueError`` when it is not one. Without a format, a
    number is epoch seconds and a text is ISO 8601."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"not a time: {value!r}"[:80])
    if fmt in ("epoch", "epoch_ms") or (fmt is None and isinstance(value, (int, float))):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if fmt == "epoch_ms" else number, UTC)
    text = str(value).strip()
    if fmt is not None and "%" in fmt:
        moment = datetime.strptime(text, fmt)
    else:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_date(moment: datetime, fmt: str) -> str | int:
    """Our stamp in the server's format (for ``since`` in a query)."""
    moment = moment.astimezone(UTC)
    if fmt == "epoch":
        return int(moment.timestamp())
    if fmt == "epoch_ms":
        return int(moment.timestamp() * 1000)
    if fmt == "iso8601z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "iso8601":
        return moment.isoformat(timespec="seconds")
    return moment.strftime(fmt)


# --- conditions --------------------------------------------------------------------------

COND_KEYS = ("path", "equals", "in", "empty", "not_empty", "join", "pick")


class Condition:
    """``{path, equals | in | empty | not_empty}``: ``test(record, env)``; compared as text,
    and ``equals``/``in`` values may be templates over the context (``{ticket.requester}``).
    ``join`` (with ``pick``) tests a field of the side-loaded or looked-up record the path
    names (a comment's author's role), where the caller allows joins."""

    def __init__(self, node: Node, context_roots: Collection[str], joins: Collection[str] = ()) -> None:
        node.only(*COND_KEYS)
        path = compile_path(node.need("path").text(), node.need("path"))
        self.path: Getter = lambda record, env: path(record)
        join = node.get("join")
        if join is not None:
            if not joins:
                raise join.error("cannot be used here: a join is tested in a message's kind rules")
            self.path = _join(self.path, join, joins, node.get("pick"))
        elif node.get("pick") is not None:
            raise node.need("pick").error("goes with join")
        tests = [k for k in ("equals", "in", "empty", "not_empty") if k in node.mapping()]
        if len(tests) != 1:
            raise node.error("needs exactly one of equals, in, empty or not_empty")
        self.kind = tests[0]
        self.uses_context = False
        self.values: list[Callable[[dict[str, Any]], str]] = []
        if self.kind in ("equals", "in"):
            child = node.mapping()[self.kind]
            items = node.need(self.kind).each() if self.kind == "in" else iter([Node(child, node.file, node.line,
                                                                                          f"{node.key}.equals")])
            for item in items:
                self.values.append(self._value(item, context_roots))
        elif not node.need(self.kind).flag():
            raise node.need(self.kind).error("must be true (or leave the key out)")
        self._fixed = {v({}) for v in self.values} if not self.uses_context else None

    def _value(self, node: Node, roots: Collection[str]) -> Callable[[dict[str, Any]], str]:
        if isinstance(node.value, str) and "{" in node.value:
            template = compile_text(node.value, node, roots)
            if template.names:
                self.uses_context = True
            return lambda context: text_key(template.render(context))
        fixed = text_key(node.value)
        return lambda context: fixed

    def test(self, record: Any, env: Env) -> bool:
        value = self.path(record, env)
        if self.kind == "empty":
            return value is None or value == "" or value == [] or value == {}
        if self.kind == "not_empty":
            return not (value is None or value == "" or value == [] or value == {})
        if value is None:
            return False
        wanted = self._fixed if self._fixed is not None else {v(env.context) for v in self.values}
        return text_key(value) in wanted


def parse_condition(node: Node, context_roots: Collection[str], joins: Collection[str] = ()) -> Condition:
    return Condition(node, context_roots, joins)
