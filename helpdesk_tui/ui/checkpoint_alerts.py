"""Promised updates falling due: a gentle notification when one comes near, one when overdue.

Every ``CHECK_SECONDS`` (live app only) a worker asks the cache for promises on the
agent's own and unassigned tickets that are overdue or due within
``[sla] checkpoint_warning_minutes``. Each promise gets one gentle notification when it
comes near and one more when it is overdue, never one per tick; a new promise on the same
ticket starts over. The inbox order and its ⚑⚠ clock need nothing from here: the
promise is one of the ticket's due moments, so it already sorts and draws as one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from textual.worker import Worker

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.sla import format_remaining, is_breached
from helpdesk_tui.services.types import Cache

CHECK_SECONDS = 30
MAX_SEPARATE = 3
"""More new alerts than this in one check (a morning's backlog) become one summary."""

AlertKey = tuple[int, int, bool]  # ticket id, promised epoch, overdue


@dataclass(frozen=True, slots=True)
class PromiseAlert:
    ticket_id: int
    overdue: bool
    text: str


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
            alerts.append(PromiseAlert(promise.ticket_id, overdue, alert_text(promise, now)))
    return alerts, current


class PromiseAlerts:
    """Looks for promises falling due on the agent's own and unassigned tickets, and says so."""

    def __init__(self, cache: Cache, *, me: str, now: Callable[[], datetime], warning_minutes: int,
                 notify: Callable[..., object], run_worker: Callable[..., Worker[Any]],
                 call_from_thread: Callable[..., Any]) -> None:
        self._cache = cache
        self._me = me
        self._now = now
        self._within = timedelta(minutes=warning_minutes) if warning_minutes > 0 else None
        self._notify = notify
        self._run_worker = run_worker
        self._call_from_thread = call_from_thread
        self._seen: set[AlertKey] = set()

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
        if len(alerts) > MAX_SEPARATE:
            overdue = sum(a.overdue for a in alerts)
            self._notify(f"{len(alerts)} promised updates need you: {overdue} overdue, {len(alerts) - overdue} "
                         f"due within {format_remaining(now + within, now)}. The Due ≤ 1h view lists them.",
                         title="Promised updates", severity="warning" if overdue else "information",
                         timeout=10, markup=False)
            return
        for alert in alerts:
            # markup=False: the customer's name is a stranger's text.
            self._notify(alert.text, title="Promised update", severity="warning" if alert.overdue else "information",
                         timeout=10, markup=False)
