"""Undo send, the app's side: ``[send] delay_seconds`` of grace after ctrl+s.

A mixin of HelpdeskApp. A sent reply waits in the outbox as a held send (store.held) for
the window; the thread and the header count it down ("sending in 9 s · u undo"), ``u`` (or
the palette's "Reply: Undo send") takes it back into the composer as the draft it was.
When a window ends, the outbox worker releases it and pushes it at once, without waiting
for the next periodic sync. Triage changes wait out the same window (their ``u`` is the
triage screen's).
"""

from __future__ import annotations

import math
from time import monotonic
from datetime import datetime, timedelta

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.held import HeldSend, HoldError

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


class UndoSendMixin:
    _holds: list[HeldSend] = []
    _hold_timer: Timer | None = None
    _release_asked: float | None = None
    _header_held = False
    _woke_through: datetime | None = None  # triage windows ending up to here were drained

    @property
    def send_delay_seconds(self) -> int:
        return self.settings.send.delay_seconds

    def send_or_hold(self, plan: ReplyPlan, draft) -> bool:
        """Hold ``plan`` for the undo window (True), or queue it at once when the window is 0.
        Raises store.outbox.TicketGone."""
        now = self.now()
        delay = self.send_delay_seconds
        if delay <= 0:
            self.cache.queue_reply(plan, now)
            return False
        self.cache.hold_reply(plan, now, now + timedelta(seconds=delay), draft=draft)
        self.watch_holds()
        return True

    # ----- the countdown
    def watch_holds(self) -> None:
        """Look at what is held and keep the countdown (and the release) going while anything is."""
        self._holds = self.cache.held_sends()
        waiting = bool(self._holds) or self.cache.next_hold_wake(self._woke_through) is not None
        if waiting and self._hold_timer is None:
            self._hold_timer = self.set_interval(TICK, self._hold_tick)
        elif not waiting and self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        self._show_holds()
        self.refresh_bindings()

    def _hold_tick(self) -> None:
        wake = self.cache.next_hold_wake(self._woke_through)
        now = self.now()
        if wake is not None and wake <= now:
            clock = monotonic()
            if self._release_asked is None or clock - self._release_asked > ASK_AGAIN:
                self._release_asked = clock
                # Triage changes due by now get this one push; offline they wait for a sync
                # (not a request every few seconds). Held sends stay until released.
                self._woke_through = now
                self.drain_outbox()  # releases what is due, then pushes it (store.held)
        self.watch_holds()

    def holds_released(self) -> None:
        """The outbox worker released held sends: they are queued messages in the thread now."""
        self._release_asked = None
        if self.ticket_id is not None:
            self.reload_ticket(self.ticket_id)
        self.watch_holds()
        self._render_topbar()

    def _show_holds(self) -> None:
        now = self.now()
        try:
            line = self.query_one("#ticket-held", Static)
        except Exception:  # the panes are gone (closing) or not built yet
            return
        text = held_line(self._holds, self.ticket_id, now)
        line.display = text is not None
        line.update(text or "")
        if self._holds or self._header_held:  # the header counts down too, and clears once
            self._header_held = bool(self._holds)
            self._render_topbar()

    def held_header_text(self) -> Text:
        return header_text(self._holds, self.now())

    def held_here(self, ticket_id: int | None) -> bool:
        return any(s.ticket_id == ticket_id for s in self._holds)

    # ----- undo
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo_send" and not self._holds:
            return False  # out of the footer until something is held
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_undo_send(self) -> None:
        sends = self.cache.held_sends()
        if not sends:
            self.notify("Nothing to undo: no reply is waiting to be sent.")
            return
        send = next((s for s in sends if s.ticket_id == self.ticket_id), None) or max(sends, key=lambda s: s.held_at)
        try:
            draft = self.cache.take_back(send.ticket_id, self.now())
        except HoldError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.watch_holds()
        if draft is None:
            self.notify("Too late to undo: it has gone to the outbox.", severity="warning")
            return
        if self.ticket_id != send.ticket_id:
            self.open_ticket(send.ticket_id, focus=True)
        composer = self.open_composer(draft.kind)
        if composer is not None:  # an explicit key: the text takes the keyboard once it is built
            composer.call_after_refresh(lambda: composer.text_area.focus())
        self.reload_ticket(send.ticket_id)
        what = "reply" if draft.kind == MessageKind.PUBLIC_REPLY else "note"
        self.clear_notifications()  # "… held 10 s · u undo" no longer holds
        self.notify(f"Send undone: the {what} is back in the composer.")

    def refuse_while_held(self, ticket_id: int | None) -> bool:
        """A send of this ticket is in its undo window: the composer waits (one draft a ticket)."""
        if not self.held_here(ticket_id):
            return False
        self.notify("A reply on this ticket is about to be sent: u takes it back into the composer, "
                    "or wait until it has gone.", severity="warning")
        return True
