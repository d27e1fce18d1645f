"""The workstation: inbox, ticket and customer panes, KB sidebar and composer on one screen.

The screen composes the panes and owns the keys; what happens behind a key is in the
collaborators it builds here, each given what it needs by name: the inbox's views
(``InboxViews``), the composer (``ComposerDock``), sending (``SendFlow``), undo send
(``HeldSends``), drafts that could not be saved (``DraftKeeper``), sync (``SyncRunner``),
focus sessions (``FocusSessions``), promised updates (``PromiseAlerts``) and customer notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker

from helpdesk_tui.compose.templates import SyncedRecord, Template, TemplateLoadResult, load_templates
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.query import Filter, FilterError, describe, parse_filter
from helpdesk_tui.domain.focus import FocusSession, ServedTicket
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.focus import open_desk as open_focus_desk
from helpdesk_tui.services.types import Progress, SyncReport
from helpdesk_tui.ui.checkpoint_alerts import CHECK_SECONDS, PromiseAlerts
from helpdesk_tui.ui.composer_dock import ComposerDock
from helpdesk_tui.ui.customer_notes import CustomerNotes
from helpdesk_tui.ui.draft_saving import DraftKeeper
from helpdesk_tui.ui.feedback import mark_feedback
from helpdesk_tui.ui.focusing import FocusSessions
from helpdesk_tui.ui.inbox_views import InboxViews
from helpdesk_tui.ui.options import AppOptions
from helpdesk_tui.ui.rating import record_rating
from helpdesk_tui.ui.screens.template_picker import TemplatePicker
from helpdesk_tui.ui.screens.triage import TriageLinks, TriageScreen
from helpdesk_tui.ui.screens.workstation_bindings import WORKSTATION_BINDINGS
from helpdesk_tui.ui.screens.workstation_commands import session_commands, workstation_commands
from helpdesk_tui.ui.sending import SendFlow
from helpdesk_tui.ui.syncing import SyncRunner
from helpdesk_tui.ui.templating import insert_template
from helpdesk_tui.ui.ticket_panes import TicketPanes
from helpdesk_tui.ui.triaging import helpdesk_label, triage_screen
from helpdesk_tui.ui.undo_send import HeldSends, undo_send
from helpdesk_tui.ui.widgets.composer import Composer
from helpdesk_tui.ui.widgets.customer_pane import CustomerPane, NotesList
from helpdesk_tui.ui.widgets.fitting_footer import FittingFooter
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane
from helpdesk_tui.ui.widgets.top_bar import top_bar_text
from helpdesk_tui.ui.worker_errors import report_failed_worker

class WorkstationScreen(Screen[None]):
    BINDINGS = WORKSTATION_BINDINGS

    class DraftDiscarded(Message):
        """The agent agreed to throw away the draft of ``ticket_id`` (it is being deleted)."""

        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        self.cache = cache = options.cache
        self.now = now = options.clock
        self.me = me = options.settings.agent.name
        self.tz = options.zone
        settings = options.settings
        self.triage_at_start: bool | None = None  # helpdesk-tui triage: open on it (a new rotation or not)
        self._quit_anyway = False
        from_thread, push = self._from_thread, self._push
        self.drafts = DraftKeeper(cache, notify=self.notify, set_interval=self.set_interval,
                                  show_status=self._show_draft_status)
        self.inbox_views = InboxViews(cache, me=me, now=now, default_view=settings.inbox.default_view, host=self,
                                      narrow=lambda: self.size.width < 120 and not self.panes.inbox_only,
                                      run_worker=self.run_worker, call_from_thread=from_thread, listed=self._listed)
        self.promises = PromiseAlerts(cache, me=me, now=now, warning_minutes=settings.sla.checkpoint_warning_minutes,
                                      notify=self.notify, run_worker=self.run_worker, call_from_thread=from_thread)
        self.sync = SyncRunner(cache, options.backend, now=now, tz=self.tz, interval=options.sync_interval,
                               status=options.status, run_worker=self.run_worker, call_from_thread=from_thread,
                               started=self._render_topbar, progress=self._sync_progress, done=self._sync_done)
        self.holds = HeldSends(cache, now=now, delay_seconds=settings.send.delay_seconds,
                               set_interval=self.set_interval, drain=lambda: self.drain_outbox(),
                               changed=self._holds_changed)
        self.focus_sessions = FocusSessions(
            open_focus_desk(cache, settings, now), tz=self.tz, live=options.live,
            default_minutes=settings.focus.default_minutes, notify=self.notify, push_screen=push, set_interval=self.set_interval,
            start_choices=lambda: (self.inbox_views.views, self.inbox_views.view.id,
                                   describe(self.inbox_views.filter)),
            serve=self._serve_focus, redraw=self._focus_redraw)
        self.dock = ComposerDock(cache, self.drafts, now=now, screen=self, notify=self.notify, push_screen=push,
                                 discard_agreed=lambda ticket_id: self.post_message(self.DraftDiscarded(ticket_id)))
        self.sending = SendFlow(cache, me=me, now=now, tz=self.tz, blame_phrases=options.blame_phrases,
                                send_delay=options.send_delay, dock=self.dock, holds=self.holds, sync=self.sync,
                                language=self.customer_language, notify=self.notify, push_screen=push,
                                run_worker=self.run_worker, call_from_thread=from_thread, set_timer=self.set_timer,
                                sent=self._after_send, reload_ticket=self.reload_ticket,
                                released=self.holds_released, drained=self._outbox_drained)
        self.panes = TicketPanes(cache, host=self, dock=self.dock, set_timer=self.set_timer, notify=self.notify,
                                 covered=lambda: len(self.app.screen_stack) > 1, holds=self.holds,
                                 redraw_header=self._render_topbar)
        self.notes = CustomerNotes(cache, me=me, now=now, notify=self.notify, push_screen=push,
                                   show=lambda notes: self.query_one(CustomerPane).show_notes(notes))

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> Any:
        """For the collaborators' workers: run ``callback`` on the UI thread."""
        return self.app.call_from_thread(callback, *args)

    def _push(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> None:
        """For the collaborators: show ``screen`` over this one; ``callback`` gets its result."""
        self.app.push_screen(screen, callback)

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield ProgressBar(id="sync-progress", show_eta=False)
        yield Static(id="viewbar")
        yield Input(placeholder="filter: status:open priority:high assignee:me tag:billing customer:acme words…",
                    id="filter")
        with Horizontal(id="main"):
            cache = self.cache
            yield InboxList(cache.inbox_rows, self.now, id="inbox")
            yield TicketPane(self.now, id="ticket")
            yield CustomerPane(self.now, id="customer")
            yield KbSidebar(search=cache.search_articles, past_replies=cache.search_past_replies,
                            suggest=cache.suggest_articles, article=cache.article,
                            message_body=cache.message_body, id="kb")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.panes.inbox_only = True
        self.panes.apply_layout()
        inbox = self.query_one(InboxList)
        inbox.border_title = "Inbox"
        self.query_one("#filter").display = False
        self.query_one("#sync-progress").display = False
        self.query_one(TicketPane).border_title = "Ticket"
        inbox.focus()
        self.inbox_views.show(self.inbox_views.view)
        self._preview_first()
        if self.options.live:
            self.set_interval(30, self._tick)
            # Hundreds of synced macros take ~0.5 s to compile: do it off the UI thread,
            # after start-up, so the first ctrl+t opens at once.
            self.set_timer(2.0, lambda: self.run_worker(self.templates, thread=True, group="templates",
                                                        exit_on_error=False))
        self.start_syncing()
        self.holds.watch()  # sends held when the app last stopped: count down, or release now
        self._render_topbar()
        if self.triage_at_start is not None:  # helpdesk-tui triage: the workstation waits behind
            self.open_triage(new_rotation=self.triage_at_start)
        # A session left running by the last run picks up after the first refresh: the first
        # ticket has just opened, maybe with its draft, and that composer must be in place
        # before the served ticket replaces it.
        self.call_after_refresh(self.focus_sessions.resume)
        if self.options.live and self.promises.enabled:
            self.set_interval(CHECK_SECONDS, self.promises.check)
            self.promises.check()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(event, self.notify)

    def _render_topbar(self) -> None:
        clock = self.now() if self.options.live and self.options.settings.ui.clock else None
        self.query_one("#topbar", Static).update(top_bar_text(
            self.cache.account, self.inbox_views.view.title, sync=self.sync.status_text(),
            focus=self.focus_sessions.status_text(), held=self.holds.header_text(),
            outbox=self.cache.outbox_counts(), clock=clock))

    def _tick(self) -> None:
        """SLA clocks are relative to now: redraw them, and refresh the counts."""
        self._render_topbar()
        self.query_one(InboxList).forget_rows()

    # Keys that act on the workstation's panes: off (and out of the footer) while a full
    # screen such as triage or the dashboard covers them, so they cannot act unseen.
    _WORKSTATION_ACTIONS = frozenset({"filter", "view", "reply", "note", "knowledge_base", "timeline", "zoom",
                                      "focus_done", "focus_skip", "undo_send"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._WORKSTATION_ACTIONS and not self._shown():
            return False
        if action == "undo_send" and not self.holds.sends:
            return False  # out of the footer until something is held
        if action in ("focus_done", "focus_skip") and self.focus_sessions.session is None:
            return False  # the session keys show in the footer only while a session runs
        return super().check_action(action, parameters)

    def _shown(self) -> bool:
        """This screen is on top, or only modal dialogs cover it."""
        stack = self.app.screen_stack
        return self in stack and all(isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1:])

    # ----- the inbox
    def action_view(self, view_id: str) -> None:
        self.inbox_views.show(self.inbox_views.by_id(view_id))
        self._render_topbar()
        self.query_one(InboxList).focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = describe(self.inbox_views.filter)
        box.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            # A pasted filter can hold escape sequences: they would reach the terminal in the title.
            self.inbox_views.filter = parse_filter(clean_line(event.value), me=self.me)
        except FilterError as exc:
            # The sentence quotes what was typed ("Unknown status '[/]'"): plain text, never markup.
            self.notify(clean_line(str(exc)), severity="error", title="Filter", markup=False)
            return
        event.input.display = False
        self.inbox_views.show(self.inbox_views.view)
        self.query_one(InboxList).focus()

    def action_clear_filter(self) -> None:
        self.inbox_views.filter = Filter()
        self.inbox_views.show(self.inbox_views.view)

    def _listed(self, count: int) -> None:
        if not count and self.ticket_id is not None:
            self.panes.show_nothing(self.inbox_views.empty_reason())
        self._preview_first()

    def _preview_first(self) -> None:
        """Show the most urgent ticket beside the inbox from the start (the first sync too)."""
        inbox = self.query_one(InboxList)
        if self.ticket_id is None and inbox.current_id is not None:
            self.open_ticket(inbox.current_id, focus=False)

    # ----- tickets
    @property
    def ticket_id(self) -> int | None:
        """The ticket the panes show (None: none yet, or the list is empty)."""
        return self.panes.ticket_id

    @on(InboxList.Highlighted)
    def _inbox_highlighted(self, event: InboxList.Highlighted) -> None:
        self.panes.cursor_rests_on(event.ticket_id)

    @on(InboxList.Selected)
    def _inbox_selected(self, event: InboxList.Selected) -> None:
        self.panes.back_stack.clear()
        self.open_ticket(event.ticket_id, focus=True)

    @on(CustomerPane.OpenTicket)
    def _history_selected(self, event: CustomerPane.OpenTicket) -> None:
        if self.ticket_id is not None and self.ticket_id != event.ticket_id:
            self.panes.back_stack.append(self.ticket_id)
        self.open_ticket(event.ticket_id, focus=True)

    def open_ticket(self, ticket_id: int, *, focus: bool) -> None:
        self.panes.open(ticket_id, focus=focus)

    def reload_ticket(self, ticket_id: int) -> None:
        """The ticket changed here (a reply queued or sent): redraw it, at its newest message."""
        self.panes.reload(ticket_id)

    def customer_language(self, ticket: Ticket | None = None) -> str:
        return self.panes.customer_language(ticket)

    def on_resize(self) -> None:
        if self.query(TicketPane):
            self.panes.apply_layout()
            self.inbox_views.render_viewbar()

    def templates(self) -> TemplateLoadResult:
        # compose.templates.SyncedRecord declares settable fields; the cache's records are frozen.
        synced = cast("list[SyncedRecord]", self.cache.synced_templates())
        return load_templates(self.options.templates_dir, synced)

    def action_back(self) -> None:
        if self.has_class("-kb") and self.query_one(KbSidebar).has_focus_within:
            self.action_knowledge_base()
            return
        if self.query_one("#filter").has_focus:
            self.query_one("#filter").display = False
            self.query_one(InboxList).focus()
            return
        if self.panes.back_stack:
            self.open_ticket(self.panes.back_stack.pop(), focus=True)
            return
        self.query_one(InboxList).focus()

    def action_timeline(self) -> None:
        if self.ticket_id is not None:
            self.query_one(TicketPane).toggle_timeline()

    def action_zoom(self) -> None:
        self.panes.zoom()

    # ----- the composer
    @property
    def composer(self) -> Composer | None:
        return self.dock.composer

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
        return self.dock.open(self.ticket_id, kind)

    def save_open_draft(self) -> None:
        """Save the composer's text now (the error guard calls it before anything else)."""
        self.dock.save_open_draft()

    def close_composer(self, *, discard: bool = False) -> bool:
        return self.dock.close(discard=discard)

    def _show_draft_status(self, sentence: str | None) -> None:
        composer = self.composer
        if composer is not None:
            composer.show_status(sentence)

    def action_discard_draft(self) -> None:
        self.dock.discard(self.ticket_id)

    @on(Composer.Closed)
    def _composer_closed(self, event: Composer.Closed) -> None:
        self.close_composer(discard=event.discarded)
        self.query_one("#thread").focus()

    @on(Composer.TemplateRequested)
    def _template_requested(self, event: Composer.TemplateRequested) -> None:
        result = self.templates()
        for name, sentence in result.failed:
            # A file name such as "[/].md" is text, never markup.
            self.notify(clean_line(f"Template {name} was not loaded: {sentence}"), severity="warning",
                        markup=False)
        self.app.push_screen(TemplatePicker(result.templates, self.customer_language()), self._insert_template)

    def _insert_template(self, template: Template | None) -> None:
        composer = self.composer
        if template is not None and composer is not None:
            insert_template(composer, template, self.cache, me=self.me, now=self.now(), tz=self.tz,
                            notify=self.notify)

    @on(Composer.SendRequested)
    def _send_requested(self, event: Composer.SendRequested) -> None:
        self.sending.requested(event.composer)

    def drain_outbox(self) -> Worker[Any]:
        """Release the held sends that are due, then push the outbox (in a worker)."""
        return self.sending.drain_outbox()

    def _after_send(self, plan: ReplyPlan) -> None:
        self.reload_ticket(plan.ticket_id)
        self._render_topbar()
        self.query_one("#thread").focus()
        self.drain_outbox()
        self.focus_after_send(plan)  # a focus session counts it, and may serve the next ticket

    def _outbox_drained(self) -> None:
        if self.ticket_id is not None:
            self.reload_ticket(self.ticket_id)
        self._render_topbar()

    # ----- undo send
    def _holds_changed(self) -> None:
        self.panes.show_holds()
        self.refresh_bindings()

    def holds_released(self) -> None:
        """The outbox worker released held sends: they are queued messages in the thread now."""
        self.holds.released()
        if self.ticket_id is not None:
            self.reload_ticket(self.ticket_id)
        self.holds.watch()
        self._render_topbar()

    def action_undo_send(self) -> None:
        undo_send(self.holds, self.ticket_id, notify=self.notify, clear_notifications=self.app.clear_notifications,
                  open_ticket=lambda ticket_id: self.open_ticket(ticket_id, focus=True),
                  open_composer=self.open_composer, reload_ticket=self.reload_ticket)

    def refuse_while_held(self, ticket_id: int | None) -> bool:
        """A send of this ticket is in its undo window: the composer waits (one draft a ticket)."""
        if not self.holds.held_here(ticket_id):
            return False
        self.notify("A reply on this ticket is about to be sent: u takes it back into the composer, "
                    "or wait until it has gone.", severity="warning")
        return True

    # ----- sync
    def start_syncing(self) -> None:
        """Called once the first frame is up: sync now, then every ``sync_interval`` seconds."""
        self.sync.start(self.options.sync_interval, self.set_interval)  # read now: tests start syncing late

    def action_sync_now(self) -> None:
        if self.sync.backend is None:
            self.notify("This account has no helpdesk to sync with.", severity="warning")
            return
        self.sync.sync_now()
        self.notify("Syncing…", timeout=2)

    def _sync_progress(self, progress: Progress) -> None:
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.display = not progress.done
        if not progress.done:
            bar.update(total=progress.total_hint, progress=progress.tickets)

    def _sync_done(self, report: SyncReport) -> None:
        self.query_one("#sync-progress", ProgressBar).display = False
        self.sync.record(report)
        if report.new or report.updated or report.deleted:
            self.inbox_views.show(self.inbox_views.view, keep=self.query_one(InboxList).current_id)
            if self.ticket_id is not None and self.composer is None:
                self.reload_ticket(self.ticket_id)
        elif report.pushed.sent and self.ticket_id is not None:
            self.reload_ticket(self.ticket_id)
        articles = report.articles
        if articles.new or articles.updated or articles.removed:
            self.query_one(KbSidebar).refresh_results()  # new or edited articles show at once
        # What a server says is text, never markup: "[/] bad" in an error must not crash the toast.
        if report.problem and report.online:
            self.notify(clean_line(report.problem), severity="error", title="Sync", timeout=10, markup=False)
        skipped = report.skipped_line()
        if skipped:
            self.notify(clean_line(skipped), severity="warning", title="Sync", timeout=10, markup=False)
        self._render_topbar()

    # ----- focus sessions
    def action_focus_session(self) -> None:
        self.focus_sessions.start_or_menu()

    def action_focus_done(self) -> None:
        self.focus_sessions.done()

    def action_focus_skip(self) -> None:
        self.focus_sessions.skip()

    def _focus_redraw(self) -> None:
        self._render_topbar()
        self.refresh_bindings()

    def _serve_focus(self, session: FocusSession, served: ServedTicket) -> None:
        """The inbox shows the session's queue (most urgent first) with the served ticket open."""
        # SLA order even for a view that normally lists by update: the queue is served in it.
        view, self.inbox_views.filter = self.focus_sessions.desk.queue()
        self.inbox_views.show(view, keep=served.ticket_id)
        self.panes.back_stack.clear()
        self.open_ticket(served.ticket_id, focus=True)
        self._render_topbar()

    def focus_after_send(self, plan: ReplyPlan) -> None:
        """A reply or note was queued: a focus session counts it, and may serve the next ticket."""
        if self.focus_sessions.counts_as_done(plan):
            # The reply is what the customer waited for: move on without another key, once the
            # sent reply's composer is gone (opening the next ticket while it is still there
            # would save its text as a draft again).
            self.call_later(self._done_after_removal, self.composer)

    async def _done_after_removal(self, composer: Composer | None) -> None:
        if composer is not None:
            await composer.remove()  # already being removed: this waits until it is gone
        self.focus_sessions.done()

    # ----- the knowledge base
    def action_knowledge_base(self) -> None:
        showing = not self.has_class("-kb")
        self.set_class(showing, "-kb")
        self.panes.apply_layout()
        composer = self.composer
        if showing:
            self.query_one("#kb-query").focus()
        elif composer is not None and composer.active:
            composer.text_area.focus()
        else:
            self.query_one(InboxList).focus()

    @on(KbSidebar.Insert)
    def _kb_insert(self, event: KbSidebar.Insert) -> None:
        if not event.text:
            return
        composer = self.composer or self.open_composer(MessageKind.PUBLIC_REPLY)
        if composer is not None:
            composer.call_after_refresh(composer.insert, event.text)
            self.notify("Inserted into the reply.")

    # ----- rotation triage, customer notes, ratings, feedback
    def open_triage(self, *, new_rotation: bool = False) -> None:
        if isinstance(self.app.screen, TriageScreen):
            return
        links = TriageLinks(cache=self.cache, live=self.options.live,
                            helpdesk_label=helpdesk_label(self.options.backend), templates=self.templates,
                            tz=self.tz, drain_outbox=self.drain_outbox, reload_ticket=self.reload_ticket,
                            on_close=self._after_triage)
        self.app.push_screen(triage_screen(self.options, me=self.me, now=self.now, links=links,
                                           new_rotation=new_rotation))

    def _after_triage(self, ticket_id: int | None, then: str) -> None:
        """Back at the workstation, on ``ticket_id`` if given. Triage changed owners and
        statuses: the inbox redraws its rows; leaving with escape also reloads the view's
        tickets (some left it). Opening a ticket keeps the list where it is, so the inbox
        cursor does not move and its preview take the ticket's place."""
        inbox = self.query_one(InboxList)
        if ticket_id is not None:
            inbox.forget_rows()
            self.open_ticket(ticket_id, focus=True)
        else:
            self.inbox_views.show(self.inbox_views.view, keep=inbox.current_id)
        self._render_topbar()
        if then == "reply":
            self.action_reply()
        elif then == "note":
            self.action_note()

    @on(NotesList.EditNote)
    def _edit_note(self, event: NotesList.EditNote) -> None:
        self.notes.edit(event.customer_id, event.note)

    @on(NotesList.DeleteNote)
    def _delete_note(self, event: NotesList.DeleteNote) -> None:
        self.notes.delete(event.note)

    def action_mark_feedback(self) -> None:
        mark_feedback(self.cache, self.ticket_id, self.now, me=self.me, notify=self.notify, push_screen=self._push)

    def action_record_rating(self) -> None:
        record_rating(self.cache, self.ticket_id, self.now, notify=self.notify, push_screen=self._push)

    # ----- quitting and the command palette
    def ready_to_quit(self) -> bool:
        """Save the open draft; False (and a sentence) while a draft is still only in memory:
        asked again, it is True (ctrl+q twice quits)."""
        self.save_open_draft()
        drafts = self.drafts
        if drafts.unsaved_drafts and not drafts.retry_unsaved_drafts(wait=2.0) and not self._quit_anyway:
            self._quit_anyway = True
            self.notify("A draft is not saved yet (see the composer's status line): ctrl+q again quits "
                        "and loses it.", severity="error", timeout=10)
            return False
        return True

    def commands(self) -> Iterable[SystemCommand]:
        """The workstation's entries of the command palette (the app adds themes, help and quit)."""
        return workstation_commands(self)

    def session_commands(self) -> Iterable[SystemCommand]:
        return session_commands(self)
