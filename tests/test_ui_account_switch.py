"""Switching accounts in the app (issue 11): two accounts in a temp home — the demo and a
second, demo-like one ("lab", a smaller demo workspace of another seed) — each with its own cache."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest

from helpdesk_tui.config.settings import SendSettings, UISettings
from helpdesk_tui.demo.workspace_db import ensure_demo_workspace
from helpdesk_tui.services.errors import InvalidRequest
from helpdesk_tui.services.types import InboxQuery
from helpdesk_tui.services.switching import open_account, switchable_accounts
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.ui.account_switch import switch_account
from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
from helpdesk_tui.ui.screens.triage import TriageScreen
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker
from helpdesk_tui.ui.screens.workstation import WorkstationScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.themes import bundled_themes_dir

from tests.conftest import DEMO_NOW
from tests.test_undo_send import write_and_send
from tests.ui_support import screen_text, settle

SIZE = (160, 45)
LAB_TICKETS = 30
DRAFT = "Draft written on the demo account before switching"


@pytest.fixture
def two_accounts(demo_home, monkeypatch) -> Path:
    """The demo home plus account "lab" (a demo backend; a token in the environment, no syncing)."""
    config = demo_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[sync]\ninterval_seconds = 0\n\n[accounts.lab]\nbackend = "demo"\n', encoding="utf-8")
    ensure_demo_workspace(demo_home / "data" / "accounts" / "lab.sqlite", seed=3, tickets=LAB_TICKETS, now=DEMO_NOW)
    monkeypatch.setenv("HELPDESK_TUI_TOKEN_LAB", "lab-token")
    return demo_home


def make_app(home: Path, tmp: Path, account: str = "demo", *, delay: int = 0, backend=None) -> HelpdeskApp:
    workspace = Workspace.load(str(home), account)
    settings = replace(workspace.settings, ui=UISettings(clock=False), send=SendSettings(delay_seconds=delay))
    workspace = Workspace(workspace.locations, settings, account)
    return HelpdeskApp(AppOptions(
        cache=workspace.open_cache(), settings=settings, state_file=tmp / "state.json",
        bundled_themes=bundled_themes_dir(), user_themes=tmp / "themes", clock=lambda: DEMO_NOW, live=False,
        status="demo workspace · no server", backend=backend, templates_dir=tmp / "templates", tz=UTC,
        config_file=workspace.locations.config_file, workspace=workspace))


def lab_ticket_count(home: Path) -> int:
    with Cache(home / "data" / "accounts" / "lab.sqlite", "lab").connection() as conn:
        return conn.execute("SELECT count(*) FROM tickets WHERE deleted_at IS NULL").fetchone()[0]


def test_the_accounts_to_switch_to_are_the_configured_ones_and_the_demo(two_accounts):
    workspace = Workspace.load(str(two_accounts), "demo")
    assert switchable_accounts(workspace) == ["demo", "lab"]
    other, start = open_account(workspace, "lab")
    try:
        assert other.account == "lab" and start.cache.account == "lab"
        assert start.cache.inbox_count(InboxQuery()) == LAB_TICKETS  # its own cache, not the demo's
    finally:
        start.cache.close()
    with pytest.raises(InvalidRequest, match="There is no account named 'nope'"):
        open_account(workspace, "nope")


async def test_switching_from_the_palette_shows_the_other_accounts_tickets_and_keeps_the_first_draft(
        two_accounts, tmp_path):
    app = make_app(two_accounts, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = app.workstation
        await pilot.press("enter")  # open the first ticket of the inbox
        await settle(pilot, app)
        ticket_id = first.ticket_id
        assert ticket_id is not None
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press(*DRAFT)
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        await pilot.press(*"Account: Switch to lab")
        for _ in range(200):  # the palette searches after a debounce
            if "Switch to lab" in screen_text(app) and "Close this account" in screen_text(app):
                break
            await pilot.pause(0.01)
        await pilot.press("enter")
        await settle(pilot, app)
        await settle(pilot, app)
        assert app.cache.account == "lab" and app.workstation is not first and first.closed
        assert not first.is_attached  # gone with its timers and workers
        assert isinstance(app.screen, WorkstationScreen) and app.screen is app.workstation
        assert screen_text(app).splitlines()[0].lstrip().startswith("lab")  # the header names the account
        await pilot.press("6")  # All: every ticket of the lab cache, none of the demo's
        await settle(pilot, app)
        assert len(app.query_one(InboxList).ids) == lab_ticket_count(two_accounts) == LAB_TICKETS
    demo = Cache(two_accounts / "data" / "accounts" / "demo.sqlite", "demo")
    try:
        draft = demo.draft(ticket_id)
        assert draft is not None and DRAFT in draft.body
    finally:
        demo.close()


async def test_ctrl_o_picks_the_account_closing_triage_first_and_can_switch_back(two_accounts, tmp_path):
    app = make_app(two_accounts, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        demo_count = len(app.query_one(InboxList).ids)
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker) and "lab" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot, app)
        await settle(pilot, app)
        assert app.cache.account == "lab" and app.screen is app.workstation
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"demo", "enter")
        await settle(pilot, app)
        await settle(pilot, app)
        assert app.cache.account == "demo" and len(app.query_one(InboxList).ids) == demo_count


async def test_without_another_account_ctrl_o_says_how_to_add_one(demo_home, tmp_path):
    app = make_app(demo_home, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+o")
        await settle(pilot, app)
        assert app.screen is app.workstation
        assert any("No other account to switch to" in n.message for n in app._notifications)


async def test_a_reply_in_its_undo_window_holds_the_switch_back(two_accounts, tmp_path):
    app = make_app(two_accounts, tmp_path, delay=30, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        await write_and_send(pilot, app, "The fix is deployed.", status="pending", promise="+2h")
        assert [i.state for i in app.cache.outbox_items()] == ["held"]
        assert await switch_account(app, "lab") is False
        await pilot.pause()
        assert app.cache.account == "demo" and app.screen is app.workstation
        assert any("still in its undo window" in n.message for n in app._notifications)
