"""What the app needs from outside: the CLI builds it, tests pass fixed clocks and temp paths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from helpdesk_tui.config.settings import Settings
from helpdesk_tui.services.types import Cache
from helpdesk_tui.services.workspace import Workspace


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppOptions:
    """Everything the app needs from outside; tests pass fixed clocks and temp paths."""

    cache: Cache
    settings: Settings
    state_file: Path | None = None
    bundled_themes: Path | None = None
    user_themes: Path | None = None
    clock: Callable[[], datetime] = utc_now
    live: bool = True  # ticking clocks and periodic refresh; off for snapshots
    status: str = "offline · local cache"
    backend: Any | None = None  # delivers the outbox (sync.backends); None keeps it queued
    send_delay: float = 0.0  # seconds before delivering, so the demo shows "queued" then "sent"
    templates_dir: Path | None = None  # the user's own templates
    tz: tzinfo | None = None  # the agent's time zone for promises; default: the system's
    blame_phrases: tuple[str, ...] | None = None  # None: the built-in list
    sync_interval: float | None = None  # seconds between background pulls; None: no syncing
    config_file: Path | None = None  # where a saved view is written; None: views cannot be saved
    # The account open: to switch from, and its folders (attachment bytes); None (tests,
    # snapshots): no switching, and attachments do not open.
    workspace: Workspace | None = None

    @property
    def zone(self) -> tzinfo:
        """The agent's time zone: the one given, or the system's."""
        return self.tz or datetime.now().astimezone().tzinfo or UTC
