"""One action on several tickets at once: the part the triage queue and the inbox share.

Both screens mark tickets (or act on the one under the cursor) and apply the same actions —
take, assign, priority, status, tag — through an ``ActionDesk``: each ticket's change is one
outbox item, the whole batch one transaction, and the last batch can be undone while its
items are still queued. Triage's desk logs in the agent's rotation; the inbox's logs outside
any rotation (``open_inbox_desk``), so it never counts in the rotation's tally.

A macro on the marked tickets is ``services.macros.apply_to_many``: its batch is logged the
same way (outside any rotation, by the same agent), so the inbox's undo takes back whichever
came last, a macro or one of these actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from helpdesk_tui.config.settings import Settings
from helpdesk_tui.domain.new_ticket import is_provisional
from helpdesk_tui.domain.triage import ASSIGN, PRIORITY, STATUS, TAG, TAKE, normalise_tag
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.services.triage import helpdesk_keeps
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.triage import ActionResult
from helpdesk_tui.store.triage_desk import ActionDesk

SHOWN_NUMBERS = 6  # a toast names this many tickets, then "…"


def _label(value: str) -> str:
    """How a status or priority reads in a sentence: ``on hold``, not ``on_hold``."""
    return value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class BulkAction:
    """What one key does to each target ticket: ``action`` (``TAKE``, ``ASSIGN``, ``PRIORITY``,
    ``STATUS``, ``TAG``) with its ``value`` (the assignee, priority, status or tag)."""

    action: str
    value: str

    def what(self) -> str:
        """The action as the triage log and its toasts say it: "priority urgent", "assigned to Dana"."""
        if self.action == TAKE:
            return f"taken by {self.value}"
        if self.action == ASSIGN:
            return f"assigned to {self.value}"
        if self.action == PRIORITY:
            return f"priority {_label(self.value)}"
        if self.action == STATUS:
            return f"status {_label(self.value)}"
        return f"tagged {self.value}"

    def run(self, desk: ActionDesk, ticket_ids: Sequence[int], now: datetime) -> list[ActionResult]:
        """Apply to every ticket in ``ticket_ids``: one transaction, one outbox item per ticket changed."""
        if self.action == TAKE:
            return desk.take(ticket_ids, now)
        if self.action == ASSIGN:
            return desk.assign(ticket_ids, self.value, now)
        if self.action == PRIORITY:
            return desk.set_priority(ticket_ids, Priority(self.value), now)
        if self.action == STATUS:
            return desk.set_status(ticket_ids, Status(self.value), now)
        return desk.add_tag(ticket_ids, self.value, now)


def take(desk: ActionDesk) -> BulkAction:
    return BulkAction(TAKE, desk.agent)


def assign(name: str) -> BulkAction:
    return BulkAction(ASSIGN, name)


def set_priority(priority: Priority) -> BulkAction:
    return BulkAction(PRIORITY, str(priority))


def set_status(status: Status) -> BulkAction:
    return BulkAction(STATUS, str(status))


def add_tag(text: str) -> BulkAction | None:
    """The tag as helpdesks keep it (``VIP customer`` → ``vip-customer``); None when nothing is left."""
    tag = normalise_tag(text)
    return BulkAction(TAG, tag) if tag is not None else None


def numbers(results: Iterable[ActionResult]) -> str:
    """``#10405, #10406 …``: the first few tickets an action changed."""
    return number_list([r.number for r in results])


def number_list(ticket_numbers: Sequence[int]) -> str:
    """``#10405, #10406 …``: the first few of ``ticket_numbers``."""
    shown = ", ".join(f"#{n}" for n in ticket_numbers[:SHOWN_NUMBERS])
    return shown + (" …" if len(ticket_numbers) > SHOWN_NUMBERS else "")


# What the inbox's pickers ask, with who they act on ("Status of 3 marked tickets").
PICKER_TITLES = {
    "status": "Status of {}",
    "priority": "Priority of {}",
    "assign": "Assign {} to…",
    "tag": "Add a tag to {}",
    "macro": "Apply a macro to {}",
}


def targets_phrase(cache: Cache, ticket_ids: Sequence[int], *, marked: bool) -> str:
    """Who an inbox action acts on: "3 marked tickets", "1 marked ticket", or the number of
    the one under the cursor ("#10405") when none is marked."""
    if marked:
        return f"{len(ticket_ids):,} marked {'ticket' if len(ticket_ids) == 1 else 'tickets'}"
    if len(ticket_ids) == 1:
        ticket = cache.ticket(ticket_ids[0])
        if ticket is not None:  # a new ticket not numbered yet has no number to show
            return "the queued new ticket" if is_provisional(ticket.number) else f"#{ticket.number}"
    return _tickets(len(ticket_ids))


def picker_title(kind: str, cache: Cache, ticket_ids: Sequence[int], *, marked: bool) -> str:
    """The title of the inbox's picker for ``kind`` ("status", "priority", "assign", "tag",
    "macro"): "Status of 3 marked tickets", "Assign #10405 to…"."""
    return PICKER_TITLES[kind].format(targets_phrase(cache, ticket_ids, marked=marked))


def queue_sentence(results: Sequence[ActionResult], what: str, targets: Sequence[int]) -> str:
    """Triage's toast: "Taken by Aiko Tanaka: #10405. Left the queue." (``results`` not empty)."""
    message = f"{what[:1].upper()}{what[1:]}: {numbers(results)}."
    left = sum(r.left_queue for r in results)
    if left:
        message += " Left the queue." if left == len(results) == 1 else f" {left} left the queue."
    if len(targets) > len(results):
        message += f" {len(targets) - len(results)} already so."
    return message


def _tickets(n: int) -> str:
    return "1 ticket" if n == 1 else f"{n:,} tickets"


def summary_sentence(action: BulkAction, results: Sequence[ActionResult], targets: Sequence[int]) -> str:
    """The inbox's toast: "Set 3 tickets to pending: #10405, #10406, #10407." (``results`` not empty)."""
    n = _tickets(len(results))
    if action.action == TAKE:
        head = f"Took {n}"
    elif action.action == ASSIGN:
        head = f"Assigned {n} to {action.value}"
    elif action.action == PRIORITY:
        head = f"Set {n} to priority {_label(action.value)}"
    elif action.action == STATUS:
        head = f"Set {n} to {_label(action.value)}"
    else:
        head = f"Tagged {n} {action.value}"
    message = f"{head}: {numbers(results)}."
    if len(targets) > len(results):
        message += f" {len(targets) - len(results)} already so."
    return message


def local_tags_warning(helpdesk_label: str) -> str:
    """Said once an action tagged tickets on a helpdesk that keeps no tags."""
    return (f"{helpdesk_label} has no tags: the tag is kept in this cache only, and a sync that brings "
            "the ticket back from the server may drop it.")


def nothing_changed(what: str) -> str:
    return f"Nothing changed: already {what}."


def open_inbox_desk(cache: Cache, settings: Settings, backend: Any | None, *, agent: str | None = None) -> ActionDesk:
    """The desk the inbox acts through: the agent's actions outside any rotation; each action's
    outbox items wait out the undo window (``[send] delay_seconds``) like triage's."""
    tags, groups = helpdesk_keeps(backend)
    return ActionDesk(cache, settings.agent.name if agent is None else agent, sends_tags=tags, sends_groups=groups,
                      hold_seconds=settings.send.delay_seconds)
