"""Sending a reply or note: a look at the helpdesk's thread, the collision check, the send
dialog, then the undo window (held) or the outbox; and the outbox worker that pushes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from time import sleep
from typing import Any

from textual.worker import Worker

from helpdesk_tui.domain.models import Message, Ticket
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.types import Cache, TicketGone, WriteFailed
from helpdesk_tui.ui.composer_dock import ComposerDock
from helpdesk_tui.ui.screens.collision import CollisionScreen, newer_messages
from helpdesk_tui.ui.screens.send import SendContext, SendDecision, SendScreen
from helpdesk_tui.ui.syncing import SyncRunner
from helpdesk_tui.ui.undo_send import HeldSends
from helpdesk_tui.ui.widgets.composer import Composer
from typing import TYPE_CHECKING

from helpdesk_tui.ui.focusing import focus_after_send
from helpdesk_tui.ui.new_ticket import new_tickets_delivered

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.services.types import DrainResult
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen

REFRESH_WAIT = 1.5  # seconds the send dialog waits for the server's copy of the thread


class SendFlow:
    """From ctrl+s in the composer to the outbox, asking what must be asked on the way."""

    def __init__(self, cache: Cache, *, me: str, now: Callable[[], datetime], tz: tzinfo,
                 blame_phrases: tuple[str, ...] | None, send_delay: float, dock: ComposerDock, holds: HeldSends,
                 sync: SyncRunner, language: Callable[[Ticket], str], notify: Callable[..., object],
                 push_screen: Callable[..., Any], run_worker: Callable[..., Worker[Any]],
                 call_from_thread: Callable[..., Any], set_timer: Callable[..., object],
                 sent: Callable[[ReplyPlan], None], reload_ticket: Callable[[int], None],
                 released: Callable[[], None], drained: Callable[[], None]) -> None:
        self._cache = cache
        self._me = me
        self._now = now
        self._tz = tz
        self._blame_phrases = blame_phrases
        self._send_delay = send_delay  # the demo lets you see "queued" turn into "sent"
        self._dock = dock
        self._holds = holds
        self._sync = sync
        self._language = language
        self._notify = notify
        self._push_screen = push_screen
        self._run_worker = run_worker
        self._call_from_thread = call_from_thread
        self._set_timer = set_timer
        self._sent = sent  # the reply or note left the composer (held or queued)
        self._reload_ticket = reload_ticket
        self._released = released  # held sends became queued messages
        self._drained = drained  # the outbox was pushed (or nothing was due)

    def requested(self, composer: Composer) -> None:
        ticket = self._cache.ticket(composer.draft.ticket_id)
        if ticket is None:
            self._notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
            return
        if self._sync.syncing and self._sync.state.online is not False:
            # A live helpdesk: look at its thread first, but never keep the agent waiting
            # more than REFRESH_WAIT; after that the cache (synced in the background) decides.
            pending = {"open": True}
            ticket_id = composer.draft.ticket_id

            def proceed() -> None:
                if pending.pop("open", False):
                    self._collision_check(composer, self._cache.ticket(ticket_id))

            self._run_worker(lambda: self._refresh_then(ticket_id, proceed), thread=True, exclusive=True,
                             group="refresh-thread", exit_on_error=False)
            self._set_timer(REFRESH_WAIT, proceed)
            return
        self._collision_check(composer, ticket)

    def _refresh_then(self, ticket_id: int, proceed: Callable[[], None]) -> None:
        if self._sync.backend is not None:  # no helpdesk: the cached thread is all there is
            from helpdesk_tui.services.sync import refresh_thread  # the sync engine: not at start-up

            refresh_thread(self._cache, self._sync.backend, ticket_id, self._now)
        self._call_from_thread(proceed)

    def _collision_check(self, composer: Composer, ticket: Ticket | None) -> None:
        if ticket is None:
            self._notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
            return
        newer = newer_messages(self._cache.thread(composer.draft.ticket_id), composer.draft.seen_message_id)
        if newer:
            self._push_screen(CollisionScreen(newer, self._now()),
                              lambda choice: self._after_collision(composer, choice, newer))
            return
        self._open_send_dialog(composer, ticket)

    def _after_collision(self, composer: Composer, choice: str, newer: list[Message]) -> None:
        if choice == "discard":
            self._dock.close(discard=True)
            self._notify("Draft discarded.")
            return
        # Either way the agent has now seen these messages: do not ask again for them.
        draft = composer.draft
        seen = max(m.id for m in newer if m.id is not None)
        draft.seen_message_id = seen
        self._cache.save_draft(draft)
        self._cache.mark_draft_seen(draft.ticket_id, seen)
        self._reload_ticket(draft.ticket_id)
        if choice == "send":
            self._collision_done(composer)
        else:
            composer.text_area.focus()

    def _collision_done(self, composer: Composer) -> None:
        ticket = self._cache.ticket(composer.draft.ticket_id)
        if ticket is None:
            self._notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
            return
        self._open_send_dialog(composer, ticket)

    def _open_send_dialog(self, composer: Composer, ticket: Ticket) -> None:
        draft = composer.draft
        context = SendContext(
            kind=composer.kind, text=composer.text, current_status=ticket.status,
            language=self._language(ticket), now=self._now(), tz=self._tz,
            attachments=len(draft.attachments), default_status=draft.status,
            default_checkpoint=draft.next_checkpoint.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")
            if draft.next_checkpoint else None, blame_phrases=self._blame_phrases,
        )
        self._push_screen(SendScreen(context), lambda decision: self._send(composer, decision))

    def _send(self, composer: Composer, decision: SendDecision | None) -> None:
        if composer.closing or not composer.is_attached:
            # Closed while the dialog was up (its draft was saved then): send nothing unseen.
            if decision is not None:
                self._notify("The reply was closed meanwhile and not sent; its draft is kept.", severity="warning")
            return
        if decision is None:
            composer.text_area.focus()
            return
        plan = ReplyPlan(composer.draft.ticket_id, composer.kind, composer.text.strip() + "\n", self._me,
                         decision.new_status, decision.next_checkpoint, composer.draft.attachments)
        try:
            held = self._holds.send_or_hold(plan, composer.draft)
        except TicketGone:
            self._notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
            return
        except WriteFailed as exc:
            self._notify(f"Not sent: {exc}. Your draft is kept; press ctrl+s again in a moment.",
                         severity="error", markup=False)
            composer.text_area.focus()
            return
        self._dock.sent(composer)
        what = "Reply" if plan.kind == MessageKind.PUBLIC_REPLY else "Note"
        if held:
            # No countdown in the toast: the header and the thread count down.
            delay = self._holds.delay_seconds
            self._notify(f"{what} held {delay} s before it goes out · u undo", timeout=min(delay, 5))
        else:
            self._notify(f"{what} queued; it goes out as soon as the helpdesk answers.")
        self._sent(plan)

    # ----- the outbox
    def drain_outbox(self) -> Worker[Any]:
        return self._run_worker(self._drain, thread=True, exclusive=True, group="outbox", exit_on_error=False)

    def _drain(self) -> None:
        # Held sends whose undo window has ended become queued; and whatever was just held
        # (a triage change) gets its countdown.
        released = self._cache.release_due(self._now())
        self._call_from_thread(self._released if released else self._holds.watch)
        backend = self._sync.backend
        if backend is None:
            return
        if self._send_delay:
            sleep(self._send_delay)
        from helpdesk_tui.services.sync import send_outbox  # the sync engine: not at start-up

        result = send_outbox(self._cache, backend, self._now)
        self._call_from_thread(self._outbox_drained, result)

    def _outbox_drained(self, result: DrainResult) -> None:
        self._sync.record_drain(result.offline, result.auth_failed, result.sent, result.problems)
        self._drained()


# ----- the workstation's side: the thread and the header after a send, a push, a release
def after_send(screen: WorkstationScreen, plan: ReplyPlan) -> None:
    screen.reload_ticket(plan.ticket_id)
    screen.render_topbar()
    screen.query_one("#thread").focus()
    screen.drain_outbox()
    focus_after_send(screen, plan)  # a focus session counts it, and may serve the next ticket


def outbox_drained(screen: WorkstationScreen) -> None:
    if screen.ticket_id is not None:
        screen.reload_ticket(screen.ticket_id)
    new_tickets_delivered(screen)  # a queued new ticket may have its number now
    screen.render_topbar()


def holds_released(screen: WorkstationScreen) -> None:
    """The outbox worker released held sends: they are queued messages in the thread now."""
    screen.holds.released()
    if screen.ticket_id is not None:
        screen.reload_ticket(screen.ticket_id)
    screen.holds.watch()
    screen.render_topbar()
