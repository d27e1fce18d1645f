"""Which keyring entry holds an account's token: one per account *in its home*.

The keyring is shared by every ``--home`` of the same user, so an entry named by the
account alone let ``account add work --home B`` overwrite home A's token and
``account remove work`` in B delete it. Each account therefore carries a random
``keyring_id`` in its settings table (not a secret: it only names the entry) and the
token lives under ``NAME/ID``.

Accounts written before that have no id and a token under the bare ``NAME``. On the
first read such a token is copied to a new ``NAME/ID`` entry and the id written to the
settings file. The old entry is left alone: another home with an account of the same
name may still be reading it, and deleting it is how the bug lost tokens.
"""

from __future__ import annotations

import secrets as _random
from pathlib import Path
from typing import Any

from helpdesk_tui.config import secrets
from helpdesk_tui.config.settings import AccountConfig, ConfigError


def new_keyring_id() -> str:
    """A fresh id for an account's keyring entry."""
    return _random.token_hex(8)


def keyring_entry(account: AccountConfig) -> str:
    """The keyring user name the account's token is kept under."""
    return f"{account.name}/{account.keyring_id}" if account.keyring_id else account.name


def load_account_token(config_file: Path, account: AccountConfig, *, backend: Any | None = None) -> str:
    """The account's token, moving a token kept under the bare name to the account's own entry."""
    backend = secrets.keyring_backend() if backend is None else backend
    if account.keyring_id:
        return secrets.load_token(account.name, entry=keyring_entry(account), backend=backend)
    token = secrets.load_token(account.name, backend=backend)  # TokenMissing says to add it again
    migrate_legacy_token(config_file, account, token, backend=backend)
    return token


def migrate_legacy_token(config_file: Path, account: AccountConfig, token: str, *, backend: Any) -> str | None:
    """Copy ``token`` to a new per-home entry and record its id; the new id, or None if not done.

    A settings file that cannot be written leaves everything as it was: the token keeps
    working from the old entry, and the move is tried again on the next read.
    """
    from helpdesk_tui.config import accounts_file

    keyring_id = new_keyring_id()
    moved = AccountConfig(account.name, account.backend, account.url, account.user, keyring_id)
    secrets.store_token(account.name, token, entry=keyring_entry(moved), backend=backend)
    try:
        accounts_file.set_keyring_id(config_file, account.name, keyring_id)
    except (ConfigError, OSError, accounts_file.InvalidAccount):
        try:
            secrets.delete_token(account.name, entry=keyring_entry(moved), backend=backend)
        except secrets.SecretsError:
            pass
        return None
    return keyring_id


def has_account_token(account: AccountConfig, *, backend: Any | None = None) -> bool:
    """Whether the account's entry (or, before its first read, the old one) holds a token."""
    return secrets.has_token(account.name, entry=keyring_entry(account), backend=backend)


def legacy_token_left(account: AccountConfig, *, backend: Any | None = None) -> bool:
    """Whether an entry under the bare account name, from before tokens were per home, is still there."""
    if not account.keyring_id:
        return False
    return secrets.has_token(account.name, backend=backend)
