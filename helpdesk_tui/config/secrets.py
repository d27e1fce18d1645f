"""Account tokens kept in the operating system's keyring (the default source, ``config/token_sources.py``).

Service ``"helpdesk-tui"``; the user name is the account's keyring entry, which
``config/tokens.py`` makes unique to the account in its home (``NAME/ID``), so two homes
with an account of the same name never share, overwrite or delete each other's token.
The functions here take that entry as ``entry`` (default: the bare account name, where
tokens were kept before). Where no keyring backend is
usable this module says so in one sentence (``SecretsUnavailable``) and stops: it never
falls back to a file of its own. A user who wants a file anyway picks one explicitly,
e.g. keyrings.alt's encrypted file backend through ``PYTHON_KEYRING_BACKEND``.

A token never appears in an exception message, a repr or a log line. Keyring is imported
inside the functions: importing the config package must not read the environment, and
keyring reads ``PYTHON_KEYRING_BACKEND`` when it picks a backend.
"""

from __future__ import annotations

from typing import Any

SERVICE = "helpdesk-tui"

_HOW_TO_FIX = (
    "install and unlock a Secret Service such as GNOME Keyring or KWallet (macOS and "
    "Windows have one built in), or on a headless server choose a backend explicitly with "
    "PYTHON_KEYRING_BACKEND, e.g. keyrings.alt's encrypted file backend "
    "(helpdesk-tui never stores tokens in plain text on its own), or do without one: add the "
    "account with --token-command (e.g. 'pass show helpdesk/work') or set HELPDESK_TUI_TOKEN_<ACCOUNT>"
)


class SecretsError(Exception):
    """A token could not be stored, read or deleted; ``str(error)`` is one sentence."""


class SecretsUnavailable(SecretsError):
    """No usable keyring backend on this machine."""


class TokenMissing(SecretsError):
    """The keyring works but holds no token for the account."""

    def __init__(self, account: str) -> None:
        super().__init__(
            f"No token stored for account {account}: run "
            f"'helpdesk-tui account add {account} …' again."
        )
        self.account = account


class KeyringFailure(SecretsError):
    """The keyring is there but refused (locked, access denied, backend error)."""


def keyring_backend() -> Any:
    """The keyring backend in use, or ``SecretsUnavailable`` if it cannot hold a token."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
    except Exception as error:  # a bad PYTHON_KEYRING_BACKEND or keyring config file
        raise SecretsUnavailable(
            f"The keyring backend chosen for this session cannot be loaded "
            f"({type(error).__name__}): check PYTHON_KEYRING_BACKEND and keyringrc.cfg, or "
            f"{_HOW_TO_FIX}."
        ) from None
    try:
        priority = backend.priority
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            priority = -1
    except Exception:  # a backend that is not viable here raises from `priority`
        priority = -1
    if isinstance(backend, (fail.Keyring, null.Keyring)) or priority <= 0:
        raise SecretsUnavailable(f"No usable system keyring was found to keep the token: {_HOW_TO_FIX}.")
    return backend


def keyring_name(backend: Any | None = None) -> str:
    """A short human name of the backend, e.g. ``"SecretService Keyring"``."""
    backend = keyring_backend() if backend is None else backend
    return str(getattr(backend, "name", type(backend).__name__))


def store_token(account: str, token: str, *, entry: str | None = None, backend: Any | None = None) -> None:
    """Save ``token`` for ``account`` under ``entry``, replacing any previous one."""
    if not isinstance(token, str) or not token.strip():
        raise ValueError("A token cannot be empty.")
    backend = keyring_backend() if backend is None else backend
    _call(backend.set_password, "store", account, SERVICE, entry or account, token)


def load_token(account: str, *, entry: str | None = None, backend: Any | None = None) -> str:
    """The token of ``account`` kept under ``entry``; ``TokenMissing`` if none is stored."""
    token = find_token(account, entry=entry, backend=backend)
    if not token:
        raise TokenMissing(account)
    return token


def find_token(account: str, *, entry: str | None = None, backend: Any | None = None) -> str | None:
    """The token under ``entry``, or None when there is none."""
    backend = keyring_backend() if backend is None else backend
    return _call(backend.get_password, "read", account, SERVICE, entry or account) or None


def has_token(account: str, *, entry: str | None = None, backend: Any | None = None) -> bool:
    """Whether a token is stored for ``account`` (the token itself is not returned)."""
    return find_token(account, entry=entry, backend=backend) is not None


def delete_token(account: str, *, entry: str | None = None, backend: Any | None = None) -> bool:
    """Forget the token of ``account`` under ``entry``; returns False if there was none."""
    backend = keyring_backend() if backend is None else backend
    if _call(backend.get_password, "read", account, SERVICE, entry or account) is None:
        return False
    _call(backend.delete_password, "delete", account, SERVICE, entry or account)
    return True


def _call(operation, verb: str, account: str, *args: str):
    # The backend's own message is left out: it is third-party text that may quote arguments.
    from keyring import errors

    try:
        return operation(*args)
    except errors.NoKeyringError:
        raise SecretsUnavailable(f"No usable system keyring was found to keep the token: {_HOW_TO_FIX}.") from None
    except errors.KeyringLocked:
        raise KeyringFailure(
            f"The system keyring is locked, so the token of account {account} could not be "
            f"{_PARTICIPLE[verb]}: unlock it (log in to the desktop session or open the keyring "
            "app) and try again."
        ) from None
    except Exception as error:  # PasswordSetError, InitError, D-Bus "access denied", …
        raise KeyringFailure(
            f"The system keyring refused to {verb} the token of account {account} "
            f"({type(error).__name__}): unlock it or allow helpdesk-tui access, then try again."
        ) from None


_PARTICIPLE = {"store": "stored", "read": "read", "delete": "deleted"}
