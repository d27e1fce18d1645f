"""The workstation: inbox, ticket and customer panes wired to one account's cache."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape as escape_markup
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input, ProgressBar, Static

from helpdesk_tui.compose.templates import TemplateLoadResult, load_templates
from helpdesk_tui.config.settings import Settings
from helpdesk_tui.config.state import load_state, save_state
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.query import Filter, FilterError, View, builtin_views, describe, parse_filter
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.inbox import InboxQuery, view_query
from helpdesk_tui.ui.checkpoint_alerts import CheckpointAlertsMixin
from helpdesk_tui.ui.dashboarding import DashboardMixin
from helpdesk_tui.ui.draft_saving import DraftSavingMixin
from helpdesk_tui.ui.error_guard import ContainErrors, ErrorGuardMixin
from helpdesk_tui.ui.focusing import FOCUS_BINDINGS, FocusMixin
from helpdesk_tui.ui.keymap_check import keymap_warnings
from helpdesk_tui.ui.layout import pane_widths
from helpdesk_tui.ui.rating import record_rating
from helpdesk_tui.ui.replying import ReplyingMixin
from helpdesk_tui.ui.syncing import SyncingMixin
from helpdesk_tui.ui.triaging import TriageMixin
from helpdesk_tui.ui.undo_send import UndoSendMixin
from helpdesk_tui.ui.screens.help import HelpScreen, app_sections, binding_rows
from helpdesk_tui.ui.screens.note_editor import NoteEditor
from helpdesk_tui.ui.themes import APP_THEME_VARIABLE_DEFAULTS, load_themes
from helpdesk_tui.ui.widgets.fitting_footer import FittingFooter
from helpdesk_tui.ui.widgets.customer_pane import CustomerPane, HistoryList, NotesList
from helpdesk_tui.ui.widgets.composer import Composer
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbResults, KbSidebar
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from helpdesk_tui.ui.widgets.view_bar import view_bar_text
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

FIRST_PAGE = 200
PREVIEW_DELAY = 0.12  # seconds the cursor must rest on a ticket before the pane follows it


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppOptions:
    """Everything the app needs from outside; tests pass fixed clocks and temp paths."""

    cache: Cache
    settings: Settings
    state_file: Path | None = None
    bundled_themes: Path | None = None
    user_themes: Path | None = None
    clock: Callable[[], datetime] = utc_now
    live: bool = True  # ticking clocks and periodic refresh; off for snapshots
    status: str = "offline · local cache"
    backend: object | None = None  # delivers the outbox (sync.backends); None keeps it queued
    send_delay: float = 0.0  # seconds before delivering, so the demo shows "queued" then "sent"
    templates_dir: Path | None = None  # the user's own templates
    tz: tzinfo | None = None  # the agent's time zone for promises; default: the system's
    blame_phrases: tuple[str, ...] | None = None  # None: the built-in list
    sync_interval: float | None = None  # seconds between background pulls; None: no syncing


class HelpdeskApp(ErrorGuardMixin, ContainErrors, DraftSavingMixin, ReplyingMixin, SyncingMixin, TriageMixin,
                  FocusMixin, DashboardMixin, CheckpointAlertsMixin, UndoSendMixin, App[None]):
    TITLE = "helpdesk-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Quit helpdesk-tui"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Show every key binding"),
        Binding("slash", "filter", "Filter", id="inbox.filter",
                tooltip="Filter the inbox: status:open priority:high assignee:me tag:billing customer:acme text"),
        Binding("1", "view('mine')", "My open", id="view.mine", show=False, tooltip="Tickets assigned to me"),
        Binding("2", "view('unassigned')", "Unassigned", id="view.unassigned", show=False,
                tooltip="Active tickets nobody owns"),
        Binding("3", "view('due')", "Due ≤ 1h", id="view.due", show=False,
                tooltip="Tickets breaching or due within an hour"),
        Binding("4", "view('waiting')", "Waiting", id="view.waiting", show=False,
                tooltip="Tickets waiting on the customer"),
        Binding("5", "view('recent')", "Recent", id="view.recent", show=False,
                tooltip="Recently updated tickets"),
        Binding("6", "view('all')", "All", id="view.all", show=False, tooltip="Every ticket"),
        Binding("r", "reply", "Reply", id="ticket.reply", tooltip="Write a public reply to the open ticket"),
        Binding("n", "note", "Note", id="ticket.note", tooltip="Write an internal note on the open ticket"),
        Binding("u", "undo_send", "Undo send", id="reply.undo_send",
                tooltip="Take the reply being sent back into the composer (during the send delay)"),
        Binding("ctrl+g", "knowledge_base", "KB", id="app.knowledge_base",
                tooltip="Show or hide the knowledge base sidebar"),
        Binding("l", "timeline", "Timeline", id="ticket.timeline", tooltip="Show or hide the ticket's timeline"),
        Binding("z", "zoom", "Zoom inbox", id="app.zoom", tooltip="Inbox over the whole width, or back"),
        Binding("t", "triage", "Triage", id="app.triage",
                tooltip="Rotation triage: new and unassigned tickets, one key per action"),
        Binding("F", "focus_session", "Focus", id="app.focus_session",
                tooltip="Start, pause or end a focus session that serves tickets one at a time"),
        *FOCUS_BINDINGS,
        Binding("K", "dashboard", "KPIs", id="app.dashboard",
                tooltip="How support is doing: response times, breaches, backlog, ratings"),
        Binding("f5", "sync_now", "Sync", id="app.sync", tooltip="Sync with the helpdesk now"),
        Binding("escape", "back", "Back", id="app.back", show=False,
                tooltip="Back to the previous ticket, or to the inbox"),
        Binding("tab", "focus_next", "Next pane", id="app.focus_next", show=False,
                tooltip="Move to the next pane"),
        Binding("shift+tab", "focus_previous", "Previous pane", id="app.focus_previous", show=False,
                tooltip="Move to the previous pane"),
    ]

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        self.cache = options.cache
        self.settings = options.settings
        self.now = options.clock
        self.me = options.settings.agent.name
        self.views: list[View] = builtin_views(self.me)
        self.view: View = self._view_by_id(options.settings.inbox.default_view)
        self.filter: Filter = Filter()
        self.counts: dict[str, int] = {}
        self.back_stack: list[int] = []
        self.ticket_id: int | None = None
        self._preview_timer: Timer | None = None
        self.inbox_only = True  # until a ticket is opened
        self._draft_marked: dict[int, bool] = {}
        self.tz = options.tz or datetime.now().astimezone().tzinfo
        self.blame_phrases = options.blame_phrases
        self._state = load_state(options.state_file) if options.state_file else {}
        self._load_themes()
        if options.settings.keymap:
            self.set_keymap(dict(options.settings.keymap))

    # ----- set-up
    def _view_by_id(self, view_id: str) -> View:
        return next((v for v in self.views if v.id == view_id), self.views[-1])

    def _load_themes(self) -> None:
        if self.options.bundled_themes is None:
            self._theme_failures: list[tuple[str, str]] = []
            return
        result = load_themes(self.options.bundled_themes, self.options.user_themes)
        for theme in result.loaded:
            self.register_theme(theme)
        self._theme_failures = result.failed
        wanted = self._state.get("theme") or self.settings.ui.theme
        if wanted in self.available_themes:
            self.theme = wanted
        elif self.settings.ui.theme in self.available_themes:
            self.theme = self.settings.ui.theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_THEME_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield ProgressBar(id="sync-progress", show_eta=False)
        yield Static(id="viewbar")
        yield Input(placeholder="filter: status:open priority:high assignee:me tag:billing customer:acme words…",
                    id="filter")
        with Horizontal(id="main"):
            yield InboxList(self.cache.inbox_rows, self.now, id="inbox")
            yield TicketPane(self.now, id="ticket")
            yield CustomerPane(self.now, id="customer")
            cache = self.cache
            yield KbSidebar(search=cache.search_articles, past_replies=cache.search_past_replies,
                            suggest=cache.suggest_articles, article=cache.article,
                            message_body=cache.message_body, id="kb")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.inbox_only = True
        self._apply_layout()
        inbox = self.query_one(InboxList)
        inbox.border_title = "Inbox"
        self.query_one("#filter").display = False
        self.query_one("#sync-progress").display = False
        self.query_one(TicketPane).border_title = "Ticket"
        inbox.focus()
        # File names, theme names and setting keys are the user's text: never markup.
        for name, sentence in self._theme_failures:
            self.notify(clean_line(f"Theme file {name} was not loaded: {sentence}"), severity="warning",
                        timeout=8, markup=False)
        for warning in (*self.settings.warnings, *keymap_warnings(self.settings.keymap, self.help_sections())):
            self.notify(clean_line(warning), severity="warning", timeout=8, markup=False)
        self.show_view(self.view)
        self._preview_first()
        if self.options.live:
            self.set_interval(30, self._tick)
            # Hundreds of synced macros take ~0.5 s to compile: do it off the UI thread,
            # after start-up, so the first ctrl+t opens at once.
            self.set_timer(2.0, lambda: self.run_worker(self.templates, thread=True, group="templates",
                                                        exit_on_error=False))
        self.start_syncing()
        self.watch_holds()  # sends held when the app last stopped: count down, or release now
        self._render_topbar()
        # The objects alive after start-up (widgets, caches, modules) live as long as the app:
        # taking them out of the collector's view keeps full collections short (35 ms → 4 ms
        # measured), so they stop landing on keystrokes.
        self.call_after_refresh(gc.freeze)
        # From here on a bug in a widget is one sentence, never the end of the app.
        self.arm_error_guard(self.options.state_file.with_name("errors.log") if self.options.state_file else None)

    def watch_theme(self, theme: str) -> None:
        if self.options.state_file is not None and self._state.get("theme") != theme:
            self._state["theme"] = theme
            save_state(self.options.state_file, self._state)

    # ----- the inbox
    def current_query(self) -> InboxQuery:
        base = view_query(self.view, self.now())
        return InboxQuery(filter=base.filter.merged(self.filter), order=base.order,
                          due_before=base.due_before)

    def show_view(self, view: View, *, keep: int | None = None) -> None:
        """Draw the first page at once, then load the whole list and the counts in the background.

        A saved view is index-backed and its first page takes a millisecond. A filter the
        agent typed (words, customers, tags) can take a few hundred on a million tickets,
        so it runs only in the worker and the list updates when it is done.
        """
        self.view = view
        query = self.current_query()
        inbox = self.query_one(InboxList)
        if not self.filter:
            inbox.set_ids(self.cache.inbox_ids(query, limit=FIRST_PAGE), keep=keep)
            self._update_inbox_title(None if len(inbox.ids) >= FIRST_PAGE else len(inbox.ids))
        else:
            self._update_inbox_title(None)
        self._load_all_ids(query, keep)
        self._render_viewbar()

    @work(thread=True, exclusive=True, group="inbox-ids", exit_on_error=False)
    def _load_all_ids(self, query: InboxQuery, keep: int | None) -> None:
        ids = self.cache.inbox_ids(query)
        self.call_from_thread(self._apply_ids, query, ids, keep)
        counts = {v.id: self.cache.inbox_count(view_query(v, self.now())) for v in self.views}
        self.call_from_thread(self._apply_counts, counts)

    def _apply_ids(self, query: InboxQuery, ids, keep: int | None) -> None:
        if query != self.current_query():
            return  # the agent moved on to another view or filter meanwhile
        inbox = self.query_one(InboxList)
        inbox.set_ids(ids, keep=inbox.current_id if inbox.current_id is not None else keep)
        self._update_inbox_title(len(ids))
        if not ids and self.ticket_id is not None:
            self._show_no_ticket()
        self._preview_first()

    def _show_no_ticket(self) -> None:
        """The list is empty: the panes beside it must not go on showing a ticket from before."""
        if self.composer is not None:
            self.close_composer()  # the draft stays in the cache
        self.ticket_id = None
        self.back_stack.clear()
        reason = (f"No ticket matches the filter “{describe(self.filter)}”. Press / to change it."
                  if self.filter else f"No ticket in “{self.view.title}”.")
        self.query_one(TicketPane).show_nothing(reason)
        self.query_one(CustomerPane).show(None, [], reason="")
        self.query_one(KbSidebar).set_context("")

    def _preview_first(self) -> None:
        """Show the most urgent ticket beside the inbox from the start (the first sync too)."""
        inbox = self.query_one(InboxList)
        if self.ticket_id is None and inbox.current_id is not None:
            self.open_ticket(inbox.current_id, focus=False)

    def _apply_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._render_viewbar()

    def _update_inbox_title(self, total: int | None) -> None:
        inbox = self.query_one(InboxList)
        shown = f"{total:,}" if total is not None else "…"
        narrow = self.size.width < 120 and not self.inbox_only  # the inbox is about 30 columns
        title = f"{self.view.title} · {shown}" if narrow else f"Inbox · {self.view.title} · {shown}"
        if self.filter:
            title += f" · {describe(self.filter)}" if narrow else f" · filter: {describe(self.filter)}"
        # A Text is never parsed as markup; cleaned, since a session's stored filter is user text too.
        inbox.border_title = Text(clean_line(title))

    def _render_viewbar(self) -> None:
        short = pane_widths(self.size.width, inbox_only=False, kb=False).short_labels
        self.query_one("#viewbar", Static).update(view_bar_text(self.views, self.counts, self.view, short=short))

    def _render_topbar(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.cache.account} ", "bold reverse")
        text.append(f"  {self.view.title}  ")
        text.append_text(self.sync_status_text())
        text.append_text(self.focus_status_text())
        text.append_text(self.held_header_text())
        counts = self.cache.outbox_counts()
        waiting = counts.get("queued", 0) + counts.get("sending", 0)
        failed = counts.get("failed", 0)
        if waiting:
            text.append(f"  ↑{waiting} queued", "bold")
        if failed:
            text.append(f"  ✗{failed} failed", "bold reverse")
        if self.options.live and self.settings.ui.clock:
            text.append(f"   {self.now().astimezone():%H:%M}", "dim")
        self.query_one("#topbar", Static).update(text)

    def _tick(self) -> None:
        """SLA clocks are relative to now: redraw them, and refresh the counts."""
        self._render_topbar()
        self.query_one(InboxList).forget_rows()

    # Keys that act on the workstation's panes: off (and out of the footer) while a full
    # screen such as triage or the dashboard covers them, so they cannot act unseen.
    _WORKSTATION_ACTIONS = frozenset({"filter", "view", "reply", "note", "knowledge_base", "timeline", "zoom",
                                      "focus_done", "focus_skip", "undo_send"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._WORKSTATION_ACTIONS and not self._workstation_shown():
            return False
        return super().check_action(action, parameters)

    def _workstation_shown(self) -> bool:
        """The default screen is on top, or only modal dialogs cover it."""
        return all(isinstance(screen, ModalScreen) for screen in self.screen_stack[1:])

    def action_view(self, view_id: str) -> None:
        self.show_view(self._view_by_id(view_id))
        self._render_topbar()
        self.query_one(InboxList).focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = describe(self.filter)
        box.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            # A pasted filter can hold escape sequences: they would reach the terminal in the title.
            self.filter = parse_filter(clean_line(event.value), me=self.me)
        except FilterError as exc:
            # The sentence quotes what was typed ("Unknown status '[/]'"): plain text, never markup.
            self.notify(clean_line(str(exc)), severity="error", title="Filter", markup=False)
            return
        event.input.display = False
        self.show_view(self.view)
        self.query_one(InboxList).focus()

    # ----- tickets
    @on(InboxList.Highlighted)
    def _inbox_highlighted(self, event: InboxList.Highlighted) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if event.ticket_id is None or self.inbox_only:
            return
        ticket_id = event.ticket_id
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self._preview(ticket_id))

    def _preview(self, ticket_id: int) -> None:
        if not self.query(TicketPane):
            return  # the app is closing: the timer outlived the panes
        composer = self.composer
        if (composer is not None and composer.active and composer.draft.ticket_id != ticket_id
                and (composer.has_focus_within or len(self.screen_stack) > 1)):
            # The list moved under an agent who is writing (a reload), or a dialog about the
            # reply is up: keep their composer.
            return
        self.open_ticket(ticket_id, focus=False)

    @on(InboxList.Selected)
    def _inbox_selected(self, event: InboxList.Selected) -> None:
        self.back_stack.clear()
        self.open_ticket(event.ticket_id, focus=True)

    @on(CustomerPane.OpenTicket)
    def _history_selected(self, event: CustomerPane.OpenTicket) -> None:
        if self.ticket_id is not None and self.ticket_id != event.ticket_id:
            self.back_stack.append(self.ticket_id)
        self.open_ticket(event.ticket_id, focus=True)

    def open_ticket(self, ticket_id: int, *, focus: bool) -> None:
        if self._preview_timer is not None:
            # A preview still waiting on the cursor must not replace the ticket opened now
            # (a focus session serving its ticket at start, a history jump, a search hit).
            self._preview_timer.stop()
            self._preview_timer = None
        ticket = self.cache.ticket(ticket_id)
        if ticket is None:
            self.notify("That ticket is no longer in the cache.", severity="warning")
            return
        if self.composer is not None and self.composer.draft.ticket_id != ticket_id:
            self.close_composer()  # the draft stays in the cache, marked in the inbox
        self.ticket_id = ticket_id
        if self.inbox_only:
            self.inbox_only = False
            self._apply_layout()
        thread = self.cache.thread(ticket_id)
        self.query_one(TicketPane).show(ticket, thread, self.cache.timeline(ticket_id))
        self._show_holds()  # this ticket's reply in its undo window, if any
        customer = self.query_one(CustomerPane)
        if ticket.requester_id is None:
            customer.show(None, [])
        else:
            customer.show(self.cache.customer_summary(ticket.requester_id),
                          self.cache.customer_history(ticket.requester_id, exclude=ticket_id))
        latest = next((m.body for m in reversed(thread) if m.kind == "customer"), "")
        self.query_one(KbSidebar).set_context(f"{ticket.subject}\n{latest[:2000]}")
        if self.composer is None:
            self.show_draft(ticket_id)  # shown with its cursor; r, n or enter continue it
        if focus:
            self.query_one(ThreadView).focus()

    def _apply_layout(self) -> None:
        """Inbox alone, or inbox + ticket + customer (or KB). Inline styles on the three panes:
        a class on the Screen restyled every widget (54 ms on opening a ticket)."""
        kb = self.screen.has_class("-kb")
        widths = pane_widths(self.size.width, inbox_only=self.inbox_only, kb=kb)
        self.query_one(InboxList).styles.width = widths.inbox
        self.query_one(TicketPane).display = not self.inbox_only
        customer = self.query_one(CustomerPane)
        customer.display = not self.inbox_only and not kb
        customer.styles.width = widths.customer
        self.query_one(KbSidebar).styles.width = widths.kb

    def on_resize(self) -> None:
        if self.query(TicketPane):
            self._apply_layout()
            self._render_viewbar()

    def reload_ticket(self, ticket_id: int) -> None:
        """The ticket changed here (a reply queued or sent): redraw it, at its newest message."""
        self.query_one(InboxList).forget_rows([ticket_id])
        if ticket_id == self.ticket_id:
            ticket = self.cache.ticket(ticket_id)
            if ticket is not None:
                self.query_one(TicketPane).show(ticket, self.cache.thread(ticket_id),
                                                self.cache.timeline(ticket_id))
                self.query_one(ThreadView).scroll_end(animate=False, immediate=True)

    def customer_language(self, ticket=None) -> str:
        ticket = ticket or (self.cache.ticket(self.ticket_id) if self.ticket_id else None)
        if ticket is None or ticket.requester_id is None:
            return "en"
        summary = self.cache.customer_summary(ticket.requester_id)
        return summary.customer.language if summary else "en"

    def templates(self) -> TemplateLoadResult:
        return load_templates(self.options.templates_dir, self.cache.synced_templates())

    def action_back(self) -> None:
        if self.screen.has_class("-kb") and self.query_one(KbSidebar).has_focus_within:
            self.action_knowledge_base()
            return
        if self.query_one("#filter").has_focus:
            self.query_one("#filter").display = False
            self.query_one(InboxList).focus()
            return
        if self.back_stack:
            self.open_ticket(self.back_stack.pop(), focus=True)
            return
        self.query_one(InboxList).focus()

    def action_timeline(self) -> None:
        if self.ticket_id is not None:
            self.query_one(TicketPane).toggle_timeline()

    def action_zoom(self) -> None:
        if self.ticket_id is None:
            return
        self.inbox_only = not self.inbox_only
        self._apply_layout()
        if self.inbox_only:
            self.query_one(InboxList).focus()

    # ----- customer notes
    @on(NotesList.EditNote)
    def _edit_note(self, event: NotesList.EditNote) -> None:
        note = event.note
        title = "Edit note" if note else "New note about this customer"

        def saved(text: str | None) -> None:
            if not text:
                return
            if note is None:
                self.cache.add_customer_note(event.customer_id, text, self.me, self.now())
            else:
                self.cache.update_customer_note(note.id, text, self.now())
            self._reload_notes(event.customer_id)
            self.notify("Note saved.")

        self.push_screen(NoteEditor(title, note.body if note else ""), saved)

    @on(NotesList.DeleteNote)
    def _delete_note(self, event: NotesList.DeleteNote) -> None:
        self.cache.delete_customer_note(event.note.id)
        self._reload_notes(event.note.customer_id)
        self.notify("Note deleted.")

    def _reload_notes(self, customer_id: int) -> None:
        summary = self.cache.customer_summary(customer_id)
        if summary is not None:
            self.query_one(CustomerPane).show_notes(summary.notes)

    # ----- help and the command palette
    def help_sections(self) -> list[tuple[str, list]]:
        return [*app_sections(self.BINDINGS), ("Inbox", InboxList.BINDINGS),
                ("Thread", ThreadView.BINDINGS), ("Reply composer", Composer.BINDINGS),
                ("Knowledge base", KbResults.BINDINGS), ("Customer notes", NotesList.BINDINGS),
                ("Earlier tickets", HistoryList.BINDINGS),
                ("Rotation triage", self.triage_bindings()), ("KPI dashboard", self.dashboard_bindings())]

    def action_help(self) -> None:
        rows = binding_rows(self.help_sections(), self.settings.keymap,
                            lambda key: self.get_key_display(Binding(key, "")))
        self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for view in self.views:
            yield SystemCommand(f"Inbox: {view.title}", f"Show the {view.title} view (key {view.key})",
                                lambda v=view.id: self.action_view(v))
        yield SystemCommand("Inbox: Filter…", "Filter the inbox by status, priority, assignee, tag, "
                            "customer and words", self.action_filter)
        yield SystemCommand("Inbox: Clear filter", "Show the whole view again", self.action_clear_filter)
        yield SystemCommand("Ticket: Reply", "Write a public reply (r)", self.action_reply)
        yield SystemCommand("Ticket: Internal note", "Write an internal note (n)", self.action_note)
        yield SystemCommand("Reply: Discard draft", "Throw away the open ticket's draft (asks first)",
                            self.action_discard_draft)
        yield SystemCommand("Reply: Undo send", "Take the reply being sent back into the composer, during the "
                            "send delay (u)", self.action_undo_send)
        yield SystemCommand("Knowledge base: Toggle sidebar", "Search articles and past answers (ctrl+g)",
                            self.action_knowledge_base)
        yield SystemCommand("Ticket: Toggle timeline", "Show or hide the open ticket's timeline (l)",
                            self.action_timeline)
        yield SystemCommand("Ticket: Mark as product feedback", "Mark the customer's latest message for "
                            "product, with a note ('insights export' lists it)", self.action_mark_feedback)
        yield SystemCommand("Ticket: Record satisfaction rating", "Good or bad, with the customer's comment, "
                            "recorded here (beside any the helpdesk has)", lambda: record_rating(self))
        yield SystemCommand("Ticket: Back", "Back to the previous ticket (esc)", self.action_back)
        yield SystemCommand("Layout: Zoom inbox", "Inbox over the whole width, or back (z)", self.action_zoom)
        for name in sorted(self.available_themes):
            # The palette reads titles and help as markup; a user theme may be named "[/]".
            shown = escape_markup(clean_line(name))
            yield SystemCommand(f"Theme: {shown}", f"Switch to the {shown} theme (remembered)",
                                lambda n=name: setattr(self, "theme", n))
        yield SystemCommand("Sync: Sync now", "Send the outbox and pull changes (F5)", self.action_sync_now)
        yield from self.focus_commands()
        yield SystemCommand("App: Help", "Every key binding (?)", self.action_help)
        yield SystemCommand("App: Quit", "Quit helpdesk-tui (ctrl+q)", self.action_quit)

    async def action_quit(self) -> None:
        """Quit, unless a draft is still only in memory (then say so; ctrl+q again quits)."""
        self.save_open_draft()
        if self.unsaved_drafts and not self.retry_unsaved_drafts(wait=2.0) and not self.__dict__.get("_quit_anyway"):
            self.__dict__["_quit_anyway"] = True
            self.notify("A draft is not saved yet (see the composer's status line): ctrl+q again quits "
                        "and loses it.", severity="error", timeout=10)
            return
        await super().action_quit()

    def action_clear_filter(self) -> None:
        self.filter = Filter()
        self.show_view(self.view)
