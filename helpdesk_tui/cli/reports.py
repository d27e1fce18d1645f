"""The reporting CLI commands: ``handover`` and ``insights export``.

Both write a document to standard output or to ``--output FILE``; a file that cannot be
written is one sentence, and a half-written file is never left behind. Files are created
private (0600), like the cache: they quote customers.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.cli.context import Context
from helpdesk_tui.errors import UserError

MAX_HOURS = 24 * 14


def _write(text: str, output: str | None, caches: Path) -> None:
    """Print ``text``, or put it in ``output`` whole (a temporary file renamed into place)."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output).expanduser()
    if target.is_dir():
        raise UserError(f"Cannot write {output}: it is a directory; give a file name.")
    if target.resolve().parent == caches.resolve():
        # Renamed over an account's cache (or its -wal), the report would replace it under every
        # program that has it open, and take its outbox and drafts with it.
        raise UserError(f"Cannot write {output}: that folder holds the accounts' caches ({caches}); "
                        "give a file name somewhere else.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise UserError(f"Cannot write {output}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"Cannot write {output}: {exc.strerror or exc}.") from None
    print(f"Wrote {target}.", file=sys.stderr)


def handover(ctx: Context, *, hours: int, output: str | None, now: datetime | None = None) -> int:
    from helpdesk_tui.content import clean_text
    from helpdesk_tui.domain.handover import build_handover
    from helpdesk_tui.store.handover_data import load_handover

    if not 1 <= hours <= MAX_HOURS:
        raise UserError(f"--hours must be between 1 and {MAX_HOURS} (two weeks).", 2)
    now = now or datetime.now(UTC)
    tz = now.astimezone().tzinfo
    cache = ctx.open_cache()
    try:
        with cache.connection() as conn:
            data = load_handover(conn, account=ctx.account, agent=ctx.settings.agent.name, now=now, hours=hours)
    finally:
        cache.close()
    _write(build_handover(data, now, tz, clean_text), output, ctx.locations.accounts_dir)
    return 0


def as_plain_text(items: list) -> list:
    """Feedback items with HTML bodies turned to text: engineering reads the customer's words,
    not their mail client's markup."""
    from helpdesk_tui.content import html_to_text

    return [replace(i, message=html_to_text(i.message), message_format="text") if i.message_format == "html"
            else i for i in items]


def insights_export(ctx: Context, *, since: str, fmt: str, output: str | None, now: datetime | None = None) -> int:
    from helpdesk_tui.content import clean_text
    from helpdesk_tui.domain.insights import build_csv, build_markdown
    from helpdesk_tui.domain.periods import PeriodError, parse_since
    from helpdesk_tui.store.insights_data import feedback_items

    now = now or datetime.now(UTC)
    tz = now.astimezone().tzinfo
    try:
        start = parse_since(since, now, tz)
    except PeriodError as exc:
        raise UserError(f"--since {exc}", 2) from None
    cache = ctx.open_cache()
    try:
        with cache.connection() as conn:
            items = feedback_items(conn, start, now)
    finally:
        cache.close()
    items = as_plain_text(items)
    if fmt == "csv":
        text = build_csv(items, tz=tz, clean=clean_text)
    else:
        text = build_markdown(items, account=ctx.account, since=start, now=now, tz=tz, clean=clean_text)
    _write(text, output, ctx.locations.accounts_dir)
    return 0
