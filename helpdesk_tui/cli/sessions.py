"""``helpdesk-tui sessions``: the focus sessions kept in an account's cache, and one's summary."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from rich.cells import cell_len

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.content import clean_line
from helpdesk_tui.content.text import fit
from helpdesk_tui.domain.focus import FocusSession, FocusSummary, format_duration, is_over, render_summary
from helpdesk_tui.errors import UserError

_MAX_COLUMN = 40
_HEADER = ("ID", "Started", "Planned", "Worked", "View", "Handled", "Replies", "Skips", "State")


def _state(session: FocusSession, now: datetime) -> str:
    if session.ended_at is not None:
        return "ended"
    if session.paused:
        return "paused"
    # Ended by the app when it next starts; until then it is not "running" any more.
    return "time up" if is_over(session, now) else "running"


def _view(session: FocusSession, summary: FocusSummary) -> str:
    title = clean_line(summary.view_title)
    return f"{title} · {clean_line(session.filter)}" if session.filter else title


def _as_json(session: FocusSession, summary: FocusSummary, now: datetime) -> dict[str, object]:
    data = summary.to_dict()
    data.update(state=_state(session, now), filter=session.filter, agent=session.agent)
    return data


def sessions_list(ctx: Context, *, limit: int | None, as_json: bool) -> int:
    from helpdesk_tui.store.focus_sessions import FocusStore

    if limit is not None and limit < 1:
        raise UserError("--limit must be at least 1.", 2)
    cache = ctx.open_cache()
    try:
        now = datetime.now(UTC)
        listed = FocusStore(cache).list_sessions(now, limit)
    finally:
        cache.close()
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
         str(summary.replies_sent), str(len(summary.skipped)), _state(s, now))
        for s, summary in listed
    ]
    # Widths in terminal cells (a CJK filter takes two per character); a long filter is cut with "…".
    widths = [min(max(cell_len(row[i]) for row in table), _MAX_COLUMN) for i in range(len(_HEADER))]
    numeric = {0, 2, 3, 5, 6, 7}
    for row in table:
        cells = [fit(cell, w, right=i in numeric) for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())
    return 0


def session_show(ctx: Context, reference: str, *, as_json: bool) -> int:
    from helpdesk_tui.store.focus_sessions import FocusStore

    ref = reference.strip().lstrip("#")
    if not ref.isdigit():
        raise UserError(f"'{reference}' is not a session number: 'helpdesk-tui sessions' lists them.", 2)
    cache = ctx.open_cache()
    try:
        store = FocusStore(cache)
        session = store.get(int(ref))
        if session is None:
            raise UserError(f"No focus session {ref} in the '{ctx.account}' cache: "
                            "'helpdesk-tui sessions' lists them.")
        now = datetime.now(UTC)
        summary = store.summary(session, now)
    finally:
        cache.close()
    if as_json:
        print(dumps(_as_json(session, summary, now)))
        return 0
    for line in render_summary(summary, clean=clean_line, tz=datetime.now().astimezone().tzinfo or UTC):
        print(line)
    if session.filter:
        print(f"Filter           {clean_line(session.filter)}")
    return 0
