"""Building the app for Pilot and snapshot tests: fixed clock, no live timers, temp files."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from helpdesk_tui.config.settings import SendSettings, Settings, UISettings
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
from helpdesk_tui.ui.themes import bundled_themes_dir

from tests.conftest import DEMO_NOW


def make_app(db: Path, tmp: Path, *, settings: Settings | None = None, user_themes: Path | None = None,
             state_file: Path | None = None, backend=None, templates_dir: Path | None = None,
             clock=None, workspace=None) -> HelpdeskApp:
    # No undo window unless a test asks for one (tests/test_undo_send.py): the others check
    # what happens once a reply is in the outbox.
    settings = settings or Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=0))
    return HelpdeskApp(AppOptions(
        cache=Cache(db, "demo"), settings=settings,
        state_file=state_file or tmp / "state.json",
        bundled_themes=bundled_themes_dir(), user_themes=user_themes or tmp / "themes",
        clock=clock or (lambda: DEMO_NOW), live=False, status="demo workspace · no server",
        backend=backend, templates_dir=templates_dir or tmp / "templates", tz=UTC, workspace=workspace,
    ))


def screen_text(app) -> str:
    """Everything on the current screen as plain text, line by line (what a user would read)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def settle(pilot, app) -> None:
    """Let the app paint, finish its workers (ids, counts, sends), and paint again."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
