"""``helpdesk-tui sessions``: the focus sessions kept in an account's cache, and one's summary."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from rich.cells import cell_len

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.content import clean_line
from helpdesk_tui.content.text import fit
from helpdesk_tui.domain.focus import FocusSession, FocusSummary, format_duration, render_summary
from helpdesk_tui.services import focus
from helpdesk_tui.services.focus import session_state

_MAX_COLUMN = 40
_HEADER = ("ID", "Started", "Planned", "Worked", "View", "Handled", "Replies", "Skips", "State")


def _view(session: FocusSession, summary: FocusSummary) -> str:
    title = clean_line(summary.view_title)
    return f"{title} · {clean_line(session.filter)}" if session.filter else title


def _as_json(session: FocusSession, summary: FocusSummary, now: datetime) -> dict[str, object]:
    data = summary.to_dict()
    data.update(state=session_state(session, now), filter=session.filter, agent=session.agent)
    return data


def sessions_list(ctx: Context, *, limit: int | None, as_json: bool) -> int:
    focus.check_limit(limit)
    with ctx.cache() as cache:
        now = datetime.now(UTC)
        listed = focus.list_sessions(cache, now, limit)
    if not listed:
        if not as_json:
            print("No focus sessions yet: press F in the app to start one.", file=sys.stderr)
        return 0
    if as_json:
        for session, summary in listed:
            print(dumps(_as_json(session, summary, now)))
        return 0
    tz = datetime.now().astimezone().tzinfo
    table = [_HEADER] + [
        (str(s.id), f"{s.started_at.astimezone(tz):%Y-%m-%d %H:%M}", f"{s.planned_seconds // 60}m",
         format_duration(summary.worked_seconds), _view(s, summary), str(summary.handled),
         str(summary.replies_sent), str(len(summary.skipped)), session_state(s, now))
        for s, summary in listed
    ]
    # Widths in terminal cells (a CJK filter takes two per character); a long filter is cut with "…".
    widths = [min(max(cell_len(row[i]) for row in table), _MAX_COLUMN) for i in range(len(_HEADER))]
    numeric = {0, 2, 3, 5, 6, 7}
    for row in table:
        cells = [fit(cell, w, right=i in numeric) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())
    return 0


def session_show(ctx: Context, reference: str, *, as_json: bool) -> int:
    focus.session_number(reference)  # a wrong number is said before the cache is opened
    with ctx.cache() as cache:
        now = datetime.now(UTC)
        session, summary = focus.session_summary(cache, reference, now)
    if as_json:
        print(dumps(_as_json(session, summary, now)))
        return 0
    for line in render_summary(summary, clean=clean_line, tz=datetime.now().astimezone().tzinfo or UTC):
        print(line)
    if session.filter:
        print(f"Filter           {clean_line(session.filter)}")
    return 0
