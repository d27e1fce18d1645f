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

import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.store import sync_apply, sync_kb
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.failures import explain
from helpdesk_tui.store.sync_batch import RawTexts
from helpdesk_tui.sync import errors
from helpdesk_tui.domain.remote import ChangePage, RemoteMessage, RemoteTicket
from helpdesk_tui.sync.contract import Backend
from helpdesk_tui.sync.outbox_sender import DrainResult, drain_outbox
from helpdesk_tui.sync.parsing import MALFORMED, malformed_reason
from helpdesk_tui.sync.status import CacheStatus

log = logging.getLogger(__name__)
TICKETS = "tickets"
# The cache failing under a sync (a full disk, a lock held too long, a read-only file): the
# sync stops with one sentence, the app and the command stay up, nothing saved is lost.
CACHE_FAILURES = (sqlite3.Error, OSError)
# What a server's value does when SQLite cannot take it (a dict where a cursor belongs): the
# server's fault, not the cache's; said as such.
MAX_SYNC_LOG = 1024 * 1024  # bytes of the account's sync log before it starts again
UNREADABLE = (*MALFORMED, sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.DataError,
              sqlite3.IntegrityError)


# What a sync that stops on the cache leaves: the page being applied is rolled back with its
# cursor, everything committed before stays, and the outbox and drafts are never touched.
KEPT = "what was already synced and everything you wrote are kept"


def _cache_stopped(exc: BaseException, path: Path) -> str:
    """The sync stopped on the cache: store.failures' sentence for why, said as the sync's."""
    cause = explain(exc, path, unsaved=KEPT)
    if cause[:1].isupper() and cause[1:2].islower():  # "The disk …", not "SQLite …" or a path
        cause = cause[0].lower() + cause[1:]
    if KEPT not in cause:
        cause = f"{cause.rstrip('.')}; {KEPT}."
    return f"The sync stopped: {cause}"


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
    auth_failed: bool = False  # the helpdesk refused the credentials (it answered: not "offline")
    skipped: list[str] = field(default_factory=list)  # malformed records left out, one sentence each
    log: Path | None = None  # where the skipped records are written down (the account's sync log)
    # Tickets this sync brought in new, and tickets that got a new customer message, in the
    # order they were applied (a ticket at most once per page); whose views they land in is
    # the services layer's question (services.sync.arrivals_in_views).
    arrivals: list[sync_apply.Arrival] = field(default_factory=list)
    first_fill: bool = False  # the cache held no ticket when the pull began: nothing "arrived"

    def skipped_line(self) -> str | None:
        """The skipped records as one line for the agent (each is in the log)."""
        if not self.skipped:
            return None
        count = len(self.skipped)
        where = f"; see {self.log}" if self.log else ""
        return (f"{count} malformed record{'s' if count > 1 else ''} from the helpdesk "
                f"{'were' if count > 1 else 'was'} skipped, the rest is synced ({self.skipped[0].rstrip('.')}"
                f"{where}).")


class SyncEngine:
    def __init__(self, cache: Cache, backend: Backend, now: Callable[[], datetime], *,
                 fetch_threads: bool = True) -> None:
        self.cache = cache
        self.backend = backend
        self.now = now
        self.fetch_threads = fetch_threads
        # The backend's state beyond the cursor lives in this cache, committed with each page
        # (given to the backend when a pull starts: only a pull uses it).
        self.status = CacheStatus(cache, TICKETS)

    def pull(self, progress: Callable[[Progress], None] | None = None, *, max_pages: int | None = None,
             report: SyncReport | None = None) -> SyncReport:
        report = report or SyncReport()
        state = report.pulled
        with self.cache.connection() as conn:
            cursor = sync_apply.cursor(conn, TICKETS)
            if state.pages == 0:
                report.first_fill = not sync_apply.has_tickets(conn)
        self.backend.status = self.status
        # The next page is asked for while this one is written (the backend allowing): the wait
        # for the server overlaps the work on the cache. The cursor is still committed with its
        # own page only, and no page is applied before the one it follows.
        ahead: Future[tuple[ChangePage, RawTexts]] | None = None
        pool = ThreadPoolExecutor(1, thread_name_prefix="sync-pull-ahead") if getattr(self.backend, "pull_ahead", False) else None
        try:
            while max_pages is None or state.pages < max_pages:
                self.status.discard()  # what a page that was not applied staged
                page, texts = ahead.result() if ahead is not None else (self.backend.pull(cursor), None)
                ahead = None
                skipped = list(page.skipped)
                threads: dict[str, list[RemoteMessage]] = {}
                if self.fetch_threads:
                    unreadable: set[str] = set()
                    threads = self._threads([t for t in page.tickets if t.messages is None], skipped, unreadable)
                    # A ticket whose thread could not be read is left out of this page, not half-written.
                    page.tickets = [t for t in page.tickets if t.remote_id not in unreadable]
                self._check_deletions(page)
                if pool is not None and not page.done and (max_pages is None or state.pages + 1 < max_pages):
                    ahead = pool.submit(self._pull_ahead, page.cursor)  # after the threads: one request at a time
                applied = self._apply(page, threads, texts)
                if self._pulled(report, page, applied, skipped, progress):
                    break
                cursor = page.cursor
        finally:
            if pool is not None:
                # A page asked for ahead and not applied (the sync stopped) is dropped; its request
                # is not waited for.
                pool.shutdown(wait=False, cancel_futures=True)
        return report

    def _pull_ahead(self, cursor: str | None) -> tuple[ChangePage, RawTexts]:
        """The next page, and its records encoded as the cache stores them: that thread waits
        for the writer anyway, and the writer is spared the work (``sync_apply.encode_ahead``)."""
        page = self.backend.pull(cursor)
        return page, sync_apply.encode_ahead(page)

    def _pulled(self, report: SyncReport, page: ChangePage, applied: sync_apply.ApplyResult, skipped: list[str],
                progress: Callable[[Progress], None] | None) -> bool:
        """Count an applied page in ``report`` and tell ``progress``; True when the feed is done."""
        state = report.pulled
        capabilities = self.backend.capabilities
        log.info("sync page %d of %s (%s feed): %d records, %d new, %d updated, %d deleted, %d skipped",
                 state.pages + 1, TICKETS, capabilities.change_feed.value, len(page.tickets), applied.new,
                 applied.updated, applied.deleted, len(skipped) + len(applied.skipped))
        skipped += applied.skipped
        if skipped:
            self._log_skipped(report, skipped)
        report.new += applied.new
        report.updated += applied.updated
        report.deleted += applied.deleted
        report.arrivals += applied.arrivals
        state.pages += 1
        state.tickets += len(page.tickets)
        state.total_hint = page.total_hint if page.total_hint is not None else state.total_hint
        state.done = page.done
        if progress is not None:
            progress(state)
        return page.done

    def _apply(self, page: ChangePage, threads: dict[str, list[RemoteMessage]],
               texts: RawTexts | None = None) -> sync_apply.ApplyResult:
        """The page, its cursor and the backend's staged state, in one transaction: all the tickets
        at once, or, when a record is bad, again one by one so that only it is left out."""
        now, sla = self.now(), self.backend.capabilities.sla
        with self.cache.connection() as conn:
            try:
                with transaction(conn):
                    applied = sync_apply.apply_page(conn, page, threads, stream=TICKETS, now=now, server_sla=sla,
                                                    batch=True, texts=texts)
                    self.status.commit(conn)
                return applied
            except sync_apply.MALFORMED:
                pass  # rolled back, the staged state kept (it is discarded only once written)
            with transaction(conn):
                applied = sync_apply.apply_page(conn, page, threads, stream=TICKETS, now=now, server_sla=sla)
                self.status.commit(conn)
            return applied

    def _check_deletions(self, page: ChangePage) -> None:
        """Deletions from a backend that does not declare them are not trusted: a feed that
        cannot report deletions has no business hiding tickets (logged, not applied)."""
        if page.deleted_ticket_ids and not self.backend.capabilities.deletions:
            log.warning("%s reported %d deleted tickets but does not declare deletions: ignored",
                        self.backend.name, len(page.deleted_ticket_ids))
            page.deleted_ticket_ids = []

    def _threads(self, tickets: list[RemoteTicket], skipped: list[str],
                 unreadable: set[str]) -> dict[str, list[RemoteMessage]]:
        """The page's threads, in a few batched requests where the backend can (``fetch_threads``).

        A thread that cannot be read (a malformed message) leaves its ticket out, named in
        ``skipped`` and ``unreadable``; a batch that fails so is read again ticket by ticket to find which."""
        if not tickets:
            return {}
        try:
            return self.backend.fetch_threads(tickets)
        except MALFORMED:
            pass
        threads = {}
        for ticket in tickets:
            try:
                threads[ticket.remote_id] = self.backend.fetch_thread(ticket)
            except MALFORMED as exc:
                unreadable.add(ticket.remote_id)
                skipped.append(f"ticket {clean_line(ticket.remote_id)[:40]} was skipped: its thread could not "
                               f"be read ({malformed_reason(exc)}).")
        return threads

    def _unreadable(self, exc: BaseException) -> str:
        return (f"{self.backend.label} sent an answer this app cannot read ({malformed_reason(exc)}): the sync stopped there "
                "and resumes from the same place next time; report it if it happens again.")

    def _log_skipped(self, report: SyncReport, skipped: list[str]) -> None:
        """Keep each skipped record in the report and in the account's sync log beside the cache."""
        report.skipped += skipped
        log = self.cache.path.with_name(self.cache.path.stem + ".sync.log")
        stamp = self.now().isoformat(timespec="seconds")
        try:
            if log.exists() and log.stat().st_size > MAX_SYNC_LOG:
                # A feed that keeps sending bad records must not fill the disk: start again,
                # the previous log kept beside it (one generation).
                log.replace(log.with_name(log.name + ".1"))
            with log.open("a", encoding="utf-8") as out:
                out.writelines(f"{stamp} {line}\n" for line in skipped)
            report.log = log
        except OSError:
            pass  # the report still carries them; a log that cannot be written must not stop the sync

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
            log.info("sync page %d of %s: %d records", pages + 1, sync_kb.ARTICLES, len(articles))
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
        # Macros that only change fields have no text to offer as a template, but are macros.
        templates = [*templates, *self.backend.pull_action_macros()]
        origin = f"{self.backend.label} {self.backend.template_kind}"
        with self.cache.connection() as conn, transaction(conn):
            report.templates = sync_kb.apply_templates(conn, templates, origin=origin, now=self.now())
        state.templates = len(templates)
        if progress is not None:
            progress(state)
        return report

    def refresh_thread(self, ticket_id: int) -> bool:
        """Read one ticket's thread from the server now (before a reply goes out); False if offline."""
        ticket = self.cache.ticket(ticket_id)
        if ticket is None or ticket.remote_id is None:
            return False
        try:
            thread = self.backend.fetch_thread(ticket.remote_id)
        except errors.SyncError:
            return False
        with self.cache.connection() as conn, transaction(conn):
            sync_apply.apply_thread(conn, ticket_id, thread, int(self.now().timestamp()))
        return True

    def fetch_ticket(self, number: int) -> int | None:
        """Bring the ticket numbered ``number`` from the helpdesk into the cache (a jump to a ticket
        not synced yet): applied like a pulled page, without moving the feed's cursor. Returns its
        local id, or None when the helpdesk has no such ticket. Raises the backend's SyncError."""
        page = self.backend.fetch_ticket(number)
        if page is None or not page.tickets:
            return None
        threads: dict[str, list[RemoteMessage]] = {}
        missing = [t for t in page.tickets if t.messages is None]
        if missing:
            threads = self.backend.fetch_threads(missing)
        with self.cache.connection() as conn, transaction(conn):
            applied = sync_apply.apply_page(conn, page, threads, stream=None, now=self.now(),
                                            server_sla=self.backend.capabilities.sla)
        if applied.skipped:
            raise errors.BadResponse(applied.skipped[0])
        ticket = self.cache.find_ticket(str(number))
        return ticket.id if ticket is not None and ticket.number == number else None

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
            report.auth_failed = isinstance(exc, errors.AuthFailed)
        except UNREADABLE as exc:  # an answer malformed beyond one record: the page is not applied
            report.problem = self._unreadable(exc)
        except CACHE_FAILURES as exc:
            # The page being applied was rolled back with its cursor: the next sync resumes there.
            report.problem = _cache_stopped(exc, self.cache.path)
            return report
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
        except UNREADABLE as exc:
            reason = self._unreadable(exc).rstrip(".")
            report.problem = report.problem or f"The tickets are up to date, but the {what} were not synced: {reason}."
        except CACHE_FAILURES as exc:
            report.problem = report.problem or _cache_stopped(exc, self.cache.path)
        except errors.SyncError as exc:
            if isinstance(exc, errors.Unreachable):
                report.online = False
            reason = str(exc).rstrip(".")
            report.problem = report.problem or f"The tickets are up to date, but the {what} were not synced: {reason}."
