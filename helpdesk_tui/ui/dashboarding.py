"""The KPI dashboard (issue 5): key K opens it over the workstation; escape comes back.

A mixin of HelpdeskApp: the screen computes in a worker from the app's cache, clock and
time zone, so the figures match ``helpdesk-tui stats`` at the same moment.
"""

from __future__ import annotations

from helpdesk_tui.ui.screens.dashboard import DashboardScreen


class DashboardMixin:
    def action_dashboard(self) -> None:
        if isinstance(self.screen, DashboardScreen):
            return
        self.push_screen(DashboardScreen(self.cache, self.now, self.tz))

    def dashboard_bindings(self) -> list:
        """The dashboard's keys, for the help screen."""
        return list(DashboardScreen.BINDINGS)
