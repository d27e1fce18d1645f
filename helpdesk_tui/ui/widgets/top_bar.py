"""The workstation's header line: account, view, sync state, focus timer, held sends, outbox."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text


def top_bar_text(account: str, view_title: str, *, sync: Text, focus: Text, held: Text,
                 outbox: dict[str, int], clock: datetime | None) -> Text:
    """`` demo   My open  ● online · synced 09:12  ↑2 queued   09:30`` (``clock`` None: no clock)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {account} ", "bold reverse")
    text.append(f"  {view_title}  ")
    text.append_text(sync)
    text.append_text(focus)
    text.append_text(held)
    waiting = outbox.get("queued", 0) + outbox.get("sending", 0)
    failed = outbox.get("failed", 0)
    if waiting:
        text.append(f"  ↑{waiting} queued", "bold")
    if failed:
        text.append(f"  ✗{failed} failed", "bold reverse")
    if clock is not None:
        text.append(f"   {clock.astimezone():%H:%M}", "dim")
    return text
