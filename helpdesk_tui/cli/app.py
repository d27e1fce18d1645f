"""Commands that open the workstation (``open``, ``demo``), and ``locate``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from helpdesk_tui.cli.context import DEMO, Context
from helpdesk_tui.errors import UserError

if TYPE_CHECKING:
    from helpdesk_tui.ui.app import HelpdeskApp


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
    ctx.account = DEMO
    ctx.build_demo(seed=seed, tickets=tickets, rebuild=rebuild)
    if build_only:
        print(ctx.db_path)
        return 0
    return open_app(ctx)


def open_app(ctx: Context, status: str | None = None, *, prepare: Callable[[HelpdeskApp], None] | None = None) -> int:
    """Run the workstation; ``prepare(app)`` runs before it starts (e.g. to open on triage)."""
    from helpdesk_tui.ui import startup

    startup.prepare()  # before the app's imports: see the module
    from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
    from helpdesk_tui.ui.themes import bundled_themes_dir

    if not sys.stdout.isatty() and not os.environ.get("HELPDESK_TUI_FORCE_TTY"):
        raise UserError("The workstation needs a terminal: run it in one, or use 'list', 'show' "
                        "and 'search' for scripts.")
    from helpdesk_tui.services.opening import open_for_app

    start = open_for_app(ctx, status)
    try:
        app = HelpdeskApp(AppOptions(
            cache=start.cache, settings=ctx.settings, state_file=ctx.locations.state_file,
            bundled_themes=cast(Path, bundled_themes_dir()),  # an installed package's folder is a Path user_themes=ctx.locations.themes_dir,
            status=start.status, backend=start.backend, send_delay=start.send_delay,
            templates_dir=ctx.locations.templates_dir, blame_phrases=start.blame_phrases,
            sync_interval=start.sync_interval, config_file=ctx.locations.config_file, workspace=ctx,
        ))
        if prepare is not None:
            prepare(app)
        app.run()
    finally:
        start.cache.close()  # the app closes the caches of the accounts it switched to
    return app.return_code or 0
