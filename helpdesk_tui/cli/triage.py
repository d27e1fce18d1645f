"""``helpdesk-tui triage``: the workstation, opened on the rotation triage screen."""

from __future__ import annotations

from helpdesk_tui.cli.app import open_app
from helpdesk_tui.cli.context import Context


def triage(ctx: Context, *, new_rotation: bool = False) -> int:
    """Open the app on triage; ``new_rotation`` ends the agent's current rotation first."""
    return open_app(ctx, prepare=lambda app: app.start_in_triage(new_rotation=new_rotation))
