"""Actions on the inbox's marked tickets (or the one under the cursor), the workstation's side.

The same actions, pickers and batches as rotation triage (``services.bulk``,
``ui.bulk_actions``), through a desk that logs outside any rotation: each ticket's change is
one outbox item; ``U`` takes the last action back while its items are still queued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.triage import ACTION_LABELS
from helpdesk_tui.services import bulk
from helpdesk_tui.services.bulk import BulkAction
from helpdesk_tui.services.macros import MACRO
from helpdesk_tui.services.types import ActionDesk, ActionResult, TriageError
from helpdesk_tui.ui.bulk_actions import ActionPrompts, BatchRunner

GROUP = "inbox-batch"


class InboxActions:
    """One action on the inbox's targets: asks for the value, applies it, says what it did."""

    def __init__(self, desk: ActionDesk, *, now: Callable[[], datetime], experts: tuple[str, ...],
                 helpdesk_label: str, targets: Callable[[], list[int]], marked: Callable[[], bool],
                 clear_marks: Callable[[], int],
                 changed: Callable[[list[int], int | None], None], drain: Callable[[], Any],
                 notify: Callable[..., object], push_screen: Callable[..., Any],
                 run_worker: Callable[..., Any], call_from_thread: Callable[..., Any]) -> None:
        self.desk = desk
        self._now = now
        self._helpdesk_label = helpdesk_label  # "Zendesk has no tags: …"
        self._targets = targets  # the marked tickets in the list's order, else the one under the cursor
        self._marked = marked  # whether any ticket is marked (the pickers' titles say "3 marked tickets")
        self._clear_marks = clear_marks
        self._changed = changed  # (tickets changed, ticket to keep the cursor on): redraw them and the view
        self._drain = drain  # send what was queued, as replies are sent
        self._notify = notify
        self.prompts = ActionPrompts(desk, experts=experts, push_screen=push_screen, notify=notify)
        self.runner = BatchRunner(run_worker=run_worker, call_from_thread=call_from_thread, notify=notify,
                                  done=self._after, group=GROUP, nothing="Nothing to act on: the inbox is empty.")
        self._last: BulkAction | None = None

    def start(self, kind: str) -> None:
        """The key for ``kind`` ("take", "assign", "status", "priority", "tag") was pressed."""
        targets = self._targets()
        if not targets:
            self._notify("Nothing to act on: the inbox is empty.", severity="warning")
            return
        if kind == "take":
            self.apply(bulk.take(self.desk))
            return
        title = self.title(kind, targets)
        if kind == "assign":
            self.prompts.assign(self.apply, title)
        elif kind == "status":
            self.prompts.status(self.apply, title)
        elif kind == "priority":
            self.prompts.priority(self.apply, title)
        elif kind == "tag":
            self.prompts.tag(self.apply, title)

    def title(self, kind: str, targets: list[int]) -> str:
        """The picker's title, with who it acts on: "Status of 3 marked tickets", "Status of #10405"."""
        return bulk.picker_title(kind, self.desk.cache, targets, marked=self._marked())

    def apply(self, action: BulkAction) -> None:
        if not self.runner.busy:  # else the runner says to wait, and the running action stays the last
            self._last = action
        self.runner.run(lambda ids: action.run(self.desk, ids, self._now()), action.what(), self._targets())

    def _after(self, results: list[ActionResult], what: str, targets: list[int]) -> None:
        self._clear_marks()  # done with them, changed or not
        action = self._last
        if not results or action is None:
            self._notify(clean_line(bulk.nothing_changed(what)), markup=False)
            return
        # "Assigned 3 tickets to <name>": a name from the server or typed, cleaned, never markup.
        self._notify(clean_line(bulk.summary_sentence(action, results, targets) + " U undoes it while queued."),
                     markup=False, timeout=5)
        if any(r.local_only for r in results):
            self._notify(bulk.local_tags_warning(self._helpdesk_label), severity="warning", markup=False, timeout=8)
        self._changed([r.ticket_id for r in results], None)
        self._drain()

    def after_macro(self, sentence: str, skipped: tuple[str, ...], ticket_ids: list[int]) -> None:
        """A macro was applied to the inbox's targets (``ui.inbox_macros``): said as the actions are."""
        self._clear_marks()
        self._notify(clean_line(sentence), markup=False, timeout=5)
        for said in skipped:
            self._notify(clean_line(said), severity="warning", markup=False, timeout=8)
        self._changed(ticket_ids, None)
        self._drain()

    def undo(self) -> None:
        try:
            undone = self.desk.undo(self._now())
        except TriageError as exc:
            self._notify(clean_line(str(exc)), severity="warning", markup=False, timeout=6)
            return
        numbers = ", ".join(f"#{n}" for n in undone.numbers)
        # Whichever came last: one of these actions or a macro on the marked tickets (same log).
        label = "macro on" if undone.action == MACRO else ACTION_LABELS.get(undone.action, undone.action)
        message = f"Undone: {label} {numbers}."
        if undone.kept:
            message += f" Changed again since, left as is: {', '.join(undone.kept)}."
        self._notify(clean_line(message), markup=False)
        self._changed(undone.ticket_ids, undone.ticket_ids[0] if undone.ticket_ids else None)
