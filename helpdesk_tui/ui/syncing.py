"""The app's sync side: the first sync with a progress bar, background pulls, online state.

A mixin of HelpdeskApp. The engine runs in a thread worker; only ``call_from_thread``
touches the UI. Offline is a state shown in the header, never an error dialog.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from rich.text import Text
from textual import work
from textual.widgets import ProgressBar

from helpdesk_tui.content import clean_line
from helpdesk_tui.sync.engine import Progress, SyncEngine, SyncReport
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar


class SyncState:
    def __init__(self) -> None:
        self.online: bool | None = None  # None: not tried yet
        self.last_sync: datetime | None = None
        self.problem: str | None = None
        self.auth_failed = False  # the helpdesk answered, but refused the credentials
        self.running = False
        self.lock = threading.Lock()  # one sync at a time, whatever asked for it


class SyncingMixin:
    def start_syncing(self) -> None:
        """Called once the first frame is up: sync now, then every ``sync_interval`` seconds."""
        self.sync_state = SyncState()
        if self.options.backend is None or not self.options.sync_interval:
            return
        self.sync_now()
        self.set_interval(self.options.sync_interval, self.sync_now)

    def action_sync_now(self) -> None:
        if self.options.backend is None:
            self.notify("This account has no helpdesk to sync with.", severity="warning")
            return
        self.sync_now()
        self.notify("Syncing…", timeout=2)

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def sync_now(self) -> None:
        state = self.sync_state
        if not state.lock.acquire(blocking=False):
            return  # a sync is already running
        try:
            state.running = True
            self.call_from_thread(self._render_topbar)
            engine = SyncEngine(self.cache, self.options.backend, self.now)
            try:
                report = engine.sync(lambda p: self.call_from_thread(self._sync_progress, replace(p)))
            except Exception as exc:  # a bug in a backend must not leave "syncing…" up for ever
                report = SyncReport(problem=f"The sync stopped on an unexpected error ({type(exc).__name__}): "
                                            "your work is kept; try again, and report it if it happens again.")
            state.running = False
            self.call_from_thread(self._sync_done, report)
        finally:
            state.running = False
            state.lock.release()

    def _sync_progress(self, progress: Progress) -> None:
        bar = self.query_one("#sync-progress", ProgressBar)
        if progress.done:
            bar.display = False
            return
        bar.display = True
        bar.update(total=progress.total_hint, progress=progress.tickets)

    def _sync_done(self, report: SyncReport) -> None:
        state = self.sync_state
        self.query_one("#sync-progress", ProgressBar).display = False
        state.online = report.online
        state.problem = report.problem
        state.auth_failed = report.auth_failed
        if report.problem is None:
            state.last_sync = self.now()
        if report.new or report.updated or report.deleted:
            inbox = self.query_one(InboxList)
            self.show_view(self.view, keep=inbox.current_id)
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

    def sync_status_text(self) -> Text:
        state = getattr(self, "sync_state", None)
        text = Text()
        if self.options.backend is None or state is None or not self.options.sync_interval:
            text.append(f"● {self.options.status}", "dim")
            return text
        if state.running:
            text.append("◌ syncing…", "bold")
        elif state.auth_failed:
            text.append("✕ credentials refused", "bold reverse")
            text.append(" — working from the cache", "dim")
        elif state.online is False:
            text.append("○ offline", "bold reverse")
            text.append(" — working from the cache", "dim")
        elif state.online:
            text.append("● online", "bold")
        else:
            text.append("◌ connecting…", "dim")
        if state.last_sync is not None:
            text.append(f" · synced {state.last_sync.astimezone(self.tz):%H:%M}", "dim")
        return text
