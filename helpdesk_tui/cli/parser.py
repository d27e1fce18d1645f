"""The command line's grammar: every command, flag and help text of ``helpdesk-tui``.

argparse, not click: the grammar is declarative enough as it is, argparse is in the standard
library (no dependency for a start-up path that must stay fast), and every message and exit
status the tests pin down is argparse's or ours already.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn, cast

from helpdesk_tui import __version__, logs
from helpdesk_tui.errors import UserError

# The options before a command that take a value (``--home DIR``); ``--debug`` takes none.
_VALUED = ("--home", "--account", "--log")
_NO_COMMAND = ""


class _Formatter(argparse.HelpFormatter):
    """argparse makes a formatter for every ``add_argument`` (to check its metavar), and the stock
    one asks shutil for the terminal width at once: importing shutil (with bz2 and lzma) is ~2.5 ms
    of every command line, though only ``--help`` and usage text need the width. This one asks
    when the text is formatted, with the stock rule (terminal columns - 2)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        self._asked = (indent_increment, max_help_position, width)
        super().__init__(prog, indent_increment, max_help_position, width=80)  # replaced before use

    def format_help(self) -> str:
        indent_increment, max_help_position, width = self._asked
        if width is None:
            import shutil  # see the class docstring

            width = shutil.get_terminal_size().columns - 2
        self._width = width
        self._max_help_position = min(max_help_position, max(width - 20, indent_increment * 2))
        return super().format_help()


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # argparse would print usage and exit 2
        raise UserError(f"{message[0].upper()}{message[1:]}. Run '{self.prog} --help' for usage.", 2)


def command_in(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` as argparse will read it ("" when there is none), or None when
    that is not plain to see (``--help``, an abbreviated option, ``--``): then the whole grammar
    is needed."""
    tokens = iter(argv)
    for token in tokens:
        if token in _VALUED:
            next(tokens, None)
        elif token == "--debug" or token.partition("=")[0] in _VALUED:
            continue
        elif token.startswith("-"):
            return None
        else:
            return token
    return _NO_COMMAND


class _Unused:
    """Stands in for the parser of a command that is not on the command line: takes its
    arguments and throws them away."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None

    def add_subparsers(self, *args: Any, **kwargs: Any) -> _Unused:
        return self

    def add_parser(self, *args: Any, **kwargs: Any) -> _Unused:
        return self

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:  # argparse's call for the command run
        raise RuntimeError("this grammar was built for another command line: build_parser(argv) reads only argv")


_UNUSED = "_helpdesk_unused"  # the keyword add_parser hands to _parser_or_unused for a command not run


def _parser_or_unused(**kwargs: Any) -> Any:
    """The subcommands' parser class: a real parser, or for a command that is not on the command
    line an ``_Unused`` that only fills its place in the table of names. Each ArgumentParser
    costs ~0.3 ms (its -h action, three gettext look-ups of its help words on disk), and a
    command line runs one command of thirty."""
    if kwargs.pop(_UNUSED, False):
        return _Unused()
    return _Parser(**kwargs)


class _Commands:
    """``add_parser`` for the top-level commands: every command is listed (``--help``, the
    "invalid choice" message), but only the one being run gets its arguments and a parser.
    Building all thirty took ~4 ms of a command line whose budget is 60."""

    def __init__(self, real: Any, wanted: str | None) -> None:
        self.real, self.wanted = real, wanted

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self.wanted is None or name == self.wanted:
            return self.real.add_parser(name, **kwargs)
        # argparse keeps the name (the choices it checks and lists) and its help line; the
        # parser it would make is never used, as the command is not the one being run.
        return self.real.add_parser(name, help=kwargs.get("help"), **{_UNUSED: True})


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The grammar; given the ``argv`` it will parse, only that command's arguments are built
    (the result parses ``argv`` exactly as the whole grammar would)."""
    # SUPPRESS: a subcommand that is not given --home must not overwrite one given before it.
    common = _Parser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS,
                        help="keep config and data under DIR (also HELPDESK_TUI_HOME)")
    common.add_argument("--account", metavar="NAME", default=argparse.SUPPRESS,
                        help="the account to use (the demo workspace is 'demo')")
    logs.add_arguments(common)

    parser = _Parser(prog="helpdesk-tui", parents=[common],
                     description="A keyboard-first terminal workstation for helpdesk agents.")
    parser.add_argument("--version", action="version", version=f"helpdesk-tui {__version__}")
    # prog given: argparse would format the usage of the top-level positionals (there are none, so
    # it is the program's name) to find it, and formatting asks for the terminal width (_Formatter).
    sub = _Commands(parser.add_subparsers(dest="command", metavar="COMMAND",
                                          parser_class=cast("type[_Parser]", _parser_or_unused), prog=parser.prog),
                    None if argv is None else command_in(argv))

    demo = sub.add_parser("demo", parents=[common], help="open the app on the built-in demo workspace")
    demo.add_argument("--seed", type=int, default=7, help="seed of the generated workspace (default 7)")
    demo.add_argument("--tickets", type=int, default=1200, help="number of tickets (default 1200)")
    demo.add_argument("--rebuild", action="store_true", help="generate the workspace again from scratch")
    demo.add_argument("--build-only", action="store_true", help="build the workspace, do not open the app")

    sub.add_parser("open", parents=[common], help="open the app on an account (the default command)")

    locate = sub.add_parser("locate", parents=[common], help="print where config, data, drafts and themes are")
    locate.add_argument("what", nargs="?", choices=["config", "config-dir", "themes", "templates", "macros", "data",
                                                    "state", "account-db", "drafts"],
                        help="print only this location")

    listing = sub.add_parser("list", parents=[common], help="print the inbox in the same order as the app")
    listing.add_argument("--view", default="all", help="mine, unassigned, due, waiting, recent, all, or the name of one of your [views]")
    listing.add_argument("--filter", default="", metavar="QUERY",
                         help="e.g. 'status:open priority:high assignee:me tag:billing customer:acme words'")
    listing.add_argument("--limit", type=int, default=None, help="print at most N tickets")
    listing.add_argument("--json", action="store_true", help="print JSON lines instead of a table")

    show = sub.add_parser("show", parents=[common], help="print a ticket with its thread")
    show.add_argument("ticket", help="ticket number, e.g. 10042 or #10042")
    show.add_argument("--json", action="store_true", help="print JSON")

    attachment = sub.add_parser("attachment", parents=[common], help="list a ticket's attachments or save one")
    attachment_sub = attachment.add_subparsers(dest="attachment_command", metavar="ACTION", parser_class=_Parser,
                                               required=True)
    attachment_list = attachment_sub.add_parser("list", parents=[common], help="list a ticket's attachments")
    attachment_list.add_argument("ticket", help="ticket number, e.g. 10042 or #10042")
    attachment_list.add_argument("--json", action="store_true", help="print JSON lines")
    attachment_save = attachment_sub.add_parser("save", parents=[common],
                                                help="download an attachment (once) and save a copy")
    attachment_save.add_argument("ticket", help="ticket number, e.g. 10042 or #10042")
    attachment_save.add_argument("attachment", metavar="NAME|ID", help="its file name or its id, as 'attachment "
                                 "list' shows them")
    attachment_save.add_argument("--to", metavar="DIR", default=None,
                                 help="the folder to save into (default: your download folder, ~/Downloads)")
    attachment_save.add_argument("--overwrite", action="store_true", help="replace a file of the same name")

    search = sub.add_parser("search", parents=[common], help="full-text search of tickets, messages and KB")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true", help="print JSON lines")
    sub.add_parser("sync", parents=[common], help="send the outbox, then pull changes from the helpdesk")
    reply = sub.add_parser("reply", parents=[common], help="queue a reply or internal note from a file")
    reply.add_argument("ticket", help="ticket number")
    reply.add_argument("--file", required=True, help="the reply's text (markdown); - reads standard input")
    reply.add_argument("--note", action="store_true", help="an internal note instead of a public reply")
    reply.add_argument("--status", help="the ticket's status after sending (open, pending, on_hold, solved, …)")
    reply.add_argument("--next-update", metavar="WHEN", help="promised next update: +2h, tomorrow 10:00, …")
    reply.add_argument("--attach", action="append", default=[], metavar="PATH",
                       help="attach this file (repeat for more); it is copied now, so later changes do not count")
    reply.add_argument("--queue-only", action="store_true", help="queue it but do not try to send now")
    reply.add_argument("--delay", type=int, default=0, metavar="N",
                       help="hold it N seconds before it can be sent (ctrl+c meanwhile takes it back); default 0")
    new = sub.add_parser("new", parents=[common], help="open a ticket for a customer (an outbound message)")
    new.add_argument("--to", required=True, metavar="EMAIL", help="the customer: an e-mail address, or a name the cache knows")
    new.add_argument("--cc", action="append", default=[], metavar="EMAIL", help="a copy to this address (repeatable)")
    new.add_argument("--subject", required=True, help="the ticket's subject")
    new.add_argument("--file", help="the first message's text (markdown); - reads standard input")
    new.add_argument("--status", help="the ticket's status once opened (open, pending, solved, …)")
    new.add_argument("--priority", help="low, normal, high or urgent")
    new.add_argument("--assignee", help="the agent it is assigned to, as the helpdesk names them")
    new.add_argument("--template", metavar="NAME", help="start the message with this template (id or name)")
    new.add_argument("--attach", action="append", default=[], metavar="PATH",
                     help="send this file with the first message (repeat for more); it is copied now")
    new.add_argument("--queue-only", action="store_true", help="queue it but do not try to send now")
    box = sub.add_parser("outbox", parents=[common], help="list queued and failed items; retry or drop one")
    box.add_argument("--retry", metavar="ID", help="queue a failed or conflicting item again")
    box.add_argument("--drop", metavar="ID", help="give up on a failed or conflicting item")
    box.add_argument("--json", action="store_true", help="print JSON lines")

    template = sub.add_parser("template", parents=[common], help="list reply templates or render one")
    template_sub = template.add_subparsers(dest="template_command", metavar="ACTION", parser_class=_Parser,
                                           required=True)
    template_list = template_sub.add_parser("list", parents=[common], help="list the templates")
    template_list.add_argument("--json", action="store_true", help="print JSON lines")
    template_render = template_sub.add_parser("render", parents=[common],
                                              help="render a template for a ticket")
    template_render.add_argument("name", help="template id (en/acknowledgement) or name")
    template_render.add_argument("--ticket", required=True, help="ticket number")
    macro = sub.add_parser("macro", parents=[common], help="list macros or apply one to a ticket")
    macro_sub = macro.add_subparsers(dest="macro_command", metavar="ACTION", parser_class=_Parser, required=True)
    macro_list = macro_sub.add_parser("list", parents=[common], help="list the macros")
    macro_list.add_argument("--json", action="store_true", help="print JSON lines")
    macro_apply = macro_sub.add_parser("apply", parents=[common],
                                       help="apply a macro to a ticket: its changes are queued, its reply is "
                                            "left in the ticket's draft")
    macro_apply.add_argument("ticket", help="ticket number")
    macro_apply.add_argument("name", help="macro id (acknowledge) or name")
    macro_apply.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    account = sub.add_parser("account", parents=[common], help="add, list, test or remove helpdesk accounts")
    account_sub = account.add_subparsers(dest="account_command", metavar="ACTION", parser_class=_Parser,
                                         required=True)
    account_add = account_sub.add_parser(
        "add", parents=[common], help="add an account, or replace its settings and token",
        description="Where the token comes from, first match wins: the environment variable "
                    "HELPDESK_TUI_TOKEN_<NAME> (NAME upper-cased, other characters than letters and digits as _), "
                    "then --token-command, then the system keyring (the token is asked for, or read from "
                    "--token-env VAR, and stored there). The first two need no keyring.")
    account_add.add_argument("name", metavar="NAME",
                             help="a short name such as 'work': letters, digits, '-', '_', '.'")
    account_add.add_argument("--backend", required=True, help="rt, django-helpdesk, zendesk or a plug-in's name")
    account_add.add_argument("--url", required=True, help="the helpdesk's base URL, e.g. https://example.zendesk.com")
    account_add.add_argument("--user", default=None, help="the login, usually an e-mail address")
    account_add.add_argument("--token-env", metavar="VAR", default=None,
                             help="read the token from environment variable VAR instead of asking for it")
    account_add.add_argument("--option", metavar="KEY=VALUE", action="append", default=[], dest="options",
                             help="a setting the backend declares (a project, a domain, a mapping file); repeatable")
    account_add.add_argument("--token-command", metavar="CMD", default=None,
                             help="a command that prints the token, e.g. 'pass show helpdesk/work', 'secret-tool "
                                  "lookup …' or 'op read …': run without a shell each time the token is needed "
                                  "(its first line is the token), instead of the keyring")
    account_list = account_sub.add_parser("list", parents=[common], help="list accounts and whether a token is stored")
    account_list.add_argument("--json", action="store_true", help="print JSON lines")
    account_test = account_sub.add_parser(
        "test", parents=[common], help="sign in to an account's helpdesk and try each read it declares",
        description="Sign in (storing who you are), then read the first page of tickets, one thread and, "
                    "where the backend declares them, each lookup, the articles and the templates: one line "
                    "each, ok or what went wrong. Exit status 1 when any read failed.")
    account_test.add_argument("name", metavar="NAME")
    account_test.add_argument("--json", action="store_true", help="print one JSON object per read")
    account_remove = account_sub.add_parser("remove", parents=[common], help="forget an account and its token")
    account_remove.add_argument("name", metavar="NAME")
    triage = sub.add_parser("triage", parents=[common], help="open the app on rotation triage: new and unassigned "
                            "tickets, one key per action")
    triage.add_argument("--new-rotation", action="store_true",
                        help="start a new rotation (its tally of handled tickets starts from zero)")
    sessions = sub.add_parser("sessions", parents=[common], help="list focus sessions, or show one's summary")
    sessions.add_argument("--limit", type=int, default=20, help="list at most N sessions, newest first (default 20)")
    sessions.add_argument("--json", action="store_true", help="print JSON lines")
    sessions_sub = sessions.add_subparsers(dest="sessions_command", metavar="ACTION", parser_class=_Parser)
    sessions_show = sessions_sub.add_parser("show", parents=[common], help="print one session's summary")
    sessions_show.add_argument("session", metavar="ID", help="the session's number, as 'sessions' lists it")
    sessions_show.add_argument("--json", action="store_true", help="print JSON")
    handover = sub.add_parser("handover", parents=[common],
                              help="write a markdown handover for the next engineer on rotation")
    handover.add_argument("--hours", type=int, default=24,
                          help="look this many hours ahead for tickets at risk and promises due (default 24)")
    handover.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    insights = sub.add_parser("insights", parents=[common], help="product feedback marked on customer messages")
    insights_sub = insights.add_subparsers(dest="insights_command", metavar="ACTION", parser_class=_Parser,
                                           required=True)
    insights_export = insights_sub.add_parser("export", parents=[common],
                                              help="the marked messages grouped by ticket tag, for product")
    insights_export.add_argument("--since", default="30d", help="7d, 12h, 2w or a date such as 2026-11-01 "
                                 "(default 30d)")
    insights_export.add_argument("--format", choices=["markdown", "csv"], default="markdown",
                                 help="markdown (default) or csv")
    insights_export.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    export = sub.add_parser("export", parents=[common], help="the cache's tickets, messages, customers, "
                            "organizations and ratings for analysts (never the outbox, drafts or settings)")
    export.add_argument("output", metavar="PATH", help="a SQLite file, or a folder for csv and json")
    export.add_argument("--format", choices=["sqlite", "csv", "json"], default="sqlite",
                        help="sqlite (default: one file with keys), csv or json (one file per table)")
    export.add_argument("--overwrite", action="store_true", help="replace PATH if it exists")
    stats = sub.add_parser("stats", parents=[common], help="KPIs: response times, targets, breaches, backlog, "
                           "ratings per agent, queue or day")
    stats.add_argument("--since", default="7d", help="7d, 30d, 12h, 2w or a date such as 2026-11-01 (default 7d)")
    stats.add_argument("--format", choices=["table", "csv", "json"], default=None,
                       help="table (default), or csv/json with durations in seconds")
    stats.add_argument("--json", action="store_true", help="the same as --format json, as in the other commands")
    stats.add_argument("--by", choices=["agent", "queue", "day"], default="agent", help="group rows (default agent)")
    rate = sub.add_parser("rate", parents=[common], help="record a customer's satisfaction rating of a ticket")
    rate.add_argument("ticket", help="ticket number")
    rate.add_argument("score", choices=["good", "bad"], help="good or bad")
    rate.add_argument("--comment", default="", help="what the customer said")
    return parser
