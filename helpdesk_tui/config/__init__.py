"""Settings (TOML), file locations (platformdirs) and remembered state. Never imports textual.

Each name is imported from its module on first use (PEP 562): importing ``config.paths`` or
``config.settings`` for a command line must not load the state file's atomic writer
(tempfile, shutil, random).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.lazy_names import lazy_getattr

if TYPE_CHECKING:
    from helpdesk_tui.config.paths import Locations, ensure_dirs, resolve_locations
    from helpdesk_tui.config.settings import AccountConfig, ConfigError, Settings, load_settings
    from helpdesk_tui.config.state import load_state, save_state

_HOMES = {
    "AccountConfig": "settings",
    "ConfigError": "settings",
    "Locations": "paths",
    "Settings": "settings",
    "ensure_dirs": "paths",
    "load_settings": "settings",
    "load_state": "state",
    "resolve_locations": "paths",
    "save_state": "state",
}

__all__ = [
    "AccountConfig",
    "ConfigError",
    "Locations",
    "Settings",
    "ensure_dirs",
    "load_settings",
    "load_state",
    "resolve_locations",
    "save_state",
]


__getattr__ = lazy_getattr(__name__, _HOMES, globals())
