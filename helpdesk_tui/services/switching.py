"""Switching the app from one configured account to another (issue 11).

Each account keeps its own cache (``data/accounts/<name>.sqlite``): switching closes the one
open and opens the other the way ``helpdesk-tui open`` does (``opening.open_for_app``), with
the other account's agent, backend and sync interval. The settings file is read again, so an
account added meanwhile (``account add``) can be switched to at once.
"""

from __future__ import annotations

from helpdesk_tui.config.settings import ConfigError, load_settings
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.opening import AppStart, open_for_app
from helpdesk_tui.services.workspace import DEMO, Workspace


def _settings(workspace: Workspace):
    try:
        return load_settings(workspace.locations.config_file)
    except ConfigError as exc:
        raise ServiceError(str(exc)) from None


def switchable_accounts(workspace: Workspace) -> list[str]:
    """The accounts the app can switch to, the open one included: every configured account, and
    the demo when its cache is there (switching never builds it unasked)."""
    try:
        names = sorted(_settings(workspace).accounts)
    except ServiceError:
        names = sorted(workspace.settings.accounts)  # a settings file broken since start: what was read then
    if DEMO not in names and (workspace.account == DEMO or workspace.locations.account_db(DEMO).exists()):
        names.insert(0, DEMO)
    return names


def other_account(workspace: Workspace, name: str) -> Workspace:
    """The workspace of account ``name`` beside ``workspace`` (same settings file and folders)."""
    settings = _settings(workspace)
    if name != DEMO and name not in settings.accounts:
        known = ", ".join(sorted(set(settings.accounts) | {DEMO}))
        raise InvalidRequest(f"There is no account named '{name}': use one of {known}, "
                             f"or add it to {workspace.locations.config_file}.")
    # The agent is the one the account's helpdesk named ([agent] name still wins). No progress
    # listener: the command line's writes to stderr, under the running app's screen.
    return Workspace(workspace.locations, settings.for_account(name), name)


def open_account(workspace: Workspace, name: str) -> tuple[Workspace, AppStart]:
    """Open account ``name`` for the app: its workspace and what the app starts from (the
    caller closes ``AppStart.cache`` when done). Offline is normal: no token still opens the cache."""
    other = other_account(workspace, name)
    return other, open_for_app(other)
