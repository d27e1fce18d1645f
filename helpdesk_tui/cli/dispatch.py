"""The one table from a command line to the handler that runs it.

A handler only turns the parsed arguments into a call of its command group's module, which
it imports then: `locate` or `account list` must not pay for the store, the sync engine and
the templates (a second of imports on a slow disk).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from helpdesk_tui import logs
from helpdesk_tui.cli.context import Context
from helpdesk_tui.errors import UserError
from helpdesk_tui.services.errors import CacheFailure, cache_failure

Handler = Callable[[Context, argparse.Namespace], int]


def _open(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.app import open_app

    return open_app(ctx)


def _demo(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.app import demo

    return demo(ctx, seed=a.seed, tickets=a.tickets, rebuild=a.rebuild, build_only=a.build_only)


def _triage(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.triage import triage

    return triage(ctx, new_rotation=a.new_rotation)


def _locate(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.app import locate

    return locate(ctx, a.what)


def _list(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.tickets import list_tickets

    return list_tickets(ctx, view=a.view, filter_text=a.filter, limit=a.limit, as_json=a.json)


def _show(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.tickets import show_ticket

    return show_ticket(ctx, a.ticket, as_json=a.json)


def _search(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.tickets import search

    return search(ctx, a.query, limit=a.limit, as_json=a.json)


def _sync(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.sync import sync

    return sync(ctx)


def _reply(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.sync import reply

    return reply(ctx, a.ticket, file=a.file, note=a.note, status=a.status, next_update=a.next_update,
                 send=not a.queue_only, delay=a.delay, attach=a.attach)


def _new(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.new_ticket import new_ticket

    return new_ticket(ctx, to=a.to, cc=a.cc, subject=a.subject, file=a.file, status=a.status, priority=a.priority,
                      assignee=a.assignee, template=a.template, send=not a.queue_only, attach=a.attach)


def _outbox(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.sync import outbox

    return outbox(ctx, retry=a.retry, drop=a.drop, as_json=a.json)


def _template_list(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.templates import template_list

    return template_list(ctx, as_json=a.json)


def _template_render(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.templates import template_render

    return template_render(ctx, a.name, a.ticket)


def _account_add(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.accounts import account_add

    return account_add(ctx, a.name, a.backend, a.url, a.user, a.token_env,
                       sys.stdin is not None and sys.stdin.isatty(), token_command=a.token_command, options=a.options)


def _account_list(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.accounts import account_list

    return account_list(ctx, as_json=a.json)


def _account_test(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.account_test import account_test

    return account_test(ctx, a.name, as_json=a.json)


def _account_remove(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.accounts import account_remove

    return account_remove(ctx, a.name)


def _sessions(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.sessions import sessions_list

    return sessions_list(ctx, limit=a.limit, as_json=a.json)


def _session_show(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.sessions import session_show

    return session_show(ctx, a.session, as_json=a.json)


def _handover(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.reports import handover

    return handover(ctx, hours=a.hours, output=a.output)


def _insights_export(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.reports import insights_export

    return insights_export(ctx, since=a.since, fmt=a.format, output=a.output)


def _export(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.export import export

    return export(ctx, output=a.output, fmt=a.format, overwrite=a.overwrite)


def _stats(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.stats import stats

    if a.json and a.format not in (None, "json"):
        raise UserError(f"--json and --format {a.format} ask for two formats: give one of them.", 2)
    return stats(ctx, since=a.since, fmt="json" if a.json else a.format or "table", by=a.by)


def _rate(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.stats import rate

    return rate(ctx, a.ticket, a.score, comment=a.comment)


def _macro_list(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.macros import macro_list

    return macro_list(ctx, as_json=a.json)


def _macro_apply(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.macros import macro_apply

    return macro_apply(ctx, a.ticket, a.name, dry_run=a.dry_run)


def _attachment_list(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.attachments import attachment_list

    return attachment_list(ctx, a.ticket, as_json=a.json)


def _attachment_save(ctx: Context, a: argparse.Namespace) -> int:
    from helpdesk_tui.cli.attachments import attachment_save

    return attachment_save(ctx, a.ticket, a.attachment, to=a.to, overwrite=a.overwrite)


# "command" or "command action" -> its handler.
COMMANDS: dict[str, Handler] = {
    "open": _open, "demo": _demo, "triage": _triage, "locate": _locate,
    "list": _list, "show": _show, "search": _search,
    "attachment list": _attachment_list, "attachment save": _attachment_save,
    "sync": _sync, "reply": _reply, "new": _new, "outbox": _outbox,
    "template list": _template_list, "template render": _template_render,
    "macro list": _macro_list, "macro apply": _macro_apply,
    "account add": _account_add, "account list": _account_list, "account test": _account_test,
    "account remove": _account_remove,
    "sessions": _sessions, "sessions show": _session_show,
    "handover": _handover, "insights export": _insights_export,
    "stats": _stats, "rate": _rate, "export": _export,
}

# They show the settings' warnings themselves, where stderr would be painted over.
_OPENS_APP = ("open", "triage", "demo")


def command_name(args: argparse.Namespace) -> str:
    """The table's key for ``args``: the command, then its action if it has one."""
    command = args.command or "open"
    action = getattr(args, f"{command}_command", None)
    return f"{command} {action}" if action else command


def dispatch(args: argparse.Namespace) -> int:
    name = command_name(args)
    handler = COMMANDS.get(name)
    if handler is None:
        raise UserError(f"Unknown command '{name}'. Run 'helpdesk-tui --help' for the list.", 2)
    context = Context.from_args(getattr(args, "home", None), getattr(args, "account", None))
    logs.configure_from_args(args, context.locations.data_dir)
    if context.settings.warnings and (name not in _OPENS_APP or (name == "demo" and args.build_only)):
        from helpdesk_tui.content.sanitize import clean_line  # only when there is something to print

        for warning in context.settings.warnings:
            print(f"helpdesk-tui: {clean_line(warning)}", file=sys.stderr)
    try:
        return handler(context, args)
    except CacheFailure as exc:  # the cache failed mid-command: say why in one sentence
        raise cache_failure(exc, context.db_path) from None
