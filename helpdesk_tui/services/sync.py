"""Syncing a workspace: send the outbox, then pull what changed, with progress as it goes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.query import ticket_number
from helpdesk_tui.services.errors import NotFound, ServiceError, cache_failure
from helpdesk_tui.services.tickets import find_by_number
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.sync_apply import Arrival
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.engine import CACHE_FAILURES, Progress, SyncEngine, SyncReport
from helpdesk_tui.sync.outbox_sender import DrainResult

ProgressListener = Callable[[Progress], None]
_log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SyncOutcome:
    report: SyncReport
    offers_kb: bool  # the helpdesk has a knowledge base to sync
    offers_templates: bool  # and reply templates


def sync_workspace(workspace: Workspace, progress: ProgressListener | None = None,
                   clock: Callable[[], datetime] = _now) -> SyncOutcome:
    """Send the outbox, then pull; offline or refused is in the report (``problem``), not raised."""
    backend = workspace.backend()
    with workspace.cache(create=True) as cache:
        report = run_sync(cache, backend, progress, clock)
    _log.info("sync of %s: %d new, %d updated, %d deleted; sent %d, failed %d%s", workspace.account, report.new,
              report.updated, report.deleted, report.pushed.sent, report.pushed.failed,
              f"; problem: {report.problem}" if report.problem else "")
    capabilities = backend.capabilities
    return SyncOutcome(report, bool(capabilities.kb), bool(capabilities.templates))


def run_sync(cache: Cache, backend: Any, progress: ProgressListener | None = None,
             clock: Callable[[], datetime] = _now) -> SyncReport:
    """One sync of an open cache: the app's timer and the CLI run the same engine."""
    return SyncEngine(cache, backend, clock).sync(progress)


def send_outbox(cache: Cache, backend: Any, clock: Callable[[], datetime] = _now) -> DrainResult:
    """Send what is queued now (nothing is pulled)."""
    return SyncEngine(cache, backend, clock).push()


def refresh_thread(cache: Cache, backend: Any, ticket_id: int, clock: Callable[[], datetime] = _now) -> bool:
    """Read one ticket's thread from the helpdesk now (before a reply goes out); False if offline."""
    return SyncEngine(cache, backend, clock).refresh_thread(ticket_id)


def fetch_ticket(cache: Cache, backend: Any | None, text: str, clock: Callable[[], datetime] = _now) -> Ticket:
    """The ticket numbered in ``text`` (``10015``, ``#10015``): from the cache, else fetched from
    the helpdesk with its thread and stored the way a sync stores it (a jump to a ticket not
    synced yet). Raises a ServiceError with one sentence: not a number, no helpdesk, offline,
    not on the helpdesk either."""
    cached = find_by_number(cache, text)  # InvalidRequest for what is not a number
    if cached is not None:
        return cached
    number = ticket_number(text)
    assert number is not None  # find_by_number refused anything else
    if backend is None:
        raise NotFound(f"#{number} is not in the cache: sync, or check the number.")
    try:
        ticket_id = SyncEngine(cache, backend, clock).fetch_ticket(number)
    except errors.NotFound:
        ticket_id = None
    except errors.Unreachable:
        raise ServiceError(f"#{number} is not in the cache and {backend.label} cannot be reached: check the "
                           "number, or jump again once online.") from None
    except errors.NotSupported:
        raise NotFound(f"#{number} is not in the cache and {backend.label} cannot fetch one ticket: sync, "
                       "or check the number.") from None
    except errors.SyncError as exc:
        raise ServiceError(f"#{number} could not be fetched: {str(exc).rstrip('.')}.") from None
    except CACHE_FAILURES as exc:
        raise cache_failure(exc, cache.path) from None
    ticket = cache.ticket(ticket_id) if ticket_id is not None else None
    if ticket is None:
        raise NotFound(f"#{number} is neither in the cache nor on {backend.label}: check the number.")
    _log.info("fetched ticket #%d from %s", number, backend.label)
    return ticket


def anything_happened(report: SyncReport) -> bool:
    """Whether the summary of ``report`` says anything: a change pulled, an item sent or refused."""
    pushed = report.pushed
    extras = [n for r in (report.articles, report.templates) for n in (r.new, r.updated, r.removed)]
    return bool(report.new or report.updated or report.deleted or pushed.sent or pushed.failed
                or pushed.conflicts or report.skipped or any(extras))


@dataclass(frozen=True)
class Arrivals:
    """What a sync brought into the agent's views: new tickets and customer replies."""

    new: list[Arrival]
    replies: list[Arrival]

    def __bool__(self) -> bool:
        return bool(self.new or self.replies)


def arrivals_in_views(report: SyncReport, me: str) -> Arrivals:
    """The report's arrivals on active tickets assigned to ``me`` or to nobody, each ticket once.

    A first sync into an empty cache brings everything: that is a fill, not an arrival. A
    ticket new in this sync is announced as new even when its customer wrote again later in
    the same sync; the latest state seen in the sync decides whether it is in the views.
    """
    if report.first_fill:
        return Arrivals([], [])
    latest: dict[int, Arrival] = {}
    fresh: set[int] = set()
    for arrival in report.arrivals:
        latest[arrival.ticket_id] = arrival
        if not arrival.customer_reply:
            fresh.add(arrival.ticket_id)
    mine = [a for a in latest.values() if a.status.is_active and a.assignee in (me, None)]
    return Arrivals([a for a in mine if a.ticket_id in fresh], [a for a in mine if a.ticket_id not in fresh])
