"""``helpdesk-tui account add|list|test|remove``: accounts in the settings file, tokens in the keyring.

The settings file gets backend, url, user and a token command if one is given; the token
goes to the system keyring and nowhere else, unless it comes from the environment or a
command (``config/token_sources.py``), and then it is not stored at all. Every failure a
user can cause is a ``UserError`` with one sentence.
"""

from __future__ import annotations

import getpass as _getpass
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from helpdesk_tui.cli.context import DEMO, Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.config import accounts_file, secrets, tokens
from helpdesk_tui.config.paths import ensure_dirs
from helpdesk_tui.config.settings import AccountConfig, ConfigError
from helpdesk_tui.errors import UserError
from helpdesk_tui.logs import mask_secret
from helpdesk_tui.services import accounts


def account_add(ctx: Context, name: str, backend: str, url: str, user: str | None, token_env: str | None,
                stdin_isatty: bool, getpass: Callable[[str], str] = _getpass.getpass, *,
                env: Mapping[str, str] | None = None, token_command: str | None = None,
                options: Sequence[str] = ()) -> int:
    """Write ``[accounts.NAME]``; 0 on success. ``options``: ``KEY=VALUE`` texts, checked against
    what the backend declares.

    With ``token_command``, or with ``HELPDESK_TUI_TOKEN_<NAME>`` set and no ``token_env``,
    the token is read from there (once now, to check it) and no keyring is needed;
    otherwise it is stored in the keyring first, as before.
    """
    from helpdesk_tui.config import token_sources
    from helpdesk_tui.config.account_options import parse_option

    env = os.environ if env is None else env
    if token_env and token_command is not None:
        raise UserError("--token-env and --token-command are two ways to give the token: use one of them.", 2)
    try:
        account = accounts_file.validate_account(name, backend, url, user, accounts.backend_names(),
                                                 token_command=token_command)
    except accounts_file.InvalidAccount as error:
        raise UserError(str(error), 2) from None
    declared = accounts.check_backend(backend)
    try:
        given = dict(parse_option(text) for text in options)
        account = accounts_file.validate_account(name, backend, url, user, accounts.backend_names(),
                                                 token_command=token_command, options=given, declared=declared)
    except ValueError as error:  # InvalidAccount is one
        raise UserError(str(error), 2) from None
    # The token's entry is this home's own: an account of the same name in another home keeps its token.
    existing = ctx.settings.accounts.get(name)
    keyring_id = existing.keyring_id if existing is not None and existing.keyring_id else tokens.new_keyring_id()
    account = replace(account, keyring_id=keyring_id)
    if account.token_command is not None or (not token_env and token_sources.env_var_name(name) in env):
        return _add_without_keyring(ctx, account, env)

    try:
        keyring = secrets.keyring_backend()  # before asking: nobody should type a token for nothing
    except secrets.SecretsError as error:
        raise UserError(str(error)) from None
    token = _read_token(name, token_env, stdin_isatty, getpass, env)
    entry = tokens.keyring_entry(account)
    previous = _current_token(name, entry, keyring)
    try:
        secrets.store_token(name, token, entry=entry, backend=keyring)
    except secrets.SecretsError as error:
        raise UserError(str(error)) from None
    result = _write_account(ctx, account, undo=lambda: _restore_token(name, entry, previous, keyring))
    _say_added(ctx, account, result, f"its token is in the system keyring ({secrets.keyring_name(keyring)})")
    return 0


def _add_without_keyring(ctx: Context, account: AccountConfig, env: Mapping[str, str]) -> int:
    """The token comes from a command or the environment: check it can be had, then write the account."""
    from helpdesk_tui.config import token_sources

    try:
        if account.token_command is not None:  # the command the user just gave, even if the variable is set
            token_sources.run_token_command(account.token_command)
        token_sources.load_token(ctx.locations.config_file, account, env=env)
    except secrets.SecretsError as error:
        raise UserError(f"{str(error).rstrip('.')}; nothing was changed.") from None
    result = _write_account(ctx, account, undo=lambda: None)
    _say_added(ctx, account, result,
               f"its token is read from {token_sources.describe_source(account, env)} each time it is needed")
    return 0


def _write_account(ctx: Context, account: AccountConfig, undo: Callable[[], None]) -> accounts_file.AddResult:
    try:
        ensure_dirs(ctx.locations)
        return accounts_file.add_account(ctx.locations.config_file, account)
    except (ConfigError, OSError) as error:
        undo()
        message = str(error) if isinstance(error, ConfigError) else (
            f"Cannot write {ctx.locations.config_file}: {error.strerror or error}.")
        raise UserError(message) from None


def _say_added(ctx: Context, account: AccountConfig, result: accounts_file.AddResult, token_place: str) -> None:
    name = account.name
    verb = "Added" if result.created else "Updated"
    print(f"{verb} account '{name}' ({account.backend} at {account.url}) in {ctx.locations.config_file}; "
          f"{token_place}.")
    if result.default_account == name:
        print(f"'{name}' is the default account.")
    print(f"Check it with 'helpdesk-tui account test {name}'.")


def account_list(ctx: Context, as_json: bool, *, env: Mapping[str, str] | None = None) -> int:
    """Print the accounts and where each token comes from, or whether it is stored; never the token.

    The demo workspace is always listed: ``--account demo`` works whatever else is configured.
    A token command is not run here: listing must not prompt or wait.
    """
    from helpdesk_tui.config import token_sources
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.content.text import fit

    accounts = list(ctx.settings.accounts.values())
    if DEMO not in ctx.settings.accounts:
        accounts.append(AccountConfig(DEMO, backend=DEMO))
    env = os.environ if env is None else env
    keyring, keyring_problem = None, None
    rows: list[dict[str, Any]] = []
    places: dict[str, str] = {}
    for config in accounts:
        stored: bool | None = None  # the demo needs no token; None also means "could not tell"
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
            places[config.name] = "from " + token_sources.describe_source(config, env)
        rows.append({"name": config.name, "backend": config.backend, "url": config.url, "user": config.user,
                     "default": config.name == ctx.settings.default_account, "token_stored": stored,
                     "token_source": None if source is None else str(source)})
    for row in rows:
        if as_json:
            print(dumps(row))
            continue
        if row["backend"] == DEMO:
            token = "not needed"
        else:
            token = places.get(row["name"]) or {True: "stored", False: "missing", None: "unknown"}[row["token_stored"]]
        marker = "*" if row["default"] else " "
        print(f"{marker} {fit(clean_line(row['name']), 20)} {fit(clean_line(row['backend']), 16)} "
              f"{fit(clean_line(row['url'] or '-'), 40)} {fit(clean_line(row['user'] or '-'), 28)} "
              f"token {clean_line(token)}")
    if keyring_problem:
        print(f"helpdesk-tui: {keyring_problem}", file=sys.stderr)
    return 0


def account_test(ctx: Context, name: str, *, client_options: Mapping[str, Any] | None = None) -> int:
    """Sign in with the account's token and print the backend's sentence; ``UserError`` on failure."""
    config = _configured(ctx, name)
    if config.backend == DEMO:
        print(f"Account '{name}' is the offline demo workspace: there is no server to test.")
        return 0
    print(accounts.sign_in(ctx.locations.config_file, config, client_options=client_options))
    return 0


def account_remove(ctx: Context, name: str) -> int:
    """Delete the account's token from the keyring and its table from the settings file."""
    removed = accounts.remove_account(ctx.locations, ctx.settings, name)
    token_note = {"deleted": "and its token from the system keyring",
                  "none": "(it had no token of its own in the system keyring)",
                  "no keyring": "(no system keyring is usable here, so no token was deleted)"}[removed.token]
    print(f"Removed account '{name}' from {removed.config_file} {token_note}.")
    if removed.legacy_token_left:
        print(f"A token kept by an older version under the name '{name}', which every --home shares, is still "
              f"in the keyring in case another home uses it: if none does, remove it with "
              f"'python -m keyring del {removed.keyring_service} {name}'.")
    if removed.new_default:
        print(f"The default account is now '{removed.new_default}'.")
    if removed.cache is not None:
        print(accounts.kept_cache_note(name, removed.cache))
    return 0


def _configured(ctx: Context, name: str):
    config = ctx.settings.accounts.get(name)
    if config is None:
        known = ", ".join(ctx.settings.accounts)
        raise UserError(f"There is no account named '{name}': use one of {known}, or add it with "
                        f"'helpdesk-tui account add {name} …'.", 2)
    return config


def _read_token(name: str, token_env: str | None, stdin_isatty: bool, getpass: Callable[[str], str],
                env: Mapping[str, str]) -> str:
    if token_env:
        if token_env not in env:
            raise UserError(f"The environment variable {token_env} (--token-env) is not set: export it "
                            "with the token first.", 2)
        token = env[token_env]
    elif stdin_isatty:
        try:
            token = getpass(f"API token or password for account '{name}' (not shown): ")
        except (EOFError, KeyboardInterrupt):
            raise UserError("No token was entered, so nothing was changed.") from None
    else:
        raise UserError("There is no terminal to ask for the token: pass --token-env VAR naming an "
                        "environment variable that holds it.", 2)
    token = token.strip()
    if not token:
        raise UserError("The token is empty, so nothing was changed: give the helpdesk's API token.", 2)
    if not token.isprintable():
        # A pasted line break or escape would break the Authorization header.
        raise UserError("The token contains a line break or control character, so nothing was changed: "
                        "paste it again.", 2)
    mask_secret(token)
    return token


def _current_token(name: str, entry: str, keyring) -> str | None:
    try:
        return secrets.find_token(name, entry=entry, backend=keyring)
    except secrets.SecretsError as error:
        raise UserError(str(error)) from None


def _restore_token(name: str, entry: str, previous: str | None, keyring) -> None:
    """Undo ``store_token`` after the settings file could not be written."""
    try:
        if previous is None:
            secrets.delete_token(name, entry=entry, backend=keyring)
        else:
            secrets.store_token(name, previous, entry=entry, backend=keyring)
    except secrets.SecretsError:
        pass  # the settings error is the one to report
