"""Reading a helpdesk's records defensively: one malformed record is skipped, never the sync."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from helpdesk_tui.content.sanitize import clean_line

T = TypeVar("T")

# What reading one malformed record raises (a text where a number belongs, a list where an
# object belongs, a date past year 9999): that record is skipped, never the whole sync.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)


def record_label(raw: object, what: str) -> str:
    """How a skipped record is named in the report: its id when it has one."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{what} {clean_line(repr(ident))[:40]}" if ident is not None else f"a {what} record"


def read_each(raws: Iterable[object], parse: Callable[[Any], T], what: str, skipped: list[str]) -> list[T]:
    """``parse`` each raw record; one that is not an object or cannot be read is left out and
    named in ``skipped`` (one sentence each), and the others are kept."""
    out: list[T] = []
    for raw in raws:
        try:
            if not isinstance(raw, dict):
                raise TypeError(f"not an object but {type(raw).__name__}")
            out.append(parse(raw))
        except MALFORMED as exc:
            skipped.append(f"{record_label(raw, what)} was skipped: {malformed_reason(exc)}.")
    return out


def malformed_reason(exc: BaseException) -> str:
    """Why a record could not be read, in a few words (the text is the server's: cleaned)."""
    text = clean_line(str(exc))[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _normalise(text: str) -> str:
    return " ".join(text.split())


def same_text(remote: str, local: str) -> bool:
    """Servers rewrap, trim or convert to HTML; compare the words, not the bytes."""
    a, b = _normalise(remote), _normalise(local)
    return a == b or (len(b) > 20 and b[:200] in a)
