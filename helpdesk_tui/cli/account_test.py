"""``helpdesk-tui account test NAME [--json]``: sign in, then try every read, one line each.

The workflow is ``services/account_probe.py``; this module words it. Each line is the read's
outcome, its name and what it found or why it failed (one sentence, cleaned: it quotes the
server). A sign-in that fails is the one-sentence error every command gives (nothing else can
be read without it); with ``--json`` it is a JSON line like the others. Exit status 1 when any
read failed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from helpdesk_tui.cli.context import DEMO, Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.config.settings import AccountConfig
from helpdesk_tui.errors import UserError
from helpdesk_tui.services import account_probe, accounts


def account_test(ctx: Context, name: str, *, as_json: bool = False,
                 client_options: Mapping[str, Any] | None = None) -> int:
    """Print one line per read (``--json``: one object per read); 0 when every read worked."""
    config = configured(ctx, name)
    if config.backend == DEMO:
        if as_json:
            print(dumps({"read": "check", "ok": True, "says": "the offline demo workspace: there is no server"}))
        else:
            print(f"Account '{name}' is the offline demo workspace: there is no server to test.")
        return 0
    probed = account_probe.probe_account(ctx.locations.config_file, ctx.settings, name,
                                         client_options=client_options)
    if probed.tested is None and not as_json:
        raise UserError(probed.reads[0].says)
    for read in probed.reads:
        print(dumps(read.to_dict()) if as_json else read_line(read))
    tested = probed.tested
    if tested is not None and tested.agent is not None:
        (print if not as_json else _to_stderr)(agent_line(name, tested))
    elif tested is not None and tested.name_override is None:
        _to_stderr(f"helpdesk-tui: {accounts.backend_label(config.backend)} did not say who this token belongs "
                   "to, so assignee:me and signatures have no name: set [agent] name in the settings file.")
    return 0 if probed.ok else 1


def read_line(read: account_probe.Read) -> str:
    """``ok      tickets         25 tickets on the first page``: outcome, read, what it said."""
    return f"{'ok' if read.ok else 'failed':<7} {read.name:<16} {read.says}"


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr)


def agent_line(name: str, tested: accounts.Tested) -> str:
    """One line: who we are on the helpdesk, and where it was stored."""
    agent = tested.agent
    assert agent is not None
    details = "".join(f", {label} {value}" for label, value in (("email", agent.email), ("id", agent.remote_id))
                      if value)
    line = f"Agent: {agent.name}{details}; stored for account '{name}' in {tested.stored_in}"
    if tested.name_override is not None and tested.name_override != agent.name:
        line += f" ([agent] name {tested.name_override!r} overrides the name)"
    return line + "."


def configured(ctx: Context, name: str) -> AccountConfig:
    """The account's settings; a usage error naming the known ones when there is none."""
    config = ctx.settings.accounts.get(name)
    if config is None:
        known = ", ".join(ctx.settings.accounts)
        raise UserError(f"There is no account named '{name}': use one of {known}, or add it with "
                        f"'helpdesk-tui account add {name} …'.", 2)
    return config
