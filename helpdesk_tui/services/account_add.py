"""Adding an account: check it, place its token, write its table in the settings file.

Two steps, because only the caller can ask a person for a token: ``plan_account`` checks
everything that needs no token (the values, the backend and its options, a usable keyring)
so nobody types a token for nothing; ``add_account`` then stores the token in the keyring and
writes the account, taking the token back if the file cannot be written. A token read from a
command or the environment (``config/token_sources.py``) is only read once, to check it can be
had, and stored nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from helpdesk_tui.config import accounts_file, secrets, token_sources, tokens
from helpdesk_tui.config.account_options import absolute_files, parse_option
from helpdesk_tui.config.paths import Locations, ensure_dirs
from helpdesk_tui.config.settings import AccountConfig, ConfigError, Settings
from helpdesk_tui.logs import mask_secret
from helpdesk_tui.services.accounts import backend_names, check_backend
from helpdesk_tui.services.errors import InvalidRequest, ServiceError


@dataclass(frozen=True)
class AccountPlan:
    """An account checked and ready to write, and the keyring its token goes to."""

    account: AccountConfig
    keyring: Any | None  # None: the token is read from a command or the environment each time

    @property
    def needs_token(self) -> bool:
        """Whether ``add_account`` needs the token (to store it in the keyring)."""
        return self.keyring is not None


@dataclass(frozen=True)
class Added:
    account: AccountConfig
    config_file: Path
    created: bool  # False: an account of that name was updated
    is_default: bool
    keyring_name: str | None  # the keyring the token went to; None when it is not stored
    source: str | None  # where the token is read from each time (a command, a variable); None for the keyring


def plan_account(settings: Settings, name: str, backend: str, url: str, user: str | None, *,
                 token_given: bool, token_command: str | None = None, options: Sequence[str] = (),
                 env: Mapping[str, str]) -> AccountPlan:
    """Check the account's values, its backend and the ``KEY=VALUE`` ``options`` against what the
    backend declares; ``InvalidRequest`` or ``ServiceError`` with one sentence, before any token.

    ``token_given``: the caller has the token itself (typed, or from a variable it names), so the
    account's own ``HELPDESK_TUI_TOKEN_<NAME>`` variable is not the source."""
    try:
        account = accounts_file.validate_account(name, backend, url, user, backend_names(),
                                                 token_command=token_command)
    except accounts_file.InvalidAccount as error:
        raise InvalidRequest(str(error)) from None
    check_backend(backend)
    try:
        given = dict(parse_option(text) for text in options)
        declared = check_backend(backend, given)
        given = absolute_files(given, declared)
        account = accounts_file.validate_account(name, backend, url, user, backend_names(),
                                                 token_command=token_command, options=given, declared=declared)
    except ValueError as error:  # InvalidAccount is one
        raise InvalidRequest(str(error)) from None
    # The token's entry is this home's own: an account of the same name in another home keeps its token.
    existing = settings.accounts.get(name)
    keyring_id = existing.keyring_id if existing is not None and existing.keyring_id else tokens.new_keyring_id()
    account = replace(account, keyring_id=keyring_id)
    if account.token_command is not None or (not token_given and token_sources.env_var_name(name) in env):
        return AccountPlan(account, None)
    try:
        return AccountPlan(account, secrets.keyring_backend())
    except secrets.SecretsError as error:
        raise ServiceError(str(error)) from None


def clean_token(token: str) -> str:
    """The token as typed or read, trimmed; ``InvalidRequest`` for one that cannot be sent.

    From here on it is masked in every log line."""
    token = token.strip()
    if not token:
        raise InvalidRequest("The token is empty, so nothing was changed: give the helpdesk's API token.")
    if not token.isprintable():
        # A pasted line break or escape would break the Authorization header.
        raise InvalidRequest("The token contains a line break or control character, so nothing was changed: "
                             "paste it again.")
    mask_secret(token)
    return token


def add_account(locations: Locations, plan: AccountPlan, *, token: str | None = None,
                env: Mapping[str, str]) -> Added:
    """Store the token (when the plan needs one) and write the account; ``ServiceError`` otherwise,
    with the keyring as it was before."""
    account = plan.account
    if plan.keyring is None:
        return _add_without_keyring(locations, account, env)
    if token is None:
        raise ValueError("this account's token goes to the keyring: pass it")  # a caller's bug, not a user's
    keyring = plan.keyring
    token = clean_token(token)
    name, entry = account.name, tokens.keyring_entry(account)
    try:
        previous = secrets.find_token(name, entry=entry, backend=keyring)
        secrets.store_token(name, token, entry=entry, backend=keyring)
    except secrets.SecretsError as error:
        raise ServiceError(str(error)) from None
    result = _write_account(locations, account, undo=lambda: _restore_token(name, entry, previous, keyring))
    return Added(account, locations.config_file, result.created, result.default_account == name,
                 secrets.keyring_name(keyring), None)


def _add_without_keyring(locations: Locations, account: AccountConfig, env: Mapping[str, str]) -> Added:
    """The token comes from a command or the environment: check it can be had, then write the account."""
    try:
        if account.token_command is not None:  # the command the user just gave, even if the variable is set
            token_sources.run_token_command(account.token_command)
        token_sources.load_token(locations.config_file, account, env=env)
    except secrets.SecretsError as error:
        raise ServiceError(f"{str(error).rstrip('.')}; nothing was changed.") from None
    result = _write_account(locations, account, undo=lambda: None)
    return Added(account, locations.config_file, result.created, result.default_account == account.name,
                 None, token_sources.describe_source(account, env))


def _write_account(locations: Locations, account: AccountConfig,
                   undo: Callable[[], None]) -> accounts_file.AddResult:
    try:
        ensure_dirs(locations)
        return accounts_file.add_account(locations.config_file, account)
    except (ConfigError, OSError) as error:
        undo()
        message = str(error) if isinstance(error, ConfigError) else (
            f"Cannot write {locations.config_file}: {error.strerror or error}.")
        raise ServiceError(message) from None


def _restore_token(name: str, entry: str, previous: str | None, keyring: Any) -> None:
    """Undo ``store_token`` after the settings file could not be written."""
    try:
        if previous is None:
            secrets.delete_token(name, entry=entry, backend=keyring)
        else:
            secrets.store_token(name, previous, entry=entry, backend=keyring)
    except secrets.SecretsError:
        pass  # the settings error is the one to report
