"""What the workstation opens on: the cache, the backend (or why there is none) and its timings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.cache import Cache

DEMO_STATUS = "demo workspace · no server"
DEMO_SEND_DELAY = 0.8  # seconds: the demo's server answers as a real one would, not at once


@dataclass
class AppStart:
    cache: Cache  # the caller closes it when the app ends
    backend: Any | None  # None: offline, ``status`` says why
    status: str
    send_delay: float
    sync_interval: float | None
    blame_phrases: tuple[str, ...]


def open_for_app(workspace: Workspace, status: str | None = None) -> AppStart:
    """Open the workspace for the app. Offline is a normal state: a backend that cannot be made
    (no token, a plug-in missing) still opens the cache, and the status says why."""
    from helpdesk_tui.compose.phrases import load_blame_phrases

    phrases = tuple(load_blame_phrases(workspace.locations.config_dir / "blame_phrases.txt").phrases)
    if workspace.is_demo:
        cache = workspace.open_cache()
        try:
            backend = workspace.backend()
        except BaseException:
            cache.close()
            raise
        return AppStart(cache, backend, status or DEMO_STATUS, DEMO_SEND_DELAY, None, phrases)
    cache = workspace.open_cache(create=True)  # a new account fills it with its first sync
    backend, problem, interval = None, None, None
    try:
        backend = workspace.backend()
        interval = workspace.settings.sync.interval_seconds or None
    except ServiceError as exc:
        problem = str(exc)
    if status is None:
        status = f"offline · {problem}" if problem else "offline · local cache"
    return AppStart(cache, backend, status, 0.0, interval, phrases)
