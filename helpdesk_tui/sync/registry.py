"""Find helpdesk backends through the entry-point group ``helpdesk_tui.backends``.

Names are listed without importing anything; a backend is imported only when it is
loaded, one at a time, so a broken plug-in is reported in a sentence and the others
still work. The built-in backends register through the same group as third-party ones
(``pyproject.toml``). Each backend module also defines
``make_client(account: AccountSettings, **kw) -> HttpClient``, which sets up the base URL
and authentication for that helpdesk.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from helpdesk_tui.sync.backends.base import AccountSettings, Backend

GROUP = "helpdesk_tui.backends"


class BackendUnavailable(Exception):
    """A backend cannot be used; ``str(error)`` is one sentence for the user."""


def available_backends() -> dict[str, EntryPoint]:
    """Registered backend names → entry points, in discovery order; nothing is imported.

    When two installed distributions register the same name, the first on ``sys.path`` wins.
    """
    found: dict[str, EntryPoint] = {}
    for entry_point in entry_points(group=GROUP):
        found.setdefault(entry_point.name, entry_point)
    return found


def load_backend(name: str) -> type[Backend]:
    """Import the backend registered as ``name``; ``BackendUnavailable`` if that fails."""
    return _load(name, available_backends())[0]


def load_all() -> tuple[dict[str, type[Backend]], list[tuple[str, str]]]:
    """Every backend that imports, and (name, sentence) for each one that does not."""
    registered = available_backends()
    loaded: dict[str, type[Backend]] = {}
    failures: list[tuple[str, str]] = []
    for name in registered:
        try:
            loaded[name] = _load(name, registered)[0]
        except BackendUnavailable as error:
            failures.append((name, str(error)))
    return loaded, failures


def make_backend(account_config: Any, token: str, *, client_factory: Callable[..., Any] | None = None,
                 **client_options: Any) -> Backend:
    """Build the backend of ``account_config`` (a ``config.settings.AccountConfig``) with its token.

    The HTTP client comes from the backend module's ``make_client(account, **client_options)``;
    ``client_factory`` (same signature) replaces it, e.g. in tests.
    """
    name = account_config.name
    if not account_config.url:
        raise BackendUnavailable(
            f"Account {name} has no url: add one with 'helpdesk-tui account add {name} …' again."
        )
    cls, module = _load(account_config.backend, available_backends())
    account = AccountSettings(name=name, url=account_config.url, user=account_config.user, token=token)
    if client_factory is None:
        client_factory = getattr(module, "make_client", None)
        if not callable(client_factory):
            raise BackendUnavailable(
                f"Backend '{account_config.backend}' ({module.__name__}) has no make_client function: "
                "it was written for another version of helpdesk-tui."
            )
    return cls(account, client_factory(account, **client_options))


def _load(name: str, registered: dict[str, EntryPoint]) -> tuple[type[Backend], Any]:
    entry_point = registered.get(name)
    if entry_point is None:
        if registered:
            raise BackendUnavailable(f"Unknown backend '{name}': use one of {', '.join(registered)}.")
        raise BackendUnavailable(
            f"Unknown backend '{name}': no backends are installed, so reinstall helpdesk-tui."
        )
    # Any exception counts: a plug-in's import may fail in ways other than ImportError.
    try:
        obj = entry_point.load()
        module = importlib.import_module(entry_point.module)
    except Exception as error:
        detail = " ".join(str(error).split())[:160]
        reason = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
        raise BackendUnavailable(
            f"Backend '{name}' could not be loaded ({reason}): reinstall {_provider(entry_point)}."
        ) from None
    if not (isinstance(obj, type) and issubclass(obj, Backend)):
        raise BackendUnavailable(
            f"Backend '{name}' ({entry_point.value}) is not a helpdesk-tui backend class: "
            f"reinstall {_provider(entry_point)}."
        )
    return obj, module


def _provider(entry_point: EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    name = getattr(dist, "name", None) if dist is not None else None
    return f"the package that provides it ({name})" if name else "the package that provides it"
