"""The parts of managing accounts that reach past the settings file: the list with where each
token comes from, signing in to a helpdesk, and an account's cache (in use? holding what exists
nowhere else?). Adding one is ``account_add``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk_tui.config.account_options import Option
from helpdesk_tui.config.paths import Locations
from helpdesk_tui.config.settings import AccountConfig, AgentIdentity, Settings
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.workspace import DEMO


def backend_names() -> list[str]:
    """The backends installed (built-in and plug-ins), without importing them."""
    from helpdesk_tui.sync import registry

    return list(registry.available_backends())


def backend_label(name: str) -> str:
    """What the backend calls its helpdesk ("Request Tracker"); the name itself if it cannot be loaded."""
    from helpdesk_tui.sync import registry

    try:
        return str(registry.load_backend(name).label)
    except registry.BackendUnavailable:
        return name


def check_backend(name: str, given: Mapping[str, str] | None = None) -> tuple[Option, ...]:
    """Import backend ``name``; returns the account options it declares (for an account with the
    options ``given``). A plug-in that fails to load is one sentence, before any token is asked."""
    from helpdesk_tui.sync import registry

    try:
        return registry.load_backend(name).options_for(given or {})
    except registry.BackendUnavailable as error:
        raise ServiceError(str(error)) from None


@dataclass(frozen=True)
class AccountRow:
    """One account as listed: where its token comes from, or whether it is stored; never the token."""

    name: str
    backend: str
    url: str | None
    user: str | None
    default: bool
    token_stored: bool | None  # None: not needed (the demo), read from elsewhere, or could not tell
    token_source: str | None  # "keyring", "command" or "env"; None for the demo
    token_place: str | None  # "from …" (a command, a variable) when the token is not in the keyring

    def to_dict(self) -> dict[str, Any]:
        """The row as ``--json`` prints it."""
        return {"name": self.name, "backend": self.backend, "url": self.url, "user": self.user,
                "default": self.default, "token_stored": self.token_stored, "token_source": self.token_source}


def account_rows(settings: Settings, env: Mapping[str, str]) -> tuple[list[AccountRow], str | None]:
    """The accounts, the demo workspace always last unless configured (``--account demo`` works
    whatever else is), and the one sentence saying why the keyring could not be asked, if it could not.

    A token command is not run here: listing must not prompt or wait."""
    from helpdesk_tui.config import secrets, token_sources, tokens

    configs = list(settings.accounts.values())
    if DEMO not in settings.accounts:
        configs.append(AccountConfig(DEMO, backend=DEMO))
    keyring, keyring_problem = None, None
    rows: list[AccountRow] = []
    for config in configs:
        stored: bool | None = None  # the demo needs no token; None also means "could not tell"
        place = None
        source = None if config.backend == DEMO else token_sources.token_source(config, env)
        if source is token_sources.TokenSource.KEYRING and keyring_problem is None:
            try:
                keyring = keyring or secrets.keyring_backend()
                stored = tokens.has_account_token(config, backend=keyring)
            except secrets.SecretsUnavailable:
                keyring_problem = ("No usable system keyring was found, so whether each token is stored is "
                                   "unknown: 'helpdesk-tui account add' says how to set one up.")
            except secrets.SecretsError as error:  # locked or refused: asking again would only repeat it
                keyring_problem = str(error)
        elif source is not None and source is not token_sources.TokenSource.KEYRING:
            place = "from " + token_sources.describe_source(config, env)
        rows.append(AccountRow(config.name, config.backend, config.url, config.user,
                               config.name == settings.default_account, stored,
                               None if source is None else str(source), place))
    return rows, keyring_problem


def scrub(text: str, token: str) -> str:
    """A server may echo what it was sent; never show the token."""
    return text.replace(token, "***") if token else text


@dataclass(frozen=True)
class SignedIn:
    """What signing in said: the backend's sentence and who the helpdesk says we are (None: it did not)."""

    sentence: str
    agent: AgentIdentity | None


def sign_in(config_file: Path, config: AccountConfig, *,
            client_options: Mapping[str, Any] | None = None) -> SignedIn:
    """Sign in with the account's token (``config/token_sources.py``); the backend's sentence and
    identity, or ``ServiceError``.

    Both quote the server: never the token, and cleaned here."""
    backend, token = open_backend(config_file, config, client_options=client_options)
    try:
        return check_backend_signs_in(backend, config, token)
    finally:
        close_backend(backend)


def open_backend(config_file: Path, config: AccountConfig, *,
                 client_options: Mapping[str, Any] | None = None) -> tuple[Any, str]:
    """The account's backend, built with its token, and the token (to scrub it from what the
    server says); ``ServiceError`` with one sentence. ``close_backend`` it when done."""
    from helpdesk_tui.config import secrets, token_sources
    from helpdesk_tui.sync import registry

    try:
        token = token_sources.load_token(config_file, config)
    except secrets.SecretsError as error:
        raise ServiceError(str(error)) from None
    try:
        return registry.make_backend(config, token, **dict(client_options or {})), token
    except registry.BackendUnavailable as error:
        raise ServiceError(str(error)) from None


def close_backend(backend: Any) -> None:
    close = getattr(backend.client, "close", None)
    if callable(close):
        close()


def check_backend_signs_in(backend: Any, config: AccountConfig, token: str) -> SignedIn:
    """``backend.check()`` as a ``SignedIn`` (sentence and identity, cleaned), or ``ServiceError``."""
    import httpx

    from helpdesk_tui.content import clean_line
    from helpdesk_tui.sync.errors import SyncError

    try:
        sentence = backend.check()
    except SyncError as error:  # server text in it: clean_line, never raw to the terminal
        raise ServiceError(clean_line(scrub(str(error), token))) from None
    except httpx.HTTPError as error:
        raise ServiceError(f"Talking to {config.url} failed ({type(error).__name__}): check the URL "
                           "and your network.") from None
    return SignedIn(clean_line(scrub(str(sentence), token)),  # the agent's name comes from the server
                    _clean_identity(getattr(backend, "identity", None), token))


def _clean_identity(identity: Any, token: str) -> AgentIdentity | None:
    """The server's identity as plain one-line text (a plug-in may hand back anything)."""
    from helpdesk_tui.content import clean_line

    def text(value: Any) -> str | None:
        cleaned = clean_line(scrub(str(value), token)).strip() if value is not None else ""
        return cleaned or None

    name = text(getattr(identity, "name", None))
    if name is None:
        return None
    return AgentIdentity(name, text(getattr(identity, "email", None)), text(getattr(identity, "remote_id", None)))


@dataclass(frozen=True)
class Tested:
    """``account test``: what signing in said, and whether who we are was stored in the settings file."""

    sentence: str
    agent: AgentIdentity | None
    stored_in: Path | None  # the settings file the identity was written to; None when there was none
    name_override: str | None  # ``[agent] name``, which wins over the helpdesk's name


def verify_account(config_file: Path, settings: Settings, name: str, *,
                   client_options: Mapping[str, Any] | None = None) -> Tested:
    """Sign in as account ``name`` and store who the helpdesk says we are in ``[accounts.NAME.agent]``,
    so ``assignee:me``, "My open" and signatures use it."""
    config = settings.accounts.get(name)
    if config is None:
        raise InvalidRequest(f"There is no account named '{name}': 'helpdesk-tui account list' shows them.")
    override = settings.agent.name if settings.agent.explicit else None
    return verify_config(config_file, config, override, client_options=client_options)


def verify_new_account(config_file: Path, config: AccountConfig, override: str | None) -> Tested:
    """``verify_config`` as ``account add`` runs it: one try and a short wait, since an account may
    be added offline and ``account test`` is there for a patient check."""
    from helpdesk_tui.sync.http import RetryPolicy

    return verify_config(config_file, config, override,
                         client_options={"policy": RetryPolicy(attempts=1, timeout=10, deadline=20)})


def verify_config(config_file: Path, config: AccountConfig, override: str | None, *,
                  client_options: Mapping[str, Any] | None = None) -> Tested:
    """``verify_account`` for an account's table as written (``account add`` has it in hand)."""
    signed = sign_in(config_file, config, client_options=client_options)
    return store_identity(config_file, config, signed, override)


def store_identity(config_file: Path, config: AccountConfig, signed: SignedIn, override: str | None) -> Tested:
    """Write who the helpdesk says we are in ``[accounts.NAME.agent]`` (when it said and it changed)."""
    from helpdesk_tui.config import accounts_file
    from helpdesk_tui.config.settings import ConfigError

    stored = None
    if signed.agent is not None and signed.agent != config.agent:
        try:
            accounts_file.set_agent(config_file, config.name, signed.agent)
        except (accounts_file.InvalidAccount, ConfigError) as error:
            raise ServiceError(f"Signed in, but who you are could not be stored: {error}") from None
        except OSError as error:
            raise ServiceError(f"Signed in, but {config_file} cannot be written: {error.strerror or error}.") from None
        stored = config_file
    elif signed.agent is not None:
        stored = config_file  # already there, unchanged
    return Tested(signed.sentence, signed.agent, stored, override)


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


@dataclass(frozen=True)
class Removed:
    config_file: Path
    token: str  # "deleted", "none" (it had no token of its own) or "no keyring" (none could be deleted)
    legacy_token_left: bool  # an older version's token under the bare name, which every home shares
    keyring_service: str  # where that token is, to name in the command that deletes it
    new_default: str | None  # the default account now, when the one removed was the default
    cache: Path | None  # the account's cache, kept (deleting it is the agent's call); None if it had none


def remove_account(locations: Locations, settings: Settings, name: str) -> Removed:
    """Delete the account's token from the keyring, then its table from the settings file.

    Refused while a program has its cache open; a keyring that is locked or refuses leaves the
    account as it was, so it can be retried."""
    from helpdesk_tui.config import accounts_file, secrets, tokens
    from helpdesk_tui.config.settings import ConfigError

    path = locations.config_file
    try:
        written = accounts_file.configured_accounts(path)
    except ConfigError as error:
        raise ServiceError(str(error)) from None
    if name not in written:
        raise InvalidRequest(f"There is no account named '{name}' in {path}: 'helpdesk-tui account list' "
                             "shows them.")
    refuse_while_open(locations.account_db(name), name)
    config = settings.accounts.get(name)
    legacy_left = False
    try:
        if config is not None and config.keyring_id:
            deleted = secrets.delete_token(name, entry=tokens.keyring_entry(config))
            legacy_left = tokens.legacy_token_left(config)
        else:
            # Written before tokens were kept per home: its token sits under the bare name that
            # every home shares, so deleting it could take another home's token; say so instead.
            deleted, legacy_left = False, secrets.has_token(name)
        token = "deleted" if deleted else "none"
    except secrets.SecretsUnavailable:
        token = "no keyring"  # nothing can have been stored without a keyring; the account can still go
    except secrets.SecretsError as error:  # locked or refused: keep the account so it can be retried
        raise ServiceError(f"{str(error).rstrip('.')}; the account was left as it was.") from None
    try:
        result = accounts_file.remove_account(path, name)
    except accounts_file.InvalidAccount as error:
        raise InvalidRequest(str(error)) from None
    except ConfigError as error:
        raise ServiceError(str(error)) from None
    except OSError as error:
        raise ServiceError(f"Cannot write {path}: {error.strerror or error}.") from None
    new_default = result.default_account if result.default_account and settings.default_account == name else None
    cache = locations.account_db(name)
    return Removed(path, token, legacy_left, secrets.SERVICE, new_default, cache if cache.exists() else None)


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
