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
from helpdesk_tui.ui.screens.triage import TriageLinks, TriageScreen


def triage_screen(options: AppOptions, *, me: str, now: Callable[[], datetime], links: TriageLinks,
                  new_rotation: bool = False) -> TriageScreen:
    """The triage screen on this agent's rotation (a new one with ``new_rotation``)."""
    settings = options.settings
    desk = open_desk(options.cache, settings, options.backend, now(), agent=me, new_rotation=new_rotation)
    return TriageScreen(desk, links, now=now, experts=settings.triage.experts, groups=settings.triage.groups)


def helpdesk_label(backend: Any | None) -> str:
    return getattr(backend, "label", None) or "This account's helpdesk"
