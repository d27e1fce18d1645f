"""The bar of inbox views under the header: key, title and count of each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.query import View

# What a narrow terminal shows instead of the long titles ("Due ≤ 1h or breached"): at 100
# columns the full titles ran past "5 Recently" and the All view was never seen.
SHORT_TITLES = {"mine": "Mine", "unassigned": "Unassigned", "due": "Due ≤ 1h", "waiting": "Waiting",
                "recent": "Recent", "all": "All"}


def view_bar_text(views: Sequence[View], counts: Mapping[str, int], current: View, *, short: bool,
                  marked: int = 0) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if marked:  # first: the ellipsis of a narrow bar must not hide it
        text.append(f" {marked:,} marked ", "bold reverse")
        text.append(" ")
    for view in views:
        count = counts.get(view.id)
        # The agent's own views are named in the config file: text, never markup or escapes.
        title = clean_line(SHORT_TITLES.get(view.id, view.title) if short else view.title)
        label = f" {view.key} {title}" + (f" {count:,} " if count is not None else " ")
        text.append(label, "reverse bold" if view.id == current.id else "")
        text.append(" " if short else "  ")
    return text
