"""Search snippets with the query words emphasised, built without markup."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from helpdesk_tui.content import clean_text


def _flat(piece: str) -> str:
    return clean_text(piece).replace("\n", " ")


def highlighted(snippet: str, spans: tuple[tuple[int, int], ...], style: Style | str = "bold reverse") -> Text:
    """``snippet`` with ``spans`` styled; each piece is sanitised on its own so offsets stay right."""
    text = Text(no_wrap=True, overflow="ellipsis")
    position = 0
    for start, end in spans:
        if start < position:
            continue  # overlapping matches: the first one wins
        text.append(_flat(snippet[position:start]))
        text.append(_flat(snippet[start:end]), style)
        position = end
    text.append(_flat(snippet[position:]))
    return text
