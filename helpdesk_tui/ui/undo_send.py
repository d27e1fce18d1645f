"""Undo send, the workstation's side: ``[send] delay_seconds`` of grace after ctrl+s.

A sent reply waits in the outbox as a held send (store.held) for the window; the thread and the header count it down ("sending in 9 s · u undo"), ``u`` (or
the palette's "Reply: Undo send") takes it back into the composer as the draft it was.
When a window ends, the outbox worker releases it and pushes it at once, without waiting
for the next periodic sync. Triage changes wait out the same window (their ``u`` is the
triage screen's).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from time import monotonic

from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.types import Cache, HeldSend, HoldError
from helpdesk_tui.ui.widgets.composer import Composer

TICK = 0.5  # seconds between countdown redraws while something is held
ASK_AGAIN = 2.0  # seconds before asking the worker again to release what is due


def seconds_left(send_at: datetime, now: datetime) -> int:
    # Rounded down: the cache rounds the end up to a whole second, so a 10 s delay reads
    # "10 s" at first, never "11 s".
    return max(0, math.floor((send_at - now).total_seconds()))


def countdown(send: HeldSend, now: datetime) -> str:
    left = seconds_left(send.send_at, now)
    return f"sending in {left} s · u undo" if left else "sending now"


def held_line(sends: list[HeldSend], ticket_id: int | None, now: datetime) -> Text | None:
    """The open ticket's pending line under its thread, or None when none of its sends is held."""
    mine = [s for s in sends if s.ticket_id == ticket_id]
    if not mine:
        return None
    text = Text(no_wrap=True, overflow="ellipsis")
    for send in mine:
        what = "Reply" if send.kind == MessageKind.PUBLIC_REPLY else "Internal note"
        text.append(f"⏳ {what} · {countdown(send, now)}")
    return text


def header_text(sends: list[HeldSend], now: datetime) -> Text:
    text = Text()
    if sends:
        more = f" (+{len(sends) - 1})" if len(sends) > 1 else ""
        text.append(f"  ⏳ {countdown(sends[0], now)}{more}", "bold")
    return text


class HeldSends:
    """The sends in their undo window: hold, count down, release when due."""

    def __init__(self, cache: Cache, *, now: Callable[[], datetime], delay_seconds: int,
                 set_interval: Callable[[float, Callable[[], object]], Timer],
                 drain: Callable[[], object], changed: Callable[[], None]) -> None:
        self._cache = cache
        self._now = now
        self.delay_seconds = delay_seconds
        self._set_interval = set_interval
        self._drain = drain  # the outbox worker: releases what is due, then pushes it
        self._changed = changed  # the thread's line, the header and the footer redraw
        self.sends: list[HeldSend] = []
        self._timer: Timer | None = None
        self._release_asked: float | None = None
        self._woke_through: datetime | None = None  # triage windows ending up to here were drained

    def send_or_hold(self, plan: ReplyPlan, draft: Draft) -> bool:
        """Hold ``plan`` for the undo window (True), or queue it at once when the window is 0.
        Raises store.outbox.TicketGone."""
        now = self._now()
        if self.delay_seconds <= 0:
            self._cache.queue_reply(plan, now)
            return False
        self._cache.hold_reply(plan, now, now + timedelta(seconds=self.delay_seconds), draft=draft)
        self.watch()
        return True

    def watch(self) -> None:
        """Look at what is held and keep the countdown (and the release) going while anything is."""
        self.sends = self._cache.held_sends()
        waiting = bool(self.sends) or self._cache.next_hold_wake(self._woke_through) is not None
        if waiting and self._timer is None:
            self._timer = self._set_interval(TICK, self._tick)
        elif not waiting and self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._changed()

    def _tick(self) -> None:
        wake = self._cache.next_hold_wake(self._woke_through)
        now = self._now()
        if wake is not None and wake <= now:
            clock = monotonic()
            if self._release_asked is None or clock - self._release_asked > ASK_AGAIN:
                self._release_asked = clock
                # Triage changes due by now get this one push; offline they wait for a sync
                # (not a request every few seconds). Held sends stay until released.
                self._woke_through = now
                self._drain()  # releases what is due, then pushes it (store.held)
        self.watch()

    def released(self) -> None:
        """The outbox worker released held sends: they are queued messages in the thread now."""
        self._release_asked = None

    def line(self, ticket_id: int | None) -> Text | None:
        return held_line(self.sends, ticket_id, self._now())

    def header_text(self) -> Text:
        return header_text(self.sends, self._now())

    def held_here(self, ticket_id: int | None) -> bool:
        return any(s.ticket_id == ticket_id for s in self.sends)

    def to_take_back(self, ticket_id: int | None) -> HeldSend | None:
        """The send ``u`` takes back: the open ticket's, else the newest."""
        sends = self._cache.held_sends()
        if not sends:
            return None
        return next((s for s in sends if s.ticket_id == ticket_id), None) or max(sends, key=lambda s: s.held_at)

    def take_back(self, send: HeldSend) -> Draft | None:
        """The draft the send was, or None when it has gone to the outbox. Raises HoldError."""
        return self._cache.take_back(send.ticket_id, self._now())


def undo_send(holds: HeldSends, ticket_id: int | None, *, notify: Callable[..., object],
              clear_notifications: Callable[[], None], open_ticket: Callable[[int], None],
              open_composer: Callable[[MessageKind], Composer | None],
              reload_ticket: Callable[[int], None]) -> None:
    """``u``: take the open ticket's held send (else the newest) back into the composer."""
    send = holds.to_take_back(ticket_id)
    if send is None:
        notify("Nothing to undo: no reply is waiting to be sent.")
        return
    try:
        draft = holds.take_back(send)
    except HoldError as exc:
        notify(str(exc), severity="warning")
        return
    holds.watch()
    if draft is None:
        notify("Too late to undo: it has gone to the outbox.", severity="warning")
        return
    if ticket_id != send.ticket_id:
        open_ticket(send.ticket_id)
    composer = open_composer(draft.kind)
    if composer is not None:  # an explicit key: the text takes the keyboard once it is built
        composer.call_after_refresh(lambda: composer.text_area.focus())
    reload_ticket(send.ticket_id)
    what = "reply" if draft.kind == MessageKind.PUBLIC_REPLY else "note"
    clear_notifications()  # "… held 10 s · u undo" no longer holds
    notify(f"Send undone: the {what} is back in the composer.")


def refuse_while_held(holds: HeldSends, ticket_id: int | None, notify: Callable[..., object]) -> bool:
    """A send of this ticket is in its undo window: the composer waits (one draft a ticket)."""
    if not holds.held_here(ticket_id):
        return False
    notify("A reply on this ticket is about to be sent: u takes it back into the composer, "
           "or wait until it has gone.", severity="warning")
    return True
