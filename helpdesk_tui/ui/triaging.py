"""Rotation triage (issue 5), the workstation's side: key ``t`` and ``helpdesk-tui triage``
open the triage screen over the workstation.

The screen works on a ``TriageDesk`` (the agent's current rotation in this account's cache);
whether tags and groups can reach the helpdesk is the backend's to say (its ``capabilities``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from helpdesk_tui.ui.options import AppOptions
from helpdesk_tui.store.triage_desk import TriageDesk
from helpdesk_tui.ui.screens.triage import TriageLinks, TriageScreen


def helpdesk_keeps(backend: Any | None) -> tuple[bool, bool]:
    """(tags, groups): whether the helpdesk stores a ticket's tags and can move it to a group.

    Without a backend (no token could be loaded) nothing is known: tags stay local and no
    group is offered, rather than queueing what may be refused or lost at send time."""
    if backend is None:
        return False, False
    capabilities = backend.capabilities
    return capabilities.tags, capabilities.groups


def triage_screen(options: AppOptions, *, me: str, now: Callable[[], datetime], links: TriageLinks,
                  new_rotation: bool = False) -> TriageScreen:
    """The triage screen on this agent's rotation (a new one with ``new_rotation``)."""
    tags, groups = helpdesk_keeps(options.backend)
    settings = options.settings
    desk = TriageDesk(options.cache, me, sends_tags=tags, sends_groups=groups, now=now(),
                      new_rotation=new_rotation, hold_seconds=settings.send.delay_seconds)
    return TriageScreen(desk, links, now=now, experts=settings.triage.experts, groups=settings.triage.groups)


def helpdesk_label(backend: Any | None) -> str:
    return getattr(backend, "label", None) or "This account's helpdesk"
