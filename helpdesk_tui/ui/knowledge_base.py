"""The workstation's knowledge-base sidebar: ctrl+g shows or hides it, and what the agent picks
in it goes into the reply (one is opened when none is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def toggle_sidebar(screen: WorkstationScreen) -> None:
    """Show the sidebar with its search box focused, or hide it and go back to the composer or the inbox."""
    showing = not screen.has_class("-kb")
    screen.set_class(showing, "-kb")
    screen.query_one(KbSidebar).show(showing)
    screen.panes.apply_layout()
    composer = screen.composer
    if showing:
        screen.query_one("#kb-query").focus()
    elif composer is not None and composer.active and composer.query("#composer-text"):
        # (A composer just opened has no text area until it mounts: a fast ctrl+g then goes to the inbox.)
        composer.text_area.focus()
    else:
        screen.query_one(InboxList).focus()


def insert_from_kb(screen: WorkstationScreen, text: str) -> None:
    if not text:
        return
    composer = screen.composer or screen.open_composer(MessageKind.PUBLIC_REPLY)
    if composer is not None:
        composer.call_after_refresh(composer.insert, text)
        screen.notify("Inserted into the reply.")
