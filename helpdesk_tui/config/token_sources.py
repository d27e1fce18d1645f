"""Where an account's token comes from: the environment, a command, or the system keyring.

Precedence, first match wins:

1. ``HELPDESK_TUI_TOKEN_<ACCOUNT>`` in the environment (the account name upper-cased, every
   character other than A-Z and 0-9 turned into ``_``): for scripts and CI;
2. the account's ``token_command``, e.g. ``pass show helpdesk/work``, ``secret-tool lookup
   service helpdesk account work`` or ``op read op://Work/helpdesk/token``: split like a shell
   would but run without one, with a timeout; the first line it prints is the token (``pass``
   keeps the password on the first line and notes below it);
3. the system keyring (``config/tokens.py``), the default.

A headless server or a container has no Secret Service: the first two need none. A failure
is one sentence that names the variable or the command's program, never the token or what
the command printed (its output may be the token, or part of it). Every token handed out
here is also given to ``helpdesk_tui.logs`` so a log record that quotes it is masked.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from helpdesk_tui.config import secrets, tokens
from helpdesk_tui.config.settings import AccountConfig
from helpdesk_tui.config.token_command import TokenCommandError, split_token_command
from helpdesk_tui.logs import mask_secret

ENV_PREFIX = "HELPDESK_TUI_TOKEN_"
COMMAND_TIMEOUT = 30.0
"""Seconds a token command may take: long enough to unlock a password store, short enough
that a command waiting for input it will never get does not hang a sync."""
_NOT_IN_NAME = re.compile(r"[^A-Z0-9]")
_log = logging.getLogger(__name__)


class TokenSource(StrEnum):
    """Where the token of an account is read from (``account list --json`` shows this, never the token)."""

    ENV = "env"
    COMMAND = "command"
    KEYRING = "keyring"


class TokenCommandFailed(secrets.SecretsError):
    """The token command could not give a token; ``str(error)`` names its program, not its output."""


class TokenEnvInvalid(secrets.SecretsError):
    """The account's token variable is set but holds no usable token."""


def env_var_name(account: str) -> str:
    """``HELPDESK_TUI_TOKEN_WORK_EU`` for the account ``work.eu``."""
    return ENV_PREFIX + _NOT_IN_NAME.sub("_", account.upper())


def token_source(account: AccountConfig, env: Mapping[str, str] | None = None) -> TokenSource:
    """Which source the account's token is read from now; nothing is run or read."""
    env = os.environ if env is None else env
    if env_var_name(account.name) in env:
        return TokenSource.ENV
    if account.token_command:
        return TokenSource.COMMAND
    return TokenSource.KEYRING


def describe_source(account: AccountConfig, env: Mapping[str, str] | None = None) -> str:
    """Where the token comes from, for people: ``$HELPDESK_TUI_TOKEN_WORK``, ``the command 'pass'``."""
    source = token_source(account, env)
    if source is TokenSource.ENV:
        return f"${env_var_name(account.name)}"
    if source is TokenSource.COMMAND and account.token_command:
        return f"the command '{program_of(account.token_command)}'"
    return "the system keyring"


def program_of(command: str) -> str:
    """The program a token command runs (what failure sentences name)."""
    try:
        return split_token_command(command)[0]
    except TokenCommandError:
        return "(unreadable command)"


def load_token(config_file: Path, account: AccountConfig, *, env: Mapping[str, str] | None = None,
               keyring_backend: Any | None = None, timeout: float = COMMAND_TIMEOUT) -> str:
    """The account's token from the first source that applies; ``SecretsError`` if it gives none."""
    env = os.environ if env is None else env
    source = token_source(account, env)
    if source is TokenSource.ENV:
        name = env_var_name(account.name)
        token = _checked(env[name], lambda problem: TokenEnvInvalid(
            f"The environment variable {name} {problem}: export the account's API token in it, or unset it "
            f"to use {'the token command' if account.token_command else 'the system keyring'}."))
    elif source is TokenSource.COMMAND and account.token_command:
        token = run_token_command(account.token_command, timeout=timeout)
    else:
        token = tokens.load_account_token(config_file, account, backend=keyring_backend)
    mask_secret(token)
    _log.info("account %s: token read from %s", account.name, describe_source(account, env))
    return token


def run_token_command(command: str, *, timeout: float = COMMAND_TIMEOUT,
                      env: Mapping[str, str] | None = None) -> str:
    """Run ``command`` without a shell and return the first line it prints, stripped.

    Its standard input is empty (a prompt would wait for nothing) and its error output is
    kept from the terminal. A command that is not found, exits non-zero, runs longer than
    ``timeout`` seconds or prints nothing raises ``TokenCommandFailed``.
    """
    try:
        argv = split_token_command(command)
    except TokenCommandError as error:
        raise TokenCommandFailed(f"The token command {error}") from None
    program = argv[0]
    fix = "check the account's token_command, or run 'helpdesk-tui account add' again"
    try:
        # A process group of its own, so a timeout also stops what the program started
        # (an agent, a pinentry) and nothing keeps its output pipe open.
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=dict(env) if env is not None else None,
                                   **_OWN_GROUP)
    except FileNotFoundError:
        raise TokenCommandFailed(f"The token command's program {program} was not found: install it or "
                                 f"give its full path ({fix}).") from None
    except OSError as error:  # not executable, a directory, …
        raise TokenCommandFailed(f"The token command's program {program} cannot be run "
                                 f"({error.strerror or type(error).__name__}): {fix}.") from None
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise TokenCommandFailed(f"The token command ({program}) did not finish within {timeout:g} seconds: "
                                 f"make it print the token without waiting for input ({fix}).") from None
    if process.returncode != 0:
        raise TokenCommandFailed(f"The token command ({program}) failed with exit status {process.returncode}: "
                                 f"run it yourself to see why, then try again.")
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenCommandFailed(f"The token command ({program}) printed something that is not text: "
                                 f"make it print the token alone ({fix}).") from None
    first_line = text.split("\n", 1)[0].removesuffix("\r")
    return _checked(first_line, lambda problem: TokenCommandFailed(
        f"The token command ({program}) {problem.replace('is empty', 'printed no token')}: "
        f"make it print the token on its first line ({fix})."))


def _checked(token: str, failure) -> str:
    """``token`` stripped, or the failure built from a phrase: it would never sign in."""
    token = token.strip()
    if not token:
        raise failure("is empty")
    if not token.isprintable():  # a control character would break the Authorization header
        raise failure("holds a control character")
    return token


_OWN_GROUP: dict[str, Any] = {"process_group": 0} if os.name == "posix" else {}


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if not _OWN_GROUP:
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
