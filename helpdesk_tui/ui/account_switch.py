"""Switching the app to another configured account (the palette's "Account: Switch to …", ctrl+o).

The workstation of the account open is closed cleanly first: its draft saved (a draft that
cannot be saved, or a reply still in its undo window, stops the switch), the screens over it closed, its workers told to stop
reaching for the UI, its timers gone with it, its cache closed. Then the other account's cache
opens (``services.switching``) under a new workstation: the header names the account.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text

from helpdesk_tui.content import clean_line
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.switching import open_account, switchable_accounts
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker

if TYPE_CHECKING:
    from helpdesk_tui.ui.app import HelpdeskApp
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def accounts(app: HelpdeskApp) -> list[str]:
    """Every account the app can switch to (the open one included); none without a workspace."""
    workspace = app.options.workspace
    return switchable_accounts(workspace) if workspace is not None else []


def others(app: HelpdeskApp) -> list[str]:
    return [name for name in accounts(app) if name != app.cache.account]


def pick_account(app: HelpdeskApp) -> None:
    """ctrl+o: a picker of the other accounts (one sentence when there is none)."""
    names = others(app)
    if not names:
        app.notify("No other account to switch to: add one with 'helpdesk-tui account add'.", severity="warning")
        return

    def chosen(name: str | None) -> None:
        if name:
            app.run_worker(switch_account(app, name), group="switch-account", exclusive=True, exit_on_error=False)

    # Account names are the user's text: shown as Text, never markup.
    app.push_screen(ChoicePicker("Switch to account…", [(name, Text(clean_line(name))) for name in names]), chosen)


def _ready_to_leave(app: HelpdeskApp, old: WorkstationScreen) -> bool:
    """Save the open draft; False (and a sentence) while a draft is only in memory or a reply is
    in its undo window (its countdown and release are this workstation's: closed now, the reply
    would wait in this account's outbox until the account is opened again)."""
    if old.holds.sends:
        app.notify("A reply is still in its undo window (u): switch once it has gone out.", severity="warning",
                   timeout=6)
        return False
    old.save_open_draft()
    drafts = old.drafts
    if drafts.unsaved_drafts and not drafts.retry_unsaved_drafts(wait=2.0):
        app.notify("A draft is not saved yet (see the composer's status line): switch once it is, so it is "
                   "not lost.", severity="error", timeout=10)
        return False
    return True


async def switch_account(app: HelpdeskApp, name: str) -> bool:
    """Close the open account's workstation and open ``name``'s; False (and a sentence) if not."""
    options = app.options
    if options.workspace is None:
        app.notify("This session was opened without its settings, so it cannot switch accounts.", severity="warning")
        return False
    if name == app.cache.account:
        app.notify(f"Already on account {clean_line(name)}.", markup=False)
        return False
    old = app.workstation
    if not _ready_to_leave(app, old):
        return False
    app.notify(f"Opening account {clean_line(name)}…", markup=False, timeout=2)
    try:
        # Off the event loop: a cache whose SLA clocks need computing again takes a while.
        workspace, start = await asyncio.to_thread(open_account, options.workspace, name)
    except ServiceError as exc:
        app.notify(clean_line(str(exc)), severity="error", markup=False, timeout=10)
        return False
    if not _ready_to_leave(app, old):  # asked again: the agent may have typed or sent meanwhile
        start.cache.close()
        return False
    old_cache = options.cache
    while len(app.screen_stack) > 1:  # triage, the dashboard, a dialog over the old workstation
        await app.pop_screen()
    old.close()  # its workers still running in threads no longer touch the screen
    app.options = replace(options, cache=start.cache, settings=workspace.settings, backend=start.backend,
                          status=start.status, send_delay=start.send_delay, sync_interval=start.sync_interval,
                          blame_phrases=start.blame_phrases, workspace=workspace)
    await app.open_workstation()
    app.opened_caches.append(start.cache)
    old_cache.close()
    app.notify(f"Switched to account {clean_line(name)}.", markup=False, timeout=4)
    return True
