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

from helpdesk_tui.services.types import Cache, Progress, SyncReport
from helpdesk_tui.services.sync import run_sync

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
