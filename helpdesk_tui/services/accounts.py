"""The parts of managing accounts that reach past the settings file: signing in to a helpdesk,
and an account's cache (in use? holding what exists nowhere else?)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpdesk_tui.config.settings import AccountConfig
from helpdesk_tui.services.errors import ServiceError


def backend_names() -> list[str]:
    """The backends installed (built-in and plug-ins), without importing them."""
    from helpdesk_tui.sync import registry

    return list(registry.available_backends())


def check_backend(name: str) -> None:
    """Import backend ``name``: a plug-in that fails to load is one sentence, before any token is asked."""
    from helpdesk_tui.sync import registry

    try:
        registry.load_backend(name)
    except registry.BackendUnavailable as error:
        raise ServiceError(str(error)) from None


def _scrub(text: str, token: str) -> str:
    """A server may echo what it was sent; never show the token."""
    return text.replace(token, "***") if token else text


def sign_in(config_file: Path, config: AccountConfig, *, client_options: Mapping[str, Any] | None = None) -> str:
    """Sign in with the account's token (``config/token_sources.py``); the backend's sentence (who we
    are), or ``ServiceError``.

    The sentence and any error quote the server: never the token, and cleaned by the caller."""
    import httpx

    from helpdesk_tui.config import secrets, token_sources
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.sync import registry
    from helpdesk_tui.sync.errors import SyncError

    try:
        token = token_sources.load_token(config_file, config)
    except secrets.SecretsError as error:
        raise ServiceError(str(error)) from None
    try:
        backend = registry.make_backend(config, token, **dict(client_options or {}))
    except registry.BackendUnavailable as error:
        raise ServiceError(str(error)) from None
    try:
        sentence = backend.check()
    except SyncError as error:  # server text in it: clean_line, never raw to the terminal
        raise ServiceError(clean_line(_scrub(str(error), token))) from None
    except httpx.HTTPError as error:
        raise ServiceError(f"Talking to {config.url} failed ({type(error).__name__}): check the URL "
                           "and your network.") from None
    finally:
        close = getattr(backend.client, "close", None)
        if callable(close):
            close()
    return clean_line(_scrub(str(sentence), token))  # the agent's name comes from the server


def refuse_while_open(cache: Path, name: str) -> None:
    """An app still open on the account would go on syncing and sending for an account that is
    gone, and the cache it writes to is the one the agent may delete next: close it first."""
    from helpdesk_tui.store.db import CacheError
    from helpdesk_tui.store.install import refuse_if_in_use

    try:
        refuse_if_in_use(cache, f"The cache of account '{name}' ({cache}) is open in another program "
                                "(helpdesk-tui, a command or an sqlite3 shell): close it first, then remove "
                                "the account; nothing was changed.")
    except CacheError as error:
        raise ServiceError(str(error)) from None


def kept_cache_note(name: str, cache: Path) -> str:
    """Deleting the cache is the agent's call: say what only it holds, never advise it blindly."""
    from helpdesk_tui.store.failures import local_only

    held = local_only(cache)
    if held == "":
        return (f"Its local cache {cache} was kept; it holds nothing a sync cannot bring back, "
                "so you may delete it if you no longer need it.")
    what = f"it still holds what exists nowhere else ({held})" if held else "it may hold unsent work"
    return (f"Its local cache {cache} was kept, and {what}: adding the account '{name}' again picks it up; "
            "delete it only if you need none of that.")
