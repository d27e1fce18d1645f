"""The app's replying side: composer, templates, the send dialog, the KB sidebar, the outbox.

A mixin of HelpdeskApp, kept apart so each file reads in one pass.
"""

from __future__ import annotations

from time import sleep

from textual import work

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import Template
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.outbox import TicketGone
from helpdesk_tui.store.write_errors import WriteFailed
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.outbox_sender import drain_outbox
from helpdesk_tui.ui.screens.collision import CollisionScreen, newer_messages
from helpdesk_tui.ui.screens.confirm import ConfirmScreen
from helpdesk_tui.ui.screens.send import SendContext, SendDecision, SendScreen
from helpdesk_tui.ui.screens.template_picker import TemplatePicker
from helpdesk_tui.ui.widgets.composer import TITLES, Composer
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane


REFRESH_WAIT = 1.5  # seconds the send dialog waits for the server's copy of the thread


class ReplyingMixin:
    # ----- the composer
    @property
    def composer(self) -> Composer | None:
        # A composer being removed (removal takes a refresh) is no longer "the" composer: a
        # new one for the next ticket may already be on its way in.
        return next((c for c in self.query(Composer) if not c.closing), None)

    def action_reply(self) -> None:
        self.open_composer(MessageKind.PUBLIC_REPLY)

    def action_note(self) -> None:
        self.open_composer(MessageKind.INTERNAL_NOTE)

    def open_composer(self, kind: MessageKind) -> Composer | None:
        if self.ticket_id is None:
            self.notify("Open a ticket first (Enter in the inbox).", severity="warning")
            return None
        if self.refuse_while_held(self.ticket_id):
            return None
        current = self.composer
        if current is not None and current.draft.ticket_id == self.ticket_id:
            current.activate()  # r or n on a shown draft: now the agent writes in it
            if current.kind != kind:
                self.notify(f"Finish or close the {TITLES[current.kind].lower()} first.")
            return current
        self.close_composer()
        draft = self.unsaved_draft(self.ticket_id) or self.cache.draft(self.ticket_id)
        if draft is None:
            thread = self.cache.thread(self.ticket_id)
            now = self.now()
            draft = Draft(self.ticket_id, kind, "", now, now,
                          seen_message_id=max((m.id for m in thread), default=None))
        elif draft.kind != kind:
            self.notify(f"Reopened your draft {'note' if draft.kind == MessageKind.INTERNAL_NOTE else 'reply'}.")
        composer = Composer(draft, save=self._save_draft, now=self.now)
        composer.status_line = self.draft_status_line()
        self.query_one(TicketPane).mount(composer)
        return composer

    def show_draft(self, ticket_id: int) -> Composer | None:
        """Show the ticket's saved draft under the thread, read-only and without the keyboard
        (the keys the agent is typing are meant for the inbox); r, n or enter continue it."""
        draft = self.unsaved_draft(ticket_id) or self.cache.draft(ticket_id)
        if draft is None:
            return None
        composer = Composer(draft, save=self._save_draft, now=self.now, active=False)
        composer.status_line = self.draft_status_line()
        self.query_one(TicketPane).mount(composer)
        return composer

    def save_open_draft(self) -> None:
        """Save the composer's text now (the error guard calls it before anything else)."""
        composer = self.composer
        if composer is not None and composer.active and composer.changed:
            composer.save_now()

    def _save_draft(self, draft: Draft) -> None:
        had = self._draft_marked.get(draft.ticket_id)
        if not self.keep_draft(draft):
            return  # kept in memory; the retry timer saves it and says so
        if not had:
            self._draft_marked[draft.ticket_id] = True
            self.query_one(InboxList).forget_rows([draft.ticket_id])

    def close_composer(self, *, discard: bool = False) -> bool:
        """Close the composer, keeping (or with ``discard`` deleting) its draft; False when the
        cache refused the deletion (the agent was told)."""
        composer = self.composer
        if composer is None:
            return True
        ticket_id = composer.draft.ticket_id
        done = True
        try:
            if discard:
                self.forget_unsaved_draft(ticket_id)
                self.cache.discard_draft(ticket_id)
            elif not composer.active:
                pass  # shown, never continued: the saved draft is exactly as it was
            elif composer.text.strip():
                if composer.changed or self.unsaved_draft(ticket_id) is not None:
                    composer.save_now()
            elif self.unsaved_draft(ticket_id) is None:
                self.cache.discard_draft(ticket_id)  # an empty draft is no draft
        except WriteFailed as exc:
            done = False
            self.notify(f"The draft was not discarded: {exc}. Try again in a moment.", severity="warning",
                        markup=False)
        if composer.has_focus_within:
            # Never let focus fall to whatever Textual picks next (a text field, maybe).
            self.query_one(InboxList).focus()
        self._draft_marked.pop(ticket_id, None)
        composer.closing = True
        composer.remove()
        self.query_one(InboxList).forget_rows([ticket_id])
        return done

    # Handlers are named (on_<widget>_<message>) rather than @on-decorated: Textual collects
    # @on handlers only from classes built by its metaclass, and this mixin is not one.
    def on_composer_closed(self, event: Composer.Closed) -> None:
        self.close_composer(discard=event.discarded)
        self.query_one("#thread").focus()

    def action_discard_draft(self) -> None:
        """Ask, then throw away the draft of the ticket shown (the composer need not be open)."""
        composer = self.composer
        ticket_id = composer.draft.ticket_id if composer is not None else self.ticket_id
        if ticket_id is None or not (
                (composer is not None and composer.text.strip()) or self.unsaved_draft(ticket_id) is not None
                or self.cache.draft(ticket_id) is not None):
            self.notify("There is no draft on this ticket to discard.")
            return
        ticket = self.cache.ticket(ticket_id)
        where = f" on #{ticket.number}" if ticket is not None else ""
        self.push_screen(ConfirmScreen("Discard draft", f"Throw away the draft{where}? It cannot be brought back.",
                                       "Discard"),
                         lambda yes: self._discard_confirmed(ticket_id, bool(yes)))

    def _discard_confirmed(self, ticket_id: int, yes: bool) -> None:
        if not yes:
            return
        composer = self.composer
        if composer is not None and composer.draft.ticket_id == ticket_id:
            if not self.close_composer(discard=True):
                return
        else:
            self.forget_unsaved_draft(ticket_id)
            try:
                self.cache.discard_draft(ticket_id)
            except WriteFailed as exc:
                self.notify(f"The draft was not discarded: {exc}. Try again in a moment.", severity="warning",
                            markup=False)
                return
            self._draft_marked.pop(ticket_id, None)
            self.query_one(InboxList).forget_rows([ticket_id])
        self.notify("Draft discarded.")

    # ----- templates
    def on_composer_template_requested(self, event: Composer.TemplateRequested) -> None:
        result = self.templates()
        for name, sentence in result.failed:
            # A file name such as "[/].md" is text, never markup.
            self.notify(clean_line(f"Template {name} was not loaded: {sentence}"), severity="warning",
                        markup=False)
        self.push_screen(TemplatePicker(result.templates, self.customer_language()), self._insert_template)

    def _insert_template(self, template: Template | None) -> None:
        composer = self.composer
        if template is None or composer is None:
            return
        ticket = self.cache.ticket(composer.draft.ticket_id)
        summary = self.cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
        try:
            result = apply_template(template, ticket=ticket, customer=summary.customer if summary else None,
                                    organization=summary.organization if summary else None,
                                    agent_name=self.me, now=self.now(), tz=self.tz)
        except TemplateError as exc:  # a broken template is the template's fault, not a crash
            self.notify(clean_line(f"Template {template.name} cannot be used: {exc}"), severity="error",
                        markup=False)
            return
        # Kept with the draft (saved by insert), so esc, reopening or a restart keep them too.
        if result.status is not None:
            composer.draft.status = result.status
        if result.next_checkpoint is not None:
            # The promise written into the text; the send dialog starts from the same moment.
            composer.draft.next_checkpoint = result.next_checkpoint
        composer.insert(result.text)
        for note in result.notes:
            self.notify(clean_line(note), severity="warning", markup=False)
        if result.unresolved:
            names = ", ".join(sorted({name for name, _ in result.unresolved}))
            self.notify(clean_line(f"Fill in before sending: {names}"), severity="warning", markup=False)

    # ----- sending
    def on_composer_send_requested(self, event: Composer.SendRequested) -> None:
        composer = event.composer
        ticket = self.cache.ticket(composer.draft.ticket_id)
        if ticket is None:
            self.notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
            return
        online = getattr(getattr(self, "sync_state", None), "online", None) is not False
        if self.options.sync_interval and self.options.backend is not None and online:
            # A live helpdesk: look at its thread first, but never keep the agent waiting
            # more than REFRESH_WAIT; after that the cache (synced in the background) decides.
            pending = {"open": True}

            def proceed() -> None:
                if pending.pop("open", False):
                    self._collision_check(composer, self.cache.ticket(ticket.id))

            self._refresh_then_check(ticket.id, proceed)
            self.set_timer(REFRESH_WAIT, proceed)
            return
        self._collision_check(composer, ticket)

    @work(thread=True, exclusive=True, group="refresh-thread", exit_on_error=False)
    def _refresh_then_check(self, ticket_id: int, proceed) -> None:
        SyncEngine(self.cache, self.options.backend, self.now).refresh_thread(ticket_id)
        self.call_from_thread(proceed)

    def _collision_check(self, composer: Composer, ticket) -> None:
        newer = newer_messages(self.cache.thread(ticket.id), composer.draft.seen_message_id)
        if newer:
            self.push_screen(CollisionScreen(newer, self.now()),
                             lambda choice: self._after_collision(composer, choice, newer))
            return
        self._open_send_dialog(composer, ticket)

    def _after_collision(self, composer: Composer, choice: str, newer) -> None:
        if choice == "discard":
            self.close_composer(discard=True)
            self.notify("Draft discarded.")
            return
        # Either way the agent has now seen these messages: do not ask again for them.
        composer.draft.seen_message_id = max(m.id for m in newer)
        self.cache.save_draft(composer.draft)
        self.cache.mark_draft_seen(composer.draft.ticket_id, composer.draft.seen_message_id)
        self.reload_ticket(composer.draft.ticket_id)
        if choice == "send":
            self._open_send_dialog(composer, self.cache.ticket(composer.draft.ticket_id))
        else:
            composer.text_area.focus()

    def _open_send_dialog(self, composer: Composer, ticket) -> None:
        draft = composer.draft
        context = SendContext(
            kind=composer.kind, text=composer.text, current_status=ticket.status,
            language=self.customer_language(ticket), now=self.now(), tz=self.tz,
            attachments=len(draft.attachments), default_status=draft.status,
            default_checkpoint=draft.next_checkpoint.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
            if draft.next_checkpoint else None, blame_phrases=self.blame_phrases,
        )
        self.push_screen(SendScreen(context), lambda decision: self._send(composer, decision))

    def _send(self, composer: Composer, decision: SendDecision | None) -> None:
        if composer.closing or not composer.is_attached:
            # Closed while the dialog was up (its draft was saved then): send nothing unseen.
            if decision is not None:
                self.notify("The reply was closed meanwhile and not sent; its draft is kept.", severity="warning")
            return
        if decision is None:
            composer.text_area.focus()
            return
        plan = ReplyPlan(composer.draft.ticket_id, composer.kind, composer.text.strip() + "\n", self.me,
                         decision.new_status, decision.next_checkpoint, composer.draft.attachments)
        try:
            held = self.send_or_hold(plan, composer.draft)
        except TicketGone:
            self.notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
            return
        except WriteFailed as exc:
            self.notify(f"Not sent: {exc}. Your draft is kept; press ctrl+s again in a moment.",
                        severity="error", markup=False)
            composer.text_area.focus()
            return
        self.forget_unsaved_draft(plan.ticket_id)  # queued: an older unsaved copy must not return
        self._draft_marked.pop(plan.ticket_id, None)
        composer.closing = True
        composer.remove()
        what = "Reply" if plan.kind == MessageKind.PUBLIC_REPLY else "Note"
        if held:
            # No countdown in the toast: the header and the thread count down.
            self.notify(f"{what} held {self.send_delay_seconds} s before it goes out · u undo",
                        timeout=min(self.send_delay_seconds, 5))
        else:
            self.notify(f"{what} queued; it goes out as soon as the helpdesk answers.")
        self.reload_ticket(plan.ticket_id)
        self._render_topbar()
        self.query_one("#thread").focus()
        self.drain_outbox()
        self.focus_after_send(plan)  # a focus session counts it, and may serve the next ticket

    @work(thread=True, exclusive=True, group="outbox", exit_on_error=False)
    def drain_outbox(self) -> None:
        # Held sends whose undo window has ended become queued; and whatever was just held
        # (a triage change) gets its countdown.
        released = self.cache.release_due(self.now())
        self.call_from_thread(self.holds_released if released else self.watch_holds)
        backend = self.options.backend
        if backend is None:
            return
        if self.options.send_delay:
            sleep(self.options.send_delay)  # the demo lets you see "queued" turn into "sent"
        result = drain_outbox(self.cache, backend, self.now)
        self.call_from_thread(self._outbox_drained, result)

    def _outbox_drained(self, result) -> None:
        state = getattr(self, "sync_state", None)
        if state is not None and self.options.sync_interval:
            if result.offline:
                state.online, state.problem = False, result.problems[-1]
            elif result.auth_failed:  # the header must not say "online" beside the refusal
                state.online, state.auth_failed, state.problem = True, True, result.problems[-1]
            elif result.sent:
                state.online, state.auth_failed = True, False
        if self.ticket_id is not None:
            self.reload_ticket(self.ticket_id)
        self._render_topbar()

    # ----- the knowledge base
    def action_knowledge_base(self) -> None:
        screen = self.screen
        showing = not screen.has_class("-kb")
        screen.set_class(showing, "-kb")
        self._apply_layout()
        if showing:
            self.query_one("#kb-query").focus()
        elif self.composer is not None and self.composer.active:
            self.composer.text_area.focus()
        else:
            self.query_one(InboxList).focus()

    def on_kb_sidebar_insert(self, event: KbSidebar.Insert) -> None:
        if not event.text:
            return
        composer = self.composer or self.open_composer(MessageKind.PUBLIC_REPLY)
        if composer is not None:
            composer.call_after_refresh(composer.insert, event.text)
            self.notify("Inserted into the reply.")
