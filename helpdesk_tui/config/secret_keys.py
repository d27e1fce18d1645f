"""Telling a settings key that would hold a secret from one that names where a secret is.

Secrets live in the system keyring; a key such as ``pw``, ``auth`` or ``api_key`` in the
settings file means a secret is sitting in plain text, and the user should hear so.
``keyring_id`` is not one: it only names the keyring entry (``config/tokens.py``); nor is
``token_command``, which names the program that prints the token
(``config/token_sources.py``).
"""

from __future__ import annotations

import re

KEYRING_ID_KEY = "keyring_id"
TOKEN_COMMAND_KEY = "token_command"
_NOT_SECRETS = frozenset({KEYRING_ID_KEY, TOKEN_COMMAND_KEY})

# Long words are matched anywhere in the key ("client_secret", "apitoken", "DB_PASSWORD").
_SECRET_STEMS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credential",
                 "privatekey", "bearer", "cookie")
# Short words only as a whole part of the key, so "author" or "keyboard" do not count.
_SECRET_PARTS = frozenset({"pw", "pwd", "pass", "auth", "authorization", "key", "pin", "otp", "session",
                           "sessionid", "sid"})
_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_KEYRING_ID = re.compile(r"[0-9a-f]{8,64}")


def looks_like_secret(key: str) -> bool:
    """Whether a settings key's name says it holds a password, token or other secret."""
    if key in _NOT_SECRETS:
        return False
    compact = re.sub(r"[^a-z0-9]", "", key.lower())
    if any(stem in compact for stem in _SECRET_STEMS):
        return True
    # "apiKey", "api-key", "API_KEY" and "x.auth" all split into their words.
    parts = [part.lower() for part in _PARTS.findall(key)]
    return any(part in _SECRET_PARTS for part in parts)


def valid_keyring_id(value: str) -> bool:
    """Whether ``value`` is shaped like the ids ``config/tokens.py`` writes (lower-case hex)."""
    return bool(_KEYRING_ID.fullmatch(value))
