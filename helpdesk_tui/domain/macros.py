"""Macros as pure rules: what a macro is (a named list of actions), and what it does to a ticket.

A macro inserts text into the reply (a template and/or its own body), changes ticket fields
(status, priority, tags, assignee, group), sets the promised update and adds an internal
note. Reading macro files is ``compose.macros``; applying one to the cache is
``store.macros``; the preview and the choice of what rides with the reply is
``services.macros``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.triage import Change, normalise_tag
from helpdesk_tui.domain.vocab import Priority, Status

ME = "me"  # an assignee action's value meaning the agent applying the macro
UP, DOWN = "up", "down"  # a priority action's relative values


class Kind(StrEnum):
    TEMPLATE = "template"  # insert a template (by id or name) into the reply
    STATUS = "status"
    PRIORITY = "priority"  # a priority, or "up" / "down" one step
    ADD_TAGS = "add tags"
    REMOVE_TAGS = "remove tags"
    SET_TAGS = "set tags"  # the whole list (Zendesk's set_tags)
    ASSIGNEE = "assignee"  # a name, or "me"
    GROUP = "group"
    PROMISE = "promise"  # the promised update: "+20m", "+24h", "tomorrow 10:00"
    NOTE = "note"  # a one-line internal note (a longer one is the macro's note section)


@dataclass(frozen=True, slots=True)
class MacroAction:
    kind: Kind
    value: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Macro:
    """A named list of actions, with the text it inserts into the reply and the note it adds."""

    id: str
    name: str
    description: str
    actions: tuple[MacroAction, ...]
    body: str = ""  # inserted into the reply (template syntax); empty: nothing
    note: str = ""  # queued as an internal note (template syntax); empty: none
    variables: tuple[tuple[str, str], ...] = ()  # extra template values ("escalation.to", "Tier 2")
    source: str = "builtin"  # "builtin", the user's file, or "Zendesk macro 42"
    origin: str = ""  # for a macro synced from the helpdesk, what it is there ("Zendesk macro")
    skipped: tuple[str, ...] = ()  # the helpdesk's actions we cannot do, one sentence each
    body_line: int = 1
    note_line: int = 1

    def first(self, kind: Kind) -> MacroAction | None:
        return next((a for a in self.actions if a.kind == kind), None)

    @property
    def template(self) -> str | None:
        action = self.first(Kind.TEMPLATE)
        return action.value if action else None

    @property
    def writes_reply(self) -> bool:
        return bool(self.template or self.body.strip())


def shift_priority(current: Priority, direction: str) -> Priority:
    """One step more urgent (``up``) or less (``down``); urgent and low stay where they are."""
    rank = current.rank + (-1 if direction == UP else 1)
    rank = min(4, max(1, rank))
    return next(p for p in Priority if p.rank == rank)


def _tags(actions: Iterable[MacroAction], kind: Kind) -> list[str]:
    return [t for a in actions if a.kind == kind for t in (normalise_tag(x) for x in a.tags) if t]


def field_change(ticket: Ticket, macro: Macro, agent: str, *, with_status: bool = True) -> Change:
    """The ticket fields ``macro`` changes, as a triage ``Change`` (the last action of a kind wins).

    ``with_status``: False when the status rides with the reply instead."""
    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None = None
    group: str | None = None
    for action in macro.actions:
        if action.kind == Kind.STATUS and with_status:
            status = Status(action.value)
        elif action.kind == Kind.PRIORITY:
            base = priority or ticket.priority
            priority = shift_priority(Priority(base), action.value) if action.value in (UP, DOWN) \
                else Priority(action.value)
        elif action.kind == Kind.ASSIGNEE:
            assignee = agent if action.value == ME else action.value
        elif action.kind == Kind.GROUP:
            group = action.value
    add = _tags(macro.actions, Kind.ADD_TAGS)
    remove = _tags(macro.actions, Kind.REMOVE_TAGS)
    whole = [a for a in macro.actions if a.kind == Kind.SET_TAGS]
    if whole:  # the list the helpdesk's macro sets: what is missing is added, the rest removed
        wanted = _tags(whole[-1:], Kind.SET_TAGS)
        add = [*wanted, *add]
        remove = [*remove, *(t for t in ticket.tags if t not in wanted)]
    add = [t for t in dict.fromkeys(add) if t not in remove]
    return Change(status=status, priority=priority, assignee=assignee or None, group=group or None,
                  add_tags=tuple(add), remove_tags=tuple(dict.fromkeys(remove)))


def status_of(macro: Macro) -> Status | None:
    """The status the macro sets (its last status action), or None."""
    found = [a for a in macro.actions if a.kind == Kind.STATUS]
    return Status(found[-1].value) if found else None


def promise_of(macro: Macro) -> str | None:
    """The promised-update expression the macro sets (its last promise action), or None."""
    found = [a for a in macro.actions if a.kind == Kind.PROMISE]
    return found[-1].value if found else None


@dataclass(frozen=True, slots=True)
class HelpdeskActions:
    """What a helpdesk's macro does besides its comment, in our actions (a backend maps them)."""

    actions: tuple[MacroAction, ...] = ()
    skipped: tuple[str, ...] = ()  # its actions we cannot do, one sentence each
    public: bool = True  # False: its comment is an internal note, not a reply
