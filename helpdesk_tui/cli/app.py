"""Commands that open the workstation (``open``, ``demo``), and ``locate``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from helpdesk_tui.cli.context import DEMO, Context, backend_for, build_demo
from helpdesk_tui.errors import UserError


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
