"""Paths into a helpdesk's JSON: ``issue.journals``, ``status.id``, or a JMESPath expression.

jmespath (the AWS library, also behind the AWS CLI's ``--query``) is maintained, has a
specification with compliance tests, and compiles an expression once. A plain dotted path
(``a.b.0.c``) never reaches it: at tens of thousands of records a second the field reads
are the hot loop, and a dotted walk is several times cheaper than a JMESPath search.
``@`` (or "") is the value itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from helpdesk_tui.sync.generic.node import Node

Path = Callable[[Any], Any]

# ``a.b.0.c`` and ``_links.next.href``: names of letters, digits, _ and -, or list indexes.
_DOTTED = re.compile(r"[A-Za-z_@$][\w$-]*(\.[\w$-]+)*")


def compile_path(expression: str, node: Node | None = None) -> Path:
    """A function reading ``expression`` out of a record (None where it leads nowhere).

    A malformed JMESPath expression is a ``MappingError`` at ``node`` (load time, not sync time)."""
    text = expression.strip()
    if text in ("", "@", "$"):
        return _itself
    if _DOTTED.fullmatch(text) and not text.startswith(("@", "$")):
        return _dotted(tuple(text.split(".")))
    try:
        compiled = jmespath.compile(text)
    except JMESPathError as error:
        reason = " ".join(str(error).split())[:100]
        if node is not None:
            raise node.error(f"is not a path this engine reads ({reason})") from None
        raise ValueError(f"not a path: {reason}") from None
    if _fan_out(compiled.parsed) > MAX_FAN_OUT:
        # Multi-selects chained (``[@,@][]`` thirty times: 2^30 values from one number) would hold
        # a sync for minutes and gigabytes on its first record; no reading of a field needs that.
        why = (f"builds more than {MAX_FAN_OUT:,} values from each one it reads (multi-selects "
               "[a, b] or {k: a} chained): a path reads a value, write a simpler one")
        if node is not None:
            raise node.error(f"is not a path this engine reads: it {why}")
        raise ValueError(f"not a path: it {why}")
    return compiled.search


MAX_FAN_OUT = 1024  # the shipped mappings' paths multiply by at most 2


def _fan_out(tree: Any) -> int:
    """An upper bound on how many values a JMESPath expression makes of each one: the product of
    the widths of its multi-selects (the one construct that multiplies without more input)."""
    product, stack = 1, [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        children = node.get("children") or []
        if node.get("type") in ("multi_select_list", "multi_select_dict"):
            product = min(product * max(len(children), 1), MAX_FAN_OUT + 1)
        stack.extend(children)
    return product


def path_at(node: Node) -> Path:
    """The path written at ``node`` (a scalar)."""
    return compile_path(node.text(), node)


def _itself(value: Any) -> Any:
    return value


def _dotted(parts: tuple[str, ...]) -> Path:
    steps = tuple(int(p) if p.lstrip("-").isdigit() else p for p in parts)

    def read(value: Any) -> Any:
        for step in steps:
            if isinstance(value, dict):
                value = value.get(step if isinstance(step, str) else str(step))
            elif isinstance(value, list) and isinstance(step, int):
                value = value[step] if -len(value) <= step < len(value) else None
            else:
                return None
            if value is None:
                return None
        return value

    if len(steps) == 1 and isinstance(steps[0], str):  # the common case, one key: no loop
        only = steps[0]
        return lambda value: value.get(only) if isinstance(value, dict) else None
    return read
