"""Promised updates falling due, and marking a customer's words as product feedback.

Every ``CHECK_SECONDS`` (live app only) a worker asks the cache for promises on the
agent's own and unassigned tickets that are overdue or due within
``[sla] checkpoint_warning_minutes``. Each promise gets one gentle notification when it
comes near and one more when it is overdue, never one per tick; a new promise on the same
ticket starts over. The inbox order and its ⚑⚠ clock need nothing from here: the
promise is one of the ticket's due moments, so it already sorts and draws as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual import work

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.sla import format_remaining, is_breached
from helpdesk_tui.ui.screens.note_editor import NoteEditor

CHECK_SECONDS = 30
MAX_SEPARATE = 3
"""More new alerts than this in one check (a morning's backlog) become one summary."""

AlertKey = tuple[int, int, bool]  # ticket id, promised epoch, overdue


@dataclass(frozen=True, slots=True)
class PromiseAlert:
    ticket_id: int
    overdue: bool
    text: str


def alert_text(promise, now: datetime) -> str:
    """``#123 · next update promised to Ana due in 9m`` (or ``… is overdue by 4m``)."""
    who = clean_line(promise.customer_name) or "the customer"
    remaining = format_remaining(promise.promised_at, now)
    if is_breached(promise.promised_at, now):
        return f"#{promise.number} · next update promised to {who} is overdue by {remaining.lstrip('-')}"
    return f"#{promise.number} · next update promised to {who} due in {remaining}"


def new_alerts(promises: Iterable, seen: set[AlertKey], now: datetime) -> tuple[list[PromiseAlert], set[AlertKey]]:
    """The alerts not raised yet, and what has been raised from now on.

    A promise is known by its ticket, its time and whether it is overdue, so "due soon"
    and "overdue" are raised once each. Only promises still due are remembered: a kept
    promise is forgotten, which keeps the set as small as the list.
    """
    alerts, current = [], set()
    for promise in promises:
        overdue = is_breached(promise.promised_at, now)
        key = (promise.ticket_id, int(promise.promised_at.timestamp()), overdue)
        current.add(key)
        if key not in seen:
            alerts.append(PromiseAlert(promise.ticket_id, overdue, alert_text(promise, now)))
    return alerts, current


class CheckpointAlertsMixin:
    """Mixed into HelpdeskApp: uses its ``options``, ``cache``, ``settings``, ``now``, ``me``."""

    def on_mount(self) -> None:
        # Textual calls on_mount of every class in the MRO, so this runs after the app's own.
        self._promise_alerts_seen: set[AlertKey] = set()
        if self.options.live and self._promise_warning() is not None:
            self.set_interval(CHECK_SECONDS, self.check_promises)
            self.check_promises()

    def _promise_warning(self) -> timedelta | None:
        minutes = self.settings.sla.checkpoint_warning_minutes
        return timedelta(minutes=minutes) if minutes > 0 else None

    def check_promises(self) -> None:
        """Look for promises falling due (in a worker); alerts follow when it answers."""
        within = self._promise_warning()
        if within is not None:
            self._load_promises(self.now(), within)

    @work(thread=True, exclusive=True, group="checkpoint-alerts", exit_on_error=False)
    def _load_promises(self, now: datetime, within: timedelta) -> None:
        promises = self.cache.promises_due(now, within, (self.me, None))
        self.call_from_thread(self._raise_promise_alerts, promises, now, within)

    def _raise_promise_alerts(self, promises: list, now: datetime, within: timedelta) -> None:
        alerts, self._promise_alerts_seen = new_alerts(promises, self._promise_alerts_seen, now)
        if len(alerts) > MAX_SEPARATE:
            overdue = sum(a.overdue for a in alerts)
            self.notify(f"{len(alerts)} promised updates need you: {overdue} overdue, {len(alerts) - overdue} "
                        f"due within {format_remaining(now + within, now)}. The Due ≤ 1h view lists them.",
                        title="Promised updates", severity="warning" if overdue else "information",
                        timeout=10, markup=False)
            return
        for alert in alerts:
            # markup=False: the customer's name is a stranger's text.
            self.notify(alert.text, title="Promised update", severity="warning" if alert.overdue else "information",
                        timeout=10, markup=False)

    # ----- product feedback
    def action_mark_feedback(self) -> None:
        """Mark the open ticket's latest customer message as product feedback, with an optional note."""
        ticket_id = self.ticket_id
        if ticket_id is None:
            self.notify("Open a ticket first: the mark goes on its latest customer message.", severity="warning")
            return

        def saved(note: str | None) -> None:
            if note is None:
                return
            self.cache.mark_feedback(ticket_id, self.now(), note=note, author=self.me)
            ticket = self.cache.ticket(ticket_id)
            number = f"#{ticket.number}" if ticket else "the ticket"
            self.notify(f"Marked {number} as product feedback: 'helpdesk-tui insights export' lists it.",
                        markup=False)

        self.push_screen(NoteEditor("Product feedback: a note for product (optional)"), saved)
