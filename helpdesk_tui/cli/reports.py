"""The reporting CLI commands: ``handover`` and ``insights export``.

Both write a document to standard output or to ``--output FILE``; a file that cannot be
written is one sentence, and a half-written file is never left behind. Files are created
private (0600), like the cache: they quote customers.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from helpdesk_tui.cli.context import Context
from helpdesk_tui.services import reports


def _write(ctx: Context, text: str, output: str | None) -> None:
    """Print ``text``, or put it in ``output`` whole."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = reports.write_report(text, output, ctx.locations.accounts_dir)
    print(f"Wrote {target}.", file=sys.stderr)


def handover(ctx: Context, *, hours: int, output: str | None, now: datetime | None = None) -> int:
    reports.check_hours(hours)
    now = now or datetime.now(UTC)
    with ctx.cache() as cache:
        text = reports.handover(cache, agent=ctx.settings.agent.name, hours=hours, now=now)
    _write(ctx, text, output)
    return 0


def insights_export(ctx: Context, *, since: str, fmt: str, output: str | None, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    start = reports.insights_start(since, now)
    with ctx.cache() as cache:
        text = reports.insights(cache, start=start, fmt=fmt, now=now)
    _write(ctx, text, output)
    return 0
