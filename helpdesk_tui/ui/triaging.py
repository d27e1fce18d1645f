"""Rotation triage (issue 5), the app's side: key ``t`` and ``helpdesk-tui triage`` open the
triage screen over the workstation.

A mixin of HelpdeskApp. The screen works on a ``TriageDesk`` (the agent's current rotation
in this account's cache); whether tags and groups can reach the helpdesk is the backend's to
say (its ``capabilities``).
"""

from __future__ import annotations

from helpdesk_tui.store.triage_desk import TriageDesk
from helpdesk_tui.ui.screens.triage import TriageScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList


def helpdesk_keeps(backend: object | None) -> tuple[bool, bool]:
    """(tags, groups): whether the helpdesk stores a ticket's tags and can move it to a group.

    Without a backend (no token could be loaded) nothing is known: tags stay local and no
    group is offered, rather than queueing what may be refused or lost at send time."""
    if backend is None:
        return False, False
    capabilities = backend.capabilities
    return capabilities.tags, capabilities.groups


class TriageMixin:
    _triage_at_start: bool | None = None  # None: open the workstation; else: new rotation or not

    def start_in_triage(self, *, new_rotation: bool = False) -> None:
        """Open on the triage screen (``helpdesk-tui triage``); call before ``run()``."""
        self._triage_at_start = new_rotation

    # Textual calls ``on_mount`` of every class in the app's MRO, so this runs after the
    # app's own (the workstation is composed and behind the triage screen).
    def on_mount(self) -> None:
        if self._triage_at_start is not None:
            self.open_triage(new_rotation=self._triage_at_start)

    def action_triage(self) -> None:
        self.open_triage()

    def open_triage(self, *, new_rotation: bool = False) -> None:
        if isinstance(self.screen, TriageScreen):
            return
        tags, groups = helpdesk_keeps(self.options.backend)
        desk = TriageDesk(self.cache, self.me, sends_tags=tags, sends_groups=groups, now=self.now(),
                          new_rotation=new_rotation, hold_seconds=self.settings.send.delay_seconds)
        triage = self.settings.triage
        self.push_screen(TriageScreen(desk, now=self.now, experts=triage.experts, groups=triage.groups,
                                      on_close=self._after_triage))

    def _after_triage(self, ticket_id: int | None) -> None:
        """Back at the workstation, on ``ticket_id`` if given. Triage changed owners and
        statuses: the inbox redraws its rows; leaving with escape also reloads the view's
        tickets (some left it). Opening a ticket keeps the list where it is, so the inbox
        cursor does not move and its preview take the ticket's place."""
        inbox = self.query_one(InboxList)
        if ticket_id is not None:
            inbox.forget_rows()
            self.open_ticket(ticket_id, focus=True)
        else:
            self.show_view(self.view, keep=inbox.current_id)
        self._render_topbar()

    def triage_bindings(self) -> list:
        return TriageScreen.BINDINGS
