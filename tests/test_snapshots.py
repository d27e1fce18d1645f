"""Snapshots of the main screen at 120×40 with a fixed clock and no live timers.

Update after an intended visual change with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from tests.ui_support import make_app

SIZE = (120, 40)


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_inbox(snap_compare, demo_db, tmp_path):
    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=_settle)


def test_main_screen_with_a_ticket_open(snap_compare, demo_db, tmp_path):
    async def open_third(pilot):
        await _settle(pilot)
        await pilot.press("j", "j", "enter")
        await pilot.pause()

    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=open_third)


def test_high_contrast_theme_with_timeline(snap_compare, demo_db, tmp_path):
    async def prepare(pilot):
        await _settle(pilot)
        pilot.app.theme = "helpdesk-high-contrast"
        await pilot.press("enter", "l")
        await pilot.pause()

    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=prepare)


def test_rotation_triage_screen(snap_compare, demo_db, tmp_path):
    async def triage(pilot):
        await _settle(pilot)
        await pilot.press("t")
        await _settle(pilot)

    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=triage)


def test_kpi_dashboard(snap_compare, demo_db, tmp_path):
    async def dashboard(pilot):
        await _settle(pilot)
        await pilot.press("K")
        await _settle(pilot)

    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=(160, 50), run_before=dashboard)
