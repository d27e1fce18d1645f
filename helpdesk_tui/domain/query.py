"""The inbox filter language: ``status:open priority:high assignee:me tag:billing customer:acme``.

Anything that is not a ``key:value`` pair is free text, searched in full text.
Values may be comma-separated (``status:open,pending``), quoted (``customer:"Aiko Tanaka"``),
and a leading ``-`` negates a pair (``-status:solved``). A filter that is only a ticket number
(``10015`` or ``#10015``) names that one ticket.
"""

from __future__ import annotations

import re
import shlex

from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.records import field, record

KEYS = ("status", "priority", "assignee", "tag", "customer", "group")
UNASSIGNED = {"none", "unassigned", "nobody"}


class FilterError(ValueError):
    """A filter the user typed cannot be understood; the message says why."""


_NUMBER = re.compile(r"#?([0-9]{1,18})")  # 18 digits: any larger number overflows SQLite's integers


def ticket_number(text: str) -> int | None:
    """The ticket number in ``text`` (``10015``, ``#10015``, spaces around), or None if it is not one."""
    match = _NUMBER.fullmatch(text.strip())
    return int(match.group(1)) if match else None


@record(frozen=True, slots=True)
class Clause:
    """One key:value clause of a filter (values are alternatives; negated with a leading -)."""

    key: str
    values: tuple[str, ...]
    negated: bool = False


@record(frozen=True, slots=True)
class Filter:
    """A parsed filter: its key:value clauses, its free words, or a lone ticket number."""

    clauses: tuple[Clause, ...] = ()
    text: str = ""
    number: int | None = None  # the filter was only a ticket number: that ticket, whatever the view

    def __bool__(self) -> bool:
        return bool(self.clauses or self.text or self.number is not None)

    def merged(self, other: Filter) -> Filter:
        text = " ".join(part for part in (self.text, other.text) if part)
        return Filter(self.clauses + other.clauses, text, other.number if other.number is not None else self.number)


# "me" when the agent has no name (no [agent] name, and the helpdesk did not say): a value no
# assignee holds, so "My open" and assignee:me show no ticket rather than the unassigned ones.
NOBODY = "\x00nobody"


def parse_filter(source: str, *, me: str) -> Filter:
    """Parse what the user typed; ``assignee:me`` becomes the agent's own name."""
    number = ticket_number(source)
    if number is not None:
        return Filter(number=number)
    try:
        words = shlex.split(source)
    except ValueError:
        words = source.replace('"', " ").replace("'", " ").split()
    clauses: list[Clause] = []
    text: list[str] = []
    for word in words:
        negated = word.startswith("-") and ":" in word
        body = word[1:] if negated else word
        key, sep, raw_value = body.partition(":")
        key = key.lower()
        if not sep or key not in KEYS:
            text.append(word)
            continue
        values = tuple(v.strip() for v in raw_value.split(",") if v.strip())
        if not values:
            raise FilterError(f"'{key}:' needs a value, for example {key}:{_example(key)}.")
        clauses.append(Clause(key, _normalise(key, values, me), negated))
    return Filter(tuple(clauses), " ".join(text))


def _example(key: str) -> str:
    return {"status": "open", "priority": "high", "assignee": "me", "tag": "billing",
            "customer": "acme", "group": "billing"}[key]


def _normalise(key: str, values: tuple[str, ...], me: str) -> tuple[str, ...]:
    if key == "status":
        aliases = {"hold": "on_hold", "on-hold": "on_hold", "onhold": "on_hold", "waiting": "pending"}
        out = tuple(aliases.get(v.lower(), v.lower()) for v in values)
        for value in out:
            if value not in Status._value2member_map_ and value != "active":
                names = ", ".join(s.value for s in Status)
                raise FilterError(f"Unknown status '{value}': use one of {names} or active.")
        return out
    if key == "priority":
        numbered = {"1": "urgent", "2": "high", "3": "normal", "4": "low"}
        out = tuple(numbered.get(v, v.lower()) for v in values)
        for value in out:
            if value not in Priority._value2member_map_:
                names = ", ".join(p.value for p in Priority)
                raise FilterError(f"Unknown priority '{value}': use one of {names} (or 1-4).")
        return out
    if key == "assignee":
        return tuple((me or NOBODY) if v.lower() == "me" else ("" if v.lower() in UNASSIGNED else v) for v in values)
    return tuple(v.lower() for v in values)


def describe(flt: Filter) -> str:
    """The filter written back in its canonical form (for the inbox title)."""
    parts = [f"#{flt.number}"] if flt.number is not None else []
    for clause in flt.clauses:
        values = ",".join("me" if v == NOBODY else v or "none" for v in clause.values)
        parts.append(f"{'-' if clause.negated else ''}{clause.key}:{values}")
    if flt.text:
        parts.append(flt.text)
    return " ".join(parts)


_ACTIVE = tuple(s.value for s in Status if s.is_active)


def status_values(clause: Clause) -> tuple[str, ...]:
    """Expand the ``active`` pseudo-status into the statuses it stands for."""
    out: list[str] = []
    for value in clause.values:
        out.extend(_ACTIVE if value == "active" else (value,))
    return tuple(out)


@record(frozen=True, slots=True)
class View:
    """A saved inbox view: a filter and an order, on a number key."""

    id: str
    key: str
    title: str
    filter: Filter = field(default_factory=Filter)
    order: str = "urgency"  # or "updated"
    due_within_seconds: int | None = None
    updated_within_seconds: int | None = None  # only tickets changed this recently


RECENT_SECONDS = 24 * 60 * 60
""""Recently updated" is the last day: older changes are what the other views are for."""


def builtin_views(me: str) -> list[View]:
    active = Clause("status", ("active",))
    return [
        View("mine", "1", "My open", Filter((active, Clause("assignee", (me or NOBODY,))))),
        View("unassigned", "2", "Unassigned", Filter((active, Clause("assignee", ("",))))),
        View("due", "3", "Due ≤ 1h or breached", Filter((active,)), due_within_seconds=3600),
        View("waiting", "4", "Waiting on customer", Filter((Clause("status", ("pending",)),))),
        View("recent", "5", "Recently updated", Filter(), order="updated",
             updated_within_seconds=RECENT_SECONDS),
        View("all", "6", "All", Filter()),
    ]
