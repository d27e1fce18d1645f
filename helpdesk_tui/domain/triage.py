"""Rotation triage as pure rules: which tickets wait for triage, what each action does to a
ticket, the facts an escalation note starts from, and the tally of a rotation.

The store applies a change in one transaction with its timeline events, its outbox row
and its line in the rotation's log; the previous values travel in that line so an undo
can put them back (``restore``) while the outbox item has not left yet.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.sla import describe_due, next_due
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status

# What the log calls each action, and how the side panel counts it.
TAKE, ASSIGN, PRIORITY, STATUS, TAG, FEEDBACK, ESCALATE = (
    "take", "assign", "priority", "status", "tag", "feedback", "escalate")
ACTION_LABELS = {TAKE: "took", ASSIGN: "assigned", PRIORITY: "prioritised", STATUS: "status set",
                 TAG: "tagged", FEEDBACK: "product feedback", ESCALATE: "escalated"}
FEEDBACK_TAG = "product-feedback"
ESCALATION_TEMPLATE_ID = "en/escalation-note"

# Keys 1-4 say priorities the way agents do: 1 is the most urgent.
PRIORITY_KEYS: dict[str, Priority] = {str(p.rank): p for p in Priority}

_TAG_CHARS = re.compile(r"[^\w:-]+")
MAX_TAG_CHARS = 80


def priority_for_key(key: str) -> Priority | None:
    return PRIORITY_KEYS.get(key.strip())


def normalise_tag(text: str) -> str | None:
    """A tag as helpdesks store them (lower case, no spaces: ``billing-dispute``); None if nothing is left."""
    tag = _TAG_CHARS.sub("-", text.strip().lower()).strip("-")
    return tag[:MAX_TAG_CHARS] or None


def belongs_in_queue(ticket: Ticket) -> bool:
    """A ticket waits for triage while it is active, not deleted and nobody owns it."""
    return Status(ticket.status).is_active and ticket.deleted_at is None and not ticket.assignee


@dataclass(frozen=True, slots=True)
class Change:
    """What one triage key asks of a ticket; None (or no tags) leaves that field alone."""

    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None = None
    group: str | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()  # a macro's "remove tags" (triage keys only add)


def apply_change(ticket: Ticket, change: Change, actor: str, now: datetime) -> tuple[Ticket, list[Event]]:
    """The ticket after ``change``, and the timeline events it adds (none when nothing changes)."""
    updated = dataclasses.replace(ticket)
    events: list[Event] = []
    if change.status is not None and change.status != ticket.status:
        updated.status = change.status
        events.append(Event(ticket.saved_id, EventKind.STATUS_CHANGED, now, actor, f"{ticket.status} → {change.status}"))
        if not change.status.is_active and ticket.solved_at is None:
            updated.solved_at = now
    if change.priority is not None and change.priority != ticket.priority:
        updated.priority = change.priority
        events.append(Event(ticket.saved_id, EventKind.PRIORITY_CHANGED, now, actor,
                            f"{ticket.priority} → {change.priority}"))
    if change.assignee is not None and change.assignee != ticket.assignee:
        updated.assignee = change.assignee
        events.append(Event(ticket.saved_id, EventKind.ASSIGNED, now, actor, change.assignee))
    if change.group is not None and change.group != ticket.group:
        updated.group = change.group
    kept = tuple(t for t in ticket.tags if t not in change.remove_tags)
    new_tags = tuple(t for t in dict.fromkeys(change.add_tags) if t not in kept)
    if new_tags or kept != tuple(ticket.tags):
        updated.tags = kept + new_tags
    if field_values(updated) != field_values(ticket):
        updated.updated_at = now
    return updated, events


# The fields triage changes, as JSON-ready values (kept in the log for undo).
TRACKED = ("status", "priority", "assignee", "group", "tags", "solved_at")


def field_values(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": str(ticket.status), "priority": str(ticket.priority), "assignee": ticket.assignee,
        "group": ticket.group, "tags": list(ticket.tags),
        "solved_at": ticket.solved_at.isoformat() if ticket.solved_at else None,
    }


def changed_fields(before: Ticket, after: Ticket) -> dict[str, tuple[Any, Any]]:
    """field → (old, new) for every tracked field ``after`` changed."""
    old, new = field_values(before), field_values(after)
    return {key: (old[key], new[key]) for key in TRACKED if old[key] != new[key]}


def restore(ticket: Ticket, changes: dict[str, tuple[Any, Any]], now: datetime) -> tuple[Ticket, list[str]]:
    """Undo ``changes`` (field → (old, new)) on ``ticket``; returns it and the fields left alone.

    A field is put back only while it still holds the value the action set: a newer change
    (another action, or the helpdesk's own through a sync) is never overwritten.
    """
    current = field_values(ticket)
    restored = dataclasses.replace(ticket)
    kept: list[str] = []
    for key, (old, new) in changes.items():
        if current.get(key) != new:
            kept.append(key)
            continue
        if key == "status":
            restored.status = Status(old)
        elif key == "priority":
            restored.priority = Priority(old)
        elif key == "tags":
            restored.tags = tuple(old)
        elif key == "solved_at":
            restored.solved_at = datetime.fromisoformat(old) if old else None
        else:
            setattr(restored, key, old)
    if len(kept) < len(changes):
        restored.updated_at = now
    return restored, kept


def update_payload(before: Ticket, after: Ticket, *, sends_tags: bool) -> dict[str, Any]:
    """The outbox payload of an ``update`` item; only the fields that changed (empty: nothing to send).

    Tags go as the whole list (Zendesk replaces it); a helpdesk without tags gets none.
    """
    changes = changed_fields(before, after)
    payload: dict[str, Any] = {}
    for key in ("status", "priority", "assignee", "group"):
        if key in changes:
            payload[key] = changes[key][1]
    if sends_tags and "tags" in changes:
        payload["tags"] = changes["tags"][1]
    if not payload:
        return {}
    # A bare status change stays internal: a public one would mail the customer.
    payload.update(public=False, ticket_remote_id=before.remote_id, ticket_version=before.version)
    return payload


# ----- escalation

@dataclass(frozen=True, slots=True)
class EscalationFacts:
    """What the escalation note can say from the cache alone; empty strings are left to the agent."""

    to: str
    reported: str
    checked: str
    impact: str

    def template_values(self) -> dict[str, str]:
        """Values for the template's ``escalation.*`` placeholders (empty ones left out, so
        the template's fill-in markers show instead)."""
        values = {"to": self.to, "reported": self.reported, "checked": self.checked, "impact": self.impact}
        return {f"escalation.{key}": value for key, value in values.items() if value}


REPORT_CHARS = 600
CHECKED_LINES = 8
_AGENT_KINDS = (MessageKind.INTERNAL_NOTE, MessageKind.PUBLIC_REPLY)


def _one_line(text: str, limit: int) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _quote(text: str, limit: int) -> str:
    """``text`` as a markdown quote, its lines kept (logs and commands stay readable), cut
    at a line end near ``limit``."""
    lines: list[str] = []
    size = 0
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line and lines and lines[-1] == ">":
            continue  # one blank line is enough
        quoted = f"> {line}" if line else ">"
        if size + len(quoted) > limit:
            lines.append("> …")
            break
        lines.append(quoted)
        size += len(quoted) + 1
    return "\n".join(lines)


def escalation_facts(ticket: Ticket, thread: Sequence[Message], *, to: str, customer: str, organization: str,
                     now: datetime, plain: Callable[[Message], str] = lambda m: m.body) -> EscalationFacts:
    """The customer's first words, what agents wrote so far, and the stakes, for the expert.

    ``plain`` turns a message body into plain text (the caller knows HTML from markdown).
    """
    first = next((m for m in thread if m.kind == MessageKind.CUSTOMER), None)
    reported = _quote(plain(first), REPORT_CHARS) if first is not None else ""
    worked = [m for m in thread if m.kind in _AGENT_KINDS][-CHECKED_LINES:]
    checked = "\n".join(
        f"- {m.created_at:%Y-%m-%d %H:%M} {_one_line(m.author, 40) or 'agent'}"
        f" ({'note' if m.kind == MessageKind.INTERNAL_NOTE else 'reply'}): {_one_line(plain(m), 160)}"
        for m in worked)
    who = ", ".join(part for part in (_one_line(customer, 60), _one_line(organization, 60)) if part)
    stakes = describe_due(next_due(ticket), now)
    impact = f"Priority {ticket.priority}" + (f" for {who}" if who else "") + f"; {stakes}."
    return EscalationFacts(to=to, reported=reported, checked=checked, impact=impact)


def escalation_status(ticket: Ticket, suggested: str | None) -> Status | None:
    """The status an escalation sets: the template's suggestion, for a ticket still new (a
    ticket waiting on the customer keeps waiting; the expert decides)."""
    if not suggested or ticket.status != Status.NEW:
        return None
    return Status(suggested)


def plain_escalation_note(facts: EscalationFacts, ticket: Ticket, agent: str) -> str:
    """The note without a template (used when the template cannot be rendered)."""
    return (f"Escalated to {facts.to} by {agent}: #{ticket.number} {_one_line(ticket.subject, 120)}\n\n"
            f"What the customer reports:\n{facts.reported or '[[the problem in the customer words]]'}\n\n"
            f"What was checked so far:\n{facts.checked or '[[what you looked at, and what you found]]'}\n\n"
            "What was ruled out:\n[[causes already excluded, and how]]\n\n"
            f"Customer impact:\n{facts.impact}\n\n"
            "Suggested next step:\n[[what the expert should try first]]\n")


# ----- the rotation's tally

@dataclass(frozen=True, slots=True)
class RotationSummary:
    tickets: int  # distinct tickets handled
    by_action: dict[str, int]  # action → how many tickets it was applied to

    @property
    def actions(self) -> int:
        return sum(self.by_action.values())


def summarize(actions: Iterable[tuple[int, str]]) -> RotationSummary:
    """The tally of a rotation from its (ticket id, action) log lines that were not undone."""
    tickets: set[int] = set()
    counts: Counter[str] = Counter()
    for ticket_id, action in actions:
        tickets.add(ticket_id)
        counts[action] += 1
    order = list(ACTION_LABELS)
    by_action = dict(sorted(counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])))
    return RotationSummary(len(tickets), by_action)


def describe_summary(summary: RotationSummary) -> str:
    """``12 handled — took 5, escalated 2, prioritised 3`` (or ``nothing handled yet``)."""
    if not summary.tickets:
        return "nothing handled yet"
    parts = [f"{ACTION_LABELS.get(action, action)} {n}" for action, n in summary.by_action.items()]
    return f"{summary.tickets} handled — " + ", ".join(parts)
