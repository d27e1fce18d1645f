"""Promised updates falling due: a gentle notification when one comes near, one when overdue.

Every ``CHECK_SECONDS`` (live app only) a worker asks the cache for promises on the
agent's own and unassigned tickets that are overdue or due within
``[sla] checkpoint_warning_minutes``. Each promise gets one gentle notification when it
comes near and one more when it is overdue, never one per tick; a new promise on the same
ticket starts over. The inbox order and its ⚑⚠ clock need nothing from here: the
promise is one of the ticket's due moments, so it already sorts and draws as one.

At start the promises already overdue are one summary ("3 promised updates are overdue:
#11080, #11067, #11175 — press P to list them"), not a toast each stacked over the panes;
P lists them in a picker where Enter opens the ticket. Later ones come one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.worker import Worker

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.sla import format_remaining, is_breached
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker

CHECK_SECONDS = 30
MAX_SEPARATE = 3
"""More new alerts than this in one check (a morning's backlog) become one summary."""
MAX_NUMBERS = 5  # ticket numbers named in the start summary; the list has them all
LIST_KEY = "P"
LABEL_CELLS = 58  # one line of the picker (64 wide)

AlertKey = tuple[int, int, bool]  # ticket id, promised epoch, overdue


@dataclass(frozen=True, slots=True)
class PromiseAlert:
    ticket_id: int
    overdue: bool
    text: str
    number: int = 0


def alert_text(promise: Any, now: datetime) -> str:
    """``#123 · next update promised to Ana due in 9m`` (or ``… is overdue by 4m``)."""
    who = clean_line(promise.customer_name) or "the customer"
    remaining = format_remaining(promise.promised_at, now)
    if is_breached(promise.promised_at, now):
        return f"#{promise.number} · next update promised to {who} is overdue by {remaining.lstrip('-')}"
    return f"#{promise.number} · next update promised to {who} due in {remaining}"


def new_alerts(promises: Iterable[Any], seen: set[AlertKey], now: datetime) -> tuple[list[PromiseAlert], set[AlertKey]]:
    """The alerts not raised yet, and what has been raised from now on.

    A promise is known by its ticket, its time and whether it is overdue, so "due soon"
    and "overdue" are raised once each. Only promises still due are remembered: a kept
    promise is forgotten, which keeps the set as small as the list.
    """
    alerts: list[PromiseAlert] = []
    current: set[AlertKey] = set()
    for promise in promises:
        overdue = is_breached(promise.promised_at, now)
        key = (promise.ticket_id, int(promise.promised_at.timestamp()), overdue)
        current.add(key)
        if key not in seen:
            alerts.append(PromiseAlert(promise.ticket_id, overdue, alert_text(promise, now), promise.number))
    return alerts, current


def overdue_summary(overdue: list[PromiseAlert]) -> str:
    """``3 promised updates are overdue: #11080, #11067, #11175 — press P to list them``."""
    numbers = ", ".join(f"#{a.number}" for a in overdue[:MAX_NUMBERS])
    more = len(overdue) - MAX_NUMBERS
    return (f"{len(overdue)} promised updates are overdue: {numbers}{f' and {more} more' if more > 0 else ''}"
            f" — press {LIST_KEY} to list them")


def promise_label(promise: Any, now: datetime) -> Text:
    """One line of the list: number, how late or how soon, subject, customer (cleaned, cut to fit)."""
    remaining = format_remaining(promise.promised_at, now)
    when = f"overdue by {remaining.lstrip('-')}" if is_breached(promise.promised_at, now) else f"due in {remaining}"
    who = clean_line(promise.customer_name) or "the customer"
    label = Text(f"#{promise.number}  {when:<15} {clean_line(promise.subject)} · {who}", no_wrap=True)
    label.truncate(LABEL_CELLS, overflow="ellipsis")
    return label


class PromiseAlerts:
    """Looks for promises falling due on the agent's own and unassigned tickets, and says so."""

    def __init__(self, cache: Cache, *, me: str, now: Callable[[], datetime], warning_minutes: int,
                 notify: Callable[..., object], run_worker: Callable[..., Worker[Any]],
                 call_from_thread: Callable[..., Any],
                 push_screen: Callable[[Screen[Any], Callable[[Any], None]], None] | None = None,
                 open_ticket: Callable[[int], None] | None = None) -> None:
        self._cache = cache
        self._me = me
        self._now = now
        self._within = timedelta(minutes=warning_minutes) if warning_minutes > 0 else None
        self._notify = notify
        self._run_worker = run_worker
        self._call_from_thread = call_from_thread
        self._seen: set[AlertKey] = set()
        self._push_screen = push_screen
        self._open_ticket = open_ticket
        self._at_start = True  # the first answer: what was already overdue when the app opened

    @property
    def enabled(self) -> bool:
        return self._within is not None

    def check(self) -> None:
        """Look for promises falling due (in a worker); alerts follow when it answers."""
        within = self._within
        if within is not None:
            now = self._now()
            self._run_worker(lambda: self._load(now, within), thread=True, exclusive=True,
                             group="checkpoint-alerts", exit_on_error=False)

    def _load(self, now: datetime, within: timedelta) -> None:
        promises = self._cache.promises_due(now, within, (self._me, None))
        self._call_from_thread(self._raise, promises, now, within)

    def _raise(self, promises: list[Any], now: datetime, within: timedelta) -> None:
        alerts, self._seen = new_alerts(promises, self._seen, now)
        at_start, self._at_start = self._at_start, False
        if len(alerts) > MAX_SEPARATE:
            overdue = sum(a.overdue for a in alerts)
            self._notify(f"{len(alerts)} promised updates need you: {overdue} overdue, {len(alerts) - overdue} "
                         f"due within {format_remaining(now + within, now)}. The Due ≤ 1h view lists them.",
                         title="Promised updates", severity="warning" if overdue else "information",
                         timeout=10, markup=False)
            return
        late = [a for a in alerts if a.overdue]
        if at_start and len(late) > 1:
            self._notify(overdue_summary(late), title="Promised updates", severity="warning", timeout=15,
                         markup=False)
            alerts = [a for a in alerts if not a.overdue]
        for alert in alerts:
            # markup=False: the customer's name is a stranger's text.
            self._notify(alert.text, title="Promised update", severity="warning" if alert.overdue else "information",
                         timeout=10, markup=False)

    def show_list(self) -> None:
        """P: the promises overdue or coming due, in a picker; Enter opens the ticket."""
        if self._push_screen is None or self._open_ticket is None:
            return
        now = self._now()
        promises = self._cache.promises_due(now, self._within or timedelta(0), (self._me, None))
        if not promises:
            self._notify("No promised update is overdue or coming due.", title="Promised updates", timeout=4)
            return
        open_ticket = self._open_ticket
        choices = [(p.ticket_id, promise_label(p, now)) for p in promises]
        self._push_screen(ChoicePicker(f"Promised updates ({len(promises)})", choices),
                          lambda ticket_id: open_ticket(ticket_id) if ticket_id is not None else None)
