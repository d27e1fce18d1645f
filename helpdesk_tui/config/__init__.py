"""Settings (TOML), file locations (platformdirs) and remembered state. Never imports textual."""

from helpdesk_tui.config.paths import Locations, ensure_dirs, resolve_locations
from helpdesk_tui.config.settings import AccountConfig, ConfigError, Settings, load_settings
from helpdesk_tui.config.state import load_state, save_state

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
