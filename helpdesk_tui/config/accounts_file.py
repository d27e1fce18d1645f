"""Add and remove ``[accounts.NAME]`` tables in the user's settings file.

Edits go through tomlkit, which keeps the user's comments, order and formatting; the new
file is checked with the same parser the app uses, then swapped in atomically, so a failed
edit leaves the old file as it was. Only ``backend``, ``url``, ``user``, ``keyring_id``
(which names the token's keyring entry, ``config/tokens.py``), ``token_command`` (the
program that prints the token, ``config/token_sources.py``) and the ``options`` the backend
declares (``config/account_options.py``) are written, and the ``agent`` table (who the helpdesk
says we are, ``set_agent``): never a secret (tokens live in the
keyring, a command's output or the environment).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from helpdesk_tui.atomic_file import write_atomic
from helpdesk_tui.config.account_options import Option, check_options
from helpdesk_tui.config.paths import validate_account_name
from helpdesk_tui.config.secret_keys import KEYRING_ID_KEY, TOKEN_COMMAND_KEY
from helpdesk_tui.config.token_command import TokenCommandError, split_token_command
from helpdesk_tui.config.toml_file import BOM
from helpdesk_tui.config.settings import AccountConfig, AgentIdentity, ConfigError, load_settings


class InvalidAccount(ValueError):
    """A name, backend, URL or user that cannot be saved; ``str(error)`` is one sentence."""


@dataclass(frozen=True)
class AddResult:
    created: bool
    """False when an existing account of that name was updated."""
    default_account: str
    """The default account after the change."""


@dataclass(frozen=True)
class RemoveResult:
    default_account: str | None
    """The default account after the change; None when no account is left."""


def validate_account(name: str, backend: str, url: str, user: str | None,
                     known_backends: Collection[str], *, token_command: str | None = None,
                     options: Mapping[str, str] | None = None, declared: Sequence[Option] = ()) -> AccountConfig:
    """The account to save, or ``InvalidAccount`` saying what is wrong (one sentence per
    mistake in ``options``, checked against the backend's ``declared`` options)."""
    try:
        validate_account_name(name)
    except ValueError as error:
        raise InvalidAccount(str(error)) from None
    if backend not in known_backends:
        if not known_backends:
            raise InvalidAccount(f"Unknown backend '{backend}': no backends are installed, so reinstall "
                                 "helpdesk-tui.")
        raise InvalidAccount(f"Unknown backend '{backend}': use one of {', '.join(known_backends)}.")
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, hostname = None, None
    # The url is not quoted back: a mistyped one may hold a password.
    if (parts is None or parts.scheme not in ("http", "https") or not hostname or not url.isprintable()
            or any(c.isspace() for c in url)):
        raise InvalidAccount(
            "The url is not a web address: give the helpdesk's base URL starting with https:// or "
            "http://, e.g. https://example.zendesk.com."
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidAccount(
            "The url must not contain a user name or password: pass the login with --user; "
            "the token is asked for and kept in the system keyring."
        )
    if parts.query or parts.fragment:
        raise InvalidAccount(
            "The url must be the helpdesk's base address without '?' or '#' parts: anything "
            "secret belongs in the token, which is kept in the system keyring."
        )
    if user is not None:
        user = user.strip()
        if not user or any(not c.isprintable() for c in user):
            raise InvalidAccount("The user (--user) cannot be empty or contain control characters.")
    if token_command is not None:
        try:
            split_token_command(token_command)
        except TokenCommandError as error:
            raise InvalidAccount(f"The token command (--token-command) {error}") from None
        token_command = token_command.strip()
    given = dict(options or {})
    problems = check_options(backend, declared, given)
    if problems:
        raise InvalidAccount(" ".join(problems))
    return AccountConfig(name=name, backend=backend, url=url, user=user, token_command=token_command,
                         options=given)


def add_account(path: Path, account: AccountConfig) -> AddResult:
    """Write ``[accounts.NAME]`` (replacing an existing one's backend/url/user); keep the rest.

    The first account becomes ``default_account``; so does this one when the current
    default would no longer name an account. Validate with ``validate_account`` first.
    """
    import tomlkit

    doc = _parse(path)
    accounts = doc.get("accounts")
    if accounts is None:
        accounts = tomlkit.table(is_super_table=True)
        doc["accounts"] = accounts
        accounts = doc["accounts"]
    created = account.name not in accounts
    if created:
        table = tomlkit.table()
        table["backend"] = account.backend
        table["url"] = account.url
        if account.user is not None:
            table["user"] = account.user
        if account.keyring_id is not None:
            table[KEYRING_ID_KEY] = account.keyring_id
        if account.token_command is not None:
            table[TOKEN_COMMAND_KEY] = account.token_command
        if account.options:
            table["options"] = dict(account.options)
        table.add(tomlkit.nl())
        accounts[account.name] = table
    else:
        table = accounts[account.name]
        table["backend"] = account.backend
        table["url"] = account.url
        if account.user is not None:
            table["user"] = account.user
        elif "user" in table:
            del table["user"]
        if account.keyring_id is not None:
            table[KEYRING_ID_KEY] = account.keyring_id
        # Adding again without --token-command goes back to the keyring (or the environment).
        if account.token_command is not None:
            table[TOKEN_COMMAND_KEY] = account.token_command
        elif TOKEN_COMMAND_KEY in table:
            del table[TOKEN_COMMAND_KEY]
        if account.options:  # given again: they replace the old ones; none given: the old ones stay
            table["options"] = dict(account.options)
    default = doc.get("default_account")
    if len(accounts) == 1 or (default is not None and default not in accounts):
        # The first account; or a default such as "demo" that would name no account now.
        default = account.name
        doc["default_account"] = default
    elif default is None:
        default = next(iter(accounts))  # what load_settings picks without the setting
    _write(path, tomlkit.dumps(doc))
    return AddResult(created=created, default_account=str(default))


def remove_account(path: Path, name: str) -> RemoveResult:
    """Delete ``[accounts.NAME]``; move ``default_account`` to a remaining account if needed."""
    import tomlkit

    doc = _parse(path)
    accounts = doc.get("accounts")
    if not hasattr(accounts, "keys") or name not in accounts:
        raise InvalidAccount(f"There is no account named '{name}' in {path}.")
    del accounts[name]
    remaining = list(accounts.keys())
    if not remaining:
        del doc["accounts"]
    default = doc.get("default_account")
    if default is not None and default not in remaining:
        if remaining:
            doc["default_account"] = default = remaining[0]
        else:
            del doc["default_account"]
            default = None
    elif default is None and remaining:
        default = remaining[0]
    _write(path, tomlkit.dumps(doc))
    return RemoveResult(default_account=None if default is None else str(default))


def set_keyring_id(path: Path, name: str, keyring_id: str) -> None:
    """Record the id of ``[accounts.NAME]``'s keyring entry, keeping everything else."""
    import tomlkit

    doc = _parse(path)
    accounts = doc.get("accounts")
    if not hasattr(accounts, "keys") or name not in accounts:
        raise InvalidAccount(f"There is no account named '{name}' in {path}.")
    accounts[name][KEYRING_ID_KEY] = keyring_id
    _write(path, tomlkit.dumps(doc))


def set_agent(path: Path, name: str, agent: AgentIdentity) -> None:
    """Write ``[accounts.NAME.agent]`` (name, email, id as the helpdesk gave them), keeping the rest."""
    import tomlkit

    doc = _parse(path)
    accounts = doc.get("accounts")
    if not hasattr(accounts, "keys") or name not in accounts:
        raise InvalidAccount(f"There is no account named '{name}' in {path}.")
    table = tomlkit.table()
    table["name"] = agent.name
    if agent.email:
        table["email"] = agent.email
    if agent.remote_id:
        table["id"] = agent.remote_id
    accounts[name]["agent"] = table
    _write(path, tomlkit.dumps(doc))


def configured_accounts(path: Path) -> list[str]:
    """Names of the accounts written in the file (not the built-in demo)."""
    doc = _parse(path)
    accounts = doc.get("accounts")
    return list(accounts.keys()) if hasattr(accounts, "keys") else []


def _parse(path: Path):
    import tomlkit

    # The app's own reader first: its sentences name the file and the line.
    load_settings(path, env={})
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except OSError as error:
        raise ConfigError(f"Cannot read settings from {path}: {error.strerror or error}.", path) from None
    try:
        return tomlkit.parse(text.removeprefix(BOM))
    except Exception as error:  # tomllib accepted it, so this is tomlkit's limit, not the user's
        raise ConfigError(
            f"Settings file {path} cannot be edited automatically ({type(error).__name__}): "
            "edit the [accounts] tables by hand.", path
        ) from None


def _write(path: Path, text: str) -> None:
    """Check ``text`` with the app's parser, then replace the file in one step."""
    text = text.rstrip("\n") + "\n"
    target = Path(path)
    if target.is_symlink():  # a dotfiles manager's link: edit the file it points at
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600

    def check(temp: Path) -> None:
        try:
            load_settings(temp, env={})
        except ConfigError as error:
            raise ConfigError(
                f"Changing {path} would make it invalid, so it was left as it was: "
                f"{str(error).replace(str(temp), str(path))}", path
            ) from None

    write_atomic(target, text, mode=mode, check=check)
