"""Rotation triage: the desk an agent triages on, over one account's cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from helpdesk_tui.config.settings import Settings
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.triage_desk import TriageDesk


def helpdesk_keeps(backend: Any | None) -> tuple[bool, bool]:
    """(tags, groups): whether the helpdesk stores a ticket's tags and can move it to a group.

    Without a backend (no token could be loaded) nothing is known: tags stay local and no
    group is offered, rather than queueing what may be refused or lost at send time."""
    if backend is None:
        return False, False
    capabilities = backend.capabilities
    return bool(capabilities.tags), bool(capabilities.groups)


def open_desk(cache: Cache, settings: Settings, backend: Any | None, now: datetime, *,
              agent: str | None = None, new_rotation: bool = False) -> TriageDesk:
    """The triage desk of ``agent`` (``[agent] name`` unless given): their current rotation (a new
    one with ``new_rotation``); each action's outbox items wait out the undo window
    (``[send] delay_seconds``)."""
    tags, groups = helpdesk_keeps(backend)
    return TriageDesk(cache, settings.agent.name if agent is None else agent, sends_tags=tags, sends_groups=groups, now=now,
                      new_rotation=new_rotation, hold_seconds=settings.send.delay_seconds)
