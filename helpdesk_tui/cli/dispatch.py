"""The one table from a command line to the handler that runs it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from helpdesk_tui import logs
from helpdesk_tui.cli import accounts, app, reports, sessions, stats, sync, templates, tickets, triage
from helpdesk_tui.cli.context import Context
from helpdesk_tui.errors import UserError

Handler = Callable[[Context, argparse.Namespace], int]


def _stats(ctx: Context, args: argparse.Namespace) -> int:
    if args.json and args.format not in (None, "json"):
        raise UserError(f"--json and --format {args.format} ask for two formats: give one of them.", 2)
    return stats.stats(ctx, since=args.since, fmt="json" if args.json else args.format or "table", by=args.by)


# "command" or "command action": each handler only turns the parsed arguments into a call.
COMMANDS: dict[str, Handler] = {
    "open": lambda ctx, a: app.open_app(ctx),
    "demo": lambda ctx, a: app.demo(ctx, seed=a.seed, tickets=a.tickets, rebuild=a.rebuild,
                                    build_only=a.build_only),
    "triage": lambda ctx, a: triage.triage(ctx, new_rotation=a.new_rotation),
    "locate": lambda ctx, a: app.locate(ctx, a.what),
    "list": lambda ctx, a: tickets.list_tickets(ctx, view=a.view, filter_text=a.filter, limit=a.limit,
                                                as_json=a.json),
    "show": lambda ctx, a: tickets.show_ticket(ctx, a.ticket, as_json=a.json),
    "search": lambda ctx, a: tickets.search(ctx, a.query, limit=a.limit, as_json=a.json),
    "sync": lambda ctx, a: sync.sync(ctx),
    "reply": lambda ctx, a: sync.reply(ctx, a.ticket, file=a.file, note=a.note, status=a.status,
                                       next_update=a.next_update, send=not a.queue_only, delay=a.delay),
    "outbox": lambda ctx, a: sync.outbox(ctx, retry=a.retry, drop=a.drop, as_json=a.json),
    "template list": lambda ctx, a: templates.template_list(ctx, as_json=a.json),
    "template render": lambda ctx, a: templates.template_render(ctx, a.name, a.ticket),
    "account add": lambda ctx, a: accounts.account_add(ctx, a.name, a.backend, a.url, a.user, a.token_env,
                                                       sys.stdin is not None and sys.stdin.isatty(),
                                                       token_command=a.token_command),
    "account list": lambda ctx, a: accounts.account_list(ctx, as_json=a.json),
    "account test": lambda ctx, a: accounts.account_test(ctx, a.name),
    "account remove": lambda ctx, a: accounts.account_remove(ctx, a.name),
    "sessions": lambda ctx, a: sessions.sessions_list(ctx, limit=a.limit, as_json=a.json),
    "sessions show": lambda ctx, a: sessions.session_show(ctx, a.session, as_json=a.json),
    "handover": lambda ctx, a: reports.handover(ctx, hours=a.hours, output=a.output),
    "insights export": lambda ctx, a: reports.insights_export(ctx, since=a.since, fmt=a.format, output=a.output),
    "stats": _stats,
    "rate": lambda ctx, a: stats.rate(ctx, a.ticket, a.score, comment=a.comment),
}

# They show the settings' warnings themselves, where stderr would be painted over.
_OPENS_APP = ("open", "triage", "demo")


def command_name(args: argparse.Namespace) -> str:
    """The table's key for ``args``: the command, then its action if it has one."""
    command = args.command or "open"
    action = getattr(args, f"{command}_command", None)
    return f"{command} {action}" if action else command


def dispatch(args: argparse.Namespace) -> int:
    from helpdesk_tui.store.failures import CacheFailure, explain

    name = command_name(args)
    handler = COMMANDS.get(name)
    if handler is None:
        raise UserError(f"Unknown command '{name}'. Run 'helpdesk-tui --help' for the list.", 2)
    context = Context.from_args(getattr(args, "home", None), getattr(args, "account", None))
    logs.configure_from_args(args, context.locations.data_dir)
    if name not in _OPENS_APP or (name == "demo" and args.build_only):
        from helpdesk_tui.content import clean_line

        for warning in context.settings.warnings:
            print(f"helpdesk-tui: {clean_line(warning)}", file=sys.stderr)
    try:
        return handler(context, args)
    except CacheFailure as exc:  # the cache failed mid-command: say why in one sentence
        raise UserError(explain(exc, context.db_path)) from None
