"""Find helpdesk backends through the entry-point group ``helpdesk_tui.backends``.

Names are listed without importing anything; a backend is imported only when it is
loaded, one at a time, so a broken plug-in is reported in a sentence and the others
still work. The built-in backends register through the same group as third-party ones
(``pyproject.toml``). Each backend class builds its own HTTP client
(``Backend.make_client``) and declares the account options it takes (``Backend.options``),
checked here before it is built.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from helpdesk_tui.config.account_options import check_options
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.http import HttpClient

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
    return _load(name, available_backends())


def load_all() -> tuple[dict[str, type[Backend]], list[tuple[str, str]]]:
    """Every backend that imports, and (name, sentence) for each one that does not."""
    registered = available_backends()
    loaded: dict[str, type[Backend]] = {}
    failures: list[tuple[str, str]] = []
    for name in registered:
        try:
            loaded[name] = _load(name, registered)
        except BackendUnavailable as error:
            failures.append((name, str(error)))
    return loaded, failures


def make_backend(account_config: Any, token: str, *, client_factory: Callable[..., HttpClient] | None = None,
                 **client_options: Any) -> Backend:
    """Build the backend of ``account_config`` (a ``config.settings.AccountConfig``) with its token.

    The account's options are checked against the backend's declaration first (one sentence
    per mistake). The HTTP client comes from ``cls.make_client(account, **client_options)``;
    ``client_factory`` (same signature) replaces it, e.g. in tests.
    """
    name = account_config.name
    if not account_config.url:
        raise BackendUnavailable(
            f"Account {name} has no url: add one with 'helpdesk-tui account add {name} …' again."
        )
    cls = _load(account_config.backend, available_backends())
    options = dict(account_config.options)
    problems = check_options(account_config.backend, cls.options_for(options), options)
    if problems:
        raise BackendUnavailable(" ".join([f"Account {name} cannot be used yet:", *problems]))
    account = AccountSettings(name=name, url=account_config.url, user=account_config.user, token=token,
                              options=options)
    factory = client_factory if client_factory is not None else cls.make_client
    return cls(account, factory(account, **client_options))


def _load(name: str, registered: dict[str, EntryPoint]) -> type[Backend]:
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
    return obj


def _provider(entry_point: EntryPoint) -> str:
    name = entry_point.dist.name if entry_point.dist is not None else None
    return f"the package that provides it ({name})" if name else "the package that provides it"
