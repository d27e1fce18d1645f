"""``{account.url}/api/v2``, ``{ticket.id}``, ``{command.body|html}``: values put into requests.

A mapping writes requests as templates over a context of plain values (the account, its
options, the ticket, the command, earlier steps' answers…). Rules, in the order a reader
meets them:

- ``{a.b.c}`` is a dotted path into the context; ``{{`` and ``}}`` are literal braces.
- A string that is exactly one placeholder keeps the value's type (a number stays a number,
  a list a list): ``status: "{status}"`` sends ``2``, not ``"2"``.
- Inside a table (a JSON body, a query, headers) a key whose value is a lone placeholder with
  no value (absent or null) is left out: an update sends only the fields it changes.
- Filters after ``|``: ``html`` (text as escaped HTML paragraphs), ``base64``, ``url``
  (percent-encoded), ``json``, ``lower``, ``upper``, ``int``, ``str``, ``quote`` (in double
  quotes, for an ETag), ``present`` (true when there is a value, else none).

Templates are compiled when the mapping is loaded: an unknown root name or filter is a
``MappingError`` naming the line, not a surprise during a sync.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from helpdesk_tui.sync.generic.node import Node

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def _html(value: Any) -> str:
    text = "" if value is None else str(value)
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs) or "<p></p>"


def _b64(value: Any) -> str:
    data = value if isinstance(value, bytes) else str(value).encode()
    return base64.b64encode(data).decode("ascii")


FILTERS: dict[str, Callable[[Any], Any]] = {
    "html": _html,
    "base64": _b64,
    "url": lambda v: quote(str(v), safe=""),
    "json": lambda v: json.dumps(v, ensure_ascii=False),
    "lower": lambda v: str(v).lower(),
    "upper": lambda v: str(v).upper(),
    "int": lambda v: int(v),
    "str": lambda v: "" if v is None else str(v),
    "quote": lambda v: v if str(v).startswith(('"', 'W/"')) else f'"{v}"',
    # a list of linked objects → their ids (a query then repeats its key: id=1&id=3)
    "ids": lambda v: [i.get("id") if isinstance(i, dict) else i for i in v] if isinstance(v, list) else v,
    # true when the value is there, else no value (so a table key is left out): a flag that
    # must go with another value and only with it (Zendesk's safe_update with updated_stamp)
    "present": lambda v: None if v in ("", [], {}) else True,
}

_MISSING = object()


@dataclass(frozen=True)
class _Ref:
    path: tuple[str, ...]
    filters: tuple[Callable[[Any], Any], ...]

    def value(self, context: dict[str, Any]) -> Any:
        value: Any = context
        for step in self.path:
            if isinstance(value, dict):
                value = value.get(step, _MISSING)
            elif isinstance(value, (list, tuple)) and step.lstrip("-").isdigit():
                index = int(step)
                value = value[index] if -len(value) <= index < len(value) else _MISSING
            else:
                value = getattr(value, step, _MISSING)
            if value is _MISSING or value is None:
                return None
        for apply in self.filters:
            value = apply(value)
        return value


class Template:
    """A compiled template: ``render(context)`` gives the value to send."""

    def __init__(self, parts: list[str | _Ref], whole: _Ref | None) -> None:
        self._parts = parts
        self._whole = whole  # the string is exactly one placeholder: keep its type
        self.names = {p.path[0] for p in parts if isinstance(p, _Ref)}

    def render(self, context: dict[str, Any]) -> Any:
        if self._whole is not None:
            return self._whole.value(context)
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = part.value(context)
                out.append("" if value is None else str(value))
        return "".join(out)

    @property
    def is_lone_placeholder(self) -> bool:
        return self._whole is not None


def compile_text(text: str, node: Node, roots: Iterable[str]) -> Template:
    """Compile ``text`` (found at ``node``); placeholders must start with one of ``roots``."""
    allowed = set(roots)
    parts: list[str | _Ref] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(text[position:match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        parts.append(_ref(match.group(1) or "", node, allowed))
    if position < len(text):
        parts.append(text[position:])
    whole = parts[0] if len(parts) == 1 and isinstance(parts[0], _Ref) else None
    return Template(parts, whole)


def _ref(inner: str, node: Node, allowed: set[str]) -> _Ref:
    name, *filter_names = [piece.strip() for piece in inner.split("|")]
    path = tuple(name.split("."))
    if not name or any(not step for step in path):
        raise node.error(f"has an empty placeholder '{{{inner}}}': write {{name}} (or {{{{ for a brace)")
    if path[0] not in allowed:
        raise node.error(f"uses '{{{name}}}', but only {', '.join(sorted(allowed))} can be used here")
    filters = []
    for filter_name in filter_names:
        if filter_name not in FILTERS:
            raise node.error(f"uses the filter '{filter_name}': use one of {', '.join(FILTERS)}")
        filters.append(FILTERS[filter_name])
    return _Ref(path, tuple(filters))


class Shape:
    """A templated structure (a JSON body, a query, headers): tables, lists and strings, each
    string compiled. ``render`` builds the value and leaves out keys with no value."""

    def __init__(self, build: Callable[[dict[str, Any]], Any], names: set[str]) -> None:
        self._build = build
        self.names = names  # the root names it uses

    def render(self, context: dict[str, Any]) -> Any:
        return self._build(context)


def compile_shape(node: Node, roots: Iterable[str]) -> Shape:
    """Compile the structure at ``node``; non-string scalars are sent as written."""
    allowed = set(roots)
    names: set[str] = set()

    def build(current: Node) -> Callable[[dict[str, Any]], Any]:
        value = current.value
        if isinstance(value, dict):
            entries = [(key, child, build(child), _lone(child)) for key, child in current.items()]

            def table(context: dict[str, Any]) -> dict[str, Any]:
                out: dict[str, Any] = {}
                for key, _child, render, lone in entries:
                    rendered = render(context)
                    if rendered is None and lone:
                        continue
                    out[key] = rendered
                return out
            return table
        if isinstance(value, list):
            items = [build(child) for child in current.each()]
            return lambda context: [render(context) for render in items]
        if isinstance(value, str):
            template = compile_text(value, current, allowed)
            names.update(template.names)
            return template.render
        constant = value
        return lambda context: constant

    def _lone(child: Node) -> bool:
        return isinstance(child.value, str) and _PLACEHOLDER.fullmatch(child.value) is not None \
            and child.value not in ("{{", "}}")

    return Shape(build(node), names)
