"""The workstation's sync: the first sync with a progress bar, background pulls, online state.

The engine runs in a thread worker; only ``call_from_thread`` touches the UI. Offline is a
state shown in the header, never an error dialog.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual.worker import Worker

from helpdesk_tui.services.types import Cache
from typing import TYPE_CHECKING

from textual.widgets import ProgressBar

from helpdesk_tui.content import clean_line
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.services.types import Progress, SyncReport
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen

log = logging.getLogger(__name__)


class SyncState:
    def __init__(self) -> None:
        self.online: bool | None = None  # None: not tried yet
        self.last_sync: datetime | None = None
        self.problem: str | None = None
        self.auth_failed = False  # the helpdesk answered, but refused the credentials
        self.running = False
        self.lock = threading.Lock()  # one sync at a time, whatever asked for it


class SyncRunner:
    """Runs the sync engine in a worker and keeps the state the header shows."""

    def __init__(self, cache: Cache, backend: Any | None, *, now: Callable[[], datetime], tz: tzinfo,
                 interval: float | None, status: str, run_worker: Callable[..., Worker[Any]],
                 call_from_thread: Callable[..., Any], started: Callable[[], None],
                 progress: Callable[[Progress], None], done: Callable[[SyncReport], None]) -> None:
        self._cache = cache
        self.backend = backend
        self._now = now
        self._tz = tz
        self.interval = interval
        self._status = status
        self._run_worker = run_worker
        self._call_from_thread = call_from_thread
        self._started = started
        self._progress = progress
        self._done = done
        self.state = SyncState()

    @property
    def syncing(self) -> bool:
        """A helpdesk to sync with, every ``interval`` seconds."""
        return self.backend is not None and bool(self.interval)

    def start(self, interval: float | None, set_interval: Callable[[float, Callable[[], object]], object]) -> None:
        """Sync now, then every ``interval`` seconds (when there is a helpdesk and an interval)."""
        self.state = SyncState()
        self.interval = interval
        if not self.syncing or interval is None:
            return
        self.sync_now()
        set_interval(interval, self.sync_now)

    def sync_now(self) -> Worker[Any]:
        return self._run_worker(self._sync, thread=True, exclusive=True, group="sync", exit_on_error=False)

    def _sync(self) -> None:
        # The engine comes with the first sync (in this worker), not on the way to the first frame.
        from helpdesk_tui.services.sync import run_sync
        from helpdesk_tui.services.types import SyncReport

        state = self.state
        backend = self.backend
        if backend is None:
            return  # no helpdesk to sync with (the key says so before a worker starts)
        if not state.lock.acquire(blocking=False):
            return  # a sync is already running
        try:
            state.running = True
            self._call_from_thread(self._started)
            try:
                report = run_sync(self._cache, backend, lambda p: self._call_from_thread(self._progress, replace(p)),
                                  self._now)
            except Exception as exc:  # a bug in a backend must not leave "syncing…" up for ever
                log.exception("the sync stopped on an unexpected error")
                report = SyncReport(problem=f"The sync stopped on an unexpected error ({type(exc).__name__}): "
                                            "your work is kept; try again, and report it if it happens again.")
            state.running = False
            self._call_from_thread(self._done, report)
        finally:
            state.running = False
            state.lock.release()

    def record(self, report: SyncReport) -> None:
        """What the header says after a sync."""
        state = self.state
        state.online = report.online
        state.problem = report.problem
        state.auth_failed = report.auth_failed
        if report.problem is None:
            state.last_sync = self._now()

    def record_drain(self, offline: bool, auth_failed: bool, sent: int, problems: list[str]) -> None:
        """What a push of the outbox learned about the helpdesk."""
        state = self.state
        if not self.interval:
            return
        if offline:
            state.online, state.problem = False, problems[-1]
        elif auth_failed:  # the header must not say "online" beside the refusal
            state.online, state.auth_failed, state.problem = True, True, problems[-1]
        elif sent:
            state.online, state.auth_failed = True, False

    def status_text(self) -> Text:
        state = self.state
        text = Text()
        if not self.syncing:
            text.append(f"● {self._status}", "dim")
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
            text.append(f" · synced {state.last_sync.astimezone(self._tz):%H:%M}", "dim")
        return text


# ----- the workstation's side: the key, the progress bar, what a sync redraws
def sync_now_key(screen: WorkstationScreen) -> None:
    if screen.sync.backend is None:
        screen.notify("This account has no helpdesk to sync with.", severity="warning")
        return
    screen.sync.sync_now()
    screen.notify("Syncing…", timeout=2)


def show_sync_progress(screen: WorkstationScreen, progress: Progress) -> None:
    bar = screen.query_one("#sync-progress", ProgressBar)
    bar.display = not progress.done
    if not progress.done:
        bar.update(total=progress.total_hint, progress=progress.tickets)


def show_sync_done(screen: WorkstationScreen, report: SyncReport) -> None:
    """The header, the inbox, the open ticket and the KB after a sync; the server's problems as toasts."""
    screen.query_one("#sync-progress", ProgressBar).display = False
    screen.sync.record(report)
    screen.announcer.sync_done(report)  # new tickets and customer replies in the agent's views: one toast
    if report.new or report.updated or report.deleted:
        screen.inbox_views.show(screen.inbox_views.view, keep=screen.query_one(InboxList).current_id)
        if screen.ticket_id is not None and screen.composer is None:
            screen.reload_ticket(screen.ticket_id)
    elif report.pushed.sent and screen.ticket_id is not None:
        screen.reload_ticket(screen.ticket_id)
    articles = report.articles
    if articles.new or articles.updated or articles.removed:
        screen.query_one(KbSidebar).refresh_results()  # new or edited articles show at once
    # What a server says is text, never markup: "[/] bad" in an error must not crash the toast.
    if report.problem and report.online:
        screen.notify(clean_line(report.problem), severity="error", title="Sync", timeout=10, markup=False)
    skipped = report.skipped_line()
    if skipped:
        screen.notify(clean_line(skipped), severity="warning", title="Sync", timeout=10, markup=False)
    screen.render_topbar()
