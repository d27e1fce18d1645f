"""``helpdesk-tui export``: the cache's synced records for analysts."""

from __future__ import annotations

import sys

from helpdesk_tui.cli.context import Context
from helpdesk_tui.content import clean_line
from helpdesk_tui.services import export as exporting


def export(ctx: Context, *, output: str, fmt: str, overwrite: bool) -> int:
    with ctx.cache() as cache:
        result = exporting.export(cache, output, fmt=fmt, overwrite=overwrite, caches=ctx.locations.accounts_dir)
    counts = ", ".join(f"{rows} {table}" for table, rows in result.rows.items())
    print(f"Wrote {clean_line(str(result.path))}: {counts}.", file=sys.stderr)
    return 0
