"""The app: themes, keymap, command palette, the screen stack and the error guard.

Everything the agent works in lives on screens: the workstation (screens/workstation.py)
is the default screen; triage, the dashboard and the dialogs are pushed over it.
"""

from __future__ import annotations

from collections.abc import Iterable
from time import monotonic
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.markup import escape as escape_markup
from textual.message import Message
from textual.screen import Screen

from helpdesk_tui.config.settings import Settings
from helpdesk_tui.config.state import load_state, save_state
from helpdesk_tui.content import clean_line
from helpdesk_tui.services.app_memory import keep_sqlite_small
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui import account_switch, graphics_probe, startup
from helpdesk_tui.ui.error_guard import ErrorGuard, dispatch_contained
from helpdesk_tui.ui.keymap_check import keymap_warnings
from helpdesk_tui.ui.options import AppOptions, utc_now
from helpdesk_tui.ui.screens.help import HelpScreen, app_sections, binding_rows
from helpdesk_tui.ui.screens.workstation import WorkstationScreen
from helpdesk_tui.ui.screens.workstation_bindings import APP_BINDINGS, WORKSTATION_BINDINGS
from helpdesk_tui.ui.themes import APP_THEME_VARIABLE_DEFAULTS, load_themes
from helpdesk_tui.ui.widgets.composer import Composer
from helpdesk_tui.ui.widgets.customer_pane import HistoryList, NotesList
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbResults
from helpdesk_tui.ui.widgets.thread_view import ThreadView

__all__ = ["AppOptions", "HelpdeskApp", "utc_now"]

IDLE_COLLECT_SECONDS = 1.0  # how often the app looks for a pause to run a full collection in


class HelpdeskApp(App[None]):
    TITLE = "helpdesk-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = APP_BINDINGS  # the workstation binds these too, in its footer's order

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        self.cache = options.cache
        self.now = options.clock
        self.tz = options.zone
        keep_sqlite_small(self.cache)  # process-wide: the accounts switched to as well
        self.error_guard = ErrorGuard(notify=self.notify, save_drafts=self._save_drafts,
                                      closing=lambda: self._closing)
        self._workstation: WorkstationScreen | None = None
        self.opened_caches: list[Cache] = []  # the accounts switched to: closed when the app ends
        self._state: dict[str, Any] = load_state(options.state_file) if options.state_file else {}
        self._theme_failures: list[tuple[str, str]] = []
        self._collector = startup.IdleCollector()  # full collections wait for a pause in the keys
        self._load_themes()
        if options.settings.keymap:
            self.set_keymap(dict(options.settings.keymap))

    def run(self, *args: Any, **kwargs: Any) -> None:
        # The terminal's answers about pictures must be in before Textual reads its input.
        graphics_probe.ask()
        return super().run(*args, **kwargs)

    # ----- set-up
    def _load_themes(self) -> None:
        if self.options.bundled_themes is None:
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

    @property
    def settings(self) -> Settings:
        return self.options.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """Before ``run()`` only: the workstation is built from the settings when first needed."""
        self.options.settings = settings

    def start_in_triage(self, *, new_rotation: bool = False) -> None:
        """Open on the triage screen (``helpdesk-tui triage``); call before ``run()``."""
        self.workstation.triage_at_start = new_rotation

    def get_default_screen(self) -> Screen[Any]:
        return self.workstation

    @property
    def workstation(self) -> WorkstationScreen:
        """The default screen, where the agent works (under triage, the dashboard, dialogs)."""
        if self._workstation is None:
            self._workstation = WorkstationScreen(self.options)
        return self._workstation

    def _show_account(self) -> None:
        self.sub_title = self.cache.account  # the header (top bar) names it too

    async def open_workstation(self) -> None:
        """A new workstation on ``options`` (another account's): it replaces the one open."""
        self.cache = self.options.cache
        old, self._workstation = self.screen, WorkstationScreen(self.options)
        # Textual 8 cannot switch away from the first screen (it has no result callback to drop,
        # and switch_screen fails on an empty list): give it the one push_screen would have.
        old._push_result_callback(self, None)
        await self.switch_screen(self._workstation)
        self._compose_screen = self._workstation  # what app.query_one searches: the new workstation
        self._show_account()

    def on_unmount(self) -> None:
        for cache in self.opened_caches:
            cache.close()

    def on_mount(self) -> None:
        self._show_account()
        # File names, theme names and setting keys are the user's text: never markup.
        for name, sentence in self._theme_failures:
            self.notify(clean_line(f"Theme file {name} was not loaded: {sentence}"), severity="warning",
                        timeout=8, markup=False)
        keymap = self.settings.keymap
        # Only a [keymap] is checked against the help's sections: building them imports every
        # screen, which the way to the first frame does not (see startup.py).
        keymap_said = keymap_warnings(keymap, self.help_sections()) if keymap else []
        for warning in (*self.settings.warnings, *keymap_said):
            self.notify(clean_line(warning), severity="warning", timeout=8, markup=False)
        # The objects alive after start-up (widgets, caches, modules) live as long as the app:
        # taking them out of the collector's view keeps full collections short (35 ms → 4 ms
        # measured), so they stop landing on keystrokes. The collector was off until now.
        self.call_after_refresh(startup.settled)
        self.set_interval(IDLE_COLLECT_SECONDS, lambda: self._collector.tick(monotonic()))
        # From here on a bug in a widget is one sentence, never the end of the app.
        self.error_guard.arm(self.options.state_file.with_name("errors.log") if self.options.state_file else None)

    def watch_theme(self, theme: str) -> None:
        if self.options.state_file is not None and self._state.get("theme") != theme:
            self._state["theme"] = theme
            save_state(self.options.state_file, self._state)

    # ----- the error guard
    def _save_drafts(self) -> None:
        if self._workstation is not None:
            self._workstation.save_open_draft()

    async def _dispatch_message(self, message: Message) -> None:
        if isinstance(message, events.Key):
            self._collector.key(monotonic())
        await dispatch_contained(self, super()._dispatch_message, message)

    def _handle_exception(self, error: Exception) -> None:
        if self.error_guard.contain_error(error):
            return
        super()._handle_exception(error)

    # ----- keys that work over every screen
    def action_triage(self) -> None:
        self.workstation.open_triage()

    def action_focus_session(self) -> None:
        self.workstation.action_focus_session()

    def action_dashboard(self) -> None:
        from helpdesk_tui.ui.screens.dashboard import DashboardScreen  # off the first frame's path

        if isinstance(self.screen, DashboardScreen):
            return
        self.push_screen(DashboardScreen(self.cache, self.now, self.tz))

    def action_sync_now(self) -> None:
        self.workstation.action_sync_now()

    async def action_back(self) -> None:
        self.workstation.action_back()

    def action_switch_account(self) -> None:
        account_switch.pick_account(self)

    async def action_quit(self) -> None:
        """Quit, unless a draft is still only in memory (then say so; ctrl+q again quits)."""
        if self._workstation is None or self._workstation.ready_to_quit():
            await super().action_quit()

    # ----- help and the command palette
    def help_sections(self) -> list[tuple[str, list[Any]]]:
        # Screens the agent may never open are imported here, not on the way to the first frame.
        from helpdesk_tui.ui.screens.attachment_viewer import AttachmentScreen
        from helpdesk_tui.ui.screens.dashboard import DashboardScreen
        from helpdesk_tui.ui.screens.new_ticket import NewTicketScreen
        from helpdesk_tui.ui.screens.save_attachment import SaveAttachmentScreen
        from helpdesk_tui.ui.screens.triage import TriageScreen

        return [*app_sections(WORKSTATION_BINDINGS), ("Inbox", InboxList.BINDINGS),
                ("Thread", ThreadView.BINDINGS), ("Reply composer", Composer.BINDINGS),
                ("Knowledge base", KbResults.BINDINGS), ("Customer notes", NotesList.BINDINGS),
                ("Earlier tickets", HistoryList.BINDINGS),
                ("New ticket", NewTicketScreen.BINDINGS),
                ("Rotation triage", TriageScreen.BINDINGS), ("KPI dashboard", list(DashboardScreen.BINDINGS)),
                ("Attachment viewer", AttachmentScreen.BINDINGS),
                ("Save attachment", SaveAttachmentScreen.BINDINGS)]

    def action_help(self) -> None:
        rows = binding_rows(self.help_sections(), self.settings.keymap,
                            lambda key: self.get_key_display(Binding(key, "")))
        self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        workstation = self.workstation
        yield from workstation.commands()
        for name in sorted(self.available_themes):
            # The palette reads titles and help as markup; a user theme may be named "[/]".
            shown = escape_markup(clean_line(name))
            yield SystemCommand(f"Theme: {shown}", f"Switch to the {shown} theme (remembered)",
                                lambda n=name: setattr(self, "theme", n))
        yield from workstation.session_commands()
        for name in account_switch.others(self):
            shown = escape_markup(clean_line(name))  # the user's account name: never markup
            yield SystemCommand(f"Account: Switch to {shown}", f"Close this account's workspace (drafts kept) and "
                                f"open {shown}'s cache (ctrl+o)",
                                lambda n=name: self.run_worker(account_switch.switch_account(self, n),
                                                               group="switch-account", exclusive=True,
                                                               exit_on_error=False))
        yield SystemCommand("App: Help", "Every key binding (?)", self.action_help)
        yield SystemCommand("App: Quit", "Quit helpdesk-tui (ctrl+q)", self.action_quit)
