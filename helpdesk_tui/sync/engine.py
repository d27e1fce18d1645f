"""The sync engine: pull pages of changes into the cache, push the outbox out.

Each pulled page is applied in one transaction together with its cursor, so a process
killed anywhere leaves the cache consistent and the next run resumes after the last
applied page: no duplicates, nothing missing. Network work (the page, its threads)
happens before the transaction opens, so no transaction waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from helpdesk_tui.store import sync_apply
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.outbox_sender import DrainResult, drain_outbox

TICKETS = "tickets"


@dataclass
class Progress:
    pages: int = 0
    tickets: int = 0
    total_hint: int | None = None
    done: bool = False


@dataclass
class SyncReport:
    pulled: Progress = field(default_factory=Progress)
    new: int = 0
    updated: int = 0
    deleted: int = 0
    pushed: DrainResult = field(default_factory=DrainResult)
    online: bool = True
    problem: str | None = None  # one sentence when the sync stopped early


class SyncEngine:
    def __init__(self, cache: Cache, backend, now: Callable[[], datetime], *, fetch_threads: bool = True) -> None:
        self.cache = cache
        self.backend = backend
        self.now = now
        self.fetch_threads = fetch_threads

    def pull(self, progress: Callable[[Progress], None] | None = None, *, max_pages: int | None = None,
             report: SyncReport | None = None) -> SyncReport:
        report = report or SyncReport()
        state = report.pulled
        with self.cache.connection() as conn:
            cursor = sync_apply.cursor(conn, TICKETS)
        while max_pages is None or state.pages < max_pages:
            page = self.backend.pull(cursor)
            threads = {}
            if self.fetch_threads:
                threads = {t.remote_id: self.backend.fetch_thread(t) for t in page.tickets if t.messages is None}
            with self.cache.connection() as conn, transaction(conn):
                applied = sync_apply.apply_page(conn, page, threads, stream=TICKETS, now=self.now(),
                                                server_sla=self.backend.capabilities.sla)
            report.new += applied.new
            report.updated += applied.updated
            report.deleted += applied.deleted
            state.pages += 1
            state.tickets += len(page.tickets)
            state.total_hint = page.total_hint if page.total_hint is not None else state.total_hint
            state.done = page.done
            cursor = page.cursor
            if progress is not None:
                progress(state)
            if page.done:
                break
        return report

    def refresh_thread(self, ticket_id: int) -> bool:
        """Read one ticket's thread from the server now (before a reply goes out); False if offline."""
        ticket = self.cache.ticket(ticket_id)
        if ticket is None or ticket.remote_id is None or not hasattr(self.backend, "fetch_thread"):
            return False
        try:
            thread = self.backend.fetch_thread(ticket.remote_id)
        except errors.SyncError:
            return False
        with self.cache.connection() as conn, transaction(conn):
            sync_apply.apply_thread(conn, ticket_id, thread, int(self.now().timestamp()))
        return True

    def push(self) -> DrainResult:
        return drain_outbox(self.cache, self.backend, self.now)

    def sync(self, progress: Callable[[Progress], None] | None = None) -> SyncReport:
        """Send what is queued, then bring in what changed; offline is a result, not an error."""
        report = SyncReport()
        try:
            report.pushed = self.push()
            if report.pushed.offline:
                report.online = False
                report.problem = report.pushed.problems[-1]
                return report
            self.pull(progress, report=report)
        except errors.Unreachable as exc:
            report.online = False
            report.problem = str(exc)
        except errors.SyncError as exc:
            report.problem = str(exc)
        return report
