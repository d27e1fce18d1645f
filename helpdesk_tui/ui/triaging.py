"""Rotation triage (issue 5), the workstation's side: key ``t`` and ``helpdesk-tui triage``
open the triage screen over the workstation.

The screen works on a ``TriageDesk`` (the agent's current rotation in this account's cache) that
``services.triage.open_desk`` opens; whether tags and groups can reach the helpdesk is the
backend's to say (its ``capabilities``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from helpdesk_tui.ui.options import AppOptions
from helpdesk_tui.services.triage import open_desk
from typing import TYPE_CHECKING

from helpdesk_tui.ui.widgets.inbox_list import InboxList

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.triage import TriageLinks, TriageScreen
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def triage_screen(options: AppOptions, *, me: str, now: Callable[[], datetime], links: TriageLinks,
                  new_rotation: bool = False) -> TriageScreen:
    """The triage screen on this agent's rotation (a new one with ``new_rotation``)."""
    from helpdesk_tui.ui.screens.triage import TriageScreen  # off the first frame's path (startup.py)

    settings = options.settings
    desk = open_desk(options.cache, settings, options.backend, now(), agent=me, new_rotation=new_rotation)
    return TriageScreen(desk, links, now=now, experts=settings.triage.experts, groups=settings.triage.groups)


def helpdesk_label(backend: Any | None) -> str:
    return getattr(backend, "label", None) or "This account's helpdesk"


def open_triage(screen: WorkstationScreen, *, new_rotation: bool = False) -> None:
    """The triage screen over the workstation (once: not over itself)."""
    from helpdesk_tui.ui.screens.triage import TriageLinks, TriageScreen  # off the first frame's path

    if isinstance(screen.app.screen, TriageScreen):
        return
    options = screen.options
    links = TriageLinks(cache=screen.cache, live=options.live, helpdesk_label=helpdesk_label(options.backend),
                        templates=screen.templates, tz=screen.tz, drain_outbox=screen.drain_outbox,
                        reload_ticket=screen.reload_ticket,
                        on_close=lambda ticket_id, then: _after_triage(screen, ticket_id, then))
    screen.app.push_screen(triage_screen(options, me=screen.me, now=screen.now, links=links,
                                         new_rotation=new_rotation))


def _after_triage(screen: WorkstationScreen, ticket_id: int | None, then: str) -> None:
    """Back at the workstation, on ``ticket_id`` if given. Triage changed owners and
    statuses: the inbox redraws its rows; leaving with escape also reloads the view's
    tickets (some left it). Opening a ticket keeps the list where it is, so the inbox
    cursor does not move and its preview take the ticket's place."""
    inbox = screen.query_one(InboxList)
    if ticket_id is not None:
        inbox.forget_rows()
        screen.open_ticket(ticket_id, focus=True)
    else:
        screen.inbox_views.show(screen.inbox_views.view, keep=inbox.current_id)
    screen.render_topbar()
    if then == "reply":
        screen.action_reply()
    elif then == "note":
        screen.action_note()
