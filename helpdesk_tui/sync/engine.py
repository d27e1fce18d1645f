"""The sync engine: pull pages of changes into the cache, push the outbox out.

Each pulled page is applied in one transaction together with its cursor, so a process
killed anywhere leaves the cache consistent and the next run resumes after the last
applied page: no duplicates, nothing missing. Network work (the page, its threads)
happens before the transaction opens, so no transaction waits on the network.

After the tickets, ``sync`` brings in the knowledge base (stream ``articles``, paged and
resumable like tickets) and the reply templates (the server's whole list each time), when
the backend's capabilities say it has them. Those two are extras: when one fails the
tickets are kept and the report carries one sentence about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from helpdesk_tui.store import sync_apply, sync_kb
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
    done: bool = False  # the ticket pull is complete
    stream: str = TICKETS  # what is being pulled now: "tickets", "articles" or "templates"
    articles: int = 0  # articles received so far (new, changed and archived)
    article_pages: int = 0
    templates: int = 0


@dataclass
class SyncReport:
    pulled: Progress = field(default_factory=Progress)
    new: int = 0
    updated: int = 0
    deleted: int = 0
    pushed: DrainResult = field(default_factory=DrainResult)
    online: bool = True
    problem: str | None = None  # one sentence when the sync stopped early
    articles: sync_kb.KbApplyResult = field(default_factory=sync_kb.KbApplyResult)
    templates: sync_kb.KbApplyResult = field(default_factory=sync_kb.KbApplyResult)
    notes: list[str] = field(default_factory=list)  # streams this helpdesk does not offer, and why


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
                threads = self._threads([t for t in page.tickets if t.messages is None])
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

    def _threads(self, tickets: list) -> dict:
        """The page's threads: in a few batched requests when the backend can (``fetch_threads``),
        else one ``fetch_thread`` per ticket (backends not derived from ``Backend``)."""
        if not tickets:
            return {}
        batched = getattr(self.backend, "fetch_threads", None)
        if batched is not None:
            return batched(tickets)
        return {t.remote_id: self.backend.fetch_thread(t) for t in tickets}

    def pull_articles(self, progress: Callable[[Progress], None] | None = None, *, max_pages: int | None = None,
                      report: SyncReport | None = None) -> SyncReport:
        """Bring the knowledge base up to date, page by page after the saved cursor."""
        report = report or SyncReport()
        state = report.pulled
        state.stream = sync_kb.ARTICLES
        with self.cache.connection() as conn:
            cursor = sync_apply.cursor(conn, sync_kb.ARTICLES)
        pages = 0
        while max_pages is None or pages < max_pages:
            articles, next_cursor, done = self.backend.pull_articles(cursor)
            with self.cache.connection() as conn, transaction(conn):
                applied = sync_kb.apply_articles(conn, articles, cursor=next_cursor, now=self.now())
            report.articles.new += applied.new
            report.articles.updated += applied.updated
            report.articles.removed += applied.removed
            pages += 1
            state.article_pages += 1
            state.articles += len(articles)
            if progress is not None:
                progress(state)
            # A backend that neither finishes nor moves on would otherwise be asked forever.
            if done or (next_cursor == cursor and not articles):
                break
            cursor = next_cursor
        return report

    def pull_templates(self, progress: Callable[[Progress], None] | None = None, *,
                       report: SyncReport | None = None) -> SyncReport:
        """Replace the synced templates with the server's current list (the agent's own stay)."""
        report = report or SyncReport()
        state = report.pulled
        state.stream = sync_kb.TEMPLATES
        templates = self.backend.pull_templates()
        origin = f"{self.backend.label} {getattr(self.backend, 'template_kind', 'template')}"
        with self.cache.connection() as conn, transaction(conn):
            report.templates = sync_kb.apply_templates(conn, templates, origin=origin, now=self.now())
        state.templates = len(templates)
        if progress is not None:
            progress(state)
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
            return report
        except errors.SyncError as exc:
            report.problem = str(exc)
        capabilities = self.backend.capabilities
        if capabilities.kb:
            self._extra(report, "articles", lambda: self.pull_articles(progress, report=report))
        if capabilities.templates and report.online:
            self._extra(report, "templates", lambda: self.pull_templates(progress, report=report))
        return report

    def _extra(self, report: SyncReport, what: str, pull: Callable[[], object]) -> None:
        """Run the pull of articles or templates; a failure becomes a sentence, the tickets stay."""
        if not report.online:
            return
        try:
            pull()
        except errors.NotSupported as exc:
            report.notes.append(str(exc))
        except errors.SyncError as exc:
            if isinstance(exc, errors.Unreachable):
                report.online = False
            reason = str(exc).rstrip(".")
            report.problem = report.problem or f"The tickets are up to date, but the {what} were not synced: {reason}."
