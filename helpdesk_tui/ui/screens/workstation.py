"""The workstation: inbox, ticket and customer panes, KB sidebar and composer on one screen.

The screen composes the panes and owns the keys; what happens behind a key is in the
collaborators it builds here, each given what it needs by name: the inbox's views
(``InboxViews``), the composer (``ComposerDock``), sending (``SendFlow``), undo send
(``HeldSends``), drafts that could not be saved (``DraftKeeper``), sync (``SyncRunner``),
focus sessions (``FocusSessions``), promised updates (``PromiseAlerts``) and customer notes.
What the screen shows after a sync, a send or a focus step is in functions of the screen
beside those collaborators (``show_sync_done`` in ``ui.syncing``, ``after_send`` in
``ui.sending``, ``serve_focus`` in ``ui.focusing``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker

from helpdesk_tui.compose.templates import TemplateLoadResult
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.query import Filter, View, builtin_views, describe
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.bulk import open_inbox_desk
from helpdesk_tui.services.focus import open_desk as open_focus_desk
from helpdesk_tui.services.views import own_views, save_view
from helpdesk_tui.ui.attachments import AttachmentActions
from helpdesk_tui.ui.checkpoint_alerts import CHECK_SECONDS, PromiseAlerts
from helpdesk_tui.ui.composer_dock import ComposerDock
from helpdesk_tui.ui.customer_notes import CustomerNotes
from helpdesk_tui.ui.draft_saving import DraftKeeper
from helpdesk_tui.ui.feedback import mark_feedback
from helpdesk_tui.ui.focusing import FocusSessions, focus_redraw, serve_focus
from helpdesk_tui.ui.inbox_actions import GROUP as INBOX_BATCH, InboxActions
from helpdesk_tui.ui.inbox_views import InboxViews, usable_views, workstation_keys
from helpdesk_tui.ui.new_ticket import open_new_ticket
from helpdesk_tui.ui.notify import announcer_for
from helpdesk_tui.ui.knowledge_base import insert_from_kb, toggle_sidebar
from helpdesk_tui.ui.inbox_macros import InboxMacros
from helpdesk_tui.ui.macros import MacroRunner
from helpdesk_tui.ui.options import AppOptions
from helpdesk_tui.ui.rating import record_rating
from helpdesk_tui.ui.screens.save_view import SaveViewScreen
from helpdesk_tui.ui.screens.jump import ask_jump
from helpdesk_tui.ui.searching import open_search
from helpdesk_tui.ui.screens.workstation_bindings import WORKSTATION_BINDINGS, key_is_off
from helpdesk_tui.ui.screens.workstation_commands import session_commands, workstation_commands
from helpdesk_tui.ui.sending import SendFlow, after_send, holds_released, outbox_drained
from helpdesk_tui.ui.syncing import SyncRunner, show_sync_done, show_sync_progress, sync_now_key
from helpdesk_tui.ui.templating import pick_template, workstation_templates
from helpdesk_tui.ui.ticket_panes import TicketPanes, go_back
from helpdesk_tui.ui.triaging import helpdesk_label, open_triage as show_triage
from helpdesk_tui.ui.undo_send import HeldSends, refuse_while_held, undo_send
from helpdesk_tui.ui.widgets.composer import Composer
from helpdesk_tui.ui.widgets.customer_pane import CustomerPane, NotesList
from helpdesk_tui.ui.widgets.fitting_footer import FittingFooter
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane
from helpdesk_tui.ui.attaching import ComposerFiles
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
        self.closed = False  # replaced by another account's workstation (``close``)
        self.triage_at_start: bool | None = None  # helpdesk-tui triage: open on it (a new rotation or not)
        self.last_search = ""  # the search screen opens with it (selected: typing replaces it)
        from_thread, push = self._from_thread, self._push
        self.drafts = DraftKeeper(cache, notify=self.notify, set_interval=self.set_interval,
                                  show_status=lambda sentence: self.dock.show_status(sentence))
        own, self.view_warnings = usable_views(own_views(settings), workstation_keys(settings.keymap))
        self.inbox_views = InboxViews(cache, me=me, now=now, default_view=settings.inbox.default_view, host=self,
                                      narrow=lambda: self.size.width < 120 and not self.panes.inbox_only,
                                      run_worker=self.run_worker, call_from_thread=from_thread, listed=lambda count: self.panes.listed(count, self.inbox_views.empty_reason()),
                                      views=[*builtin_views(me), *own], notify=self.notify)
        for view in own:
            self._bind_view_key(view.key)
        self.promises = PromiseAlerts(cache, me=me, now=now, warning_minutes=settings.sla.checkpoint_warning_minutes,
                                      notify=self.notify, run_worker=self.run_worker, call_from_thread=from_thread,
                                      push_screen=push, open_ticket=lambda ticket_id: self.open_ticket(ticket_id,
                                                                                                       focus=True))
        self.sync = SyncRunner(cache, options.backend, now=now, tz=self.tz, interval=options.sync_interval,
                               status=options.status, run_worker=self.run_worker, call_from_thread=from_thread,
                               started=self.render_topbar, progress=lambda progress: show_sync_progress(self, progress),
                               done=lambda report: show_sync_done(self, report))
        self.holds = HeldSends(cache, now=now, delay_seconds=settings.send.delay_seconds,
                               set_interval=self.set_interval, drain=lambda: self.drain_outbox(),
                               changed=self._holds_changed)
        self.focus_sessions = FocusSessions(
            open_focus_desk(cache, settings, now), tz=self.tz, live=options.live,
            default_minutes=settings.focus.default_minutes, notify=self.notify, push_screen=push,
            set_interval=self.set_interval,
            start_choices=self._focus_start_choices,
            serve=lambda session, served: serve_focus(self, session, served),
            redraw=lambda: focus_redraw(self))
        self.dock = ComposerDock(cache, self.drafts, now=now, screen=self, notify=self.notify, push_screen=push,
                                 discard_agreed=lambda ticket_id: self.post_message(self.DraftDiscarded(ticket_id)))
        self.files = ComposerFiles(cache, options.backend, push_screen=push)
        self.sending = SendFlow(cache, me=me, now=now, tz=self.tz, blame_phrases=options.blame_phrases,
                                send_delay=options.send_delay, dock=self.dock, holds=self.holds, sync=self.sync,
                                language=self.customer_language, notify=self.notify, push_screen=push,
                                run_worker=self.run_worker, call_from_thread=from_thread, set_timer=self.set_timer,
                                sent=lambda plan: after_send(self, plan), reload_ticket=self.reload_ticket,
                                released=lambda: holds_released(self), drained=lambda: outbox_drained(self))
        self.panes = TicketPanes(cache, host=self, dock=self.dock, set_timer=self.set_timer, notify=self.notify,
                                 covered=lambda: len(self.app.screen_stack) > 1, holds=self.holds,
                                 redraw_header=self.render_topbar)
        self.announcer = announcer_for(self)  # arrivals a sync brings (ui.notify)
        self.macros = MacroRunner(self)
        self.inbox_macros = InboxMacros(self)
        self.inbox_actions = InboxActions(
            open_inbox_desk(cache, settings, options.backend, agent=me), now=now, experts=settings.triage.experts,
            helpdesk_label=helpdesk_label(options.backend), targets=lambda: self.inbox.targets(),
            marked=lambda: bool(self.inbox.marked),
            clear_marks=lambda: self.inbox.clear_marks(), changed=self._inbox_changed,
            drain=lambda: self.drain_outbox(), notify=self.notify, push_screen=push, run_worker=self.run_worker,
            call_from_thread=from_thread)
        self.notes = CustomerNotes(cache, me=me, now=now, notify=self.notify, push_screen=push,
                                   show=lambda notes: self.query_one(CustomerPane).show_notes(notes))
        self.attachments = AttachmentActions(options.workspace, notify=self.notify, push_screen=push,
                                             run_worker=self.run_worker, call_from_thread=from_thread,
                                             cached=lambda attachment_id: self.query_one(ThreadView).mark_cached(
                                                 attachment_id),
                                             download_line=lambda line: self.query_one(TicketPane).show_download(
                                                 line))

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> Any:
        """For the collaborators' workers: run ``callback`` on the UI thread (not once the
        workstation is closed: a worker of another account's still running finds no screen)."""
        def run() -> Any:
            return None if self.closed else callback(*args)

        return self.app.call_from_thread(run)

    def close(self) -> None:
        """Another account's workstation takes this one's place: its threads stop touching it."""
        self.closed = True

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
        # In the first frame, not after it: opening the first ticket shows the ticket and
        # customer panes beside the inbox, and the agent's first screen must be that layout.
        self.panes.preview_first()
        for warning in self.view_warnings:  # a [views] key the workstation already uses
            self.notify(clean_line(warning), severity="warning", timeout=8, markup=False)
        if self.options.live:
            self.set_interval(30, self._tick)
            # Hundreds of synced macros take ~0.5 s to compile: do it off the UI thread,
            # after start-up, so the first ctrl+t opens at once.
            self.set_timer(2.0, lambda: self.run_worker(self.templates, thread=True, group="templates",
                                                        exit_on_error=False))
        self.start_syncing()
        self.holds.watch()  # sends held when the app last stopped: count down, or release now
        self.render_topbar()
        if self.triage_at_start is not None:  # helpdesk-tui triage: the workstation waits behind
            self.open_triage(new_rotation=self.triage_at_start)
        # A session left running by the last run picks up after the first refresh: the first
        # ticket has just opened, maybe with its draft, and that composer must be in place
        # before the served ticket replaces it.
        self.call_after_refresh(self.focus_sessions.resume)
        if self.options.live and self.promises.enabled:
            self.set_interval(CHECK_SECONDS, self.promises.check)
            # After the first frame: at 1M the demo agent has ~3,100 promises, a 40-60 ms query
            # in a worker and ~15 ms of alerts on this thread, which landed before that frame.
            self.call_after_refresh(self.promises.check)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if report_failed_worker(event, self.notify) and event.worker.group == INBOX_BATCH:
            self.inbox_actions.runner.failed()  # the next key may act again

    def render_topbar(self) -> None:
        clock = self.now() if self.options.live and self.options.settings.ui.clock else None
        self.query_one("#topbar", Static).update(top_bar_text(
            self.cache.account, self.inbox_views.view.title, sync=self.sync.status_text(),
            focus=self.focus_sessions.status_text(), held=self.holds.header_text(),
            outbox=self.cache.outbox_counts(), clock=clock))

    def _tick(self) -> None:
        """SLA clocks are relative to now: redraw them, and refresh the counts."""
        self.render_topbar()
        self.query_one(InboxList).forget_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if key_is_off(self, action):
            return False
        return super().check_action(action, parameters)

    # ----- the inbox
    @property
    def inbox(self) -> InboxList:
        return self.query_one(InboxList)

    def action_view(self, view_id: str) -> None:
        self.inbox_views.show(self.inbox_views.by_id(view_id))
        self.render_topbar()
        self.query_one(InboxList).focus()

    def _focus_start_choices(self) -> tuple[list[View], str, str]:
        """What a focus session can start on: a session keeps a built-in view, so one of the
        agent's own views starts as "All" narrowed by that view's filter."""
        views, view, typed = self.inbox_views.views, self.inbox_views.view, self.inbox_views.filter
        builtins = views[:len(builtin_views(self.me))]
        if view in builtins:
            return builtins, view.id, describe(typed)
        return builtins, "all", describe(view.filter.merged(typed))

    def action_view_key(self, key: str) -> None:
        """The key of one of the agent's own views (``[views]``)."""
        view = self.inbox_views.by_key(key)
        if view is not None:
            self.action_view(view.id)

    def _bind_view_key(self, key: str) -> None:
        # Bound on this screen only: the agent's views are the workstation's, not triage's.
        self._bindings.bind(key, f"view_key({key!r})", "View", show=False)

    def action_save_view(self) -> None:
        """Ask for a name and a key, then save the current filter as a view in the settings file."""
        config_file = self.options.config_file
        if config_file is None:
            self.notify("This session has no settings file, so views cannot be saved.", severity="warning")
            return
        if not self.inbox_views.filter:
            self.notify("Filter the inbox first (/), then save the filter as a view.", severity="warning")
            return

        def save(name: str, key: str) -> View:
            return save_view(config_file, self.options.settings, name, key, describe(self.inbox_views.filter),
                             taken_keys={v.key for v in self.inbox_views.views if v.title != name.strip()}
                             | workstation_keys(self.options.settings.keymap))

        def saved(view: View | None) -> None:
            if view is None:
                return
            self.inbox_views.filter = Filter()  # the view holds the filter now
            if self.inbox_views.by_key(view.key) is None:
                self._bind_view_key(view.key)
            self.inbox_views.add(view)
            self.render_topbar()
            self.notify(f"Saved view {clean_line(view.title)} on key {view.key}.", markup=False)

        self._push(SaveViewScreen(describe(self.inbox_views.filter), save), saved)

    def action_filter(self) -> None:
        self.inbox_views.open_filter_box()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.inbox_views.filter_typed(event.input, event.value, self.notify)

    def action_jump(self) -> None:
        ask_jump(self)

    def action_search(self) -> None:
        open_search(self)

    def action_clear_filter(self) -> None:
        self.inbox_views.clear_filter()

    # ----- marks, and one action on every marked ticket (or the one under the cursor)
    @on(InboxList.MarksChanged)
    def _marks_changed(self, event: InboxList.MarksChanged) -> None:
        self.inbox_views.render_viewbar()

    def action_bulk(self, kind: str) -> None:
        self.inbox_actions.start(kind)

    def action_undo_bulk(self) -> None:
        self.inbox_actions.undo()

    def action_clear_marks(self) -> None:
        count = self.inbox.clear_marks()
        if count:
            self.notify(f"{count} marked {'ticket' if count == 1 else 'tickets'} unmarked.", timeout=3)

    def _inbox_changed(self, ticket_ids: list[int], keep: int | None) -> None:
        """An action changed these tickets: their rows and the open ticket are read again, and the
        view reloads (a ticket set to solved leaves "My open")."""
        inbox = self.inbox
        inbox.forget_rows(ticket_ids)
        if self.ticket_id in ticket_ids:
            self.reload_ticket(self.ticket_id)
        self.inbox_views.show(self.inbox_views.view, keep=keep if keep is not None else inbox.current_id)
        self.macros.forget_if_undone()  # the inbox's U may have taken the open ticket's macro back
        self.render_topbar()

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
        return workstation_templates(self.cache, self.options.templates_dir)

    def action_back(self) -> None:
        go_back(self)

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

    def action_new_ticket(self) -> None:
        open_new_ticket(self)

    def open_composer(self, kind: MessageKind) -> Composer | None:
        if self.ticket_id is None:
            self.notify("Open a ticket first (Enter in the inbox).", severity="warning")
            return None
        if refuse_while_held(self.holds, self.ticket_id, self.notify):
            return None
        return self.dock.open(self.ticket_id, kind)

    def save_open_draft(self) -> None:
        """Save the composer's text now (the error guard calls it before anything else)."""
        self.dock.save_open_draft()

    def close_composer(self, *, discard: bool = False) -> bool:
        return self.dock.close(discard=discard)

    def action_discard_draft(self) -> None:
        self.dock.discard(self.ticket_id)

    @on(Composer.Closed)
    def _composer_closed(self, event: Composer.Closed) -> None:
        self.close_composer(discard=event.discarded)
        self.query_one("#thread").focus()

    @on(Composer.TemplateRequested)
    def _template_requested(self, event: Composer.TemplateRequested) -> None:
        pick_template(self)

    @on(Composer.AttachRequested)
    def _attach_requested(self, event: Composer.AttachRequested) -> None:
        self.files.pick(event.composer)

    @on(Composer.SendRequested)
    def _send_requested(self, event: Composer.SendRequested) -> None:
        self.sending.requested(event.composer)

    def drain_outbox(self) -> Worker[Any]:
        """Release the held sends that are due, then push the outbox (in a worker)."""
        return self.sending.drain_outbox()

    # ----- undo send
    def _holds_changed(self) -> None:
        self.panes.show_holds()
        self.refresh_bindings()

    def action_undo_send(self) -> None:
        undo_send(self.holds, self.ticket_id, notify=self.notify, clear_notifications=self.app.clear_notifications,
                  open_ticket=lambda ticket_id: self.open_ticket(ticket_id, focus=True),
                  open_composer=self.open_composer, reload_ticket=self.reload_ticket)

    # ----- macros
    def action_macro(self) -> None:
        """``m``: in the inbox, a macro on the marked tickets (or the one under the cursor);
        elsewhere, on the open ticket."""
        if self.inbox.has_focus:
            self.inbox_macros.start()
        else:
            self.macros.pick()

    def action_inbox_macro(self) -> None:
        """The palette's "Inbox: Apply macro…": the marked tickets (or the one under the cursor)."""
        self.inbox_macros.start()

    def action_undo_macro(self) -> None:
        self.macros.undo()

    # ----- sync
    def start_syncing(self) -> None:
        """Called once the first frame is up: sync now, then every ``sync_interval`` seconds."""
        self.sync.start(self.options.sync_interval, self.set_interval)  # read now: tests start syncing late

    def action_sync_now(self) -> None:
        sync_now_key(self)

    def action_promises(self) -> None:
        self.promises.show_list()

    # ----- focus sessions
    def action_focus_session(self) -> None:
        self.focus_sessions.start_or_menu()

    def action_focus_done(self) -> None:
        self.focus_sessions.done()

    def action_focus_skip(self) -> None:
        self.focus_sessions.skip()

    # ----- the knowledge base
    def action_knowledge_base(self) -> None:
        toggle_sidebar(self)

    def action_next_attachment(self) -> None:
        """From the palette: the thread takes the keys, on its next attachment (or says there is none)."""
        thread = self.query_one(ThreadView)
        if self.ticket_id is None or not thread.attachments:
            self.notify("The open ticket has no attachments.", markup=False)
            return
        thread.focus()
        thread.action_next_attachment()

    @on(ThreadView.AttachmentChosen)
    def _attachment_chosen(self, event: ThreadView.AttachmentChosen) -> None:
        {"view": self.attachments.view, "open": self.attachments.open,
         "save": self.attachments.save}[event.action](event.info)

    @on(KbSidebar.Insert)
    def _kb_insert(self, event: KbSidebar.Insert) -> None:
        insert_from_kb(self, event.text)

    # ----- rotation triage, customer notes, ratings, feedback
    def open_triage(self, *, new_rotation: bool = False) -> None:
        show_triage(self, new_rotation=new_rotation)

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
        return self.drafts.ready_to_quit()

    def commands(self) -> Iterable[SystemCommand]:
        """The workstation's entries of the command palette (the app adds themes, help and quit)."""
        return workstation_commands(self)

    def session_commands(self) -> Iterable[SystemCommand]:
        return session_commands(self)
