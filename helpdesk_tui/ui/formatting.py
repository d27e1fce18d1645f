"""Short human forms for times and states, shared by the inbox, the ticket and the CLI."""

from __future__ import annotations

from datetime import datetime

from helpdesk_tui.domain.vocab import Priority, Status

STATUS_LABELS = {
    Status.NEW: "new", Status.OPEN: "open", Status.PENDING: "pending",
    Status.ON_HOLD: "on hold", Status.SOLVED: "solved", Status.CLOSED: "closed",
}
PRIORITY_LABELS = {Priority.URGENT: "urgent", Priority.HIGH: "high", Priority.NORMAL: "normal",
                   Priority.LOW: "low"}


def ago(then: datetime | None, now: datetime) -> str:
    """``now``, ``5m``, ``3h``, ``2d``, or a date for anything older than a week."""
    if then is None:
        return ""
    seconds = int((now - then).total_seconds())
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 7 * 86400:
        return f"{seconds // 86400}d"
    return then.strftime("%b %d") if then.year == now.year else then.strftime("%Y-%m")


def when(at: datetime | None, now: datetime) -> str:
    """A timestamp for the timeline and thread headers, in local time."""
    if at is None:
        return ""
    local = at.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("today %H:%M")
    if local.year == now.astimezone().year:
        return local.strftime("%a %d %b %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")
