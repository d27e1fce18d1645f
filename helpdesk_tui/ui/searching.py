"""The workstation's search (ctrl+k): open the search screen, then what the agent chose in it.

A ticket or message result opens its ticket beside the inbox, scrolled to the matching
message with its header marked; an article opens in the KB sidebar's preview.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.services import tickets
from helpdesk_tui.services.types import SearchHit
from helpdesk_tui.ui.knowledge_base import toggle_sidebar
from helpdesk_tui.ui.screens.search import SearchScreen
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.thread_view import ThreadView

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def open_search(screen: WorkstationScreen) -> None:
    """Show the search screen; the last query is typed again, so ctrl+k, enter goes back to it."""
    cache = screen.cache
    prompt = SearchScreen(lambda query: tickets.search_everything(cache, query), initial=screen.last_search)

    def chosen(hit: SearchHit | None) -> None:
        screen.last_search = prompt.shown_query or screen.last_search
        if hit is not None:
            open_hit(screen, hit)

    screen.app.push_screen(prompt, chosen)


def open_hit(screen: WorkstationScreen, hit: SearchHit) -> None:
    if hit.kind == "article":
        if not screen.has_class("-kb"):
            toggle_sidebar(screen)
        screen.query_one(KbSidebar).preview(hit)
        return
    if hit.ticket_id is None:
        return
    if screen.ticket_id is not None and screen.ticket_id != hit.ticket_id:
        screen.panes.back_stack.append(screen.ticket_id)  # esc goes back to where the agent was
    screen.open_ticket(hit.ticket_id, focus=True)
    if hit.message_id is not None:
        screen.query_one(ThreadView).show_message(hit.message_id)
