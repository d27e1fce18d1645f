"""What each CLI command does, given resolved locations and settings."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.cli_json import dumps
from helpdesk_tui.config.paths import Locations, ensure_dirs, resolve_locations, validate_account_name
from helpdesk_tui.config.settings import ConfigError, Settings, load_settings
from helpdesk_tui.errors import UserError

DEMO = "demo"


@dataclass
class Context:
    locations: Locations
    settings: Settings
    account: str

    @classmethod
    def from_args(cls, home: str | None, account: str | None) -> Context:
        locations = resolve_locations(home)
        try:
            settings = load_settings(locations.config_file)
        except ConfigError as exc:
            raise UserError(str(exc)) from None
        name = account or settings.default_account
        try:
            validate_account_name(name)
        except ValueError as exc:
            raise UserError(str(exc), 2) from None
        if name != DEMO and name not in settings.accounts:
            known = ", ".join(sorted(set(settings.accounts) | {DEMO}))
            raise UserError(f"There is no account named '{name}': use one of {known}, "
                            f"or add it to {locations.config_file}.", 2)
        return cls(locations, settings, name)

    @property
    def db_path(self) -> Path:
        return self.locations.account_db(self.account)

    def open_cache(self, *, create: bool = False):
        """The account's cache; ``create`` makes an empty one (the first sync fills it)."""
        from helpdesk_tui.store.cache import Cache
        from helpdesk_tui.store.db import CacheError
        from helpdesk_tui.store.schema import SchemaTooNew

        from helpdesk_tui.store.failures import explain

        try:
            if self.account == DEMO and not self.db_path.exists():
                build_demo(self, seed=7, tickets=1200, quiet=True)
            if create:
                ensure_dirs(self.locations)
        except OSError as exc:  # a full disk, a read-only mount, a file where a folder should be
            raise UserError(explain(exc, self.db_path)) from None
        if not create and not self.db_path.exists():
            raise UserError(f"There is no local cache for account '{self.account}' yet: run "
                            f"'helpdesk-tui sync --account {self.account}' first.")
        try:
            cache = Cache(self.db_path, self.account)
        except (CacheError, SchemaTooNew) as exc:
            raise UserError(str(exc)) from None
        progress = None
        if sys.stderr.isatty():
            def progress(done: int, total: int) -> None:
                print(f"\rapplying the SLA policy: {done:,}/{total:,} tickets", end="", file=sys.stderr, flush=True)
        if cache.ensure_sla_policy(self.settings.sla.policy, progress) and progress is not None:
            print(file=sys.stderr)
        return cache


def find_ticket_or_fail(ctx: Context, cache, reference: str):
    """The ticket numbered ``reference``, or one sentence saying it is not in the cache."""
    ticket = cache.find_ticket(reference)
    if ticket is None:
        raise UserError(f"No ticket {reference} in the '{ctx.account}' cache: "
                        "check the number with 'helpdesk-tui list'.")
    return ticket


def locate(ctx: Context, what: str | None) -> int:
    from helpdesk_tui.config.starter import write_starter

    if what in (None, "config") and not ctx.locations.config_file.exists():
        # A path to a file that is not there helps no one: give the user a commented one to edit.
        try:
            if write_starter(ctx.locations.config_file):
                print(f"helpdesk-tui: created {ctx.locations.config_file} with every setting commented out.",
                      file=sys.stderr)
        except OSError as error:
            print(f"helpdesk-tui: {ctx.locations.config_file} does not exist yet and cannot be created "
                  f"({error.strerror or error}): the defaults apply.", file=sys.stderr)
    places = ctx.locations.describe(ctx.account)
    if what:
        print(places[what])
        return 0
    width = max(len(k) for k in places)
    for key, path in places.items():
        print(f"{key:<{width}}  {path}")
    return 0


def build_demo(ctx: Context, *, seed: int, tickets: int, rebuild: bool = False, quiet: bool = False) -> None:
    from helpdesk_tui.demo.workspace_db import ensure_demo_workspace
    from helpdesk_tui.store.db import CacheError

    ensure_dirs(ctx.locations)
    progress = None
    if not quiet and sys.stderr.isatty():
        def progress(done: int, total: int) -> None:
            print(f"\rbuilding demo workspace: {done:,}/{total:,} tickets", end="", file=sys.stderr, flush=True)
    try:
        built = ensure_demo_workspace(ctx.locations.account_db(DEMO), seed=seed, tickets=tickets,
                                      now=datetime.now(UTC), rebuild=rebuild, progress=progress)
    except CacheError as exc:  # e.g. open in the app: it is not replaced under it
        if progress is not None:
            print(file=sys.stderr)
        raise UserError(str(exc)) from None
    if built and progress is not None:
        print(file=sys.stderr)


def demo(ctx: Context, *, seed: int, tickets: int, rebuild: bool, build_only: bool) -> int:
    if tickets < 1:
        raise UserError("--tickets must be at least 1.", 2)
    ctx.account = DEMO
    build_demo(ctx, seed=seed, tickets=tickets, rebuild=rebuild)
    if build_only:
        print(ctx.db_path)
        return 0
    return open_app(ctx, status="demo workspace · no server")


def open_app(ctx: Context, status: str | None = None, *, prepare: Callable[[object], None] | None = None) -> int:
    """Run the workstation; ``prepare(app)`` runs before it starts (e.g. to open on triage)."""
    from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
    from helpdesk_tui.ui.themes import bundled_themes_dir

    if not sys.stdout.isatty() and not os.environ.get("HELPDESK_TUI_FORCE_TTY"):
        raise UserError("The workstation needs a terminal: run it in one, or use 'list', 'show' "
                        "and 'search' for scripts.")
    from helpdesk_tui.compose.phrases import load_blame_phrases
    from helpdesk_tui.sync_commands import backend_for

    phrases = load_blame_phrases(ctx.locations.config_dir / "blame_phrases.txt")
    delay, interval, problem = 0.0, None, None
    if ctx.account == DEMO:
        cache = ctx.open_cache()
        backend, delay = backend_for(ctx), 0.8
        status = status or "demo workspace · no server"
    else:
        cache = ctx.open_cache(create=True)  # a new account fills it with its first sync
        try:
            backend = backend_for(ctx)
            interval = ctx.settings.sync.interval_seconds or None
        except UserError as exc:
            # Offline is a normal state: the cache still opens, and the header says why.
            backend, problem = None, str(exc)
        if status is None:
            status = f"offline · {problem}" if problem else "offline · local cache"
    try:
        app = HelpdeskApp(AppOptions(
            cache=cache, settings=ctx.settings, state_file=ctx.locations.state_file,
            bundled_themes=bundled_themes_dir(), user_themes=ctx.locations.themes_dir,
            status=status, backend=backend, send_delay=delay, templates_dir=ctx.locations.templates_dir,
            blame_phrases=tuple(phrases.phrases), sync_interval=interval,
        ))
        if prepare is not None:
            prepare(app)
        app.run()
    finally:
        cache.close()
    return app.return_code or 0


def _query(ctx: Context, view: str, filter_text: str):
    from helpdesk_tui.domain.query import FilterError, builtin_views, parse_filter
    from helpdesk_tui.store.inbox import InboxQuery, view_query

    views = {v.id: v for v in builtin_views(ctx.settings.agent.name)}
    if view not in views:
        raise UserError(f"Unknown view '{view}': use one of {', '.join(views)}.", 2)
    try:
        extra = parse_filter(filter_text, me=ctx.settings.agent.name)
    except FilterError as exc:
        raise UserError(str(exc), 2) from None
    base = view_query(views[view], datetime.now(UTC))
    return InboxQuery(filter=base.filter.merged(extra), order=base.order, due_before=base.due_before)


def list_tickets(ctx: Context, *, view: str, filter_text: str, limit: int | None, as_json: bool) -> int:
    from helpdesk_tui import cli_output

    query = _query(ctx, view, filter_text)
    cache = ctx.open_cache()
    try:
        ids = cache.inbox_ids(query, limit=limit)
        now = datetime.now(UTC)
        for start in range(0, len(ids), 500):
            rows = cache.inbox_rows(ids[start : start + 500])
            cli_output.print_rows(rows, now, as_json=as_json)
    finally:
        cache.close()
    return 0


def show_ticket(ctx: Context, reference: str, *, as_json: bool) -> int:
    from helpdesk_tui import cli_output

    cache = ctx.open_cache()
    try:
        ticket = find_ticket_or_fail(ctx, cache, reference)
        customer = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
        cli_output.print_ticket(ticket, cache.thread(ticket.id), cache.timeline(ticket.id), customer,
                                datetime.now(UTC), as_json=as_json)
    finally:
        cache.close()
    return 0


def search(ctx: Context, query: str, *, limit: int, as_json: bool) -> int:
    from helpdesk_tui import cli_output

    cache = ctx.open_cache()
    try:
        hits = cache.search(query, limit=limit)
    finally:
        cache.close()
    cli_output.print_hits(hits, as_json=as_json)
    if not hits and not as_json:
        print("No matches.", file=sys.stderr)
    return 0


def template_list(ctx: Context, *, as_json: bool) -> int:
    from helpdesk_tui.compose.templates import load_templates
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.content.text import fit

    result = load_templates(ctx.locations.templates_dir, _synced_templates(ctx))
    for name, sentence in result.failed:
        print(f"helpdesk-tui: {clean_line(f'Template {name} was not loaded: {sentence}')}", file=sys.stderr)
    # On a terminal each template is one line, cut to its width; a pipe gets the whole text.
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0
    for t in result.templates:
        if as_json:
            print(dumps({"id": t.id, "name": t.name, "language": t.language, "description": t.description,
                         "tags": list(t.tags), "source": t.source, "origin": t.origin,
                         "default_status": t.default_status, "default_checkpoint": t.default_checkpoint}))
        else:
            name = clean_line(t.name) + (f" ({clean_line(t.origin)})" if t.origin else "")
            line = f"{fit(clean_line(t.id), 32)} {fit(t.language, 5)} {fit(name, 28)} {clean_line(t.description)}"
            print(fit(line, width).rstrip() if width else line)
    return 0


def _synced_templates(ctx: Context) -> list:
    """The account's templates synced from its helpdesk; none before the first sync."""
    if not ctx.db_path.exists():
        return []
    cache = ctx.open_cache()
    try:
        return cache.synced_templates()
    finally:
        cache.close()


def template_render(ctx: Context, name: str, reference: str) -> int:
    from helpdesk_tui.compose.render import apply_template
    from helpdesk_tui.compose.templates import TemplateError, load_templates, resolve_template
    from helpdesk_tui.content import clean_line, clean_text

    templates = load_templates(ctx.locations.templates_dir, _synced_templates(ctx)).templates
    cache = ctx.open_cache()
    try:
        ticket = find_ticket_or_fail(ctx, cache, reference)
        summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    finally:
        cache.close()
    language = summary.customer.language if summary else "en"
    try:
        template = resolve_template(templates, name, language)
    except (TemplateError, LookupError, ValueError) as exc:
        raise UserError(clean_line(str(exc)), 2) from None
    now = datetime.now(UTC)
    try:
        result = apply_template(template, ticket=ticket, customer=summary.customer if summary else None,
                                organization=summary.organization if summary else None,
                                agent_name=ctx.settings.agent.name, now=now, tz=now.astimezone().tzinfo or UTC)
    except TemplateError as exc:
        raise UserError(f"Template {template.id} cannot be rendered: {exc}") from None
    sys.stdout.write(clean_text(result.text) if sys.stdout.isatty() else result.text)
    if result.unresolved:
        # The app will not send this text as it is: neither may a script take it as done.
        where = ", ".join(f"{{{{ {clean_line(placeholder)} }}}} on line {line}"
                          for placeholder, line in result.unresolved)
        raise UserError(f"The text still has placeholders without a value ({where}): fill them in before "
                        "sending.")
    return 0
