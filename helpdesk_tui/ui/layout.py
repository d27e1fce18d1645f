"""Pane widths for the terminal's width: the thread and the composer get the room.

At 100 columns the fixed 34-column customer pane and a 42% inbox left the thread 22
columns, one word a line. Below 140 columns the inbox and the side panes narrow instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaneWidths:
    inbox: str  # a CSS width: "42%" or "1fr"
    customer: int
    kb: int
    short_labels: bool  # view bar titles and the like in their short form


def pane_widths(columns: int, *, inbox_only: bool, kb: bool) -> PaneWidths:
    """The panes' widths for a terminal ``columns`` wide."""
    if columns >= 140:
        inbox, customer, side_kb, short = ("30%" if kb else "42%"), 34, 46, False
    elif columns >= 120:
        inbox, customer, side_kb, short = ("28%" if kb else "36%"), 28, 40, True
    else:
        inbox, customer, side_kb, short = ("26%" if kb else "30%"), 24, 34, True
    return PaneWidths("1fr" if inbox_only else inbox, customer, side_kb, short)
