"""``helpdesk-tui account add|list|test|remove``: accounts in the settings file, tokens in the keyring.

The settings file gets backend, url, user and a token command if one is given; the token
goes to the system keyring and nowhere else, unless it comes from the environment or a
command (``config/token_sources.py``), and then it is not stored at all. The workflow is
``services.account_add`` and ``services.accounts``; this module asks for the token (the terminal is
the CLI's) and words what they return. Every failure a user can cause is a ``UserError`` with one
sentence.
"""

from __future__ import annotations

import getpass as _getpass
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# account_test is re-exported: the command group's functions are found here, as before it had a module.
from helpdesk_tui.cli.account_test import account_test, agent_line
from helpdesk_tui.cli.context import DEMO, Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.config.settings import AccountConfig
from helpdesk_tui.errors import UserError
from helpdesk_tui.services import account_add as account_add_service
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
    env = os.environ if env is None else env
    if token_env and token_command is not None:
        raise UserError("--token-env and --token-command are two ways to give the token: use one of them.", 2)
    plan = account_add_service.plan_account(ctx.settings, name, backend, url, user, token_given=bool(token_env),
                                            token_command=token_command, options=options, env=env)
    token = _read_token(name, token_env, stdin_isatty, getpass, env) if plan.needs_token else None
    added = account_add_service.add_account(ctx.locations, plan, token=token, env=env)
    if added.keyring_name is not None:
        token_place = f"its token is in the system keyring ({added.keyring_name})"
    else:
        token_place = f"its token is read from {added.source} each time it is needed"
    account = added.account
    print(f"{'Added' if added.created else 'Updated'} account '{name}' ({account.backend} at {account.url}) "
          f"in {added.config_file}; {token_place}.")
    if added.is_default:
        print(f"'{name}' is the default account.")
    _sign_in_once(ctx, name, added.config_file, account)
    return 0


def _sign_in_once(ctx: Context, name: str, config_file: Path, account: AccountConfig) -> None:
    """Sign in once now, to learn who the agent is (assignee:me, My open, signatures). An account
    can be added offline: a failure is a note on stderr, the account stays added."""
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.services.errors import ServiceError

    if account.backend == DEMO:
        return
    override = ctx.settings.agent.name if ctx.settings.agent.explicit else None
    try:
        tested = accounts.verify_new_account(config_file, account, override)
    except ServiceError as error:
        print(f"helpdesk-tui: added, but signing in did not work just now ({clean_line(str(error)).rstrip('.')}): "
              f"'helpdesk-tui account test {name}' tries again and learns who you are.", file=sys.stderr)
        return
    _report(name, account.backend, tested)


def account_list(ctx: Context, as_json: bool, *, env: Mapping[str, str] | None = None) -> int:
    """Print the accounts and where each token comes from, or whether it is stored; never the token.

    The demo workspace is always listed: ``--account demo`` works whatever else is configured.
    A token command is not run here: listing must not prompt or wait.
    """
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.content.text import fit

    rows, keyring_problem = accounts.account_rows(ctx.settings, os.environ if env is None else env)
    for row in rows:
        if as_json:
            print(dumps(row.to_dict()))
            continue
        if row.backend == DEMO:
            token = "not needed"
        else:
            token = row.token_place or {True: "stored", False: "missing", None: "unknown"}[row.token_stored]
        marker = "*" if row.default else " "
        print(f"{marker} {fit(clean_line(row.name), 20)} {fit(clean_line(row.backend), 16)} "
              f"{fit(clean_line(row.url or '-'), 40)} {fit(clean_line(row.user or '-'), 28)} "
              f"token {clean_line(token)}")
    if keyring_problem:
        print(f"helpdesk-tui: {keyring_problem}", file=sys.stderr)
    return 0


def _report(name: str, backend: str, tested: accounts.Tested) -> None:
    """The backend's sentence, then who we are and where it was stored (or a note that it is unknown)."""
    print(tested.sentence)
    if tested.agent is not None:
        print(agent_line(name, tested))
    elif tested.name_override is None:  # a note, not the answer: stdout stays the backend's sentence
        print(f"helpdesk-tui: {accounts.backend_label(backend)} did not say who this token belongs to, so "
              "assignee:me and signatures have no name: set [agent] name in the settings file.", file=sys.stderr)


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
    return account_add_service.clean_token(token)


__all__ = ["account_add", "account_list", "account_remove", "account_test"]
