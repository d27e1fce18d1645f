"""Reports from a workspace's cache: KPIs, the handover note, product insights; writing one to a file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from helpdesk_tui.domain.kpi_report import KpiReport, Window
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.store.cache import Cache

MAX_HOURS = 24 * 14  # how far a handover may look ahead
MAX_KPI_DAYS = 366


def _local(now: datetime) -> tzinfo:
    return now.astimezone().tzinfo or UTC


def kpi_window(since: str, now: datetime) -> Window:
    """The window ``since`` (``7d``, ``2w``, ``2026-11-01``…) up to ``now``, at most a year long."""
    from helpdesk_tui.domain.periods import PeriodError, parse_since

    tz = _local(now)
    try:
        start = parse_since(since, now, tz)
    except PeriodError as exc:
        raise InvalidRequest(str(exc)) from None
    if now - start > timedelta(days=MAX_KPI_DAYS):
        raise InvalidRequest(f"'{since}' is more than a year: give a window of at most {MAX_KPI_DAYS} days.")
    return Window(start, now, tz)


def kpi_report(cache: Cache, window: Window, *, pause: Callable[[], None] | None = None) -> KpiReport:
    """Response times, targets, breaches, backlog and ratings over ``window``; ``pause`` is called
    between steps (a worker cancelled meanwhile raises from it)."""
    from helpdesk_tui.store.kpi_data import kpi_report as gather

    with cache.connection() as conn:
        return gather(conn, window, pause=pause)


def check_hours(hours: int) -> None:
    if not 1 <= hours <= MAX_HOURS:
        raise InvalidRequest(f"--hours must be between 1 and {MAX_HOURS} (two weeks).")


def handover(cache: Cache, *, agent: str, hours: int, now: datetime) -> str:
    """The handover note (markdown) for the next engineer on rotation, looking ``hours`` ahead."""
    from helpdesk_tui.content import clean_text
    from helpdesk_tui.reports.handover import build_handover
    from helpdesk_tui.store.handover_data import load_handover

    check_hours(hours)
    with cache.connection() as conn:
        data = load_handover(conn, account=cache.account, agent=agent, now=now, hours=hours)
    return build_handover(data, now, _local(now), clean_text)


def insights_start(since: str, now: datetime) -> datetime:
    """Where an insights export starts: ``since`` (``30d``, ``2026-11-01``…) before ``now``."""
    from helpdesk_tui.domain.periods import PeriodError, parse_since

    try:
        return parse_since(since, now, _local(now))
    except PeriodError as exc:
        raise InvalidRequest(f"--since {exc}") from None


def insights(cache: Cache, *, start: datetime, fmt: str, now: datetime) -> str:
    """Messages marked as product feedback from ``start`` to ``now``, grouped by tag: "markdown" or "csv"."""
    from helpdesk_tui.content import clean_text
    from helpdesk_tui.reports.insights import as_plain_text, build_csv, build_markdown
    from helpdesk_tui.store.insights_data import feedback_items

    tz = _local(now)
    with cache.connection() as conn:
        items = as_plain_text(feedback_items(conn, start, now))
    if fmt == "csv":
        return build_csv(items, tz=tz, clean=clean_text)
    return build_markdown(items, account=cache.account, since=start, now=now, tz=tz, clean=clean_text)


def write_report(text: str, output: str, caches: Path) -> Path:
    """Put ``text`` in the file ``output`` whole (never half-written), private (0600): reports
    quote customers. Refuses the folder of the accounts' caches. The path written."""
    from helpdesk_tui.atomic_file import write_atomic

    target = Path(output).expanduser()
    if target.is_dir():
        raise ServiceError(f"Cannot write {output}: it is a directory; give a file name.")
    if target.resolve().parent == caches.resolve():
        # Renamed over an account's cache (or its -wal), the report would replace it under every
        # program that has it open, and take its outbox and drafts with it.
        raise ServiceError(f"Cannot write {output}: that folder holds the accounts' caches ({caches}); "
                           "give a file name somewhere else.")
    try:
        write_atomic(target, text, mode=0o600)
    except OSError as exc:
        raise ServiceError(f"Cannot write {output}: {exc.strerror or exc}.") from None
    return target
