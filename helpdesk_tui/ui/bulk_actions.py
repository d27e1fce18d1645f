"""One action on the marked tickets, the screens' side: the pickers that ask for the value and
the runner that applies it. The triage screen and the inbox use both, so the same key asks the
same question and a batch behaves the same on either (``services.bulk`` holds the actions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text

from helpdesk_tui.content import clean_line, safe_line
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.services import bulk
from helpdesk_tui.services.bulk import BulkAction
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.types import ActionDesk, TicketGone, TriageError
from helpdesk_tui.ui.formatting import PRIORITY_LABELS, STATUS_LABELS
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker, TagPrompt

BATCH_ON_UI_THREAD = 5  # more marked tickets than this are changed in a worker

Then = Callable[[BulkAction], None]
Act = Callable[[list[int]], Any]  # the action's results: ActionResults, or a macro's AppliedToMany
Done = Callable[[Any, str, list[int]], None]  # (results, what, targets) on the UI thread
FAILURES = (TriageError, TicketGone, ServiceError)  # each says one sentence


class ActionPrompts:
    """Ask for an action's value (who, which status, which tag) and hand the action to ``then``."""

    def __init__(self, desk: ActionDesk, *, experts: Sequence[str], push_screen: Callable[..., Any],
                 notify: Callable[..., object]) -> None:
        self.desk = desk
        self.experts = tuple(experts)
        self._push_screen = push_screen
        self._notify = notify

    def person_label(self, name: str) -> Text:
        label = safe_line(name)  # a name from the server or typed: never markup
        if name in self.experts:
            label.append("  expert", "dim")
        return label

    def assign(self, then: Then, title: str = "Assign to…") -> None:
        choices = [(name, self.person_label(name)) for name in self.desk.people(self.experts)]
        self._push_screen(ChoicePicker(title, choices, typed=lambda name: name,
                                       placeholder="a name (enter takes a new one)"),
                          lambda name: then(bulk.assign(name)) if name else None)

    def status(self, then: Then, title: str = "Status…") -> None:
        choices = [(status, Text(STATUS_LABELS[status])) for status in Status]
        self._push_screen(ChoicePicker(title, choices),
                          lambda status: then(bulk.set_status(status)) if status is not None else None)

    def priority(self, then: Then, title: str = "Priority…") -> None:
        """A picker for the priority (the triage queue has keys 1-4; the inbox's digits are its views)."""
        choices = [(priority, Text(f"{priority.rank} {PRIORITY_LABELS[priority]}"))
                   for priority in sorted(Priority, key=lambda p: p.rank)]
        self._push_screen(ChoicePicker(title, choices),
                          lambda priority: then(bulk.set_priority(priority)) if priority is not None else None)

    def tag(self, then: Then, title: str = "Add a tag") -> None:
        note = "" if self.desk.sends_tags else "this helpdesk has no tags: the tag stays in this cache"

        def tagged(text: str | None) -> None:
            if text is None:
                return
            action = bulk.add_tag(text)
            if action is None:
                self._notify("A tag needs letters or digits.", severity="warning")
                return
            then(action)

        self._push_screen(TagPrompt(title, note), tagged)


class BatchRunner:
    """Applies an action to its targets: at once for a few, in a worker for many (dozens take
    about half a second on a big cache), holding back further keys until it is done so
    actions keep their order."""

    def __init__(self, *, run_worker: Callable[..., Any], call_from_thread: Callable[..., Any],
                 notify: Callable[..., object], done: Done,
                 group: str, nothing: str = "Nothing to act on.") -> None:
        self._run_worker = run_worker
        self._call_from_thread = call_from_thread
        self._notify = notify
        self._done = done  # (results, what, targets) on the UI thread
        self.group = group  # the worker group: its failure frees the runner (``failed``)
        self._nothing = nothing
        self.busy = False

    def run(self, act: Act, what: str, targets: list[int], done: Done | None = None) -> None:
        """``done`` (default: the runner's) gets what ``act`` returned."""
        done = done or self._done
        if not targets:
            self._notify(self._nothing, severity="warning")
            return
        if self.busy:
            self._notify("Still applying the last action to the marked tickets: one moment.", severity="warning")
            return
        if len(targets) > BATCH_ON_UI_THREAD:
            self.busy = True
            self._run_worker(lambda: self._in_thread(act, what, targets, done), thread=True, group=self.group,
                             exit_on_error=False)
            return
        try:
            results = act(targets)
        except FAILURES as exc:
            self._notify(clean_line(str(exc)), severity="error", markup=False)
            return
        done(results, what, targets)

    def _in_thread(self, act: Act, what: str, targets: list[int], done: Done) -> None:
        try:
            results = act(targets)
        except FAILURES as exc:
            self._call_from_thread(self._failed_with, str(exc))
            return
        self._call_from_thread(self._finished, results, what, targets, done)

    def _failed_with(self, message: str) -> None:
        self.busy = False
        self._notify(clean_line(message), severity="error", markup=False)

    def _finished(self, results: Any, what: str, targets: list[int], done: Done) -> None:
        self.busy = False
        done(results, what, targets)

    def failed(self) -> None:
        """The worker ended with a bug (already reported): the next key may act again."""
        self.busy = False
