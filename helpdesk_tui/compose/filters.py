"""The filters, tests and operators a reply template may use, each bounded in size.

Every result is checked against ``MAX_VALUE_CHARS`` (strings, lists) or ``MAX_INT_BITS``
(integers); the operations that could allocate a lot (``*``, ``**``, ``+``, ``replace``,
``join``) are checked *before* they run, so ``{{ 'x' * 10**9 }}`` fails without taking
the memory. An unresolved placeholder passes through every filter but ``default``
unchanged, so it is still shown and reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError
from jinja2.filters import do_title, do_wordcount

MAX_VALUE_CHARS = 100_000
MAX_INT_BITS = 256


class LimitError(Exception):
    """A value would grow past a cap; raised before the memory is taken."""


def _check_len(size: int) -> None:
    if size > MAX_VALUE_CHARS:
        raise LimitError(f"a value would be longer than {MAX_VALUE_CHARS} characters")


def bounded(value: Any) -> Any:
    """``value`` itself, or ``LimitError`` when it is past a cap."""
    if isinstance(value, (str, list, tuple, dict)):
        _check_len(len(value))
    elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitError(f"a number would be larger than {MAX_INT_BITS} bits")
    return value


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    if isinstance(value, Undefined) or (boolean and not value):
        return default_value
    return value


def _replace(value: Any, old: Any, new: Any, count: Any = None) -> str:
    text, old, new = str(value), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None:
        hits = min(hits, max(int(count), 0))
    _check_len(len(text) + hits * (len(new) - len(old)))
    return text.replace(old, new, -1 if count is None else max(int(count), 0))


def join(value: Any, separator: Any = "") -> str:
    """The ``join`` filter, refusing before joining when the result would be too long."""
    items = [str(item) for item in value] if not isinstance(value, str) else list(value)
    separator = str(separator)
    _check_len(sum(map(len, items)) + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _first(value: Any) -> Any:
    return value[0] if len(value) else ""


def _last(value: Any) -> Any:
    return value[-1] if len(value) else ""


def _truncate(value: Any, length: int = 255, killwords: bool = False, end: str = "...") -> str:
    text, length, end = str(value), int(length), str(end)
    if len(text) <= length:
        return text
    cut = text[: max(length - len(end), 0)]
    if not killwords and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + end


def _int(value: Any, default: int = 0) -> int:
    try:
        text = str(value).strip()
        if len(text) > 80:
            return default
        return int(text) if text.lstrip("+-").isdigit() else int(float(text))
    except (ValueError, OverflowError):
        return default


FILTERS: dict[str, Callable[..., Any]] = {
    "default": _default,
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: do_title(str(v)),
    "capitalize": lambda v: str(v).capitalize(),
    "trim": lambda v, chars=None: str(v).strip(None if chars is None else str(chars)),
    "replace": _replace,
    "join": join,
    "length": len,
    "first": _first,
    "last": _last,
    "truncate": _truncate,
    "wordcount": lambda v: do_wordcount(str(v)),
    "int": _int,
    "string": str,
}
"""Every filter a template may use; anything else is refused before rendering."""

TESTS: dict[str, Callable[..., bool]] = {
    "defined": lambda v: not isinstance(v, Undefined),
    "undefined": lambda v: isinstance(v, Undefined),
    "none": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "true": lambda v: v is True,
    "false": lambda v: v is False,
    "lower": lambda v: isinstance(v, str) and v.islower(),
    "upper": lambda v: isinstance(v, str) and v.isupper(),
}


def guard(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """An unresolved value passes through a filter unchanged, so it is still shown and reported."""

    def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, Undefined) and name != "default":
            return value
        return bounded(func(value, *args, **kwargs))

    guarded.__name__ = name
    return guarded


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``left operator right`` before computing it when the result would be past a cap."""
    sequences = (str, list, tuple)
    if operator == "+" and isinstance(left, sequences) and isinstance(right, sequences):
        _check_len(len(left) + len(right))
    elif operator == "*":
        if isinstance(left, sequences) and isinstance(right, int):
            _check_len(len(left) * max(right, 0))
        elif isinstance(right, sequences) and isinstance(left, int):
            _check_len(len(right) * max(left, 0))
        elif isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise LimitError(f"a number would be larger than {MAX_INT_BITS} bits")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int):
        if right > 0 and abs(left) > 1 and math.log2(abs(left)) * right > MAX_INT_BITS:
            raise LimitError(f"a number would be larger than {MAX_INT_BITS} bits")
    elif operator == "%" and isinstance(left, str):
        raise SecurityError("'%' formatting of text")
